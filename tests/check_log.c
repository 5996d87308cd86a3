/* Logging: silent by default, records through accessors, level filter,
 * the text and JSON handlers. */
#define _GNU_SOURCE
#include "harness.h"

#include <stdio.h>
#include <string.h>

struct captured {
    pthread_mutex_t lock;
    int count;
    int saw_pool_started;
    int saw_probe_loop;
    int below_min;
    char last_source[16];
    char last_id[16];
};

static void capture(const probe_log_record *rec, void *payload)
{
    struct captured *c = payload;
    const char *msg = probe_log_record_message(rec);

    pthread_mutex_lock(&c->lock);
    c->count++;
    if (probe_log_record_level(rec) < PROBE_LOG_INFO)
        c->below_min++;
    if (strncmp(msg, "started", 7) == 0)
        c->saw_pool_started = 1;
    if (strstr(msg, "probe loop") != NULL)
        c->saw_probe_loop = 1;
    snprintf(c->last_source, sizeof c->last_source, "%s",
             probe_log_record_get(rec, "source"));
    snprintf(c->last_id, sizeof c->last_id, "%s",
             probe_log_record_get(rec, "id"));
    pthread_mutex_unlock(&c->lock);
}

START_TEST(test_log_min_level_filters)
{
    struct captured c = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0, "", ""};
    probe_config *cfg = probe_config_new();
    pool *pl;

    probe_config_set_log(cfg, PROBE_LOG_INFO, capture, &c);
    pl = pool_new(cfg);
    pool_free(pl);
    ck_assert_int_gt(c.count, 0);
    ck_assert_int_eq(c.saw_pool_started, 1);
    ck_assert_int_eq(c.saw_probe_loop, 0);
    ck_assert_int_eq(c.below_min, 0);
    probe_config_free(cfg);
}
END_TEST

START_TEST(test_log_debug_shows_probe_loops)
{
    struct captured c = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0, "", ""};
    probe_config *cfg = probe_config_new();
    probe *p;

    probe_config_set_log(cfg, PROBE_LOG_DEBUG, capture, &c);
    p = probe_new(cfg);
    probe_stop(p, PROBE_DRAIN, PROBE_WAIT);
    ck_assert_int_eq(c.saw_probe_loop, 1);
    ck_assert_str_eq(c.last_source, "probe");
    ck_assert_str_eq(c.last_id, probe_id(p));
    probe_free(p);
    probe_config_free(cfg);
}
END_TEST

static void must_not_log(const probe_log_record *rec, void *payload)
{
    (void)rec;
    (void)payload;
    ck_abort_msg("a handler set to NULL was called");
}

START_TEST(test_log_silent_by_default)
{
    probe_config *cfg = probe_config_new();
    pool *pl;

    /* Set, then clear: the library must not keep calling it. */
    probe_config_set_log(cfg, PROBE_LOG_DEBUG, must_not_log, NULL);
    probe_config_set_log(cfg, PROBE_LOG_DEBUG, NULL, NULL);
    pl = pool_new(cfg);
    pool_stop(pl, PROBE_KEEP, PROBE_WAIT);
    pool_run(pl, task_count, NULL);
    pool_free(pl);
    probe_config_free(cfg);
}
END_TEST

static char *log_to_string(probe_log_fn fn)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *fp = open_memstream(&buf, &size);
    probe_config *cfg = probe_config_new();
    pool *pl;

    probe_config_set_log(cfg, PROBE_LOG_INFO, fn, fp);
    pl = pool_new(cfg);
    pool_stop(pl, PROBE_KEEP, PROBE_WAIT);
    ck_assert_int_eq(pool_run(pl, task_count, NULL), PROBE_ESTOPPED);
    pool_free(pl);
    probe_config_free(cfg);
    fclose(fp);
    return buf;
}

START_TEST(test_log_text_handler)
{
    char *out = log_to_string(probe_log_text);

    ck_assert_ptr_nonnull(strstr(out, " info started with 8 workers"));
    ck_assert_ptr_nonnull(strstr(out, "source=pool"));
    ck_assert_ptr_nonnull(strstr(out, " warn submit rejected"));
    free(out);
}
END_TEST

START_TEST(test_log_json_handler)
{
    char *out = log_to_string(probe_log_json);
    char *line;

    for (line = strtok(out, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        ck_assert_int_eq(line[0], '{');
        ck_assert_int_eq(line[strlen(line) - 1], '}');
        ck_assert_ptr_nonnull(strstr(line, "\"level\":\""));
        ck_assert_ptr_nonnull(strstr(line, "\"source\":\"pool\""));
    }
    free(out);
}
END_TEST

START_TEST(test_log_record_accessors_reject_null)
{
    ck_assert_int_eq(probe_log_record_level(NULL), PROBE_EINVAL);
    ck_assert_ptr_null(probe_log_record_message(NULL));
    ck_assert_uint_eq(probe_log_record_attr_count(NULL), 0);
    ck_assert_ptr_null(probe_log_record_attr_key(NULL, 0));
    ck_assert_ptr_null(probe_log_record_attr_value(NULL, 0));
    ck_assert_ptr_null(probe_log_record_get(NULL, "id"));
    ck_assert_str_eq(probe_log_level_name(PROBE_LOG_WARN), "warn");
    ck_assert_str_eq(probe_log_level_name(12345), "level");
    probe_log_text(NULL, stderr);
    probe_log_json(NULL, stderr);
}
END_TEST

static void check_attrs(const probe_log_record *rec, void *payload)
{
    size_t i, n = probe_log_record_attr_count(rec);

    (void)payload;
    ck_assert_uint_ge(n, 2);
    ck_assert_str_eq(probe_log_record_attr_key(rec, 0), "source");
    ck_assert_str_eq(probe_log_record_attr_key(rec, 1), "id");
    for (i = 0; i < n; i++)
        ck_assert_ptr_nonnull(probe_log_record_attr_value(rec, i));
    ck_assert_ptr_null(probe_log_record_attr_key(rec, n));
    ck_assert_ptr_null(probe_log_record_get(rec, "no-such-key"));
}

START_TEST(test_log_attrs_by_index)
{
    probe_config *cfg = probe_config_new();
    pool *pl;

    probe_config_set_log(cfg, PROBE_LOG_DEBUG, check_attrs, NULL);
    pl = pool_new(cfg);
    pool_free(pl);
    probe_config_free(cfg);
}
END_TEST

static Suite *log_suite(void)
{
    Suite *s = suite_create("log");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_log_min_level_filters);
    tcase_add_test(tc, test_log_debug_shows_probe_loops);
    tcase_add_test(tc, test_log_silent_by_default);
    tcase_add_test(tc, test_log_text_handler);
    tcase_add_test(tc, test_log_json_handler);
    tcase_add_test(tc, test_log_record_accessors_reject_null);
    tcase_add_test(tc, test_log_attrs_by_index);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(log_suite());
}
