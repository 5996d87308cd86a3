/* Stop modes and the fate of every queued task: drained, kept or
 * discarded, never lost and never run twice. */
#include "harness.h"

/* A pool of @size gated workers with @queued counting tasks behind them. */
struct stalled {
    pool *pl;
    probe_config *cfg;
    struct gate gate;
    atomic_long ran;
    atomic_long discarded;
};

static void stall(struct stalled *s, int size, int queued)
{
    int i;

    s->cfg = config_of(size, queued + 4);
    atomic_init(&s->ran, 0);
    atomic_init(&s->discarded, 0);
    probe_config_set_discard(s->cfg, discard_count, &s->discarded);
    s->pl = pool_new(s->cfg);
    ck_assert_ptr_nonnull(s->pl);
    gate_init(&s->gate);
    for (i = 0; i < size; i++)
        ck_assert_int_eq(pool_run(s->pl, task_gate, &s->gate), PROBE_OK);
    ck_assert(gate_wait_blocked(&s->gate, size));
    for (i = 0; i < queued; i++)
        ck_assert_int_eq(pool_run(s->pl, task_count, &s->ran), PROBE_OK);
}

static void release(struct stalled *s)
{
    pool_free(s->pl);
    probe_config_free(s->cfg);
}

START_TEST(test_stop_drain_runs_queued)
{
    struct stalled s;

    stall(&s, 2, 10);
    ck_assert_int_eq(pool_stop(s.pl, PROBE_DRAIN, PROBE_NOWAIT), PROBE_OK);
    gate_open(&s.gate);
    ck_assert_int_eq(pool_stop(s.pl, PROBE_DRAIN, PROBE_WAIT), PROBE_OK);
    ck_assert_int_eq(s.ran, 10);
    ck_assert_int_eq(s.discarded, 0);
    assert_metrics_add_up(s.pl);
    release(&s);
}
END_TEST

START_TEST(test_stop_keep_runs_after_start)
{
    struct stalled s;
    uint64_t m[PROBE_METRIC_COUNT];

    stall(&s, 2, 10);
    ck_assert_int_eq(pool_stop(s.pl, PROBE_KEEP, PROBE_NOWAIT), PROBE_OK);
    gate_open(&s.gate);
    ck_assert_int_eq(pool_stop(s.pl, PROBE_KEEP, PROBE_WAIT), PROBE_OK);
    ck_assert_int_eq(s.ran, 0);
    pool_metrics(s.pl, m, PROBE_METRIC_COUNT);
    ck_assert_uint_eq(m[PROBE_METRIC_QUEUED], 10);
    ck_assert_int_eq(pool_wait(s.pl, 0), PROBE_ESTOPPED);
    ck_assert_int_eq(pool_start(s.pl), PROBE_OK);
    ck_assert_int_eq(pool_wait(s.pl, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(s.ran, 10);
    assert_metrics_add_up(s.pl);
    release(&s);
}
END_TEST

START_TEST(test_stop_discard_hands_back_queued)
{
    struct stalled s;
    uint64_t m[PROBE_METRIC_COUNT];

    stall(&s, 2, 10);
    ck_assert_int_eq(pool_stop(s.pl, PROBE_DISCARD, PROBE_NOWAIT), PROBE_OK);
    ck_assert_int_eq(s.discarded, 10);
    gate_open(&s.gate);
    ck_assert_int_eq(pool_stop(s.pl, PROBE_DISCARD, PROBE_WAIT), PROBE_OK);
    ck_assert_int_eq(s.ran, 0);
    pool_metrics(s.pl, m, PROBE_METRIC_COUNT);
    ck_assert_uint_eq(m[PROBE_METRIC_DISCARDED], 10);
    ck_assert_uint_eq(m[PROBE_METRIC_COMPLETED], 2);
    assert_metrics_add_up(s.pl);
    release(&s);
}
END_TEST

START_TEST(test_stop_discard_after_keep)
{
    struct stalled s;

    stall(&s, 1, 5);
    ck_assert_int_eq(pool_stop(s.pl, PROBE_KEEP, PROBE_NOWAIT), PROBE_OK);
    gate_open(&s.gate);
    ck_assert_int_eq(pool_stop(s.pl, PROBE_KEEP, PROBE_WAIT), PROBE_OK);
    ck_assert_int_eq(s.discarded, 0);
    ck_assert_int_eq(pool_stop(s.pl, PROBE_DISCARD, PROBE_WAIT), PROBE_OK);
    ck_assert_int_eq(s.discarded, 5);
    ck_assert_int_eq(s.ran, 0);
    release(&s);
}
END_TEST

START_TEST(test_stop_free_discards_kept)
{
    struct stalled s;

    stall(&s, 1, 7);
    ck_assert_int_eq(pool_stop(s.pl, PROBE_KEEP, PROBE_NOWAIT), PROBE_OK);
    gate_open(&s.gate);
    pool_free(s.pl);
    ck_assert_int_eq(s.discarded, 7);
    ck_assert_int_eq(s.ran, 0);
    probe_config_free(s.cfg);
}
END_TEST

START_TEST(test_stop_timed_times_out_then_succeeds)
{
    struct stalled s;

    stall(&s, 1, 0);
    ck_assert_int_eq(pool_stop_timed(s.pl, PROBE_DRAIN, 20), PROBE_ETIMEDOUT);
    ck_assert_int_eq(probe_last_error(), PROBE_ETIMEDOUT);
    ck_assert_uint_eq(pool_running(s.pl), 1);
    ck_assert_int_eq(pool_run(s.pl, task_count, &s.ran), PROBE_ESTOPPED);
    gate_open(&s.gate);
    ck_assert_int_eq(pool_stop_timed(s.pl, PROBE_DRAIN, WAIT_LIMIT_MS),
                     PROBE_OK);
    ck_assert_uint_eq(pool_running(s.pl), 0);
    release(&s);
}
END_TEST

static int wait_on_context(void *arg)
{
    (void)arg;
    probe_ctx_wait(probe_current_ctx(), WAIT_LIMIT_MS);
    return 0;
}

START_TEST(test_stop_cancels_task_context)
{
    probe_config *cfg = config_of(2, 4);
    pool *pl = pool_new(cfg);

    ck_assert_int_eq(pool_run(pl, wait_on_context, NULL), PROBE_OK);
    ck_assert_int_eq(pool_run(pl, wait_on_context, NULL), PROBE_OK);
    /* Both tasks block on their context until the stop cancels it; a stop
     * that did not would take WAIT_LIMIT_MS and fail the timed stop. */
    ck_assert_int_eq(pool_stop_timed(pl, PROBE_DRAIN, WAIT_LIMIT_MS / 2),
                     PROBE_OK);
    pool_free(pl);
    probe_config_free(cfg);
}
END_TEST

START_TEST(test_stop_bad_mode)
{
    pool *pl = pool_new(NULL);

    ck_assert_int_eq(pool_stop(pl, 0, PROBE_WAIT), PROBE_EINVAL);
    ck_assert_int_eq(pool_stop(pl, 42, PROBE_NOWAIT), PROBE_EINVAL);
    ck_assert_int_eq(pool_stop(pl, PROBE_KEEP, 2), PROBE_EINVAL);
    ck_assert_uint_eq(pool_running(pl), 8);
    pool_free(pl);
}
END_TEST

struct racer {
    pool *pl;
    atomic_long *ran;
    long accepted;
    long rejected;
};

static void *submit_until_stopped(void *arg)
{
    struct racer *r = arg;
    int rc;

    for (;;) {
        rc = pool_run(r->pl, task_count, r->ran);
        if (rc == PROBE_OK)
            r->accepted++;
        else if (rc == PROBE_ESTOPPED)
            break;
        else
            r->rejected++;
    }
    return NULL;
}

START_TEST(test_stop_racing_submitters_loses_nothing)
{
    probe_config *cfg = config_of(2, 16);
    atomic_long ran = 0, discarded = 0;
    struct racer r[4];
    pthread_t t[4];
    long accepted = 0;
    pool *pl;
    int i, mode;

    probe_config_set_discard(cfg, discard_count, &discarded);
    for (mode = PROBE_DRAIN; mode <= PROBE_DISCARD; mode++) {
        atomic_store(&ran, 0);
        atomic_store(&discarded, 0);
        accepted = 0;
        pl = pool_new(cfg);
        for (i = 0; i < 4; i++) {
            r[i] = (struct racer){pl, &ran, 0, 0};
            pthread_create(&t[i], NULL, submit_until_stopped, &r[i]);
        }
        while (atomic_load(&ran) < 20000)
            ;
        ck_assert_int_eq(pool_stop(pl, mode, PROBE_WAIT), PROBE_OK);
        for (i = 0; i < 4; i++) {
            pthread_join(t[i], NULL);
            accepted += r[i].accepted;
            ck_assert_int_eq(r[i].rejected, 0);
        }
        pool_free(pl);
        /* Each accepted task ran or was handed back exactly once. */
        ck_assert_int_eq(atomic_load(&ran) + atomic_load(&discarded),
                         accepted);
    }
    probe_config_free(cfg);
}
END_TEST

START_TEST(test_stop_then_free_without_wait)
{
    int i;

    for (i = 0; i < 200; i++) {
        pool *pl = pool_new(NULL);
        atomic_long n = 0;

        pool_run(pl, task_count, &n);
        ck_assert_int_eq(pool_stop(pl, PROBE_DRAIN, PROBE_NOWAIT), PROBE_OK);
        pool_free(pl);
        ck_assert_int_eq(n, 1);
    }
}
END_TEST

static Suite *stop_suite(void)
{
    Suite *s = suite_create("stop");
    TCase *tc = tcase_create("modes");

    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_stop_drain_runs_queued);
    tcase_add_test(tc, test_stop_keep_runs_after_start);
    tcase_add_test(tc, test_stop_discard_hands_back_queued);
    tcase_add_test(tc, test_stop_discard_after_keep);
    tcase_add_test(tc, test_stop_free_discards_kept);
    tcase_add_test(tc, test_stop_timed_times_out_then_succeeds);
    tcase_add_test(tc, test_stop_cancels_task_context);
    tcase_add_test(tc, test_stop_bad_mode);
    tcase_add_test(tc, test_stop_racing_submitters_loses_nothing);
    tcase_add_test(tc, test_stop_then_free_without_wait);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(stop_suite());
}
