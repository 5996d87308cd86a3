/*
 * Task groups.  A group counts its tasks that are queued or running and
 * wakes its waiters when the count reaches zero.  Each queued task holds a
 * reference to the group, so freeing a group with tasks in flight is safe.
 * The group's context is a child of the pool's run context: a pool stop,
 * a probe_group_cancel() or (with PROBE_GROUP_CANCEL_ON_ERROR) the first
 * failing task cancels it, and tasks not yet started are then skipped.
 */
#include "engine.h"

#include <errno.h>
#include <stdlib.h>

struct probe_group {
    atomic_int refs;
    atomic_int first_error;
    pool *pool;
    probe_ctx *ctx;
    unsigned flags;
    pthread_mutex_t lock;
    pthread_cond_t done_cv;
    size_t pending;
};

struct group_task {
    probe_group *group;
    probe_task_fn fn;
    void *arg;
};

static void group_unref(probe_group *g)
{
    if (atomic_fetch_sub(&g->refs, 1) != 1)
        return;
    probe__ctx_unref(g->ctx);
    pthread_mutex_destroy(&g->lock);
    pthread_cond_destroy(&g->done_cv);
    free(g);
}

static void task_finished(struct group_task *t)
{
    probe_group *g = t->group;

    pthread_mutex_lock(&g->lock);
    if (--g->pending == 0)
        pthread_cond_broadcast(&g->done_cv);
    pthread_mutex_unlock(&g->lock);
    free(t);
    group_unref(g);
}

/* Cleanup handler: the task called pthread_exit().  Count it as failed so
 * waiters on the group are released. */
static void task_abandoned(void *record)
{
    struct group_task *t = record;
    int expected = 0;

    atomic_compare_exchange_strong(&t->group->first_error, &expected,
                                   PROBE_ERROR);
    task_finished(t);
}

int probe__group_trampoline(void *record)
{
    struct group_task *t = record;
    probe_group *g = t->group;
    struct probe__current saved = probe__current;
    int expected = 0, rc;

    if (probe_ctx_done(g->ctx)) {
        const struct probe_config *cfg = probe__pool_config(g->pool);

        if (cfg->discard != NULL)
            cfg->discard(t->fn, t->arg, cfg->discard_payload);
        task_finished(t);
        return PROBE__SKIPPED;
    }

    probe__current.ctx = g->ctx;
    probe__current.group = g;
    pthread_cleanup_push(task_abandoned, t);
    rc = t->fn(t->arg);
    pthread_cleanup_pop(0);
    probe__current = saved;

    if (rc != 0) {
        atomic_compare_exchange_strong(&g->first_error, &expected, rc);
        if (g->flags & PROBE_GROUP_CANCEL_ON_ERROR)
            probe_ctx_cancel(g->ctx);
    }
    task_finished(t);
    /* The worker counts a failure once, here, not again in the group. */
    return rc == PROBE__SKIPPED ? 1 : rc;
}

void probe__group_discard(void *record, const struct probe_config *cfg)
{
    struct group_task *t = record;

    if (cfg->discard != NULL)
        cfg->discard(t->fn, t->arg, cfg->discard_payload);
    task_finished(t);
}

PROBE_EXTERN probe_group *pool_group_new(pool *pl, unsigned flags)
{
    probe_group *g;
    probe_ctx *run = NULL;

    if (probe__pool_check(pl, "pool_group_new") != PROBE_OK) {
        errno = probe__errno_of(probe_last_error());
        return NULL;
    }
    if (flags & ~(unsigned)PROBE_GROUP_CANCEL_ON_ERROR)
        return probe__fail_null(PROBE_EINVAL,
                                "pool_group_new: unknown flags 0x%x", flags);

    pthread_mutex_lock(&pl->lock);
    if (atomic_load(&pl->state) == P_RUNNING)
        run = probe_ctx_ref(pl->run);
    pthread_mutex_unlock(&pl->lock);
    if (run == NULL)
        return probe__fail_null(PROBE_ESTOPPED, "pool_group_new: pool %s",
                                pl->id);

    g = calloc(1, sizeof *g);
    if (g != NULL)
        g->ctx = probe__ctx_child(run);
    probe__ctx_unref(run);
    if (g == NULL || g->ctx == NULL) {
        free(g);
        return probe__fail_null(PROBE_ENOMEM, "pool_group_new");
    }
    atomic_init(&g->refs, 1);
    g->pool = pl;
    g->flags = flags;
    pthread_mutex_init(&g->lock, NULL);
    probe__cond_init(&g->done_cv);
    return g;
}

PROBE_EXTERN int probe_group_run(probe_group *group, probe_task_fn fn,
                                 void *arg)
{
    struct group_task *t;
    int rc;

    if (group == NULL || fn == NULL)
        return probe__fail(PROBE_EINVAL, "probe_group_run: NULL %s",
                           group == NULL ? "group" : "task function");
    rc = probe__pool_check(group->pool, "probe_group_run");
    if (rc != PROBE_OK)
        return rc;
    if (probe_ctx_done(group->ctx)) {
        probe__pool_count_rejected(group->pool);
        return probe__fail(PROBE_ECANCELED, "probe_group_run");
    }
    t = malloc(sizeof *t);
    if (t == NULL)
        return probe__fail(PROBE_ENOMEM, "probe_group_run");
    *t = (struct group_task){group, fn, arg};

    pthread_mutex_lock(&group->lock);
    group->pending++;
    pthread_mutex_unlock(&group->lock);
    atomic_fetch_add(&group->refs, 1);

    rc = probe__pool_submit(group->pool, probe__group_trampoline, t, -1);
    if (rc != PROBE_OK) {
        /* The caller keeps arg: undo the count without calling discard. */
        task_finished(t);
        return rc;
    }
    return PROBE_OK;
}

PROBE_EXTERN int probe_group_wait(probe_group *group, long timeout_ms)
{
    int64_t deadline;
    int rc = PROBE_OK;

    if (group == NULL)
        return probe__fail(PROBE_EINVAL, "probe_group_wait: NULL group");
    if (probe__current.group == group)
        return probe__fail(PROBE_EDEADLK,
                           "probe_group_wait: from a task of the group");
    deadline = probe__deadline_after(timeout_ms);
    pthread_mutex_lock(&group->lock);
    while (group->pending > 0 && rc == PROBE_OK)
        if (probe__cond_wait_until(&group->done_cv, &group->lock,
                                   deadline) == ETIMEDOUT &&
            group->pending > 0)
            rc = PROBE_ETIMEDOUT;
    pthread_mutex_unlock(&group->lock);
    if (rc != PROBE_OK)
        return probe__fail(rc, "probe_group_wait");
    return PROBE_OK;
}

PROBE_EXTERN int probe_group_error(const probe_group *group)
{
    if (group == NULL)
        return PROBE_EINVAL;
    return atomic_load(&((probe_group *)group)->first_error);
}

PROBE_EXTERN int probe_group_cancel(probe_group *group)
{
    if (group == NULL)
        return probe__fail(PROBE_EINVAL, "probe_group_cancel: NULL group");
    return probe_ctx_cancel(group->ctx);
}

PROBE_EXTERN probe_ctx *probe_group_ctx(const probe_group *group)
{
    return group != NULL ? group->ctx : NULL;
}

PROBE_EXTERN void probe_group_free(probe_group *group)
{
    if (group != NULL)
        group_unref(group);
}
