/*
 * Known bug: shrinking a pool can lose the wakeup of a task submitted
 * right after.  A submitter that finds parked workers turns one parked
 * registration into a wake token and signals work_cv; when the signal
 * reaches a worker whose index is now at or above the new size, that
 * worker takes the token and retires without looking at the ring.  The
 * workers that stay keep waiting for a token, so the task sits queued
 * behind idle workers until some other submit wakes one: pool_wait()
 * times out.  On a 2-core machine it happens in about a quarter of the
 * rounds below.
 *
 * Expected: every round's task runs.  A retiring worker should hand its
 * token on (signal work_cv again) or check the ring before it leaves.
 * Exit 1 while the bug is present.
 */
#include "rel.h"

#define ROUNDS 300

int main(void)
{
    probe_config *cfg = probe_config_new();
    double end;
    int round;

    alarm(60);
    REL_CHECK(probe_config_set(cfg, PROBE_OPT_SIZE, 4) == PROBE_OK);
    REL_CHECK(probe_config_set(cfg, PROBE_OPT_BUFFER, 16) == PROBE_OK);
    for (round = 0; round < ROUNDS; round++) {
        struct rel_record rec = {0};
        pool *pl = pool_new(cfg);
        int rc;

        REL_CHECK(pl != NULL);
        /* Let the workers go idle first; there is no event for it. */
        end = rel_now() + REL_WAIT_MS / 1000.0;
        while (pool_idle(pl) < 4 && rel_now() < end)
            sched_yield();
        REL_CHECK_INT(pool_resize(pl, 1), ==, PROBE_OK);
        REL_CHECK_INT(pool_run(pl, rel_task_record, &rec), ==, PROBE_OK);
        rc = pool_wait(pl, 2000);
        if (rc != PROBE_OK)
            fprintf(stderr, "bug_resize_lost_wakeup: round %d: the task "
                            "queued after a shrink from 4 to 1 did not run "
                            "(pool_wait: %s, %zu idle workers)\n",
                    round, probe_strerror(rc), pool_idle(pl));
        REL_CHECK_INT(rc, ==, PROBE_OK);
        pool_free(pl);
    }
    probe_config_free(cfg);
    return 0;
}
