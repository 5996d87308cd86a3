/* The public probe API.  A probe is the engine with one worker.  Its
 * handle is the engine's handle under another type, so probe and pool
 * calls cannot be mixed up at compile time. */
#include "engine.h"

#define AS_POOL(p) ((pool *)(p))

PROBE_EXTERN probe *probe_new(const probe_config *config)
{
    return (probe *)probe__pool_create(config, 1);
}

PROBE_EXTERN void probe_free(probe *p)
{
    if (p != NULL)
        probe__pool_destroy(AS_POOL(p));
}

static int check(const probe *p, probe_task_fn fn, const char *call)
{
    int rc = probe__pool_check(AS_POOL(p), call);

    if (rc != PROBE_OK)
        return rc;
    if (fn == NULL)
        return probe__fail(PROBE_EINVAL, "%s: NULL task function", call);
    return PROBE_OK;
}

PROBE_EXTERN int probe_run(probe *p, probe_task_fn fn, void *arg)
{
    int rc = check(p, fn, "probe_run");

    return rc != PROBE_OK ? rc : probe__pool_submit(AS_POOL(p), fn, arg, -1);
}

PROBE_EXTERN int probe_try_run(probe *p, probe_task_fn fn, void *arg)
{
    int rc = check(p, fn, "probe_try_run");

    return rc != PROBE_OK ? rc : probe__pool_submit(AS_POOL(p), fn, arg, 0);
}

PROBE_EXTERN int probe_stop(probe *p, int mode, int wait)
{
    int rc = probe__pool_check(AS_POOL(p), "probe_stop");

    if (rc != PROBE_OK)
        return rc;
    if (wait != PROBE_WAIT && wait != PROBE_NOWAIT)
        return probe__fail(PROBE_EINVAL,
                           "probe_stop: wait %d is not PROBE_WAIT or "
                           "PROBE_NOWAIT",
                           wait);
    return probe__pool_stop(AS_POOL(p), mode, -1, wait);
}

PROBE_EXTERN int probe_start(probe *p)
{
    int rc = probe__pool_check(AS_POOL(p), "probe_start");

    return rc != PROBE_OK ? rc : probe__pool_start(AS_POOL(p));
}

PROBE_EXTERN int probe_running(const probe *p)
{
    return p != NULL && pool_running((const pool *)p) > 0;
}

PROBE_EXTERN int probe_idle(const probe *p)
{
    return p != NULL && probe__pool_first_worker_idle((const pool *)p);
}

PROBE_EXTERN const char *probe_id(const probe *p)
{
    return p != NULL ? probe__pool_first_worker_id((const pool *)p) : NULL;
}
