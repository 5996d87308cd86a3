/*
 * Worker wakeups: every queued task reaches a free worker, whether the
 * workers are spinning, parked or just leaving either state.  The gate
 * tests block each worker in its task, so a task left behind by a
 * skipped wakeup shows up as a gate that never fills.
 */
#define _GNU_SOURCE
#include "harness.h"

#define ROUNDS 300

/* Submit one gate task per worker, back to back, and check that every
 * worker picks one up; pool sizes cycle so spinners and sleepers mix. */
START_TEST(test_wakeup_gate_per_worker)
{
    int round, i;

    for (round = 0; round < ROUNDS; round++) {
        int size = 2 + round % 11;
        probe_config *cfg = config_of(size, 64);
        pool *pl = pool_new(cfg);
        struct gate g;

        ck_assert_ptr_nonnull(pl);
        gate_init(&g);
        for (i = 0; i < size; i++)
            ck_assert_int_eq(pool_run(pl, task_gate, &g), PROBE_OK);
        ck_assert_msg(gate_wait_blocked(&g, size),
                      "round %d: not every one of %d workers took a task",
                      round, size);
        gate_open(&g);
        ck_assert_int_eq(pool_wait(pl, WAIT_LIMIT_MS), PROBE_OK);
        assert_metrics_add_up(pl);
        pool_free(pl);
        probe_config_free(cfg);
    }
}
END_TEST

/* The same through pool_run_batch(), which wakes several workers at once. */
START_TEST(test_wakeup_batch_per_worker)
{
    void *args[16];
    int round, i;

    for (round = 0; round < ROUNDS; round++) {
        int size = 2 + round % 11;
        probe_config *cfg = config_of(size, 64);
        pool *pl = pool_new(cfg);
        struct gate g;
        size_t accepted = 0;

        ck_assert_ptr_nonnull(pl);
        gate_init(&g);
        for (i = 0; i < size; i++)
            args[i] = &g;
        ck_assert_int_eq(pool_run_batch(pl, task_gate, args, (size_t)size,
                                        &accepted),
                         PROBE_OK);
        ck_assert_uint_eq(accepted, (size_t)size);
        ck_assert_msg(gate_wait_blocked(&g, size),
                      "round %d: not every one of %d workers took a task",
                      round, size);
        gate_open(&g);
        ck_assert_int_eq(pool_wait(pl, WAIT_LIMIT_MS), PROBE_OK);
        pool_free(pl);
        probe_config_free(cfg);
    }
}
END_TEST

/* Gate all workers but one while tasks keep coming: the free worker must
 * run them all even though the others never look at the ring. */
START_TEST(test_wakeup_one_free_worker)
{
    probe_config *cfg = config_of(4, 64);
    pool *pl = pool_new(cfg);
    struct gate g;
    struct latch done;
    int i;

    gate_init(&g);
    latch_init(&done);
    for (i = 0; i < 3; i++)
        ck_assert_int_eq(pool_run(pl, task_gate, &g), PROBE_OK);
    ck_assert(gate_wait_blocked(&g, 3));
    for (i = 0; i < 20000; i++) {
        ck_assert_int_eq(pool_run(pl, task_latch, &done), PROBE_OK);
        if (i % 1000 == 0)
            ck_assert(latch_wait(&done, i + 1));
    }
    ck_assert(latch_wait(&done, 20000));
    gate_open(&g);
    ck_assert_int_eq(pool_wait(pl, WAIT_LIMIT_MS), PROBE_OK);
    assert_metrics_add_up(pl);
    pool_free(pl);
    probe_config_free(cfg);
}
END_TEST

/* One task at a time, each waited for, so workers keep going from busy
 * to spinning to parked and back. */
START_TEST(test_wakeup_single_tasks_in_turn)
{
    probe_config *cfg = config_of(3, 8);
    pool *pl = pool_new(cfg);
    struct latch done;
    int i;

    latch_init(&done);
    for (i = 0; i < 5000; i++) {
        ck_assert_int_eq(pool_run(pl, task_latch, &done), PROBE_OK);
        ck_assert_msg(latch_wait(&done, i + 1), "task %d never ran", i);
    }
    ck_assert_int_eq(pool_wait(pl, WAIT_LIMIT_MS), PROBE_OK);
    assert_metrics_add_up(pl);
    pool_free(pl);
    probe_config_free(cfg);
}
END_TEST

struct submitter {
    pool *pl;
    atomic_long *count;
    int tasks;
};

static void *submit_all(void *arg)
{
    struct submitter *s = arg;
    int i;

    for (i = 0; i < s->tasks; i++)
        if (pool_run(s->pl, task_count, s->count) != PROBE_OK)
            break;
    return NULL;
}

/* Four threads submitting into a small ring at once. */
START_TEST(test_wakeup_four_submitters)
{
    probe_config *cfg = config_of(2, 16);
    pool *pl = pool_new(cfg);
    atomic_long count = 0;
    struct submitter s = {pl, &count, 50000};
    pthread_t threads[4];
    int i;

    for (i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&threads[i], NULL, submit_all, &s), 0);
    for (i = 0; i < 4; i++)
        pthread_join(threads[i], NULL);
    ck_assert_int_eq(pool_wait(pl, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(atomic_load(&count), 200000);
    assert_metrics_add_up(pl);
    pool_free(pl);
    probe_config_free(cfg);
}
END_TEST

static Suite *wakeup_suite(void)
{
    Suite *s = suite_create("wakeup");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_wakeup_gate_per_worker);
    tcase_add_test(tc, test_wakeup_batch_per_worker);
    tcase_add_test(tc, test_wakeup_one_free_worker);
    tcase_add_test(tc, test_wakeup_single_tasks_in_turn);
    tcase_add_test(tc, test_wakeup_four_submitters);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(wakeup_suite());
}
