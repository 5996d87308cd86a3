/*
 * Creating, starting, stopping and freeing the engine.
 *
 * A stop closes the ring first (one atomic OR on the enqueue index), so the
 * set of accepted tasks is fixed before anything else happens.  Then it
 * cancels the run context, which running tasks can poll, and wakes every
 * parked thread.  Each accepted task then meets exactly one fate: a worker
 * runs it, or it stays queued for a later start, or probe__discard_task()
 * hands it to the discard callback.
 */
#include "engine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *source_of(const pool *pl)
{
    return pl->is_probe ? "probe" : "pool";
}

int probe__pool_check(const pool *pl, const char *call)
{
    if (PROBE__UNLIKELY(pl == NULL))
        return probe__fail(PROBE_EINVAL, "%s: NULL handle", call);
    if (PROBE__UNLIKELY(pl->fork_generation !=
                        atomic_load_explicit(&probe__fork_generation,
                                             memory_order_relaxed)))
        return probe__fail(PROBE_EFORKED, "%s: %s", call, pl->id);
    return PROBE_OK;
}

void probe__discard_task(pool *pl, struct task *t)
{
    if (t->fn == probe__future_trampoline) {
        if (probe__future_discard(t->arg)) {
            atomic_fetch_add(&pl->cancelled, 1);
            return;
        }
    } else if (t->fn == probe__group_trampoline) {
        probe__group_discard(t->arg, &pl->cfg);
    } else if (pl->cfg.discard != NULL) {
        pl->cfg.discard(t->fn, t->arg, pl->cfg.discard_payload);
    }
    atomic_fetch_add(&pl->discarded, 1);
}

/* Hand every queued task to the discard path.  Callers make sure no start
 * can reopen the ring meanwhile (pl->discarding, or sole ownership). */
static void discard_queued(pool *pl)
{
    struct task t;

    for (;;) {
        if (ring_pop(pl, &t)) {
            probe__discard_task(pl, &t);
            continue;
        }
        if ((atomic_load(&pl->enq) & ~RING_CLOSED) == atomic_load(&pl->deq))
            break;
        /* A slot claimed before the close is still being written. */
        probe__cpu_relax();
    }
}

void probe__join_exited_locked(pool *pl)
{
    size_t i;

    for (i = 0; i < pl->worker_slots; i++) {
        struct probe__worker *w = pl->workers[i];

        if (w->state == W_EXITED) {
            pthread_join(w->thread, NULL);
            w->state = W_EMPTY;
        }
    }
}

/* Mark the pool stopping and close the ring.  Pool lock held. */
static int begin_stop_locked(pool *pl, int mode, int reason)
{
    if (atomic_load(&pl->state) != P_RUNNING) {
        /* A later stop may still discard what an earlier one kept. */
        if (mode == PROBE_DISCARD)
            atomic_store(&pl->mode, PROBE_DISCARD);
        return 0;
    }
    pl->stop_reason = reason;
    atomic_store(&pl->mode, mode);
    atomic_fetch_or(&pl->enq, RING_CLOSED);
    atomic_store_explicit(&pl->state, P_STOPPING, memory_order_release);
    pthread_cond_broadcast(&pl->work_cv);
    pthread_cond_broadcast(&pl->space_cv);
    pthread_cond_broadcast(&pl->state_cv);
    return 1;
}

/* Context watcher: the configured context (or an ancestor) was cancelled.
 * Runs under the context lock, so it only flips state and wakes. */
static void on_cancel(void *arg)
{
    pool *pl = arg;

    pthread_mutex_lock(&pl->lock);
    if (pl->run != NULL && probe_ctx_done(pl->run))
        begin_stop_locked(pl, PROBE_KEEP, PROBE_ECANCELED);
    pthread_mutex_unlock(&pl->lock);
}

/* Wait, pool lock held, until no worker is live or starting; join them. */
static int wait_workers_locked(pool *pl, int64_t deadline)
{
    while (pl->live > 0 || pl->starting > 0 || pl->discarding > 0)
        if (probe__cond_wait_until(&pl->state_cv, &pl->lock, deadline) ==
                ETIMEDOUT &&
            (pl->live > 0 || pl->starting > 0 || pl->discarding > 0))
            return PROBE_ETIMEDOUT;
    probe__join_exited_locked(pl);
    return PROBE_OK;
}

int probe__pool_stop(pool *pl, int mode, int64_t deadline, int wait)
{
    probe_ctx *run = NULL;
    int began, discard, rc = PROBE_OK;

    if (mode != PROBE_DRAIN && mode != PROBE_KEEP && mode != PROBE_DISCARD)
        return probe__fail(PROBE_EINVAL, "stop: mode %d is not PROBE_DRAIN, "
                                         "PROBE_KEEP or PROBE_DISCARD",
                           mode);
    if (wait && probe__current.pool == pl)
        return probe__fail(PROBE_EDEADLK,
                           "stop: waiting from a task of %s %s",
                           source_of(pl), pl->id);

    pthread_mutex_lock(&pl->lock);
    began = begin_stop_locked(pl, mode, PROBE_ESTOPPED);
    if (began)
        run = probe_ctx_ref(pl->run);
    discard = atomic_load(&pl->mode) == PROBE_DISCARD;
    if (discard)
        pl->discarding++;
    pthread_mutex_unlock(&pl->lock);

    if (began) {
        probe__log(&pl->cfg.log, PROBE_LOG_INFO, source_of(pl), pl->id, NULL,
                   "stopping (%s)",
                   mode == PROBE_DRAIN  ? "drain"
                   : mode == PROBE_KEEP ? "keep"
                                        : "discard");
        probe_ctx_cancel(run);
        probe__ctx_unref(run);
    }
    if (discard) {
        discard_queued(pl);
        pthread_mutex_lock(&pl->lock);
        pl->discarding--;
        pthread_cond_broadcast(&pl->state_cv);
        pthread_mutex_unlock(&pl->lock);
    }

    if (wait) {
        pthread_mutex_lock(&pl->lock);
        rc = wait_workers_locked(pl, deadline);
        pthread_mutex_unlock(&pl->lock);
        if (rc != PROBE_OK)
            return probe__fail(rc, "stop: %s %s still has running tasks",
                               source_of(pl), pl->id);
    }
    return PROBE_OK;
}

/* Start every worker below the target, waiting for each init hook.
 * Pool lock held.  On failure the caller stops the pool. */
static int spawn_all_locked(pool *pl)
{
    size_t i, target = atomic_load(&pl->target);
    int rc = PROBE_OK;

    for (i = 0; i < target && rc == PROBE_OK; i++)
        rc = probe__worker_spawn_locked(pl, i, 1);
    return rc;
}

int probe__pool_start(pool *pl)
{
    probe_ctx *run, *old;
    int cancelled, rc;

    if (probe__current.pool == pl)
        return atomic_load(&pl->state) == P_RUNNING
                   ? PROBE_OK
                   : probe__fail(PROBE_EDEADLK,
                                 "start: called from a task of %s %s",
                                 source_of(pl), pl->id);

    pthread_mutex_lock(&pl->life_lock);
    if (atomic_load(&pl->state) == P_RUNNING && pl->run != NULL) {
        pthread_mutex_unlock(&pl->life_lock);
        return PROBE_OK;
    }
    if (probe_ctx_done(pl->base)) {
        pthread_mutex_unlock(&pl->life_lock);
        return probe__fail(PROBE_ECANCELED, "start: context of %s %s",
                           source_of(pl), pl->id);
    }
    run = probe__ctx_child(pl->base);
    if (run == NULL) {
        pthread_mutex_unlock(&pl->life_lock);
        return probe__fail(PROBE_ENOMEM, "start: %s %s", source_of(pl),
                           pl->id);
    }
    if (pl->run != NULL)
        probe__ctx_unwatch(pl->run, &pl->watch);
    cancelled = probe__ctx_watch(run, &pl->watch);

    pthread_mutex_lock(&pl->lock);
    wait_workers_locked(pl, -1);
    old = pl->run;
    pl->run = run;
    if (cancelled || probe_ctx_done(run)) {
        rc = PROBE_ECANCELED;
    } else {
        pl->stop_reason = PROBE_ESTOPPED;
        atomic_store(&pl->mode, 0);
        atomic_fetch_and(&pl->enq, ~RING_CLOSED);
        atomic_store_explicit(&pl->state, P_RUNNING, memory_order_release);
        rc = spawn_all_locked(pl);
        if (rc != PROBE_OK) {
            begin_stop_locked(pl, PROBE_KEEP, PROBE_ESTOPPED);
            wait_workers_locked(pl, -1);
        }
    }
    pthread_mutex_unlock(&pl->lock);
    pthread_mutex_unlock(&pl->life_lock);

    if (rc != PROBE_OK) {
        probe_ctx_cancel(run);
        probe__log(&pl->cfg.log, PROBE_LOG_ERROR, source_of(pl), pl->id,
                   NULL, "start failed: %s", probe_strerror(rc));
    }
    probe__ctx_unref(old);
    if (rc != PROBE_OK)
        return probe__fail(rc, "start: %s %s", source_of(pl), pl->id);
    probe__log(&pl->cfg.log, PROBE_LOG_INFO, source_of(pl), pl->id, NULL,
               "started with %zu workers", atomic_load(&pl->target));
    return PROBE_OK;
}

static int ring_init(pool *pl, long long buffer)
{
    uint64_t i;

    pl->limit = buffer > 0 ? (uint64_t)buffer : 1;
    pl->capacity = pl->limit < 2 ? 2 : pl->limit;
    pl->mask = (pl->capacity & (pl->capacity - 1)) == 0 ? pl->capacity - 1
                                                        : 0;
    pl->slots = calloc(pl->capacity, sizeof *pl->slots);
    if (pl->slots == NULL)
        return PROBE_ENOMEM;
    for (i = 0; i < pl->capacity; i++)
        atomic_init(&pl->slots[i].seq, i);
    return PROBE_OK;
}

static pool *pool_alloc(const struct probe_config *cfg, int is_probe)
{
    long long size = is_probe ? 1 : (cfg->size > 0 ? cfg->size : 8);
    long long buffer = cfg->buffer;
    pool *pl;

    pl = aligned_alloc(PROBE__CACHE_LINE,
                       (sizeof *pl + PROBE__CACHE_LINE - 1) /
                           PROBE__CACHE_LINE * PROBE__CACHE_LINE);
    if (pl == NULL)
        return NULL;
    memset(pl, 0, sizeof *pl);
    if (!is_probe && buffer == 0)
        buffer = 64;
    pl->handoff = is_probe && buffer == 0;
    pl->is_probe = is_probe;
    pl->elastic = !is_probe && cfg->idle_timeout_ms > 0;
    pl->fork_generation = atomic_load(&probe__fork_generation);
    atomic_init(&pl->state, P_STOPPING);
    atomic_init(&pl->target, (size_t)size);
    pl->stop_reason = PROBE_ESTOPPED;
    pl->watch.fn = on_cancel;
    pl->watch.arg = pl;
    probe__config_copy(&pl->cfg, cfg);
    probe__id_next(pl->id);
    if (ring_init(pl, buffer) != PROBE_OK) {
        probe__config_release(&pl->cfg);
        free(pl);
        return NULL;
    }
    pthread_mutex_init(&pl->life_lock, NULL);
    pthread_mutex_init(&pl->lock, NULL);
    probe__cond_init(&pl->work_cv);
    probe__cond_init(&pl->space_cv);
    probe__cond_init(&pl->state_cv);
    return pl;
}

static void pool_release(pool *pl)
{
    size_t i;

    for (i = 0; i < pl->worker_slots; i++)
        free(pl->workers[i]);
    free(pl->workers);
    free(pl->slots);
    probe__config_release(&pl->cfg);
    free(pl);
}

pool *probe__pool_create(const struct probe_config *cfg, int is_probe)
{
    struct probe_config defaults;
    const char *call = is_probe ? "probe_new" : "pool_new";
    pool *pl;
    int rc;

    probe__fork_init();
    if (cfg == NULL) {
        probe__config_defaults(&defaults);
        cfg = &defaults;
    }
    if (is_probe && cfg->size > 1)
        return probe__fail_null(PROBE_EINVAL,
                                "probe_new: PROBE_OPT_SIZE is %lld; a probe "
                                "has one worker (use pool_new)",
                                cfg->size);
    if (!is_probe && cfg->min_size > (cfg->size > 0 ? cfg->size : 8))
        return probe__fail_null(PROBE_EINVAL,
                                "pool_new: PROBE_OPT_MIN_SIZE %lld exceeds "
                                "the pool size",
                                cfg->min_size);
    if (cfg->ctx != NULL && probe_ctx_done(cfg->ctx))
        return probe__fail_null(PROBE_ECANCELED, "%s: context is cancelled",
                                call);

    pl = pool_alloc(cfg, is_probe);
    if (pl == NULL)
        return probe__fail_null(PROBE_ENOMEM, "%s: buffer of %lld slots",
                                call, cfg->buffer);
    pl->base = cfg->ctx != NULL ? probe_ctx_ref(cfg->ctx) : probe_ctx_new();
    if (pl->base == NULL) {
        pool_release(pl);
        return probe__fail_null(PROBE_ENOMEM, "%s", call);
    }

    rc = probe__pool_start(pl);
    if (rc != PROBE_OK) {
        probe__pool_destroy(pl);
        return probe__fail_null(rc, "%s: could not start workers", call);
    }
    return pl;
}

void probe__pool_destroy(pool *pl)
{
    if (pl->fork_generation != atomic_load(&probe__fork_generation)) {
        /* The threads and lock owners live in the parent only: release
         * the memory without touching locks, contexts or callbacks. */
        pool_release(pl);
        return;
    }
    if (probe__current.pool == pl) {
        pthread_mutex_lock(&pl->lock);
        pl->free_pending = 1;
        pthread_mutex_unlock(&pl->lock);
        probe__pool_stop(pl, PROBE_KEEP, -1, 0);
        return;
    }

    if (!pl->free_pending)
        probe__pool_stop(pl, PROBE_KEEP, -1, 1);
    discard_queued(pl);
    if (pl->run != NULL) {
        probe__ctx_unwatch(pl->run, &pl->watch);
        probe__ctx_unref(pl->run);
    }
    probe__ctx_unref(pl->base);
    probe__log(&pl->cfg.log, PROBE_LOG_DEBUG, source_of(pl), pl->id, NULL,
               "freed");
    pthread_mutex_destroy(&pl->life_lock);
    pthread_mutex_destroy(&pl->lock);
    pthread_cond_destroy(&pl->work_cv);
    pthread_cond_destroy(&pl->space_cv);
    pthread_cond_destroy(&pl->state_cv);
    pool_release(pl);
}

int probe__pool_is_probe(const pool *pl)
{
    return pl->is_probe;
}

const struct probe_config *probe__pool_config(const pool *pl)
{
    return &pl->cfg;
}

const char *probe__pool_first_worker_id(const pool *pl)
{
    return pl->id;
}

int probe__pool_first_worker_idle(const pool *pl)
{
    struct probe__worker *w;
    int idle;

    pthread_mutex_lock((pthread_mutex_t *)&pl->lock);
    w = pl->worker_slots > 0 ? pl->workers[0] : NULL;
    idle = w != NULL && w->state == W_LIVE && !atomic_load(&w->busy);
    pthread_mutex_unlock((pthread_mutex_t *)&pl->lock);
    return idle;
}
