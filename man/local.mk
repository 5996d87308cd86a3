# Build rules for man, included by the top Makefile.am: the reference
# manual in section 3.  Each page documents one handle type or a group of
# calls, and every other exported function has a .so link page, so that
# `man NAME` finds every export (tests/abi/manpages.sh checks this).
dist_man_MANS = \
	man/pool_current.3 man/pool_free.3 man/pool_group_new.3 \
	man/pool_id.3 man/pool_idle.3 man/pool_metrics.3 man/pool_new.3 \
	man/pool_resize.3 man/pool_run.3 man/pool_run_batch.3 \
	man/pool_run_timed.3 man/pool_running.3 man/pool_size.3 \
	man/pool_start.3 man/pool_stop.3 man/pool_stop_timed.3 \
	man/pool_submit.3 man/pool_try_run.3 man/pool_wait.3 \
	man/probe.3 man/probe_config.3 man/probe_config_free.3 \
	man/probe_config_get.3 man/probe_config_new.3 \
	man/probe_config_set.3 man/probe_config_set_ctx.3 \
	man/probe_config_set_discard.3 man/probe_config_set_hooks.3 \
	man/probe_config_set_log.3 man/probe_config_set_name.3 \
	man/probe_ctx.3 man/probe_ctx_cancel.3 man/probe_ctx_done.3 \
	man/probe_ctx_err.3 man/probe_ctx_fd.3 man/probe_ctx_free.3 \
	man/probe_ctx_new.3 man/probe_ctx_new_child.3 \
	man/probe_ctx_new_timeout.3 man/probe_ctx_ref.3 \
	man/probe_ctx_wait.3 man/probe_current.3 \
	man/probe_current_ctx.3 man/probe_current_id.3 man/probe_free.3 \
	man/probe_future_cancel.3 man/probe_future_free.3 \
	man/probe_future_result.3 man/probe_future_status.3 \
	man/probe_future_wait.3 man/probe_group.3 \
	man/probe_group_cancel.3 man/probe_group_ctx.3 \
	man/probe_group_error.3 man/probe_group_free.3 \
	man/probe_group_run.3 man/probe_group_wait.3 man/probe_id.3 \
	man/probe_idle.3 man/probe_last_error.3 \
	man/probe_last_message.3 man/probe_log.3 man/probe_log_json.3 \
	man/probe_log_level_name.3 man/probe_log_record_attr_count.3 \
	man/probe_log_record_attr_key.3 \
	man/probe_log_record_attr_value.3 man/probe_log_record_get.3 \
	man/probe_log_record_level.3 man/probe_log_record_message.3 \
	man/probe_log_text.3 man/probe_metric_name.3 man/probe_new.3 \
	man/probe_option_bounds.3 man/probe_run.3 man/probe_running.3 \
	man/probe_start.3 man/probe_stop.3 man/probe_strerror.3 \
	man/probe_try_run.3 man/probe_version.3 \
	man/probe_version_number.3
