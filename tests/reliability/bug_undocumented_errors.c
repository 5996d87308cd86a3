/*
 * Regression test: the failures that fault injection can cause in
 * probe_ctx_new_timeout(), pool_start() and pool_resize() return the
 * codes their header documentation lists: EAGAIN (PROBE_ETHREAD) when the
 * deadline thread cannot start, PROBE_ENOMEM when the run context or the
 * worker table cannot be allocated.  Exit 1 on any other code; 77 (skip)
 * when the fault injector cannot be loaded.
 */
#include "rel.h"

static int (*arm)(long);
static int (*disarm)(void);
static int mismatches;

static void expect(const char *call, int got, int documented)
{
    if (got == documented)
        return;
    fprintf(stderr, "bug_undocumented_errors: %s failed with %s (%d); "
                    "its documentation allows none of that\n",
            call, probe_strerror(got), got);
    mismatches++;
}

int main(int argc, char **argv)
{
    probe_config *cfg;
    probe_ctx *ctx;
    pool *pl;
    int rc;

    (void)argc;
    arm = rel_injector(argv);
    cfg = probe_config_new();
    disarm = (int (*)(void))dlsym(RTLD_DEFAULT, "faultinj_disarm");
    alarm(30);

    /* Before any deadline context, so the deadline thread must start. */
    REL_CHECK(arm(2) == 0);    /* 1: the context, 2: the thread */
    ctx = probe_ctx_new_timeout(NULL, 60000);
    REL_CHECK(disarm() == 1);
    REL_CHECK(ctx == NULL);
    expect("probe_ctx_new_timeout", probe_last_error(), PROBE_ETHREAD);
    REL_CHECK_INT(errno, ==, EAGAIN);

    REL_CHECK(probe_config_set(cfg, PROBE_OPT_SIZE, 1) == PROBE_OK);
    pl = pool_new(cfg);
    probe_config_free(cfg);
    REL_CHECK(pl != NULL);
    REL_CHECK_INT(pool_stop(pl, PROBE_DRAIN, PROBE_WAIT), ==, PROBE_OK);
    REL_CHECK(arm(1) == 0);    /* the new run context */
    rc = pool_start(pl);
    REL_CHECK(disarm() == 1);
    expect("pool_start", rc, PROBE_ENOMEM);
    REL_CHECK_INT(pool_start(pl), ==, PROBE_OK);

    REL_CHECK(arm(1) == 0);    /* the worker table */
    rc = pool_resize(pl, 64);
    REL_CHECK(disarm() == 1);
    expect("pool_resize", rc, PROBE_ENOMEM);
    pool_free(pl);
    return mismatches == 0 ? 0 : 1;
}
