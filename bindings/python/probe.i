/*
 * SWIG interface of probe.capi, the low-level Python module: the C API of
 * include/probe.h as plain functions over the same handles, plus the glue
 * of pyglue.h for everything that calls back into Python.  The package
 * probe (probe/__init__.py) builds the Python classes on top of it.
 *
 * Run with -threads: every wrapped C call releases the GIL.  The glue
 * functions manage the GIL themselves, so they are marked %nothread.
 */
%module(package="probe") capi

%{
#include "probe.h"
#include "pyglue.h"
%}

%include <typemaps.i>
%include <stdint.i>

/* Callbacks are C function pointers, useless from Python: the glue
 * installs its own and calls the Python callables. */
%ignore probe_config_set_log;
%ignore probe_config_set_discard;
%ignore probe_config_set_hooks;
%ignore probe_log_text;
%ignore probe_log_json;
%ignore probe_log_record_level;
%ignore probe_log_record_message;
%ignore probe_log_record_attr_count;
%ignore probe_log_record_attr_key;
%ignore probe_log_record_attr_value;
%ignore probe_log_record_get;
%ignore probe_run;
%ignore probe_try_run;
%ignore pool_run;
%ignore pool_try_run;
%ignore pool_run_timed;
%ignore pool_run_batch;
%ignore pool_submit;
%ignore probe_group_run;
%ignore probe_future_result;
%ignore pool_metrics;

/* Handles with Python callbacks are made and freed by the glue only. */
%ignore probe_new;
%ignore probe_free;
%ignore pool_new;
%ignore pool_free;

%apply long long *OUTPUT { long long *out };
%apply long long *OUTPUT { long long *min, long long *max };

#define PROBE_EXTERN
/* The enum and the function share a name; keep the function. */
%rename("probe_future_status_code", %$isenum) probe_future_status;
%include "probe.h"

%nothread pyprobe_new;
%nothread pyprobe_free;
%nothread pyprobe_pool;
%nothread pyprobe_probe;
%nothread pyprobe_run;
%nothread pyprobe_stop;
%nothread pyprobe_start;
%nothread pyprobe_wait;
%nothread pyprobe_resize;
%nothread pyprobe_metrics;
%nothread pyprobe_group_run;
%nothread pyprobe_group_wait;
%nothread pyprobe_submit;
%nothread pyprobe_future_wait;
%nothread pyprobe_ctx_wait;
%nothread pyprobe_atexit;
%nothread pyprobe_exiting;

%include "pyglue.h"
