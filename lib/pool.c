/* The public pool API: argument checks over the engine, plus the calls
 * that read the worker table (waits, resize, counters). */
#include "engine.h"

#include <errno.h>

PROBE_EXTERN pool *pool_new(const probe_config *config)
{
    return probe__pool_create(config, 0);
}

PROBE_EXTERN void pool_free(pool *pl)
{
    if (pl != NULL)
        probe__pool_destroy(pl);
}

static int check_task(pool *pl, probe_task_fn fn, const char *call)
{
    int rc = probe__pool_check(pl, call);

    if (rc != PROBE_OK)
        return rc;
    if (fn == NULL)
        return probe__fail(PROBE_EINVAL, "%s: NULL task function", call);
    return PROBE_OK;
}

PROBE_EXTERN int pool_run(pool *pl, probe_task_fn fn, void *arg)
{
    int rc = check_task(pl, fn, "pool_run");

    return rc != PROBE_OK ? rc : probe__pool_submit(pl, fn, arg, -1);
}

PROBE_EXTERN int pool_try_run(pool *pl, probe_task_fn fn, void *arg)
{
    int rc = check_task(pl, fn, "pool_try_run");

    return rc != PROBE_OK ? rc : probe__pool_submit(pl, fn, arg, 0);
}

PROBE_EXTERN int pool_run_timed(pool *pl, probe_task_fn fn, void *arg,
                                long timeout_ms)
{
    int rc = check_task(pl, fn, "pool_run_timed");

    if (rc != PROBE_OK)
        return rc;
    if (timeout_ms == 0)
        return probe__pool_submit(pl, fn, arg, 0);
    return probe__pool_submit(pl, fn, arg, probe__deadline_after(timeout_ms));
}

static int check_wait(int wait, const char *call)
{
    if (wait != PROBE_WAIT && wait != PROBE_NOWAIT)
        return probe__fail(PROBE_EINVAL,
                           "%s: wait %d is not PROBE_WAIT or PROBE_NOWAIT",
                           call, wait);
    return PROBE_OK;
}

PROBE_EXTERN int pool_stop(pool *pl, int mode, int wait)
{
    int rc = probe__pool_check(pl, "pool_stop");

    if (rc == PROBE_OK)
        rc = check_wait(wait, "pool_stop");
    return rc != PROBE_OK ? rc : probe__pool_stop(pl, mode, -1, wait);
}

PROBE_EXTERN int pool_stop_timed(pool *pl, int mode, long timeout_ms)
{
    int rc = probe__pool_check(pl, "pool_stop_timed");

    if (rc != PROBE_OK)
        return rc;
    return probe__pool_stop(pl, mode, probe__deadline_after(timeout_ms), 1);
}

PROBE_EXTERN int pool_start(pool *pl)
{
    int rc = probe__pool_check(pl, "pool_start");

    return rc != PROBE_OK ? rc : probe__pool_start(pl);
}

/* Sum the per-worker counters.  Pool lock held. */
static void sum_workers_locked(const pool *pl, uint64_t *completed,
                               uint64_t *failed, uint64_t *cancelled,
                               uint64_t *idle)
{
    size_t i;

    *completed = *failed = *idle = 0;
    *cancelled = atomic_load(&((pool *)pl)->cancelled);
    for (i = 0; i < pl->worker_slots; i++) {
        struct probe__worker *w = pl->workers[i];

        *completed += atomic_load(&w->completed);
        *failed += atomic_load(&w->failed);
        *cancelled += atomic_load(&w->cancelled);
        if (w->state == W_LIVE && !atomic_load(&w->busy))
            (*idle)++;
    }
}

/* Tasks accepted and not yet finished, cancelled or discarded. */
static uint64_t pending_locked(pool *pl)
{
    uint64_t completed, failed, cancelled, idle, submitted, finished;

    sum_workers_locked(pl, &completed, &failed, &cancelled, &idle);
    submitted = (atomic_load(&pl->enq) & ~RING_CLOSED) -
                atomic_load(&pl->retracted);
    finished = completed + cancelled + atomic_load(&pl->discarded);
    return submitted > finished ? submitted - finished : 0;
}

PROBE_EXTERN int pool_wait(pool *pl, long timeout_ms)
{
    int64_t deadline;
    int rc = probe__pool_check(pl, "pool_wait");

    if (rc != PROBE_OK)
        return rc;
    if (probe__current.pool == pl)
        return probe__fail(PROBE_EDEADLK, "pool_wait: from a task of %s",
                           pl->id);
    deadline = probe__deadline_after(timeout_ms);

    pthread_mutex_lock(&pl->lock);
    pl->quiet_waiters++;
    while (pending_locked(pl) > 0) {
        if (atomic_load(&pl->state) != P_RUNNING && pl->live == 0 &&
            pl->starting == 0 && pl->discarding == 0) {
            rc = PROBE_ESTOPPED;
            break;
        }
        if (probe__cond_wait_until(&pl->state_cv, &pl->lock, deadline) ==
                ETIMEDOUT &&
            pending_locked(pl) > 0) {
            rc = PROBE_ETIMEDOUT;
            break;
        }
    }
    pl->quiet_waiters--;
    pthread_mutex_unlock(&pl->lock);
    if (rc != PROBE_OK)
        return probe__fail(rc, "pool_wait: %s", pl->id);
    return PROBE_OK;
}

PROBE_EXTERN int pool_resize(pool *pl, size_t size)
{
    size_t i, old;
    int rc = probe__pool_check(pl, "pool_resize");

    if (rc != PROBE_OK)
        return rc;
    if (size == 0 || size > 4096)
        return probe__fail(PROBE_EINVAL,
                           "pool_resize: size %zu is outside 1..4096", size);
    if (pl->is_probe)
        return probe__fail(PROBE_EINVAL,
                           "pool_resize: %s is a probe, not a pool", pl->id);
    if (size < (size_t)pl->cfg.min_size)
        return probe__fail(PROBE_EINVAL,
                           "pool_resize: size %zu is below the minimum %lld",
                           size, pl->cfg.min_size);

    pthread_mutex_lock(&pl->life_lock);
    pthread_mutex_lock(&pl->lock);
    if (atomic_load(&pl->state) != P_RUNNING) {
        rc = PROBE_ESTOPPED;
    } else {
        old = atomic_load(&pl->target);
        atomic_store(&pl->target, size);
        if (size < old) {
            pthread_cond_broadcast(&pl->work_cv);
        } else {
            probe__join_exited_locked(pl);
            for (i = old; i < size && rc == PROBE_OK; i++)
                rc = probe__worker_spawn_locked(pl, i, 1);
            if (rc != PROBE_OK)
                atomic_store(&pl->target, i - 1);
        }
    }
    pthread_mutex_unlock(&pl->lock);
    pthread_mutex_unlock(&pl->life_lock);
    if (rc != PROBE_OK)
        return probe__fail(rc, "pool_resize: %s to %zu workers", pl->id,
                           size);
    probe__log(&pl->cfg.log, PROBE_LOG_INFO, "pool", pl->id, NULL,
               "resized to %zu workers", size);
    return PROBE_OK;
}

PROBE_EXTERN size_t pool_size(const pool *pl)
{
    return pl != NULL ? atomic_load(&((pool *)pl)->target) : 0;
}

PROBE_EXTERN size_t pool_running(const pool *pl)
{
    size_t live;

    if (pl == NULL)
        return 0;
    pthread_mutex_lock((pthread_mutex_t *)&pl->lock);
    live = pl->live;
    pthread_mutex_unlock((pthread_mutex_t *)&pl->lock);
    return live;
}

PROBE_EXTERN size_t pool_idle(const pool *pl)
{
    uint64_t completed, failed, cancelled, idle;

    if (pl == NULL)
        return 0;
    pthread_mutex_lock((pthread_mutex_t *)&pl->lock);
    sum_workers_locked(pl, &completed, &failed, &cancelled, &idle);
    pthread_mutex_unlock((pthread_mutex_t *)&pl->lock);
    return (size_t)idle;
}

PROBE_EXTERN const char *pool_id(const pool *pl)
{
    return pl != NULL ? pl->id : NULL;
}

static const char *const metric_names[PROBE_METRIC_COUNT] = {
    "submitted", "completed", "failed",  "rejected", "discarded",  "cancelled",
    "queued",    "active",    "workers", "idle",     "peak_queued"};

PROBE_EXTERN const char *probe_metric_name(int index)
{
    if (index < 0 || index >= PROBE_METRIC_COUNT)
        return NULL;
    return metric_names[index];
}

PROBE_EXTERN int pool_metrics(const pool *pl, uint64_t *out, size_t count)
{
    uint64_t v[PROBE_METRIC_COUNT], dequeued, finished;
    pool *p = (pool *)pl;
    size_t i;
    int rc = probe__pool_check(pl, "pool_metrics");

    if (rc != PROBE_OK)
        return rc;
    if (out == NULL && count > 0)
        return probe__fail(PROBE_EINVAL, "pool_metrics: NULL output array");

    pthread_mutex_lock(&p->lock);
    v[PROBE_METRIC_SUBMITTED] = (atomic_load(&p->enq) & ~RING_CLOSED) -
                                atomic_load(&p->retracted);
    dequeued = atomic_load(&p->deq) - atomic_load(&p->retracted);
    sum_workers_locked(p, &v[PROBE_METRIC_COMPLETED],
                       &v[PROBE_METRIC_FAILED], &v[PROBE_METRIC_CANCELLED],
                       &v[PROBE_METRIC_IDLE]);
    v[PROBE_METRIC_REJECTED] = atomic_load(&p->rejected);
    v[PROBE_METRIC_DISCARDED] = atomic_load(&p->discarded);
    v[PROBE_METRIC_QUEUED] = v[PROBE_METRIC_SUBMITTED] > dequeued
                                 ? v[PROBE_METRIC_SUBMITTED] - dequeued
                                 : 0;
    finished = v[PROBE_METRIC_COMPLETED] + v[PROBE_METRIC_CANCELLED] +
               v[PROBE_METRIC_DISCARDED];
    v[PROBE_METRIC_ACTIVE] = dequeued > finished ? dequeued - finished : 0;
    v[PROBE_METRIC_WORKERS] = p->live;
    v[PROBE_METRIC_PEAK_QUEUED] = atomic_load(&p->peak);
    pthread_mutex_unlock(&p->lock);

    if (count > PROBE_METRIC_COUNT)
        count = PROBE_METRIC_COUNT;
    for (i = 0; i < count; i++)
        out[i] = v[i];
    return (int)count;
}

PROBE_EXTERN pool *pool_current(void)
{
    return probe__current.pool;
}

PROBE_EXTERN probe *probe_current(void)
{
    pool *pl = probe__current.pool;

    return pl != NULL && probe__pool_is_probe(pl) ? (probe *)pl : NULL;
}

PROBE_EXTERN const char *probe_current_id(void)
{
    return probe__current.worker != NULL ? probe__current.worker->id : NULL;
}

PROBE_EXTERN probe_ctx *probe_current_ctx(void)
{
    return probe__current.ctx;
}
