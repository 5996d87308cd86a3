/* Error codes, messages, the last-error record, configuration and the
 * version calls. */
#include "harness.h"

#include <string.h>

static const int codes[] = {
    PROBE_OK,        PROBE_ERROR,   PROBE_EINVAL,    PROBE_ENOMEM,
    PROBE_ESTOPPED,  PROBE_ECANCELED, PROBE_EFULL,   PROBE_ETIMEDOUT,
    PROBE_EDEADLK,   PROBE_ETHREAD, PROBE_EFORKED,   PROBE_EINIT,
    PROBE_EBUSY};

START_TEST(test_errors_every_code_has_a_name)
{
    size_t i, j;

    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *text = probe_strerror(codes[i]);

        ck_assert_ptr_nonnull(text);
        ck_assert_str_ne(text, probe_strerror(-9999));
        for (j = 0; j < i; j++)
            ck_assert_str_ne(text, probe_strerror(codes[j]));
    }
    ck_assert_ptr_nonnull(probe_strerror(12345));
}
END_TEST

START_TEST(test_errors_last_message_names_the_call)
{
    ck_assert_int_eq(pool_run(NULL, task_count, NULL), PROBE_EINVAL);
    ck_assert_int_eq(probe_last_error(), PROBE_EINVAL);
    ck_assert_ptr_nonnull(strstr(probe_last_message(), "pool_run"));
    ck_assert_ptr_nonnull(strstr(probe_last_message(), "invalid argument"));
}
END_TEST

static void *fail_in_thread(void *arg)
{
    (void)arg;
    probe_ctx_wait(NULL, 0);
    return NULL;
}

START_TEST(test_errors_last_error_is_per_thread)
{
    pthread_t t;

    ck_assert_int_eq(probe_config_set(NULL, PROBE_OPT_SIZE, 1), PROBE_EINVAL);
    pthread_create(&t, NULL, fail_in_thread, NULL);
    pthread_join(t, NULL);
    ck_assert_ptr_nonnull(strstr(probe_last_message(), "probe_config_set"));
}
END_TEST

START_TEST(test_errors_config_bounds_and_names)
{
    probe_config *cfg = probe_config_new();
    long long min = -1, max = -1, v = -1;
    int option;

    for (option = PROBE_OPT_SIZE; option <= PROBE_OPT_STACK_SIZE; option++) {
        ck_assert_int_eq(probe_option_bounds(option, &min, &max), PROBE_OK);
        ck_assert_int_ge(min, 0);
        ck_assert_int_gt(max, min);
        ck_assert_int_eq(probe_config_set(cfg, option, max), PROBE_OK);
        ck_assert_int_eq(probe_config_get(cfg, option, &v), PROBE_OK);
        ck_assert_int_eq(v, max);
    }
    ck_assert_int_eq(probe_option_bounds(0, &min, &max), PROBE_EINVAL);
    ck_assert_int_eq(probe_config_get(cfg, 0, &v), PROBE_EINVAL);
    ck_assert_int_eq(probe_config_get(cfg, PROBE_OPT_SIZE, NULL),
                     PROBE_EINVAL);
    ck_assert_int_eq(probe_config_set(cfg, PROBE_OPT_STACK_SIZE, 100),
                     PROBE_EINVAL);
    ck_assert_int_eq(probe_config_set_name(cfg, ""), PROBE_EINVAL);
    ck_assert_int_eq(probe_config_set_name(cfg, "sixteen-chars-xx"),
                     PROBE_EINVAL);
    ck_assert_int_eq(probe_config_set_name(cfg, NULL), PROBE_EINVAL);
    ck_assert_int_eq(probe_config_set_ctx(NULL, NULL), PROBE_EINVAL);
    ck_assert_int_eq(probe_config_set_log(NULL, 0, NULL, NULL), PROBE_EINVAL);
    ck_assert_int_eq(probe_config_set_discard(NULL, NULL, NULL),
                     PROBE_EINVAL);
    ck_assert_int_eq(probe_config_set_hooks(NULL, NULL, NULL, NULL),
                     PROBE_EINVAL);
    probe_config_free(cfg);
    probe_config_free(NULL);
}
END_TEST

START_TEST(test_errors_version_calls)
{
    char expected[32];

    snprintf(expected, sizeof expected, "%d.%d.%d", PROBE_VERSION_MAJOR,
             PROBE_VERSION_MINOR, PROBE_VERSION_PATCH);
    ck_assert_str_eq(probe_version(), expected);
    ck_assert_int_eq(probe_version_number(),
                     PROBE_VERSION_MAJOR * 10000 + PROBE_VERSION_MINOR * 100 +
                         PROBE_VERSION_PATCH);
}
END_TEST

START_TEST(test_errors_metric_names)
{
    int i;

    for (i = 0; i < PROBE_METRIC_COUNT; i++)
        ck_assert_ptr_nonnull(probe_metric_name(i));
    ck_assert_ptr_null(probe_metric_name(PROBE_METRIC_COUNT));
    ck_assert_ptr_null(probe_metric_name(-1));
}
END_TEST

static Suite *errors_suite(void)
{
    Suite *s = suite_create("errors");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_errors_every_code_has_a_name);
    tcase_add_test(tc, test_errors_last_message_names_the_call);
    tcase_add_test(tc, test_errors_last_error_is_per_thread);
    tcase_add_test(tc, test_errors_config_bounds_and_names);
    tcase_add_test(tc, test_errors_version_calls);
    tcase_add_test(tc, test_errors_metric_names);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(errors_suite());
}
