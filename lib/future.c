/*
 * Futures.  A future is shared by the caller and the queued task, each
 * holding one reference.  Its status moves once out of QUEUED, by CAS:
 * to RUNNING (a worker took it), CANCELLED (probe_future_cancel) or
 * DISCARDED (a stop or free).  The thread whose CAS succeeds owns the
 * argument.
 * Terminal states are published under the future's lock, so waiters
 * cannot miss them.
 */
#include "engine.h"

#include <errno.h>
#include <stdlib.h>

struct probe_future {
    atomic_int refs;
    atomic_int status;
    probe_call_fn fn;
    void *arg;
    probe_dtor_fn dtor;
    void *result;
    pthread_mutex_t lock;
    pthread_cond_t done_cv;
};

static void future_unref(probe_future *f)
{
    if (atomic_fetch_sub(&f->refs, 1) != 1)
        return;
    pthread_mutex_destroy(&f->lock);
    pthread_cond_destroy(&f->done_cv);
    free(f);
}

static void publish(probe_future *f, int status)
{
    pthread_mutex_lock(&f->lock);
    atomic_store(&f->status, status);
    pthread_cond_broadcast(&f->done_cv);
    pthread_mutex_unlock(&f->lock);
}

/* Move a queued future to @to; on success the caller owns the argument. */
static int claim(probe_future *f, int to)
{
    int expected = PROBE_FUTURE_QUEUED;

    return atomic_compare_exchange_strong(&f->status, &expected, to);
}

/* Cleanup handler: the call ended its thread with pthread_exit().  The
 * future completes with a NULL result so its waiters are released. */
static void call_abandoned(void *record)
{
    probe_future *f = record;

    publish(f, PROBE_FUTURE_DONE);
    future_unref(f);
}

int probe__future_trampoline(void *record)
{
    probe_future *f = record;
    const void *saved;
    void *result;

    if (!claim(f, PROBE_FUTURE_RUNNING)) {
        future_unref(f);
        return PROBE__SKIPPED;
    }
    saved = probe__current.future;
    probe__current.future = f;
    pthread_cleanup_push(call_abandoned, f);
    result = f->fn(f->arg);
    pthread_cleanup_pop(0);
    probe__current.future = saved;

    pthread_mutex_lock(&f->lock);
    f->result = result;
    atomic_store(&f->status, PROBE_FUTURE_DONE);
    pthread_cond_broadcast(&f->done_cv);
    pthread_mutex_unlock(&f->lock);
    future_unref(f);
    return 0;
}

int probe__future_discard(void *record)
{
    probe_future *f = record;
    int was_cancelled = 1;

    if (claim(f, PROBE_FUTURE_DISCARDED)) {
        was_cancelled = 0;
        if (f->dtor != NULL)
            f->dtor(f->arg);
        publish(f, PROBE_FUTURE_DISCARDED);
    }
    future_unref(f);
    return was_cancelled;
}

PROBE_EXTERN probe_future *pool_submit(pool *pl, probe_call_fn fn, void *arg,
                                       probe_dtor_fn dtor)
{
    probe_future *f;
    int rc;

    rc = probe__pool_check(pl, "pool_submit");
    if (rc == PROBE_OK && fn == NULL)
        rc = probe__fail(PROBE_EINVAL, "pool_submit: NULL function");
    if (rc != PROBE_OK) {
        if (dtor != NULL)
            dtor(arg);
        errno = probe__errno_of(rc);
        return NULL;
    }

    f = malloc(sizeof *f);
    if (f == NULL) {
        if (dtor != NULL)
            dtor(arg);
        return probe__fail_null(PROBE_ENOMEM, "pool_submit");
    }
    atomic_init(&f->refs, 2);
    atomic_init(&f->status, PROBE_FUTURE_QUEUED);
    f->fn = fn;
    f->arg = arg;
    f->dtor = dtor;
    f->result = NULL;
    pthread_mutex_init(&f->lock, NULL);
    probe__cond_init(&f->done_cv);

    rc = probe__pool_submit(pl, probe__future_trampoline, f, -1);
    if (rc != PROBE_OK) {
        if (dtor != NULL)
            dtor(arg);
        atomic_store(&f->refs, 1);
        future_unref(f);
        errno = probe__errno_of(rc);
        return NULL;
    }
    return f;
}

static int finished(int status)
{
    return status != PROBE_FUTURE_QUEUED && status != PROBE_FUTURE_RUNNING;
}

PROBE_EXTERN int probe_future_wait(probe_future *future, long timeout_ms)
{
    int64_t deadline;
    int rc = PROBE_OK;

    if (future == NULL)
        return probe__fail(PROBE_EINVAL, "probe_future_wait: NULL future");
    if (probe__current.future == future)
        return probe__fail(PROBE_EDEADLK,
                           "probe_future_wait: a task waits on itself");
    if (finished(atomic_load(&future->status)))
        return PROBE_OK;
    deadline = probe__deadline_after(timeout_ms);
    pthread_mutex_lock(&future->lock);
    while (!finished(atomic_load(&future->status)) && rc == PROBE_OK)
        if (probe__cond_wait_until(&future->done_cv, &future->lock,
                                   deadline) == ETIMEDOUT &&
            !finished(atomic_load(&future->status)))
            rc = PROBE_ETIMEDOUT;
    pthread_mutex_unlock(&future->lock);
    if (rc != PROBE_OK)
        return probe__fail(rc, "probe_future_wait");
    return PROBE_OK;
}

PROBE_EXTERN int probe_future_status(const probe_future *future)
{
    if (future == NULL)
        return probe__fail(PROBE_EINVAL, "probe_future_status: NULL future");
    return atomic_load(&((probe_future *)future)->status);
}

PROBE_EXTERN int probe_future_cancel(probe_future *future)
{
    int status;

    if (future == NULL)
        return probe__fail(PROBE_EINVAL, "probe_future_cancel: NULL future");
    if (claim(future, PROBE_FUTURE_CANCELLED)) {
        if (future->dtor != NULL)
            future->dtor(future->arg);
        publish(future, PROBE_FUTURE_CANCELLED);
        return PROBE_OK;
    }
    status = atomic_load(&future->status);
    if (status == PROBE_FUTURE_CANCELLED || status == PROBE_FUTURE_DISCARDED)
        return PROBE_OK;
    return probe__fail(PROBE_EBUSY, "probe_future_cancel");
}

PROBE_EXTERN void *probe_future_result(const probe_future *future)
{
    probe_future *f = (probe_future *)future;
    void *result;

    if (f == NULL || atomic_load(&f->status) != PROBE_FUTURE_DONE)
        return NULL;
    pthread_mutex_lock(&f->lock);
    result = f->result;
    pthread_mutex_unlock(&f->lock);
    return result;
}

PROBE_EXTERN void probe_future_free(probe_future *future)
{
    if (future != NULL)
        future_unref(future);
}
