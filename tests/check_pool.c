/* Pools: defaults, work, counters, restart, submit variants, contexts. */
#define _GNU_SOURCE
#include "harness.h"

#include <string.h>

START_TEST(test_pool_defaults_are_8_and_64)
{
    pool *pl = pool_new(NULL);
    struct gate g;
    atomic_long n = 0;
    int i, accepted = 0;

    ck_assert_ptr_nonnull(pl);
    ck_assert_uint_eq(pool_size(pl), 8);
    ck_assert_uint_eq(pool_running(pl), 8);
    gate_init(&g);
    for (i = 0; i < 8; i++)
        ck_assert_int_eq(pool_run(pl, task_gate, &g), PROBE_OK);
    ck_assert(gate_wait_blocked(&g, 8));
    while (pool_try_run(pl, task_count, &n) == PROBE_OK)
        accepted++;
    ck_assert_int_eq(accepted, 64);
    gate_open(&g);
    ck_assert_int_eq(pool_wait(pl, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(n, 64);
    assert_metrics_add_up(pl);
    pool_free(pl);
}
END_TEST

START_TEST(test_pool_runs_every_task)
{
    probe_config *cfg = config_of(4, 16);
    pool *pl = pool_new(cfg);
    atomic_long n = 0;
    int i;

    for (i = 0; i < 100000; i++)
        ck_assert_int_eq(pool_run(pl, task_count, &n), PROBE_OK);
    ck_assert_int_eq(pool_wait(pl, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(n, 100000);
    assert_metrics_add_up(pl);
    pool_free(pl);
    probe_config_free(cfg);
}
END_TEST

START_TEST(test_pool_idle_and_running_counts)
{
    probe_config *cfg = config_of(4, 16);
    pool *pl = pool_new(cfg);
    struct gate g;
    int i;

    gate_init(&g);
    ck_assert_uint_eq(pool_running(pl), 4);
    ck_assert_uint_eq(pool_idle(pl), 4);
    for (i = 0; i < 3; i++)
        pool_run(pl, task_gate, &g);
    ck_assert(gate_wait_blocked(&g, 3));
    ck_assert_uint_eq(pool_idle(pl), 1);
    ck_assert_uint_eq(pool_running(pl), 4);
    gate_open(&g);
    ck_assert_int_eq(pool_wait(pl, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(pool_stop(pl, PROBE_DRAIN, PROBE_WAIT), PROBE_OK);
    ck_assert_uint_eq(pool_running(pl), 0);
    ck_assert_uint_eq(pool_idle(pl), 0);
    pool_free(pl);
    probe_config_free(cfg);
}
END_TEST

struct watch_counts {
    pool *pl;
    atomic_int stop;
    atomic_int violations;
};

static void *watch_invariant(void *arg)
{
    struct watch_counts *wc = arg;
    uint64_t m[PROBE_METRIC_COUNT];

    while (!atomic_load(&wc->stop)) {
        pool_metrics(wc->pl, m, PROBE_METRIC_COUNT);
        if (m[PROBE_METRIC_IDLE] > m[PROBE_METRIC_WORKERS] ||
            m[PROBE_METRIC_WORKERS] > pool_size(wc->pl))
            atomic_fetch_add(&wc->violations, 1);
    }
    return NULL;
}

START_TEST(test_pool_counter_invariant_holds)
{
    probe_config *cfg = config_of(3, 8);
    struct watch_counts wc;
    atomic_long n = 0;
    pthread_t t;
    int round, i;

    wc.pl = pool_new(cfg);
    atomic_init(&wc.stop, 0);
    atomic_init(&wc.violations, 0);
    pthread_create(&t, NULL, watch_invariant, &wc);
    for (round = 0; round < 20; round++) {
        for (i = 0; i < 200; i++)
            pool_run(wc.pl, task_count, &n);
        pool_stop(wc.pl, round % 2 ? PROBE_DRAIN : PROBE_KEEP, PROBE_WAIT);
        ck_assert_int_eq(pool_start(wc.pl), PROBE_OK);
    }
    ck_assert_int_eq(pool_wait(wc.pl, WAIT_LIMIT_MS), PROBE_OK);
    atomic_store(&wc.stop, 1);
    pthread_join(t, NULL);
    ck_assert_int_eq(atomic_load(&wc.violations), 0);
    ck_assert_int_eq(n, 20 * 200);
    ck_assert_uint_eq(pool_idle(wc.pl), 3);
    assert_metrics_add_up(wc.pl);
    pool_free(wc.pl);
    probe_config_free(cfg);
}
END_TEST

START_TEST(test_pool_restart_really_runs_work)
{
    probe_config *cfg = config_of(2, 8);
    pool *pl = pool_new(cfg);
    struct latch l;
    int round;

    latch_init(&l);
    for (round = 1; round <= 3; round++) {
        ck_assert_int_eq(pool_stop(pl, PROBE_DRAIN, PROBE_WAIT), PROBE_OK);
        ck_assert_int_eq(pool_start(pl), PROBE_OK);
        ck_assert_uint_eq(pool_running(pl), 2);
        ck_assert_int_eq(pool_run(pl, task_latch, &l), PROBE_OK);
        ck_assert(latch_wait(&l, round));
    }
    pool_free(pl);
    probe_config_free(cfg);
}
END_TEST

START_TEST(test_pool_rejects_bad_sizes)
{
    probe_config *cfg = probe_config_new();
    long long min, max, v;

    ck_assert_int_eq(probe_config_set(cfg, PROBE_OPT_SIZE, -1), PROBE_EINVAL);
    ck_assert_int_eq(probe_config_set(cfg, PROBE_OPT_BUFFER, -5),
                     PROBE_EINVAL);
    ck_assert_int_eq(probe_option_bounds(PROBE_OPT_SIZE, &min, &max),
                     PROBE_OK);
    ck_assert_int_eq(probe_config_set(cfg, PROBE_OPT_SIZE, max + 1),
                     PROBE_EINVAL);
    ck_assert_int_eq(probe_option_bounds(PROBE_OPT_BUFFER, &min, &max),
                     PROBE_OK);
    ck_assert_int_eq(probe_config_set(cfg, PROBE_OPT_BUFFER, max + 1),
                     PROBE_EINVAL);
    ck_assert_int_eq(probe_config_set(cfg, 999, 1), PROBE_EINVAL);
    ck_assert_int_eq(probe_config_get(cfg, PROBE_OPT_SIZE, &v), PROBE_OK);
    ck_assert_int_eq(v, 0);

    ck_assert_int_eq(probe_config_set(cfg, PROBE_OPT_SIZE, 2), PROBE_OK);
    ck_assert_int_eq(probe_config_set(cfg, PROBE_OPT_MIN_SIZE, 3), PROBE_OK);
    ck_assert_ptr_null(pool_new(cfg));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(probe_last_error(), PROBE_EINVAL);
    probe_config_free(cfg);
}
END_TEST

START_TEST(test_pool_run_after_stop_keeps_arg)
{
    pool *pl = pool_new(NULL);
    atomic_long n = 0;
    uint64_t m[PROBE_METRIC_COUNT];

    pool_stop(pl, PROBE_KEEP, PROBE_WAIT);
    ck_assert_int_eq(pool_run(pl, task_count, &n), PROBE_ESTOPPED);
    ck_assert_int_eq(pool_try_run(pl, task_count, &n), PROBE_ESTOPPED);
    ck_assert_int_eq(pool_run_timed(pl, task_count, &n, 10),
                     PROBE_ESTOPPED);
    pool_metrics(pl, m, PROBE_METRIC_COUNT);
    ck_assert_uint_eq(m[PROBE_METRIC_REJECTED], 3);
    ck_assert_uint_eq(m[PROBE_METRIC_SUBMITTED], 0);
    pool_free(pl);
    ck_assert_int_eq(n, 0);
}
END_TEST

START_TEST(test_pool_try_and_timed_run_on_full_queue)
{
    probe_config *cfg = config_of(1, 2);
    pool *pl = pool_new(cfg);
    atomic_long n = 0;
    struct gate g;
    uint64_t m[PROBE_METRIC_COUNT];

    gate_init(&g);
    pool_run(pl, task_gate, &g);
    ck_assert(gate_wait_blocked(&g, 1));
    ck_assert_int_eq(pool_try_run(pl, task_count, &n), PROBE_OK);
    ck_assert_int_eq(pool_try_run(pl, task_count, &n), PROBE_OK);
    ck_assert_int_eq(pool_try_run(pl, task_count, &n), PROBE_EFULL);
    ck_assert_int_eq(pool_run_timed(pl, task_count, &n, 20),
                     PROBE_ETIMEDOUT);
    ck_assert_int_eq(pool_run_timed(pl, task_count, &n, 0), PROBE_EFULL);
    pool_metrics(pl, m, PROBE_METRIC_COUNT);
    ck_assert_uint_eq(m[PROBE_METRIC_REJECTED], 3);
    ck_assert_uint_eq(m[PROBE_METRIC_PEAK_QUEUED], 2);
    gate_open(&g);
    ck_assert_int_eq(pool_wait(pl, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(n, 2);
    assert_metrics_add_up(pl);
    pool_free(pl);
    probe_config_free(cfg);
}
END_TEST

struct blocked_submit {
    pool *pl;
    atomic_long *counter;
    int rc;
};

static void *submit_blocking(void *arg)
{
    struct blocked_submit *b = arg;

    b->rc = pool_run(b->pl, task_count, b->counter);
    return NULL;
}

START_TEST(test_pool_blocked_submit_wakes)
{
    probe_config *cfg = config_of(1, 1);
    pool *pl = pool_new(cfg);
    atomic_long n = 0;
    struct blocked_submit b = {pl, &n, -1};
    struct gate g;
    pthread_t t;

    gate_init(&g);
    pool_run(pl, task_gate, &g);
    ck_assert(gate_wait_blocked(&g, 1));
    pool_run(pl, task_count, &n);
    pthread_create(&t, NULL, submit_blocking, &b);
    gate_open(&g);
    pthread_join(t, NULL);
    ck_assert_int_eq(b.rc, PROBE_OK);
    ck_assert_int_eq(pool_wait(pl, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(n, 2);
    pool_free(pl);
    probe_config_free(cfg);
}
END_TEST

START_TEST(test_pool_stop_wakes_blocked_submitter)
{
    probe_config *cfg = config_of(1, 1);
    pool *pl = pool_new(cfg);
    atomic_long n = 0;
    struct blocked_submit b = {pl, &n, 1};
    struct gate g;
    pthread_t t;

    gate_init(&g);
    pool_run(pl, task_gate, &g);
    ck_assert(gate_wait_blocked(&g, 1));
    pool_run(pl, task_count, &n);
    pthread_create(&t, NULL, submit_blocking, &b);
    /* Whether it blocked yet or not, a stop must make it fail. */
    ck_assert_int_eq(pool_stop(pl, PROBE_KEEP, PROBE_NOWAIT), PROBE_OK);
    pthread_join(t, NULL);
    ck_assert_int_eq(b.rc, PROBE_ESTOPPED);
    gate_open(&g);
    pool_free(pl);
    probe_config_free(cfg);
}
END_TEST

struct self_submit {
    atomic_long counter;
    int rc;
};

static int submit_into_own_full_pool(void *arg)
{
    struct self_submit *s = arg;
    pool *pl = pool_current();

    while (pool_try_run(pl, task_count, &s->counter) == PROBE_OK)
        ;
    s->rc = pool_run(pl, task_count, &s->counter);
    return 0;
}

START_TEST(test_pool_worker_blocking_on_own_queue)
{
    probe_config *cfg = config_of(1, 4);
    pool *pl = pool_new(cfg);
    struct self_submit s;

    atomic_init(&s.counter, 0);
    s.rc = 1;
    ck_assert_int_eq(pool_run(pl, submit_into_own_full_pool, &s), PROBE_OK);
    ck_assert_int_eq(pool_wait(pl, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(s.rc, PROBE_EDEADLK);
    ck_assert_int_eq(atomic_load(&s.counter), 4);
    assert_metrics_add_up(pl);
    pool_free(pl);
    probe_config_free(cfg);
}
END_TEST

START_TEST(test_pool_run_batch)
{
    probe_config *cfg = config_of(2, 8);
    pool *pl = pool_new(cfg);
    atomic_long n = 0;
    void *args[1000];
    size_t accepted = 0;
    int i;

    for (i = 0; i < 1000; i++)
        args[i] = &n;
    ck_assert_int_eq(pool_run_batch(pl, task_count, args, 1000, &accepted),
                     PROBE_OK);
    ck_assert_uint_eq(accepted, 1000);
    ck_assert_int_eq(pool_wait(pl, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(n, 1000);
    ck_assert_int_eq(pool_run_batch(pl, task_count, NULL, 0, &accepted),
                     PROBE_OK);
    ck_assert_int_eq(pool_run_batch(pl, NULL, args, 1, &accepted),
                     PROBE_EINVAL);
    pool_stop(pl, PROBE_KEEP, PROBE_WAIT);
    ck_assert_int_eq(pool_run_batch(pl, task_count, args, 10, &accepted),
                     PROBE_ESTOPPED);
    ck_assert_uint_eq(accepted, 0);
    pool_free(pl);
    probe_config_free(cfg);
}
END_TEST

START_TEST(test_pool_cancel_context_stops_it)
{
    probe_ctx *ctx = probe_ctx_new();
    probe_config *cfg = config_of(2, 8);
    atomic_long n = 0;
    pool *pl;

    probe_config_set_ctx(cfg, ctx);
    pl = pool_new(cfg);
    probe_ctx_cancel(ctx);
    ck_assert_int_eq(pool_run(pl, task_count, &n), PROBE_ECANCELED);
    ck_assert_int_eq(pool_stop(pl, PROBE_KEEP, PROBE_WAIT), PROBE_OK);
    ck_assert_uint_eq(pool_running(pl), 0);
    ck_assert_int_eq(pool_start(pl), PROBE_ECANCELED);
    pool_free(pl);
    probe_config_free(cfg);
    probe_ctx_free(ctx);
}
END_TEST

START_TEST(test_pool_parent_cancel_stops_it)
{
    probe_ctx *root = probe_ctx_new();
    probe_ctx *child = probe_ctx_new_child(root);
    probe_config *cfg = config_of(2, 8);
    pool *pl;

    probe_config_set_ctx(cfg, child);
    pl = pool_new(cfg);
    probe_ctx_free(child);
    probe_ctx_cancel(root);
    ck_assert_int_eq(pool_stop(pl, PROBE_KEEP, PROBE_WAIT), PROBE_OK);
    ck_assert_uint_eq(pool_running(pl), 0);
    pool_free(pl);
    probe_config_free(cfg);
    probe_ctx_free(root);
}
END_TEST

struct inside {
    pool *pool;
    probe *probe;
    probe_ctx *ctx;
    const char *id;
    char name[16];
};

static int look_inside(void *arg)
{
    struct inside *in = arg;

    in->pool = pool_current();
    in->probe = probe_current();
    in->ctx = probe_current_ctx();
    in->id = probe_current_id();
    pthread_getname_np(pthread_self(), in->name, sizeof in->name);
    return 0;
}

START_TEST(test_pool_task_sees_pool_and_context)
{
    probe_config *cfg = config_of(1, 4);
    struct inside in;
    char expected[32];
    pool *pl;

    ck_assert_int_eq(probe_config_set_name(cfg, "worker"), PROBE_OK);
    pl = pool_new(cfg);
    memset(&in, 0, sizeof in);
    pool_run(pl, look_inside, &in);
    pool_wait(pl, WAIT_LIMIT_MS);
    ck_assert_ptr_eq(in.pool, pl);
    ck_assert_ptr_null(in.probe);
    ck_assert_ptr_nonnull(in.ctx);
    ck_assert_int_eq(probe_ctx_done(in.ctx), 0);
    ck_assert_ptr_nonnull(in.id);
    snprintf(expected, sizeof expected, "worker-%s", in.id);
    ck_assert_str_eq(in.name, expected);
    ck_assert_ptr_null(pool_current());
    ck_assert_ptr_null(probe_current_ctx());
    ck_assert_ptr_null(probe_current_id());
    pool_free(pl);
    probe_config_free(cfg);
}
END_TEST

START_TEST(test_pool_null_handles)
{
    atomic_long n = 0;
    uint64_t m[PROBE_METRIC_COUNT];

    ck_assert_int_eq(pool_run(NULL, task_count, &n), PROBE_EINVAL);
    ck_assert_int_eq(pool_try_run(NULL, task_count, &n), PROBE_EINVAL);
    ck_assert_int_eq(pool_run_timed(NULL, task_count, &n, 1), PROBE_EINVAL);
    ck_assert_int_eq(pool_stop(NULL, PROBE_KEEP, PROBE_WAIT), PROBE_EINVAL);
    ck_assert_int_eq(pool_stop_timed(NULL, PROBE_KEEP, 1), PROBE_EINVAL);
    ck_assert_int_eq(pool_start(NULL), PROBE_EINVAL);
    ck_assert_int_eq(pool_wait(NULL, 1), PROBE_EINVAL);
    ck_assert_int_eq(pool_resize(NULL, 2), PROBE_EINVAL);
    ck_assert_int_eq(pool_metrics(NULL, m, PROBE_METRIC_COUNT),
                     PROBE_EINVAL);
    ck_assert_uint_eq(pool_size(NULL), 0);
    ck_assert_uint_eq(pool_running(NULL), 0);
    ck_assert_uint_eq(pool_idle(NULL), 0);
    ck_assert_ptr_null(pool_id(NULL));
    pool_free(NULL);
    ck_assert_int_eq(n, 0);
}
END_TEST

static Suite *pool_suite(void)
{
    Suite *s = suite_create("pool");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_pool_defaults_are_8_and_64);
    tcase_add_test(tc, test_pool_runs_every_task);
    tcase_add_test(tc, test_pool_idle_and_running_counts);
    tcase_add_test(tc, test_pool_counter_invariant_holds);
    tcase_add_test(tc, test_pool_restart_really_runs_work);
    tcase_add_test(tc, test_pool_rejects_bad_sizes);
    tcase_add_test(tc, test_pool_run_after_stop_keeps_arg);
    tcase_add_test(tc, test_pool_try_and_timed_run_on_full_queue);
    tcase_add_test(tc, test_pool_blocked_submit_wakes);
    tcase_add_test(tc, test_pool_stop_wakes_blocked_submitter);
    tcase_add_test(tc, test_pool_worker_blocking_on_own_queue);
    tcase_add_test(tc, test_pool_run_batch);
    tcase_add_test(tc, test_pool_cancel_context_stops_it);
    tcase_add_test(tc, test_pool_parent_cancel_stops_it);
    tcase_add_test(tc, test_pool_task_sees_pool_and_context);
    tcase_add_test(tc, test_pool_null_handles);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(pool_suite());
}
