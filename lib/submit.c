/*
 * Submitting tasks.  The fast path is one ring push plus one read of the
 * sleeper count.  The pool lock is taken only to wake a parked worker or
 * to park a submitter on a full ring.
 */
#include "engine.h"

#include <errno.h>

/* Ring polls before a submitter parks on a full ring. */
#define SUBMIT_SPIN 100
/* The peak queue depth is sampled on one submit in PEAK_SAMPLE and on
 * every full ring, to keep a read of the consumers' index off the fast
 * path.  So the reported peak may read low by PEAK_SAMPLE - 1. */
#define PEAK_SAMPLE 32

enum { PUSH_TIMEDOUT = PUSH_CLOSED + 1 };

static void note_peak(pool *pl, uint64_t depth)
{
    uint64_t peak = atomic_load_explicit(&pl->peak, memory_order_relaxed);

    while (depth > peak &&
           !atomic_compare_exchange_weak_explicit(&pl->peak, &peak, depth,
                                                  memory_order_relaxed,
                                                  memory_order_relaxed))
        ;
}

/* Wake up to @count parked workers, one wake token each. */
static void wake_workers(pool *pl, size_t count)
{
    pthread_mutex_lock(&pl->lock);
    while (count-- > 0 && atomic_load(&pl->sleepers) > 0) {
        atomic_fetch_sub(&pl->sleepers, 1);
        pl->wake_tokens++;
        pthread_cond_signal(&pl->work_cv);
    }
    pthread_mutex_unlock(&pl->lock);
}

/* After @count tasks were pushed, the last at @pos. */
static inline void after_push(pool *pl, uint64_t pos, size_t count)
{
    if (PROBE__UNLIKELY(pos % PEAK_SAMPLE == 0))
        note_peak(pl, pos + 1 - atomic_load_explicit(&pl->deq,
                                                     memory_order_relaxed));
    if (atomic_load_explicit(&pl->sleepers, memory_order_seq_cst) > 0)
        wake_workers(pl, count);
    else if (PROBE__UNLIKELY(pl->elastic) &&
             atomic_load(&pl->alive) < atomic_load(&pl->target))
        probe__grow_elastic(pl);
}

static int wait_for_space(pool *pl, probe_task_fn fn, void *arg,
                          int64_t deadline, uint64_t *pos)
{
    int r, i;

    note_peak(pl, pl->limit);
    for (i = 0; i < SUBMIT_SPIN; i++) {
        probe__cpu_relax();
        r = ring_push(pl, fn, arg, pos);
        if (r != PUSH_FULL)
            return r;
    }

    pthread_mutex_lock(&pl->lock);
    atomic_fetch_add(&pl->space_sleepers, 1);
    atomic_thread_fence(memory_order_seq_cst);
    for (;;) {
        r = ring_push(pl, fn, arg, pos);
        if (r != PUSH_FULL)
            break;
        if (pl->space_tokens > 0) {
            /* Woken, but another submitter took the slot: register again. */
            pl->space_tokens--;
            atomic_fetch_add(&pl->space_sleepers, 1);
            atomic_thread_fence(memory_order_seq_cst);
            continue;
        }
        if (probe__cond_wait_until(&pl->space_cv, &pl->lock, deadline) ==
            ETIMEDOUT) {
            r = ring_push(pl, fn, arg, pos);
            if (r == PUSH_FULL)
                r = PUSH_TIMEDOUT;
            break;
        }
    }
    if (pl->space_tokens > 0)
        pl->space_tokens--;
    else
        atomic_fetch_sub(&pl->space_sleepers, 1);
    pthread_mutex_unlock(&pl->lock);
    return r;
}

/* Without a buffer a probe's submit returns once the task is taken, or
 * once a stop begins (the task then meets the stop's fate). */
static void wait_taken(pool *pl, uint64_t pos)
{
    int i;

    for (i = 0; i < SUBMIT_SPIN; i++) {
        if (atomic_load(&pl->deq) > pos)
            return;
        probe__cpu_relax();
    }
    pthread_mutex_lock(&pl->lock);
    atomic_fetch_add(&pl->handoff_waiters, 1);
    atomic_thread_fence(memory_order_seq_cst);
    while (atomic_load(&pl->deq) <= pos &&
           atomic_load(&pl->state) == P_RUNNING)
        pthread_cond_wait(&pl->space_cv, &pl->lock);
    atomic_fetch_sub(&pl->handoff_waiters, 1);
    pthread_mutex_unlock(&pl->lock);
}

void probe__pool_count_rejected(pool *pl)
{
    uint64_t n = atomic_fetch_add(&pl->rejected, 1) + 1;

    /* Log the 1st, 2nd, 4th, 8th... rejection: a flood stays readable. */
    if ((n & (n - 1)) == 0)
        probe__log(&pl->cfg.log, PROBE_LOG_WARN,
                   pl->is_probe ? "probe" : "pool", pl->id, NULL,
                   "submit rejected (%llu so far)", (unsigned long long)n);
}

static int reject(pool *pl, int code)
{
    probe__pool_count_rejected(pl);
    return probe__fail(code, "submit to %s %s", pl->is_probe ? "probe" : "pool",
                       pl->id);
}

static int closed_code(pool *pl)
{
    int reason;

    pthread_mutex_lock(&pl->lock);
    reason = pl->stop_reason;
    pthread_mutex_unlock(&pl->lock);
    return reason;
}

static int submit_handoff(pool *pl, probe_task_fn fn, void *arg,
                          int64_t deadline_ns);

int probe__pool_submit(pool *pl, probe_task_fn fn, void *arg,
                       int64_t deadline_ns)
{
    uint64_t pos;
    int r;

    if (PROBE__UNLIKELY(pl->handoff))
        return submit_handoff(pl, fn, arg, deadline_ns);

    r = ring_push(pl, fn, arg, &pos);
    if (PROBE__UNLIKELY(r == PUSH_FULL)) {
        note_peak(pl, pl->limit);
        if (deadline_ns == 0)
            return reject(pl, PROBE_EFULL);
        if (probe__current.pool == pl)
            return reject(pl, PROBE_EDEADLK);
        r = wait_for_space(pl, fn, arg, deadline_ns, &pos);
    }
    if (PROBE__UNLIKELY(r == PUSH_CLOSED))
        return reject(pl, closed_code(pl));
    if (PROBE__UNLIKELY(r == PUSH_TIMEDOUT))
        return reject(pl, PROBE_ETIMEDOUT);

    after_push(pl, pos, 1);
    return PROBE_OK;
}

/* A probe without buffer: the submit returns once the task is taken.  The
 * task may free the probe as soon as it runs, so the submit counts itself
 * in handoff_inflight and a deferred free waits for it to leave. */
static int submit_handoff(pool *pl, probe_task_fn fn, void *arg,
                          int64_t deadline_ns)
{
    uint64_t pos;
    int r;

    if (probe__current.pool == pl)
        return reject(pl, PROBE_EDEADLK);
    if (deadline_ns == 0 &&
        (atomic_load(&pl->workers[0]->busy) || ring_queued(pl) > 0))
        return reject(pl, PROBE_EFULL);

    atomic_fetch_add(&pl->handoff_inflight, 1);
    r = ring_push(pl, fn, arg, &pos);
    if (r == PUSH_FULL)
        r = deadline_ns == 0 ? PUSH_FULL
                             : wait_for_space(pl, fn, arg, deadline_ns, &pos);
    if (r == PUSH_OK) {
        after_push(pl, pos, 1);
        wait_taken(pl, pos);
        atomic_fetch_sub(&pl->handoff_inflight, 1);
        return PROBE_OK;
    }
    atomic_fetch_sub(&pl->handoff_inflight, 1);
    if (r == PUSH_CLOSED)
        return reject(pl, closed_code(pl));
    return reject(pl, r == PUSH_TIMEDOUT ? PROBE_ETIMEDOUT : PROBE_EFULL);
}

PROBE_EXTERN int pool_run_batch(pool *pl, probe_task_fn fn, void *const *args,
                                size_t count, size_t *accepted)
{
    uint64_t pos = 0, last = 0;
    size_t done = 0, pushed = 0;
    int r = PUSH_OK, rc;

    if (accepted != NULL)
        *accepted = 0;
    rc = probe__pool_check(pl, "pool_run_batch");
    if (rc != PROBE_OK)
        return rc;
    if (fn == NULL || (args == NULL && count > 0))
        return probe__fail(PROBE_EINVAL, "pool_run_batch: NULL %s",
                           fn == NULL ? "function" : "argument array");
    if (pl->handoff) {
        for (; done < count; done++) {
            rc = probe__pool_submit(pl, fn, args[done], -1);
            if (rc != PROBE_OK)
                break;
        }
        if (accepted != NULL)
            *accepted = done;
        return rc;
    }

    while (done < count) {
        r = ring_push(pl, fn, args[done], &pos);
        if (r == PUSH_FULL) {
            if (pushed > 0)
                after_push(pl, last, pushed);
            pushed = 0;
            if (probe__current.pool == pl) {
                r = -1;
                break;
            }
            r = wait_for_space(pl, fn, args[done], -1, &pos);
        }
        if (r != PUSH_OK)
            break;
        if (pos % PEAK_SAMPLE == 0)
            note_peak(pl, pos + 1 - atomic_load(&pl->deq));
        last = pos;
        pushed++;
        done++;
    }
    if (pushed > 0)
        after_push(pl, last, pushed);
    if (accepted != NULL)
        *accepted = done;
    if (done == count)
        return PROBE_OK;

    rc = r == PUSH_CLOSED ? closed_code(pl) : PROBE_EDEADLK;
    atomic_fetch_add(&pl->rejected, count - done - 1);
    return reject(pl, rc);
}
