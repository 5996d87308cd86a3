/*
 * Known bug: three calls fail with codes their documentation in probe.h
 * does not list, so a caller that switches on the documented codes
 * misses them:
 *  - pool_start() and probe_start() return PROBE_ENOMEM when the run
 *    context cannot be allocated (documented: PROBE_OK, PROBE_ECANCELED,
 *    PROBE_ETHREAD, PROBE_EINIT, PROBE_EDEADLK, PROBE_EINVAL);
 *  - pool_resize() returns PROBE_ENOMEM when the worker table cannot
 *    grow (documented: PROBE_OK, PROBE_EINVAL, PROBE_ESTOPPED,
 *    PROBE_ETHREAD, PROBE_EINIT);
 *  - probe_ctx_new_timeout() fails with errno EAGAIN (PROBE_ETHREAD)
 *    when the deadline thread cannot start (documented: EINVAL or
 *    ENOMEM).
 * Either the header or the code should change.  Exit 1 while any of
 * them differs; 77 (skip) when the fault injector cannot be loaded.
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
    probe_config *cfg = probe_config_new();
    probe_ctx *ctx;
    pool *pl;
    int rc;

    (void)argc;
    arm = rel_injector(argv);
    disarm = (int (*)(void))dlsym(RTLD_DEFAULT, "faultinj_disarm");
    alarm(30);

    /* Before any deadline context, so the deadline thread must start. */
    REL_CHECK(arm(2) == 0);    /* 1: the context, 2: the thread */
    ctx = probe_ctx_new_timeout(NULL, 60000);
    REL_CHECK(disarm() == 1);
    REL_CHECK(ctx == NULL);
    expect("probe_ctx_new_timeout", errno == ENOMEM ? PROBE_ENOMEM
                                                    : probe_last_error(),
           PROBE_ENOMEM);

    REL_CHECK(probe_config_set(cfg, PROBE_OPT_SIZE, 1) == PROBE_OK);
    pl = pool_new(cfg);
    probe_config_free(cfg);
    REL_CHECK(pl != NULL);
    REL_CHECK_INT(pool_stop(pl, PROBE_DRAIN, PROBE_WAIT), ==, PROBE_OK);
    REL_CHECK(arm(1) == 0);    /* the new run context */
    rc = pool_start(pl);
    REL_CHECK(disarm() == 1);
    expect("pool_start", rc, PROBE_ETHREAD);
    REL_CHECK_INT(pool_start(pl), ==, PROBE_OK);

    REL_CHECK(arm(1) == 0);    /* the worker table */
    rc = pool_resize(pl, 64);
    REL_CHECK(disarm() == 1);
    expect("pool_resize", rc, PROBE_ETHREAD);
    pool_free(pl);
    return mismatches == 0 ? 0 : 1;
}
