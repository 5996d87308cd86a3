/*
 * Known bug: a queue of one slot (PROBE_OPT_BUFFER = 1) accepts a second
 * task while the first is still queued.  The ring's sequence numbers
 * cannot tell "filled at pos" from "emptied at pos" when the capacity is
 * 1, so the second push overwrites the first task, the worker then spins
 * in ring_pop() on a slot it can never match, neither task runs,
 * pool_wait() times out and pool_free() spins for ever.
 *
 * Expected: the second pool_try_run() returns PROBE_EFULL, both accepted
 * tasks run and the pool frees.  Exit 1 while the bug is present (the
 * alarm ends the hang in pool_free()).
 */
#include "rel.h"

#include <signal.h>

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "bug_ring_one_slot: pool_free() hangs\n";
    ssize_t unused = write(2, msg, sizeof msg - 1);

    (void)unused;
    _exit(1);
}

int main(void)
{
    struct rel_record first = {0}, second = {0};
    struct rel_gate gate;
    probe_config *cfg = probe_config_new();
    pool *pl;
    int rc;

    signal(SIGALRM, on_alarm);
    alarm(20);
    rel_gate_init(&gate);
    REL_CHECK(probe_config_set(cfg, PROBE_OPT_SIZE, 1) == PROBE_OK);
    REL_CHECK(probe_config_set(cfg, PROBE_OPT_BUFFER, 1) == PROBE_OK);
    pl = pool_new(cfg);
    probe_config_free(cfg);
    REL_CHECK(pl != NULL);

    /* The only worker is busy, so the one slot fills and stays full. */
    REL_CHECK_INT(pool_run(pl, rel_task_gate, &gate), ==, PROBE_OK);
    REL_CHECK(rel_gate_wait_inside(&gate, 1));
    REL_CHECK_INT(pool_try_run(pl, rel_task_record, &first), ==, PROBE_OK);
    rc = pool_try_run(pl, rel_task_record, &second);
    rel_gate_open(&gate);
    if (rc != PROBE_EFULL)
        fprintf(stderr, "bug_ring_one_slot: second try_run on a full "
                        "one-slot queue returned %d, expected PROBE_EFULL\n",
                rc);
    REL_CHECK_INT(rc, ==, PROBE_EFULL);
    REL_CHECK_INT(pool_wait(pl, 5000), ==, PROBE_OK);
    REL_CHECK_INT(atomic_load(&first.runs), ==, 1);
    pool_free(pl);
    return 0;
}
