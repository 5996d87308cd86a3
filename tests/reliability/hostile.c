/*
 * Hostile moments: a fork with live pools, a storm of signals while
 * workers are busy, thousands of create and free cycles, a free right
 * after a stop that did not wait, and a stop racing many submitters.
 *
 * Each test counts every task it submits in a per-task record, so a lost
 * or doubled task fails the test that lost it.  The cycle count of
 * test_create_free_cycles is PROBE_REL_CYCLES (default 10000), which the
 * valgrind step lowers.
 */
#include "rel.h"

#include <check.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define TEST_TIMEOUT_S 120
#define RACE_SUBMITTERS 8
#define RACE_TASKS 2000

static probe_config *config_of(long long size, long long buffer)
{
    probe_config *cfg = probe_config_new();

    ck_assert_ptr_nonnull(cfg);
    ck_assert_int_eq(probe_config_set(cfg, PROBE_OPT_SIZE, size), PROBE_OK);
    ck_assert_int_eq(probe_config_set(cfg, PROBE_OPT_BUFFER, buffer),
                     PROBE_OK);
    ck_assert_int_eq(probe_config_set_discard(cfg, rel_discard_record, NULL),
                     PROBE_OK);
    return cfg;
}

static void assert_quiet_metrics(pool *pl)
{
    uint64_t m[PROBE_METRIC_COUNT];

    ck_assert_int_eq(pool_metrics(pl, m, PROBE_METRIC_COUNT),
                     PROBE_METRIC_COUNT);
    ck_assert_uint_eq(m[PROBE_METRIC_SUBMITTED],
                      m[PROBE_METRIC_COMPLETED] + m[PROBE_METRIC_DISCARDED] +
                          m[PROBE_METRIC_CANCELLED] + m[PROBE_METRIC_QUEUED] +
                          m[PROBE_METRIC_ACTIVE]);
}

/* Create and free one pool, so that threads a runtime starts on first
 * use (ThreadSanitizer's background thread) are in the baseline. */
static long thread_baseline(void)
{
    long before = rel_threads();

    pool_free(pool_new(NULL));
    /* Bounded: with such a runtime the count never drops to @before. */
    return rel_threads_settle_ms(before, 500);
}

static void assert_records(const struct rel_record *rec, size_t count)
{
    size_t i, bad = 0;

    for (i = 0; i < count; i++)
        bad += (size_t)rel_record_bad(&rec[i], i);
    ck_assert_uint_eq(bad, 0);
}

/* ---- fork with live pools ---- */

static void *call_record(void *arg)
{
    rel_task_record(arg);
    return NULL;
}

/* Exit status of the child: 0, or the number of the first failed check. */
static int child_checks(pool *pl, probe *p, struct rel_record *rec)
{
    uint64_t m[PROBE_METRIC_COUNT];
    size_t accepted = 1;
    void *args[1] = {rec};

    if (pool_run(pl, rel_task_record, rec) != PROBE_EFORKED)
        return 1;
    if (pool_try_run(pl, rel_task_record, rec) != PROBE_EFORKED)
        return 2;
    if (pool_run_timed(pl, rel_task_record, rec, 10) != PROBE_EFORKED)
        return 3;
    if (pool_run_batch(pl, rel_task_record, args, 1, &accepted) !=
            PROBE_EFORKED ||
        accepted != 0)
        return 4;
    if (pool_wait(pl, 10) != PROBE_EFORKED)
        return 5;
    if (pool_resize(pl, 3) != PROBE_EFORKED)
        return 6;
    if (pool_metrics(pl, m, PROBE_METRIC_COUNT) != PROBE_EFORKED)
        return 7;
    if (pool_group_new(pl, 0) != NULL || errno != EPERM)
        return 8;
    if (pool_submit(pl, call_record, rec, NULL) != NULL)
        return 9;
    if (pool_stop(pl, PROBE_DISCARD, PROBE_WAIT) != PROBE_EFORKED)
        return 10;
    if (pool_stop_timed(pl, PROBE_DRAIN, 10) != PROBE_EFORKED)
        return 11;
    if (pool_start(pl) != PROBE_EFORKED)
        return 12;
    if (probe_run(p, rel_task_record, rec) != PROBE_EFORKED)
        return 13;
    if (probe_try_run(p, rel_task_record, rec) != PROBE_EFORKED)
        return 14;
    if (probe_stop(p, PROBE_DRAIN, PROBE_WAIT) != PROBE_EFORKED)
        return 15;
    if (probe_start(p) != PROBE_EFORKED)
        return 16;
    /* The workers live in the parent only: freeing must not join them. */
    pool_free(pl);
    probe_free(p);
    if (atomic_load(&rec->runs) != 0 || atomic_load(&rec->discards) != 0)
        return 17;
    return 0;
}

START_TEST(test_fork_with_live_pools)
{
    probe_config *cfg = config_of(2, 16);
    struct rel_record rec[3];
    struct rel_gate gate;
    pool *pl;
    probe *p;
    pid_t pid;
    int status;

    memset(rec, 0, sizeof rec);
    rel_gate_init(&gate);
    pl = pool_new(cfg);
    probe_config_free(cfg);
    p = probe_new(NULL);
    ck_assert_ptr_nonnull(pl);
    ck_assert_ptr_nonnull(p);
    /* Both workers of the pool are busy across the fork. */
    ck_assert_int_eq(pool_run(pl, rel_task_gate, &gate), PROBE_OK);
    ck_assert_int_eq(pool_run(pl, rel_task_gate, &gate), PROBE_OK);
    ck_assert(rel_gate_wait_inside(&gate, 2));
    ck_assert_int_eq(pool_run(pl, rel_task_record, &rec[0]), PROBE_OK);
    rec[0].accepted = 1;

    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        alarm(30);
        _exit(child_checks(pl, p, &rec[1]));
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);

    /* The parent's handles are unaffected. */
    rel_gate_open(&gate);
    ck_assert_int_eq(probe_run(p, rel_task_record, &rec[2]), PROBE_OK);
    rec[2].accepted = 1;
    ck_assert_int_eq(pool_wait(pl, REL_WAIT_MS), PROBE_OK);
    ck_assert_int_eq(probe_stop(p, PROBE_DRAIN, PROBE_WAIT), PROBE_OK);
    assert_quiet_metrics(pl);
    pool_free(pl);
    probe_free(p);
    assert_records(rec, 3);
}
END_TEST

/* ---- a storm of signals while workers are busy ---- */

static atomic_long signals_caught;
static atomic_int storm_on;

static void count_signal(int sig)
{
    (void)sig;
    atomic_fetch_add(&signals_caught, 1);
}

/* A worker's blocked mask, read from /proc/self/task/TID/status. */
struct mask_probe {
    unsigned long long blocked;
    int read;
};

static int read_own_mask(void *arg)
{
    struct mask_probe *m = arg;
    char path[64], line[256];
    FILE *f;

    snprintf(path, sizeof path, "/proc/self/task/%ld/status",
             (long)syscall(SYS_gettid));
    f = fopen(path, "r");
    if (f == NULL)
        return 1;
    while (fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "SigBlk: %llx", &m->blocked) == 1)
            m->read = 1;
    fclose(f);
    return 0;
}

static int has(unsigned long long mask, int sig)
{
    return (int)((mask >> (sig - 1)) & 1);
}

static void *storm(void *unused)
{
    (void)unused;
    while (atomic_load(&storm_on)) {
        kill(getpid(), SIGUSR1);
        kill(getpid(), SIGUSR2);
        sched_yield();
    }
    return NULL;
}

/* Written by the busy tasks so the compiler keeps their loop; one per
 * thread, so the workers do not race on it. */
static _Thread_local volatile unsigned spin_sink;

static int spin_task(void *arg)
{
    int i;

    for (i = 0; i < 20000; i++)
        spin_sink += (unsigned)i;
    return rel_task_record(arg);
}

START_TEST(test_signal_storm_busy_workers)
{
    enum { STORM_TASKS = 4000 };
    static struct rel_record rec[STORM_TASKS];
    static const int sync_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL,
                                       SIGTRAP, SIGSYS};
    static const int async_signals[] = {SIGUSR1, SIGUSR2, SIGALRM, SIGTERM,
                                        SIGINT, SIGHUP, SIGCHLD, SIGPIPE};
    struct sigaction sa;
    sigset_t before, after;
    struct mask_probe mask = {0, 0};
    probe_config *cfg = config_of(2, 64);
    pthread_t stormer;
    pool *pl;
    size_t i;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = count_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
    ck_assert_int_eq(sigaction(SIGUSR2, &sa, NULL), 0);
    memset(rec, 0, sizeof rec);

    pthread_sigmask(SIG_BLOCK, NULL, &before);
    pl = pool_new(cfg);
    probe_config_free(cfg);
    ck_assert_ptr_nonnull(pl);
    pthread_sigmask(SIG_BLOCK, NULL, &after);
    for (i = 1; i < NSIG; i++)
        ck_assert_int_eq(sigismember(&before, (int)i),
                         sigismember(&after, (int)i));

    atomic_store(&storm_on, 1);
    ck_assert_int_eq(pthread_create(&stormer, NULL, storm, NULL), 0);
    for (i = 0; i < STORM_TASKS; i++) {
        ck_assert_int_eq(pool_run(pl, spin_task, &rec[i]), PROBE_OK);
        rec[i].accepted = 1;
        if (i == STORM_TASKS / 2)
            ck_assert_int_eq(pool_run(pl, read_own_mask, &mask), PROBE_OK);
    }
    /* Waits inside the library must ride out the interruptions. */
    ck_assert_int_eq(pool_wait(pl, REL_WAIT_MS), PROBE_OK);
    ck_assert_int_eq(pool_stop(pl, PROBE_DRAIN, PROBE_WAIT), PROBE_OK);
    atomic_store(&storm_on, 0);
    pthread_join(stormer, NULL);

    ck_assert_int_eq(mask.read, 1);
    for (i = 0; i < sizeof async_signals / sizeof async_signals[0]; i++)
        ck_assert_msg(has(mask.blocked, async_signals[i]),
                      "worker does not block signal %d", async_signals[i]);
    for (i = 0; i < sizeof sync_signals / sizeof sync_signals[0]; i++)
        ck_assert_msg(!has(mask.blocked, sync_signals[i]),
                      "worker blocks synchronous signal %d",
                      sync_signals[i]);
    ck_assert_int_gt(atomic_load(&signals_caught), 0);
    assert_quiet_metrics(pl);
    pool_free(pl);
    assert_records(rec, STORM_TASKS);
    signal(SIGUSR1, SIG_DFL);
    signal(SIGUSR2, SIG_DFL);
}
END_TEST

/* ---- thousands of create and free cycles ---- */

static long cycles_wanted(void)
{
    const char *s = getenv("PROBE_REL_CYCLES");
    long n = s != NULL ? strtol(s, NULL, 10) : 10000;

    return n > 0 ? n : 10000;
}

START_TEST(test_create_free_cycles)
{
    long base = thread_baseline(), cycles = cycles_wanted(), i;
    probe_config *cfg = config_of(2, 4);
    struct rel_record rec;

    for (i = 0; i < cycles; i++) {
        pool *pl = pool_new(cfg);

        ck_assert_ptr_nonnull(pl);
        memset(&rec, 0, sizeof rec);
        ck_assert_int_eq(pool_run(pl, rel_task_record, &rec), PROBE_OK);
        rec.accepted = 1;
        ck_assert_int_eq(pool_stop(pl, i % 2 ? PROBE_DRAIN : PROBE_DISCARD,
                                   PROBE_WAIT),
                         PROBE_OK);
        ck_assert_int_eq(rel_threads_settle(base), base);
        pool_free(pl);
        ck_assert_int_eq(rel_record_bad(&rec, (size_t)i), 0);
    }
    probe_config_free(cfg);
}
END_TEST

/* ---- a free right after a stop that did not wait ---- */

START_TEST(test_free_after_nowait_stop)
{
    enum { ROUNDS = 200, PER_ROUND = 32 };
    static struct rel_record rec[ROUNDS][PER_ROUND];
    static const int modes[] = {PROBE_DRAIN, PROBE_KEEP, PROBE_DISCARD};
    probe_config *cfg = config_of(3, PER_ROUND);
    long base = thread_baseline();
    size_t r, i;

    memset(rec, 0, sizeof rec);
    for (r = 0; r < ROUNDS; r++) {
        pool *pl = pool_new(cfg);

        ck_assert_ptr_nonnull(pl);
        for (i = 0; i < PER_ROUND; i++) {
            ck_assert_int_eq(pool_run(pl, spin_task, &rec[r][i]), PROBE_OK);
            rec[r][i].accepted = 1;
        }
        ck_assert_int_eq(pool_stop(pl, modes[r % 3], PROBE_NOWAIT),
                         PROBE_OK);
        pool_free(pl);
        assert_records(rec[r], PER_ROUND);
    }
    probe_config_free(cfg);
    ck_assert_int_eq(rel_threads_settle(base), base);
}
END_TEST

/* ---- a stop racing many submitters ---- */

static atomic_long race_progress;

struct racer {
    pool *pl;
    struct rel_record rec[RACE_TASKS];
    int codes[RACE_TASKS];
    struct rel_gate *start;
};

static int submit_one(struct racer *r, size_t i)
{
    void *arg = &r->rec[i];
    size_t accepted = 0;
    int rc;

    switch (i % 4) {
    case 0: return pool_run(r->pl, rel_task_record, arg);
    case 1: return pool_try_run(r->pl, rel_task_record, arg);
    case 2: return pool_run_timed(r->pl, rel_task_record, arg, 1000);
    default:
        rc = pool_run_batch(r->pl, rel_task_record, &arg, 1, &accepted);
        ck_assert((rc == PROBE_OK) == (accepted == 1));
        return rc;
    }
}

static void *race_submitter(void *arg)
{
    struct racer *r = arg;
    size_t i;

    rel_gate_pass(r->start);
    for (i = 0; i < RACE_TASKS; i++) {
        r->codes[i] = submit_one(r, i);
        r->rec[i].accepted = r->codes[i] == PROBE_OK;
        atomic_fetch_add(&race_progress, 1);
    }
    return NULL;
}

static void check_race_codes(const struct racer *r)
{
    size_t i;

    for (i = 0; i < RACE_TASKS; i++) {
        int rc = r->codes[i];

        ck_assert_msg(rc == PROBE_OK || rc == PROBE_ESTOPPED ||
                          rc == PROBE_EFULL || rc == PROBE_ETIMEDOUT,
                      "submit %zu returned %d", i, rc);
    }
}

static void race_once(int mode, int wait)
{
    static struct racer racers[RACE_SUBMITTERS];
    probe_config *cfg = config_of(4, 256);
    pthread_t threads[RACE_SUBMITTERS];
    struct rel_gate start;
    pool *pl = pool_new(cfg);
    double end;
    size_t i;

    probe_config_free(cfg);
    ck_assert_ptr_nonnull(pl);
    rel_gate_init(&start);
    atomic_store(&race_progress, 0);
    memset(racers, 0, sizeof racers);
    for (i = 0; i < RACE_SUBMITTERS; i++) {
        racers[i].pl = pl;
        racers[i].start = &start;
        ck_assert_int_eq(
            pthread_create(&threads[i], NULL, race_submitter, &racers[i]), 0);
    }
    ck_assert(rel_gate_wait_inside(&start, RACE_SUBMITTERS));
    rel_gate_open(&start);
    /* Let the submitters get going, then stop under them. */
    end = rel_now() + REL_WAIT_MS / 1000.0;
    while (atomic_load(&race_progress) < RACE_SUBMITTERS * RACE_TASKS / 8 &&
           rel_now() < end)
        sched_yield();
    ck_assert_int_eq(pool_stop(pl, mode, wait), PROBE_OK);
    for (i = 0; i < RACE_SUBMITTERS; i++)
        pthread_join(threads[i], NULL);
    if (wait == PROBE_WAIT)
        assert_quiet_metrics(pl);
    pool_free(pl);
    for (i = 0; i < RACE_SUBMITTERS; i++) {
        check_race_codes(&racers[i]);
        assert_records(racers[i].rec, RACE_TASKS);
    }
}

START_TEST(test_stop_races_submitters)
{
    static const int modes[] = {PROBE_DRAIN, PROBE_KEEP, PROBE_DISCARD};

    race_once(modes[_i % 3], _i % 2 ? PROBE_WAIT : PROBE_NOWAIT);
}
END_TEST

static Suite *hostile_suite(void)
{
    Suite *s = suite_create("hostile");
    TCase *tc = tcase_create("hostile");

    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_fork_with_live_pools);
    tcase_add_test(tc, test_signal_storm_busy_workers);
    tcase_add_test(tc, test_create_free_cycles);
    tcase_add_test(tc, test_free_after_nowait_stop);
    tcase_add_loop_test(tc, test_stop_races_submitters, 0, 6);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(hostile_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
