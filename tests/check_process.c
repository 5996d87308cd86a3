/* The process around the pools: fork, signals, tasks that end their
 * thread, and threads left behind. */
#define _GNU_SOURCE
#include "harness.h"

#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <string.h>
#include <unistd.h>

static int count_threads(void)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    int n = 0;

    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

/* The kernel drops a joined thread from /proc a moment after pthread_join()
 * returns, so poll briefly before comparing. */
static int threads_settle_at(int expected)
{
    int i, n = count_threads();

    for (i = 0; i < 100000 && n != expected; i++) {
        sched_yield();
        n = count_threads();
    }
    return n;
}

START_TEST(test_fork_child_gets_eforked)
{
    pool *pl = pool_new(NULL);
    probe *p = probe_new(NULL);
    atomic_long n = 0;
    int status = -1;
    pid_t pid;

    pool_run(pl, task_count, &n);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int bad = 0;

        bad += pool_run(pl, task_count, &n) != PROBE_EFORKED;
        bad += pool_stop(pl, PROBE_KEEP, PROBE_WAIT) != PROBE_EFORKED;
        bad += pool_start(pl) != PROBE_EFORKED;
        bad += pool_wait(pl, 0) != PROBE_EFORKED;
        bad += probe_run(p, task_count, &n) != PROBE_EFORKED;
        pool_free(pl);
        probe_free(p);
        _exit(bad);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    ck_assert_int_eq(pool_run(pl, task_count, &n), PROBE_OK);
    ck_assert_int_eq(pool_wait(pl, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(n, 2);
    pool_free(pl);
    probe_free(p);
}
END_TEST

struct masks {
    int blocks_int;
    int blocks_term;
    int blocks_usr1;
    int blocks_segv;
    int blocks_fpe;
};

static int read_mask(void *arg)
{
    struct masks *m = arg;
    sigset_t set;

    pthread_sigmask(SIG_BLOCK, NULL, &set);
    m->blocks_int = sigismember(&set, SIGINT);
    m->blocks_term = sigismember(&set, SIGTERM);
    m->blocks_usr1 = sigismember(&set, SIGUSR1);
    m->blocks_segv = sigismember(&set, SIGSEGV);
    m->blocks_fpe = sigismember(&set, SIGFPE);
    return 0;
}

START_TEST(test_signals_blocked_on_workers_only)
{
    struct masks m = {-1, -1, -1, -1, -1};
    sigset_t before, after;
    pool *pl;

    pthread_sigmask(SIG_SETMASK, NULL, &before);
    pl = pool_new(NULL);
    pthread_sigmask(SIG_SETMASK, NULL, &after);
    ck_assert_int_eq(sigismember(&after, SIGINT), sigismember(&before, SIGINT));
    ck_assert_int_eq(sigismember(&after, SIGUSR1),
                     sigismember(&before, SIGUSR1));
    pool_run(pl, read_mask, &m);
    pool_wait(pl, WAIT_LIMIT_MS);
    ck_assert_int_eq(m.blocks_int, 1);
    ck_assert_int_eq(m.blocks_term, 1);
    ck_assert_int_eq(m.blocks_usr1, 1);
    ck_assert_int_eq(m.blocks_segv, 0);
    ck_assert_int_eq(m.blocks_fpe, 0);
    pool_free(pl);
}
END_TEST

static atomic_long signals_seen;

static void on_usr1(int sig)
{
    (void)sig;
    atomic_fetch_add(&signals_seen, 1);
}

static void *send_signals(void *arg)
{
    int i;

    for (i = 0; i < 2000; i++)
        kill(getpid(), SIGUSR1);
    (void)arg;
    return NULL;
}

START_TEST(test_signal_storm_loses_no_task)
{
    struct sigaction sa;
    probe_config *cfg = config_of(2, 64);
    pool *pl = pool_new(cfg);
    atomic_long n = 0;
    pthread_t t;
    int i;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    pthread_create(&t, NULL, send_signals, NULL);
    for (i = 0; i < 200000; i++)
        ck_assert_int_eq(pool_run(pl, task_count, &n), PROBE_OK);
    ck_assert_int_eq(pool_wait(pl, WAIT_LIMIT_MS), PROBE_OK);
    pthread_join(t, NULL);
    ck_assert_int_eq(n, 200000);
    ck_assert_int_gt(atomic_load(&signals_seen), 0);
    assert_metrics_add_up(pl);
    pool_free(pl);
    probe_config_free(cfg);
    signal(SIGUSR1, SIG_DFL);
}
END_TEST

static int exit_thread(void *arg)
{
    (void)arg;
    pthread_exit(NULL);
    return 0;
}

START_TEST(test_pthread_exit_in_task_is_survived)
{
    probe_config *cfg = config_of(2, 16);
    pool *pl = pool_new(cfg);
    uint64_t m[PROBE_METRIC_COUNT];
    atomic_long n = 0;
    int i;

    ck_assert_int_eq(pool_run(pl, exit_thread, NULL), PROBE_OK);
    for (i = 0; i < 100; i++)
        pool_run(pl, task_count, &n);
    ck_assert_int_eq(pool_wait(pl, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(n, 100);
    pool_metrics(pl, m, PROBE_METRIC_COUNT);
    ck_assert_uint_eq(m[PROBE_METRIC_FAILED], 1);
    assert_metrics_add_up(pl);
    ck_assert_int_eq(pool_stop(pl, PROBE_DRAIN, PROBE_WAIT), PROBE_OK);
    pool_free(pl);
    probe_config_free(cfg);
}
END_TEST

static void *exit_call(void *arg)
{
    (void)arg;
    pthread_exit(NULL);
    return NULL;
}

START_TEST(test_pthread_exit_in_group_and_future)
{
    pool *pl = pool_new(NULL);
    probe_group *g = pool_group_new(pl, 0);
    probe_future *f;

    probe_group_run(g, exit_thread, NULL);
    ck_assert_int_eq(probe_group_wait(g, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(probe_group_error(g), PROBE_ERROR);
    f = pool_submit(pl, exit_call, NULL, NULL);
    ck_assert_int_eq(probe_future_wait(f, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(probe_future_status(f), PROBE_FUTURE_DONE);
    probe_future_free(f);
    probe_group_free(g);
    ck_assert_int_eq(pool_stop(pl, PROBE_DRAIN, PROBE_WAIT), PROBE_OK);
    pool_free(pl);
}
END_TEST

START_TEST(test_pthread_exit_on_probe)
{
    probe *p = probe_new(NULL);
    atomic_long n = 0;

    ck_assert_int_eq(probe_run(p, exit_thread, NULL), PROBE_OK);
    ck_assert_int_eq(probe_run(p, task_count, &n), PROBE_OK);
    ck_assert_int_eq(probe_stop(p, PROBE_DRAIN, PROBE_WAIT), PROBE_OK);
    ck_assert_int_eq(n, 1);
    probe_free(p);
}
END_TEST

START_TEST(test_threads_return_to_baseline)
{
    int baseline, i;

    /* A first pool lets lazily started helper threads (a sanitizer's, for
     * one) appear before the baseline is taken. */
    pool_free(pool_new(NULL));
    baseline = count_threads();

    for (i = 0; i < 2000; i++) {
        probe_config *cfg = config_of(1 + i % 4, 4);
        pool *pl = pool_new(cfg);

        ck_assert_ptr_nonnull(pl);
        ck_assert_int_eq(pool_stop(pl, PROBE_KEEP, PROBE_WAIT), PROBE_OK);
        ck_assert_int_eq(threads_settle_at(baseline), baseline);
        pool_free(pl);
        probe_config_free(cfg);
    }
    ck_assert_int_eq(threads_settle_at(baseline), baseline);
}
END_TEST

static Suite *process_suite(void)
{
    Suite *s = suite_create("process");
    TCase *tc = tcase_create("hostile");

    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_fork_child_gets_eforked);
    tcase_add_test(tc, test_signals_blocked_on_workers_only);
    tcase_add_test(tc, test_signal_storm_loses_no_task);
    tcase_add_test(tc, test_pthread_exit_in_task_is_survived);
    tcase_add_test(tc, test_pthread_exit_in_group_and_future);
    tcase_add_test(tc, test_pthread_exit_on_probe);
    tcase_add_test(tc, test_threads_return_to_baseline);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(process_suite());
}
