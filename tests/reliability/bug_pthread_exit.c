/*
 * Known bug: a task that calls pthread_exit() leaves its pool unable to
 * stop.  The worker thread ends inside run_task(), so it never reaches
 * finish(): the pool still counts it live and busy, a stop that waits
 * never returns (pool_stop_timed() times out), and pool_free() blocks
 * for ever.  The thread is never joined either.
 *
 * Expected: the stop returns once the other workers exit, and the pool
 * frees.  A cleanup handler around the task (pthread_cleanup_push) in
 * worker_main() would let the library account for the exit.  Exit 1
 * while the bug is present.
 */
#include "rel.h"

#include <signal.h>

static int exit_thread(void *arg)
{
    (void)arg;
    pthread_exit(NULL);
}

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "bug_pthread_exit: pool_free() hangs\n";
    ssize_t unused = write(2, msg, sizeof msg - 1);

    (void)unused;
    _exit(1);
}

int main(void)
{
    struct rel_record after = {0};
    probe_config *cfg = probe_config_new();
    uint64_t m[PROBE_METRIC_COUNT];
    pool *pl;
    int rc;

    signal(SIGALRM, on_alarm);
    alarm(20);
    REL_CHECK(probe_config_set(cfg, PROBE_OPT_SIZE, 2) == PROBE_OK);
    pl = pool_new(cfg);
    probe_config_free(cfg);
    REL_CHECK(pl != NULL);

    REL_CHECK_INT(pool_run(pl, exit_thread, NULL), ==, PROBE_OK);
    /* The other worker still runs tasks. */
    REL_CHECK_INT(pool_run(pl, rel_task_record, &after), ==, PROBE_OK);
    rc = pool_stop_timed(pl, PROBE_DRAIN, 5000);
    REL_CHECK_INT(pool_metrics(pl, m, PROBE_METRIC_COUNT), ==,
                  PROBE_METRIC_COUNT);
    fprintf(stderr, "bug_pthread_exit: stop returned %s; %llu live "
                    "workers, %llu active tasks, second task ran %d times\n",
            probe_strerror(rc), (unsigned long long)m[PROBE_METRIC_WORKERS],
            (unsigned long long)m[PROBE_METRIC_ACTIVE],
            atomic_load(&after.runs));
    REL_CHECK_INT(rc, ==, PROBE_OK);
    pool_free(pl);
    return 0;
}
