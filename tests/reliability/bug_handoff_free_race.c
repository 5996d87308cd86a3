/*
 * Known bug: a probe without buffer (direct handoff) can be freed under
 * the thread that is still inside probe_run().  probe_run() returns only
 * after the probe took the task, so it waits in wait_taken() on the
 * probe's space_cv.  When that task calls probe_free() on its own probe,
 * the free is deferred until the task returns, and the worker then frees
 * the probe (destroy_from_worker) while the submitter may still be in
 * pthread_cond_wait() on the probe's mutex: a use after free.
 * ThreadSanitizer reports it in the core suite's
 * test_probe_free_from_own_task.
 *
 * Expected: probe_run() never touches the probe after its task may have
 * freed it.  Only sanitizer builds can see the race, so other builds
 * skip (exit 77).  Exit 1 (the sanitizer's report) while the bug is
 * present.
 */
#include "rel.h"

#define ROUNDS 2000

static int free_own_probe(void *arg)
{
    (void)arg;
    probe_free(probe_current());
    return 0;
}

int main(void)
{
    int round;

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
    fprintf(stderr, "skipped: only a sanitizer build can see this race\n");
    return 77;
#endif
    alarm(120);
    for (round = 0; round < ROUNDS; round++) {
        probe *p = probe_new(NULL);

        REL_CHECK(p != NULL);
        REL_CHECK_INT(probe_run(p, free_own_probe, NULL), ==, PROBE_OK);
    }
    /* Freed probes finish on their own workers; let the last ones end. */
    REL_CHECK(rel_threads_settle(1) <= 2);
    return 0;
}
