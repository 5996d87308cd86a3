/*
 * Regression test for a fixed bug: a probe without buffer (the default configuration) loses a
 * task and hangs its caller.  Such a probe runs on a ring of one slot.
 * probe_run() can push the next task after the worker claimed the
 * previous one (its CAS on the dequeue index) but before the worker
 * stored the slot's new sequence number.  The worker's store then
 * overwrites the sequence number that the push just wrote.  The worker then finds the ring
 * empty and parks, and probe_run() waits in wait_taken() for ever.  On
 * a 2-core machine a single thread hits it within about 100,000 calls.
 * Same root cause as bug_ring_one_slot.
 *
 * Expected: probe_run() returns every time for 10 s.  Exit 1 if the
 * bug is present (an alarm ends the hang).
 */
#include "rel.h"

#include <signal.h>

static atomic_long runs;

static int count_run(void *arg)
{
    (void)arg;
    atomic_fetch_add(&runs, 1);
    return 0;
}

static void on_alarm(int sig)
{
    char msg[96];
    int n;
    ssize_t unused;

    (void)sig;
    n = snprintf(msg, sizeof msg,
                 "bug_probe_handoff_hang: probe_run() hung after %ld "
                 "tasks\n",
                 atomic_load(&runs));
    unused = write(2, msg, (size_t)n);
    (void)unused;
    _exit(1);
}

int main(void)
{
    probe *p = probe_new(NULL);
    double end = rel_now() + 10;

    REL_CHECK(p != NULL);
    signal(SIGALRM, on_alarm);
    while (rel_now() < end) {
        alarm(10);
        REL_CHECK_INT(probe_run(p, count_run, NULL), ==, PROBE_OK);
    }
    alarm(0);
    REL_CHECK_INT(probe_stop(p, PROBE_DRAIN, PROBE_WAIT), ==, PROBE_OK);
    probe_free(p);
    printf("bug_probe_handoff_hang: %ld tasks ran\n", atomic_load(&runs));
    return 0;
}
