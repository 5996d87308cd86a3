/* Groups, futures, metrics, worker hooks and resizing. */
#include "harness.h"

#include <string.h>

/* ---- groups ---- */

static int fail_with_7(void *arg)
{
    (void)arg;
    return 7;
}

START_TEST(test_group_wait_for_its_tasks)
{
    pool *pl = pool_new(NULL);
    probe_group *g = pool_group_new(pl, 0);
    atomic_long n = 0;
    int i;

    ck_assert_ptr_nonnull(g);
    ck_assert_int_eq(probe_group_wait(g, 0), PROBE_OK);
    for (i = 0; i < 1000; i++)
        ck_assert_int_eq(probe_group_run(g, task_count, &n), PROBE_OK);
    ck_assert_int_eq(probe_group_wait(g, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(n, 1000);
    ck_assert_int_eq(probe_group_wait(g, 0), PROBE_OK);
    ck_assert_int_eq(probe_group_error(g), 0);
    /* Reuse after a wait. */
    ck_assert_int_eq(probe_group_run(g, task_count, &n), PROBE_OK);
    ck_assert_int_eq(probe_group_wait(g, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(n, 1001);
    probe_group_free(g);
    assert_metrics_add_up(pl);
    pool_free(pl);
}
END_TEST

START_TEST(test_group_wait_times_out)
{
    pool *pl = pool_new(NULL);
    probe_group *g = pool_group_new(pl, 0);
    struct gate gate;

    gate_init(&gate);
    probe_group_run(g, task_gate, &gate);
    ck_assert_int_eq(probe_group_wait(g, 10), PROBE_ETIMEDOUT);
    gate_open(&gate);
    ck_assert_int_eq(probe_group_wait(g, WAIT_LIMIT_MS), PROBE_OK);
    probe_group_free(g);
    pool_free(pl);
}
END_TEST

START_TEST(test_group_cancel_on_error_skips_rest)
{
    probe_config *cfg = config_of(1, 64);
    atomic_long n = 0, discarded = 0;
    struct gate gate;
    probe_group *g;
    uint64_t m[PROBE_METRIC_COUNT];
    pool *pl;
    int i;

    probe_config_set_discard(cfg, discard_count, &discarded);
    pl = pool_new(cfg);
    g = pool_group_new(pl, PROBE_GROUP_CANCEL_ON_ERROR);
    gate_init(&gate);
    probe_group_run(g, task_gate, &gate);
    ck_assert(gate_wait_blocked(&gate, 1));
    probe_group_run(g, fail_with_7, NULL);
    for (i = 0; i < 10; i++)
        probe_group_run(g, task_count, &n);
    gate_open(&gate);
    ck_assert_int_eq(probe_group_wait(g, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(probe_group_error(g), 7);
    ck_assert_int_eq(probe_ctx_done(probe_group_ctx(g)), 1);
    ck_assert_int_eq(n, 0);
    ck_assert_int_eq(discarded, 10);
    ck_assert_int_eq(probe_group_run(g, task_count, &n), PROBE_ECANCELED);
    pool_wait(pl, WAIT_LIMIT_MS);
    pool_metrics(pl, m, PROBE_METRIC_COUNT);
    ck_assert_uint_eq(m[PROBE_METRIC_CANCELLED], 10);
    ck_assert_uint_eq(m[PROBE_METRIC_FAILED], 1);
    assert_metrics_add_up(pl);
    probe_group_free(g);
    pool_free(pl);
    probe_config_free(cfg);
}
END_TEST

START_TEST(test_group_without_flag_keeps_going)
{
    pool *pl = pool_new(NULL);
    probe_group *g = pool_group_new(pl, 0);
    atomic_long n = 0;
    int i;

    probe_group_run(g, fail_with_7, NULL);
    for (i = 0; i < 10; i++)
        probe_group_run(g, task_count, &n);
    ck_assert_int_eq(probe_group_wait(g, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(probe_group_error(g), 7);
    ck_assert_int_eq(n, 10);
    probe_group_free(g);
    pool_free(pl);
}
END_TEST

struct own_group {
    probe_group *group;
    int rc;
};

static int wait_own_group(void *arg)
{
    struct own_group *o = arg;

    o->rc = probe_group_wait(o->group, 0);
    return 0;
}

START_TEST(test_group_wait_from_own_task)
{
    pool *pl = pool_new(NULL);
    struct own_group o = {pool_group_new(pl, 0), 1};

    probe_group_run(o.group, wait_own_group, &o);
    ck_assert_int_eq(probe_group_wait(o.group, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(o.rc, PROBE_EDEADLK);
    probe_group_free(o.group);
    pool_free(pl);
}
END_TEST

START_TEST(test_group_freed_with_tasks_queued)
{
    pool *pl = pool_new(NULL);
    probe_group *g = pool_group_new(pl, 0);
    struct gate gate;
    atomic_long n = 0;

    gate_init(&gate);
    probe_group_run(g, task_gate, &gate);
    probe_group_run(g, task_count, &n);
    probe_group_free(g);
    gate_open(&gate);
    ck_assert_int_eq(pool_wait(pl, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(n, 1);
    pool_free(pl);
}
END_TEST

START_TEST(test_group_on_stopped_pool)
{
    pool *pl = pool_new(NULL);
    probe_group *g = pool_group_new(pl, 0);
    atomic_long n = 0;

    pool_stop(pl, PROBE_KEEP, PROBE_WAIT);
    ck_assert_int_eq(probe_group_run(g, task_count, &n), PROBE_ECANCELED);
    ck_assert_ptr_null(pool_group_new(pl, 0));
    ck_assert_int_eq(errno, ESRCH);
    ck_assert_ptr_null(pool_group_new(NULL, 0));
    ck_assert_int_eq(probe_group_run(NULL, task_count, &n), PROBE_EINVAL);
    ck_assert_int_eq(probe_group_wait(NULL, 0), PROBE_EINVAL);
    ck_assert_int_eq(probe_group_cancel(NULL), PROBE_EINVAL);
    ck_assert_int_eq(probe_group_error(NULL), PROBE_EINVAL);
    ck_assert_ptr_null(probe_group_ctx(NULL));
    probe_group_free(NULL);
    probe_group_free(g);
    pool_free(pl);
}
END_TEST

/* ---- futures ---- */

static void *double_it(void *arg)
{
    long *v = arg;

    *v *= 2;
    return v;
}

static atomic_int dtor_calls;

static void count_dtor(void *arg)
{
    (void)arg;
    atomic_fetch_add(&dtor_calls, 1);
}

START_TEST(test_future_result_and_status)
{
    pool *pl = pool_new(NULL);
    long v = 21;
    probe_future *f = pool_submit(pl, double_it, &v, count_dtor);

    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(probe_future_wait(f, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(probe_future_wait(f, 0), PROBE_OK);
    ck_assert_int_eq(probe_future_status(f), PROBE_FUTURE_DONE);
    ck_assert_ptr_eq(probe_future_result(f), &v);
    ck_assert_int_eq(v, 42);
    ck_assert_int_eq(probe_future_cancel(f), PROBE_EBUSY);
    probe_future_free(f);
    ck_assert_int_eq(atomic_load(&dtor_calls), 0);
    pool_free(pl);
}
END_TEST

START_TEST(test_future_cancel_before_start)
{
    probe_config *cfg = config_of(1, 8);
    pool *pl = pool_new(cfg);
    struct gate gate;
    long v = 1;
    probe_future *f;
    uint64_t m[PROBE_METRIC_COUNT];

    atomic_store(&dtor_calls, 0);
    gate_init(&gate);
    pool_run(pl, task_gate, &gate);
    ck_assert(gate_wait_blocked(&gate, 1));
    f = pool_submit(pl, double_it, &v, count_dtor);
    ck_assert_int_eq(probe_future_status(f), PROBE_FUTURE_QUEUED);
    ck_assert_int_eq(probe_future_wait(f, 5), PROBE_ETIMEDOUT);
    ck_assert_int_eq(probe_future_cancel(f), PROBE_OK);
    ck_assert_int_eq(probe_future_cancel(f), PROBE_OK);
    ck_assert_int_eq(atomic_load(&dtor_calls), 1);
    ck_assert_int_eq(probe_future_status(f), PROBE_FUTURE_CANCELLED);
    ck_assert_int_eq(probe_future_wait(f, 0), PROBE_OK);
    ck_assert_ptr_null(probe_future_result(f));
    gate_open(&gate);
    ck_assert_int_eq(pool_wait(pl, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(v, 1);
    pool_metrics(pl, m, PROBE_METRIC_COUNT);
    ck_assert_uint_eq(m[PROBE_METRIC_CANCELLED], 1);
    assert_metrics_add_up(pl);
    probe_future_free(f);
    pool_free(pl);
    probe_config_free(cfg);
}
END_TEST

START_TEST(test_future_discarded_by_stop)
{
    probe_config *cfg = config_of(1, 8);
    pool *pl = pool_new(cfg);
    struct gate gate;
    long v = 1;
    probe_future *f;

    atomic_store(&dtor_calls, 0);
    gate_init(&gate);
    pool_run(pl, task_gate, &gate);
    ck_assert(gate_wait_blocked(&gate, 1));
    f = pool_submit(pl, double_it, &v, count_dtor);
    pool_stop(pl, PROBE_DISCARD, PROBE_NOWAIT);
    ck_assert_int_eq(probe_future_wait(f, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(probe_future_status(f), PROBE_FUTURE_DISCARDED);
    ck_assert_int_eq(atomic_load(&dtor_calls), 1);
    gate_open(&gate);
    pool_stop(pl, PROBE_DISCARD, PROBE_WAIT);
    ck_assert_int_eq(v, 1);
    assert_metrics_add_up(pl);
    probe_future_free(f);
    pool_free(pl);
    probe_config_free(cfg);
}
END_TEST

START_TEST(test_future_rejected_runs_dtor)
{
    pool *pl = pool_new(NULL);
    long v = 1;

    atomic_store(&dtor_calls, 0);
    pool_stop(pl, PROBE_KEEP, PROBE_WAIT);
    ck_assert_ptr_null(pool_submit(pl, double_it, &v, count_dtor));
    ck_assert_int_eq(errno, ESRCH);
    ck_assert_int_eq(atomic_load(&dtor_calls), 1);
    ck_assert_ptr_null(pool_submit(NULL, double_it, &v, count_dtor));
    ck_assert_int_eq(atomic_load(&dtor_calls), 2);
    ck_assert_ptr_null(pool_submit(pl, NULL, &v, NULL));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(probe_future_wait(NULL, 0), PROBE_EINVAL);
    ck_assert_int_eq(probe_future_status(NULL), PROBE_EINVAL);
    ck_assert_int_eq(probe_future_cancel(NULL), PROBE_EINVAL);
    ck_assert_ptr_null(probe_future_result(NULL));
    probe_future_free(NULL);
    pool_free(pl);
}
END_TEST

START_TEST(test_future_freed_before_it_runs)
{
    pool *pl = pool_new(NULL);
    struct gate gate;
    long v = 5;

    gate_init(&gate);
    pool_run(pl, task_gate, &gate);
    probe_future_free(pool_submit(pl, double_it, &v, NULL));
    gate_open(&gate);
    ck_assert_int_eq(pool_wait(pl, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(v, 10);
    pool_free(pl);
}
END_TEST

struct self_wait {
    probe_future *self;
    int rc;
    struct gate ready;
};

static void *wait_on_self(void *arg)
{
    struct self_wait *s = arg;

    gate_pass(&s->ready);
    s->rc = probe_future_wait(s->self, 0);
    return NULL;
}

START_TEST(test_future_wait_on_itself)
{
    pool *pl = pool_new(NULL);
    struct self_wait s;

    s.rc = 1;
    gate_init(&s.ready);
    s.self = pool_submit(pl, wait_on_self, &s, NULL);
    gate_open(&s.ready);
    ck_assert_int_eq(probe_future_wait(s.self, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(s.rc, PROBE_EDEADLK);
    probe_future_free(s.self);
    pool_free(pl);
}
END_TEST

/* ---- metrics and pool_wait ---- */

START_TEST(test_metrics_add_up_under_mixed_work)
{
    probe_config *cfg = config_of(2, 32);
    atomic_long n = 0, discarded = 0;
    uint64_t m[PROBE_METRIC_COUNT];
    pool *pl;
    int i;

    probe_config_set_discard(cfg, discard_count, &discarded);
    pl = pool_new(cfg);
    for (i = 0; i < 500; i++) {
        pool_run(pl, i % 7 ? task_count : fail_with_7, &n);
        if (i % 50 == 0)
            pool_try_run(pl, task_count, &n);
    }
    ck_assert_int_eq(pool_wait(pl, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(pool_wait(pl, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(pool_metrics(pl, m, PROBE_METRIC_COUNT),
                     PROBE_METRIC_COUNT);
    ck_assert_uint_eq(m[PROBE_METRIC_QUEUED], 0);
    ck_assert_uint_eq(m[PROBE_METRIC_ACTIVE], 0);
    ck_assert_uint_eq(m[PROBE_METRIC_FAILED], 72);
    ck_assert_uint_eq(m[PROBE_METRIC_WORKERS], 2);
    ck_assert_uint_eq(m[PROBE_METRIC_IDLE], 2);
    ck_assert_uint_eq(m[PROBE_METRIC_SUBMITTED] + m[PROBE_METRIC_REJECTED],
                      510);
    ck_assert_uint_le(m[PROBE_METRIC_PEAK_QUEUED], 32);
    assert_metrics_add_up(pl);
    ck_assert_int_eq(pool_metrics(pl, m, 3), 3);
    ck_assert_int_eq(pool_metrics(pl, NULL, 0), 0);
    ck_assert_int_eq(pool_metrics(pl, NULL, 3), PROBE_EINVAL);
    pool_free(pl);
    probe_config_free(cfg);
}
END_TEST

static int wait_own_pool(void *arg)
{
    *(int *)arg = pool_wait(pool_current(), 0);
    return 0;
}

START_TEST(test_pool_wait_edge_cases)
{
    pool *pl = pool_new(NULL);
    int rc = 1;

    ck_assert_int_eq(pool_wait(pl, 0), PROBE_OK);
    ck_assert_int_eq(pool_wait(pl, PROBE_FOREVER), PROBE_OK);
    pool_run(pl, wait_own_pool, &rc);
    ck_assert_int_eq(pool_wait(pl, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(rc, PROBE_EDEADLK);
    pool_stop(pl, PROBE_KEEP, PROBE_WAIT);
    ck_assert_int_eq(pool_wait(pl, 0), PROBE_OK);
    pool_free(pl);
}
END_TEST

/* ---- hooks and thread settings ---- */

struct hook_counts {
    atomic_int init;
    atomic_int fini;
    atomic_int fail_from;   /* init calls numbered >= this fail */
};

static int count_init(void *payload)
{
    struct hook_counts *h = payload;
    int n = atomic_fetch_add(&h->init, 1) + 1;

    return n >= atomic_load(&h->fail_from) ? -1 : 0;
}

static int count_fini(void *payload)
{
    atomic_fetch_add(&((struct hook_counts *)payload)->fini, 1);
    return 0;
}

START_TEST(test_hooks_run_once_per_worker)
{
    probe_config *cfg = config_of(3, 8);
    struct hook_counts h;
    pool *pl;

    atomic_init(&h.init, 0);
    atomic_init(&h.fini, 0);
    atomic_init(&h.fail_from, 1000);
    probe_config_set_hooks(cfg, count_init, count_fini, &h);
    pl = pool_new(cfg);
    ck_assert_int_eq(atomic_load(&h.init), 3);
    pool_stop(pl, PROBE_DRAIN, PROBE_WAIT);
    ck_assert_int_eq(atomic_load(&h.fini), 3);
    pool_start(pl);
    ck_assert_int_eq(atomic_load(&h.init), 6);
    pool_free(pl);
    ck_assert_int_eq(atomic_load(&h.fini), 6);
    probe_config_free(cfg);
}
END_TEST

START_TEST(test_hooks_failing_init_fails_start)
{
    probe_config *cfg = config_of(4, 8);
    struct hook_counts h;
    pool *pl;

    atomic_init(&h.init, 0);
    atomic_init(&h.fini, 0);
    atomic_init(&h.fail_from, 3);
    probe_config_set_hooks(cfg, count_init, count_fini, &h);
    pl = pool_new(cfg);
    ck_assert_ptr_null(pl);
    ck_assert_int_eq(probe_last_error(), PROBE_EINIT);
    ck_assert_int_eq(errno, ECHILD);
    /* Workers whose init succeeded ran their fini on the way out. */
    ck_assert_int_eq(atomic_load(&h.fini), 2);
    probe_config_free(cfg);
}
END_TEST

static int big_stack_task(void *arg)
{
    volatile char buf[512 * 1024];

    memset((char *)buf, 1, sizeof buf);
    *(int *)arg = buf[sizeof buf - 1];
    return 0;
}

START_TEST(test_stack_size_is_applied)
{
    probe_config *cfg = config_of(1, 4);
    int out = 0;
    pool *pl;

    ck_assert_int_eq(probe_config_set(cfg, PROBE_OPT_STACK_SIZE, 4 << 20),
                     PROBE_OK);
    pl = pool_new(cfg);
    ck_assert_ptr_nonnull(pl);
    pool_run(pl, big_stack_task, &out);
    pool_wait(pl, WAIT_LIMIT_MS);
    ck_assert_int_eq(out, 1);
    pool_free(pl);
    probe_config_free(cfg);
}
END_TEST

/* ---- resize and idle expiry ---- */

START_TEST(test_resize_grow_and_shrink)
{
    probe_config *cfg = config_of(2, 4);
    pool *pl = pool_new(cfg);
    struct gate gate;
    atomic_long n = 0;
    int i;

    gate_init(&gate);
    ck_assert_int_eq(pool_resize(pl, 6), PROBE_OK);
    ck_assert_uint_eq(pool_size(pl), 6);
    ck_assert_uint_eq(pool_running(pl), 6);
    for (i = 0; i < 6; i++)
        pool_run(pl, task_gate, &gate);
    ck_assert(gate_wait_blocked(&gate, 6));
    /* Shrinking never interrupts a task: all six are still running. */
    ck_assert_int_eq(pool_resize(pl, 1), PROBE_OK);
    ck_assert_uint_eq(pool_running(pl), 6);
    gate_open(&gate);
    ck_assert_int_eq(pool_wait(pl, WAIT_LIMIT_MS), PROBE_OK);
    for (i = 0; i < 100; i++)
        pool_run(pl, task_count, &n);
    ck_assert_int_eq(pool_wait(pl, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(n, 100);
    ck_assert_int_eq(pool_stop(pl, PROBE_DRAIN, PROBE_WAIT), PROBE_OK);
    ck_assert_uint_eq(pool_running(pl), 0);
    ck_assert_int_eq(pool_resize(pl, 3), PROBE_ESTOPPED);
    ck_assert_int_eq(pool_start(pl), PROBE_OK);
    ck_assert_uint_eq(pool_running(pl), 1);
    ck_assert_int_eq(pool_resize(pl, 0), PROBE_EINVAL);
    ck_assert_int_eq(pool_resize(pl, 100000), PROBE_EINVAL);
    pool_free(pl);
    probe_config_free(cfg);
}
END_TEST

START_TEST(test_resize_wakes_blocked_submitter)
{
    probe_config *cfg = config_of(1, 1);
    pool *pl = pool_new(cfg);
    struct gate gate;
    atomic_long n = 0;

    gate_init(&gate);
    pool_run(pl, task_gate, &gate);
    ck_assert(gate_wait_blocked(&gate, 1));
    pool_run(pl, task_count, &n);
    ck_assert_int_eq(pool_try_run(pl, task_count, &n), PROBE_EFULL);
    ck_assert_int_eq(pool_resize(pl, 2), PROBE_OK);
    /* The new worker takes the queued task, so a submit gets through. */
    ck_assert_int_eq(pool_run_timed(pl, task_count, &n, WAIT_LIMIT_MS),
                     PROBE_OK);
    gate_open(&gate);
    ck_assert_int_eq(pool_wait(pl, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(n, 2);
    pool_free(pl);
    probe_config_free(cfg);
}
END_TEST

START_TEST(test_idle_workers_expire_and_return)
{
    probe_config *cfg = config_of(4, 64);
    atomic_long n = 0;
    pool *pl;
    int i, waited;

    probe_config_set(cfg, PROBE_OPT_MIN_SIZE, 1);
    probe_config_set(cfg, PROBE_OPT_IDLE_TIMEOUT_MS, 20);
    pl = pool_new(cfg);
    ck_assert_uint_eq(pool_running(pl), 4);
    /* Expiry is driven by the workers' own timed waits. */
    for (waited = 0; pool_running(pl) > 1 && waited < 500; waited++) {
        probe_ctx *pause = probe_ctx_new();

        probe_ctx_wait(pause, 10);
        probe_ctx_free(pause);
    }
    ck_assert_uint_eq(pool_running(pl), 1);
    for (i = 0; i < 1000; i++)
        pool_run(pl, task_count, &n);
    ck_assert_int_eq(pool_wait(pl, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(n, 1000);
    ck_assert_uint_ge(pool_running(pl), 1);
    ck_assert_uint_le(pool_running(pl), 4);
    pool_free(pl);
    probe_config_free(cfg);
}
END_TEST

static Suite *features_suite(void)
{
    Suite *s = suite_create("features");
    TCase *groups = tcase_create("groups");
    TCase *futures = tcase_create("futures");
    TCase *metrics = tcase_create("metrics");
    TCase *workers = tcase_create("workers");

    tcase_set_timeout(groups, TEST_TIMEOUT_S);
    tcase_add_test(groups, test_group_wait_for_its_tasks);
    tcase_add_test(groups, test_group_wait_times_out);
    tcase_add_test(groups, test_group_cancel_on_error_skips_rest);
    tcase_add_test(groups, test_group_without_flag_keeps_going);
    tcase_add_test(groups, test_group_wait_from_own_task);
    tcase_add_test(groups, test_group_freed_with_tasks_queued);
    tcase_add_test(groups, test_group_on_stopped_pool);
    suite_add_tcase(s, groups);

    tcase_set_timeout(futures, TEST_TIMEOUT_S);
    tcase_add_test(futures, test_future_result_and_status);
    tcase_add_test(futures, test_future_cancel_before_start);
    tcase_add_test(futures, test_future_discarded_by_stop);
    tcase_add_test(futures, test_future_rejected_runs_dtor);
    tcase_add_test(futures, test_future_freed_before_it_runs);
    tcase_add_test(futures, test_future_wait_on_itself);
    suite_add_tcase(s, futures);

    tcase_set_timeout(metrics, TEST_TIMEOUT_S);
    tcase_add_test(metrics, test_metrics_add_up_under_mixed_work);
    tcase_add_test(metrics, test_pool_wait_edge_cases);
    suite_add_tcase(s, metrics);

    tcase_set_timeout(workers, TEST_TIMEOUT_S);
    tcase_add_test(workers, test_hooks_run_once_per_worker);
    tcase_add_test(workers, test_hooks_failing_init_fails_start);
    tcase_add_test(workers, test_stack_size_is_applied);
    tcase_add_test(workers, test_resize_grow_and_shrink);
    tcase_add_test(workers, test_resize_wakes_blocked_submitter);
    tcase_add_test(workers, test_idle_workers_expire_and_return);
    suite_add_tcase(s, workers);
    return s;
}

int main(void)
{
    return run_suite(features_suite());
}
