/*
 * Known bug: an elastic pool (PROBE_OPT_IDLE_TIMEOUT_MS > 0, minimum
 * size 0) whose workers all retired strands a new task when the worker
 * that the submit starts fails to start.  probe__grow_elastic() ignores
 * the failure, pool_run() returns PROBE_OK, and the task stays queued
 * with no worker alive until some later submit happens to start one:
 * pool_wait() times out.
 *
 * Expected: the task runs (a retry when a worker parks or on the next
 * wait), or the submit fails with PROBE_ETHREAD and the caller keeps
 * the task.  Exit 1 while the bug is present; 77 (skip) when the fault
 * injector cannot be loaded.
 */
#include "rel.h"

int main(int argc, char **argv)
{
    int (*arm)(long) = rel_injector(argv);
    int (*disarm)(void) = (int (*)(void))dlsym(RTLD_DEFAULT,
                                               "faultinj_disarm");
    struct rel_record rec = {0};
    probe_config *cfg = probe_config_new();
    double end;
    pool *pl;
    int rc;

    (void)argc;
    alarm(30);
    REL_CHECK(probe_config_set(cfg, PROBE_OPT_SIZE, 2) == PROBE_OK);
    REL_CHECK(probe_config_set(cfg, PROBE_OPT_IDLE_TIMEOUT_MS, 1) ==
              PROBE_OK);
    REL_CHECK(probe_config_set_discard(cfg, rel_discard_record, NULL) ==
              PROBE_OK);
    pl = pool_new(cfg);
    probe_config_free(cfg);
    REL_CHECK(pl != NULL);
    /* Workers retire after 1 ms idle; there is no event for that. */
    end = rel_now() + REL_WAIT_MS / 1000.0;
    while (pool_running(pl) > 0 && rel_now() < end)
        sched_yield();
    REL_CHECK_INT(pool_running(pl), ==, 0);

    REL_CHECK(arm(1) == 0);    /* the next thread start fails */
    rc = pool_run(pl, rel_task_record, &rec);
    REL_CHECK(disarm() == 1);
    if (rc == PROBE_OK) {
        rc = pool_wait(pl, 5000);
        fprintf(stderr, "bug_elastic_regrow: pool_run returned PROBE_OK; "
                        "pool_wait returned %s with %zu workers running\n",
                probe_strerror(rc), pool_running(pl));
        REL_CHECK_INT(rc, ==, PROBE_OK);
        REL_CHECK_INT(atomic_load(&rec.runs), ==, 1);
    }
    pool_free(pl);
    return 0;
}
