/* A single probe: creation, work, idleness, IDs, stop and restart. */
#define _GNU_SOURCE
#include "harness.h"

#include <string.h>

struct sum {
    int a, b, result;
};

static int add(void *arg)
{
    struct sum *s = arg;

    s->result = s->a + s->b;
    return 0;
}

START_TEST(test_probe_running_when_new_returns)
{
    probe *p = probe_new(NULL);

    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(probe_running(p), 1);
    probe_free(p);
}
END_TEST

START_TEST(test_probe_runs_ten_plus_ten)
{
    probe *p = probe_new(NULL);
    struct sum s = {10, 10, 0};

    ck_assert_int_eq(probe_run(p, add, &s), PROBE_OK);
    ck_assert_int_eq(probe_stop(p, PROBE_DRAIN, PROBE_WAIT), PROBE_OK);
    ck_assert_int_eq(s.result, 20);
    probe_free(p);
}
END_TEST

START_TEST(test_probe_idle_only_between_tasks)
{
    probe *p = probe_new(NULL);
    struct gate g;

    gate_init(&g);
    ck_assert_int_eq(probe_idle(p), 1);
    ck_assert_int_eq(probe_run(p, task_gate, &g), PROBE_OK);
    ck_assert(gate_wait_blocked(&g, 1));
    ck_assert_int_eq(probe_idle(p), 0);
    ck_assert_int_eq(probe_running(p), 1);
    gate_open(&g);
    ck_assert_int_eq(probe_stop(p, PROBE_DRAIN, PROBE_WAIT), PROBE_OK);
    ck_assert_int_eq(probe_idle(p), 0);
    ck_assert_int_eq(probe_running(p), 0);
    probe_free(p);
}
END_TEST

struct name_probe {
    char name[16];
    const char *id;
};

static int read_name(void *arg)
{
    struct name_probe *n = arg;

    pthread_getname_np(pthread_self(), n->name, sizeof n->name);
    n->id = probe_current_id();
    return 0;
}

START_TEST(test_probe_id_unique_stable_and_named)
{
    probe *a = probe_new(NULL);
    probe *b = probe_new(NULL);
    char before[16], expected[32];
    struct name_probe n = {{0}, NULL};

    ck_assert_ptr_nonnull(probe_id(a));
    ck_assert_str_ne(probe_id(a), probe_id(b));
    ck_assert_int_le(strlen(probe_id(a)), 9);
    snprintf(before, sizeof before, "%s", probe_id(a));

    ck_assert_int_eq(probe_stop(a, PROBE_KEEP, PROBE_WAIT), PROBE_OK);
    ck_assert_int_eq(probe_start(a), PROBE_OK);
    ck_assert_str_eq(probe_id(a), before);

    ck_assert_int_eq(probe_run(a, read_name, &n), PROBE_OK);
    ck_assert_int_eq(probe_stop(a, PROBE_DRAIN, PROBE_WAIT), PROBE_OK);
    snprintf(expected, sizeof expected, "probe-%s", before);
    ck_assert_str_eq(n.name, expected);
    ck_assert_str_eq(n.id, before);
    probe_free(a);
    probe_free(b);
}
END_TEST

START_TEST(test_probe_handoff_returns_once_taken)
{
    probe *p = probe_new(NULL);
    struct gate g;
    atomic_long n = 0;

    gate_init(&g);
    ck_assert_int_eq(probe_run(p, task_gate, &g), PROBE_OK);
    ck_assert(gate_wait_blocked(&g, 1));
    /* The probe is busy and has no buffer: nothing more can be handed. */
    ck_assert_int_eq(probe_try_run(p, task_count, &n), PROBE_EFULL);
    gate_open(&g);
    ck_assert_int_eq(probe_stop(p, PROBE_DRAIN, PROBE_WAIT), PROBE_OK);
    ck_assert_int_eq(n, 0);
    probe_free(p);
}
END_TEST

static int slow_gate(void *arg)
{
    gate_pass(arg);
    return 0;
}

START_TEST(test_probe_try_run_never_waits_for_task)
{
    probe *p = probe_new(NULL);
    struct gate gates[10];
    struct latch l;
    int i, rc;

    latch_init(&l);
    /* An idle probe takes a non-blocking handoff. */
    ck_assert_int_eq(probe_try_run(p, task_latch, &l), PROBE_OK);
    ck_assert(latch_wait(&l, 1));
    /* Right after a blocking handoff the probe is busy, even while it has
     * taken the task but not yet started it. */
    for (i = 0; i < 10; i++) {
        gate_init(&gates[i]);
        ck_assert_int_eq(probe_run(p, slow_gate, &gates[i]), PROBE_OK);
        rc = probe_try_run(p, task_latch, &l);
        gate_open(&gates[i]);
        ck_assert_int_eq(rc, PROBE_EFULL);
    }
    ck_assert_int_eq(probe_stop(p, PROBE_DRAIN, PROBE_WAIT), PROBE_OK);
    ck_assert_int_eq(latch_get(&l), 1);
    probe_free(p);
}
END_TEST

START_TEST(test_probe_buffer_holds_n_tasks)
{
    probe_config *cfg = config_of(0, 3);
    probe *p = probe_new(cfg);
    struct gate g;
    atomic_long n = 0;
    int i;

    gate_init(&g);
    ck_assert_int_eq(probe_run(p, task_gate, &g), PROBE_OK);
    ck_assert(gate_wait_blocked(&g, 1));
    for (i = 0; i < 3; i++)
        ck_assert_int_eq(probe_try_run(p, task_count, &n), PROBE_OK);
    ck_assert_int_eq(probe_try_run(p, task_count, &n), PROBE_EFULL);
    gate_open(&g);
    ck_assert_int_eq(probe_stop(p, PROBE_DRAIN, PROBE_WAIT), PROBE_OK);
    ck_assert_int_eq(n, 3);
    probe_free(p);
    probe_config_free(cfg);
}
END_TEST

START_TEST(test_probe_run_after_stop_fails_at_once)
{
    probe *p = probe_new(NULL);
    atomic_long n = 0;

    ck_assert_int_eq(probe_stop(p, PROBE_KEEP, PROBE_WAIT), PROBE_OK);
    ck_assert_int_eq(probe_run(p, task_count, &n), PROBE_ESTOPPED);
    ck_assert_int_eq(probe_last_error(), PROBE_ESTOPPED);
    ck_assert_int_eq(n, 0);
    probe_free(p);
}
END_TEST

START_TEST(test_probe_stop_twice_is_safe)
{
    probe *p = probe_new(NULL);

    ck_assert_int_eq(probe_stop(p, PROBE_KEEP, PROBE_WAIT), PROBE_OK);
    ck_assert_int_eq(probe_stop(p, PROBE_KEEP, PROBE_WAIT), PROBE_OK);
    ck_assert_int_eq(probe_stop(p, PROBE_DRAIN, PROBE_NOWAIT), PROBE_OK);
    ck_assert_int_eq(probe_running(p), 0);
    probe_free(p);
}
END_TEST

struct slow_task {
    struct gate gate;
    atomic_int finished;
};

static int slow(void *arg)
{
    struct slow_task *s = arg;

    gate_pass(&s->gate);
    atomic_store(&s->finished, 1);
    return 0;
}

struct stopper {
    probe *p;
    struct slow_task *task;
    int rc;
    int saw_finished;
};

static void *stop_and_check(void *arg)
{
    struct stopper *s = arg;

    s->rc = probe_stop(s->p, PROBE_DRAIN, PROBE_WAIT);
    s->saw_finished = atomic_load(&s->task->finished);
    return NULL;
}

START_TEST(test_probe_two_waiters_both_wait)
{
    probe *p = probe_new(NULL);
    struct slow_task task;
    struct stopper s1 = {p, &task, -1, 0}, s2 = {p, &task, -1, 0};
    pthread_t t1, t2;

    gate_init(&task.gate);
    atomic_init(&task.finished, 0);
    ck_assert_int_eq(probe_run(p, slow, &task), PROBE_OK);
    ck_assert(gate_wait_blocked(&task.gate, 1));
    pthread_create(&t1, NULL, stop_and_check, &s1);
    pthread_create(&t2, NULL, stop_and_check, &s2);
    gate_open(&task.gate);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    ck_assert_int_eq(s1.rc, PROBE_OK);
    ck_assert_int_eq(s2.rc, PROBE_OK);
    ck_assert_int_eq(s1.saw_finished, 1);
    ck_assert_int_eq(s2.saw_finished, 1);
    probe_free(p);
}
END_TEST

START_TEST(test_probe_wait_after_nowait_really_waits)
{
    probe *p = probe_new(NULL);
    struct slow_task task;
    struct stopper s = {p, &task, -1, 0};
    pthread_t t;

    gate_init(&task.gate);
    atomic_init(&task.finished, 0);
    ck_assert_int_eq(probe_run(p, slow, &task), PROBE_OK);
    ck_assert(gate_wait_blocked(&task.gate, 1));
    ck_assert_int_eq(probe_stop(p, PROBE_KEEP, PROBE_NOWAIT), PROBE_OK);
    ck_assert_int_eq(atomic_load(&task.finished), 0);
    pthread_create(&t, NULL, stop_and_check, &s);
    gate_open(&task.gate);
    pthread_join(t, NULL);
    ck_assert_int_eq(s.rc, PROBE_OK);
    ck_assert_int_eq(s.saw_finished, 1);
    ck_assert_int_eq(probe_running(p), 0);
    probe_free(p);
}
END_TEST

struct self_stop {
    int wait_rc;
    int nowait_rc;
    int start_rc;
};

static int stop_self(void *arg)
{
    struct self_stop *s = arg;
    probe *p = probe_current();

    s->wait_rc = probe_stop(p, PROBE_KEEP, PROBE_WAIT);
    s->nowait_rc = probe_stop(p, PROBE_KEEP, PROBE_NOWAIT);
    s->start_rc = probe_start(p);
    return 0;
}

START_TEST(test_probe_stop_from_own_task)
{
    probe *p = probe_new(NULL);
    struct self_stop s = {1, 1, 1};

    ck_assert_int_eq(probe_run(p, stop_self, &s), PROBE_OK);
    ck_assert_int_eq(probe_stop(p, PROBE_KEEP, PROBE_WAIT), PROBE_OK);
    ck_assert_int_eq(s.wait_rc, PROBE_EDEADLK);
    ck_assert_int_eq(s.nowait_rc, PROBE_OK);
    ck_assert_int_eq(s.start_rc, PROBE_EDEADLK);
    ck_assert_int_eq(probe_running(p), 0);
    probe_free(p);
}
END_TEST

START_TEST(test_probe_restart_runs_work)
{
    probe *p = probe_new(NULL);
    atomic_long n = 0;
    int round;

    for (round = 0; round < 5; round++) {
        ck_assert_int_eq(probe_run(p, task_count, &n), PROBE_OK);
        ck_assert_int_eq(probe_stop(p, PROBE_DRAIN, PROBE_WAIT), PROBE_OK);
        ck_assert_int_eq(probe_running(p), 0);
        ck_assert_int_eq(probe_start(p), PROBE_OK);
        ck_assert_int_eq(probe_running(p), 1);
    }
    ck_assert_int_eq(probe_start(p), PROBE_OK);
    probe_free(p);
    ck_assert_int_eq(n, 5);
}
END_TEST

START_TEST(test_probe_start_on_cancelled_context_fails)
{
    probe_ctx *ctx = probe_ctx_new();
    probe_config *cfg = probe_config_new();
    probe *p;

    probe_config_set_ctx(cfg, ctx);
    p = probe_new(cfg);
    ck_assert_ptr_nonnull(p);
    probe_ctx_cancel(ctx);
    ck_assert_int_eq(probe_stop(p, PROBE_KEEP, PROBE_WAIT), PROBE_OK);
    ck_assert_int_eq(probe_running(p), 0);
    ck_assert_int_eq(probe_start(p), PROBE_ECANCELED);
    ck_assert_int_eq(probe_running(p), 0);
    ck_assert_ptr_null(probe_new(cfg));
    ck_assert_int_eq(errno, ECANCELED);
    probe_free(p);
    probe_config_free(cfg);
    probe_ctx_free(ctx);
}
END_TEST

START_TEST(test_probe_cancelled_run_fails_at_once)
{
    probe_ctx *ctx = probe_ctx_new();
    probe_config *cfg = probe_config_new();
    atomic_long n = 0;
    probe *p;

    probe_config_set_ctx(cfg, ctx);
    p = probe_new(cfg);
    probe_ctx_cancel(ctx);
    ck_assert_int_eq(probe_run(p, task_count, &n), PROBE_ECANCELED);
    ck_assert_int_eq(probe_stop(p, PROBE_KEEP, PROBE_WAIT), PROBE_OK);
    probe_free(p);
    probe_config_free(cfg);
    probe_ctx_free(ctx);
}
END_TEST

START_TEST(test_probe_free_discards_queued)
{
    probe_config *cfg = config_of(0, 8);
    atomic_long discarded = 0, ran = 0;
    struct gate g;
    probe *p;
    int i;

    probe_config_set_discard(cfg, discard_count, &discarded);
    p = probe_new(cfg);
    gate_init(&g);
    ck_assert_int_eq(probe_run(p, task_gate, &g), PROBE_OK);
    ck_assert(gate_wait_blocked(&g, 1));
    for (i = 0; i < 5; i++)
        ck_assert_int_eq(probe_run(p, task_count, &ran), PROBE_OK);
    ck_assert_int_eq(probe_stop(p, PROBE_KEEP, PROBE_NOWAIT), PROBE_OK);
    gate_open(&g);
    probe_free(p);
    ck_assert_int_eq(ran, 0);
    ck_assert_int_eq(discarded, 5);
    probe_config_free(cfg);
}
END_TEST

static int free_self(void *arg)
{
    (void)arg;
    probe_free(probe_current());
    return 0;
}

START_TEST(test_probe_free_from_own_task)
{
    probe *p = probe_new(NULL);

    ck_assert_int_eq(probe_run(p, free_self, NULL), PROBE_OK);
    /* The probe frees itself once the task returns; nothing to join. */
}
END_TEST

START_TEST(test_probe_null_and_bad_input)
{
    probe_config *cfg = probe_config_new();
    atomic_long n = 0;
    probe *p;

    ck_assert_int_eq(probe_run(NULL, task_count, &n), PROBE_EINVAL);
    ck_assert_int_eq(probe_try_run(NULL, task_count, &n), PROBE_EINVAL);
    ck_assert_int_eq(probe_stop(NULL, PROBE_KEEP, PROBE_WAIT), PROBE_EINVAL);
    ck_assert_int_eq(probe_start(NULL), PROBE_EINVAL);
    ck_assert_int_eq(probe_running(NULL), 0);
    ck_assert_int_eq(probe_idle(NULL), 0);
    ck_assert_ptr_null(probe_id(NULL));
    probe_free(NULL);

    p = probe_new(NULL);
    ck_assert_int_eq(probe_run(p, NULL, &n), PROBE_EINVAL);
    ck_assert_int_eq(probe_stop(p, 0, PROBE_WAIT), PROBE_EINVAL);
    ck_assert_int_eq(probe_stop(p, PROBE_KEEP, 7), PROBE_EINVAL);
    ck_assert_int_eq(probe_running(p), 1);
    probe_free(p);

    ck_assert_int_eq(probe_config_set(cfg, PROBE_OPT_SIZE, 2), PROBE_OK);
    ck_assert_ptr_null(probe_new(cfg));
    ck_assert_int_eq(errno, EINVAL);
    probe_config_free(cfg);
}
END_TEST

static Suite *probe_suite(void)
{
    Suite *s = suite_create("probe");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_probe_running_when_new_returns);
    tcase_add_test(tc, test_probe_runs_ten_plus_ten);
    tcase_add_test(tc, test_probe_idle_only_between_tasks);
    tcase_add_test(tc, test_probe_id_unique_stable_and_named);
    tcase_add_test(tc, test_probe_handoff_returns_once_taken);
    tcase_add_test(tc, test_probe_try_run_never_waits_for_task);
    tcase_add_test(tc, test_probe_buffer_holds_n_tasks);
    tcase_add_test(tc, test_probe_run_after_stop_fails_at_once);
    tcase_add_test(tc, test_probe_stop_twice_is_safe);
    tcase_add_test(tc, test_probe_two_waiters_both_wait);
    tcase_add_test(tc, test_probe_wait_after_nowait_really_waits);
    tcase_add_test(tc, test_probe_stop_from_own_task);
    tcase_add_test(tc, test_probe_restart_runs_work);
    tcase_add_test(tc, test_probe_start_on_cancelled_context_fails);
    tcase_add_test(tc, test_probe_cancelled_run_fails_at_once);
    tcase_add_test(tc, test_probe_free_discards_queued);
    tcase_add_test(tc, test_probe_free_from_own_task);
    tcase_add_test(tc, test_probe_null_and_bad_input);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(probe_suite());
}
