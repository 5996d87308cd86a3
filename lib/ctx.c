/*
 * Contexts: a tree of cancellation signals.
 *
 * One process-wide mutex guards the shape of every tree (parent, children,
 * watchers, descriptors, the deadline list).  Cancellation is rare and
 * short, so one lock costs nothing measurable and removes every question of
 * lock order between a parent and its children.  The cancelled flag itself
 * is an atomic, so probe_ctx_done() takes no lock.
 *
 * Ownership: a child holds a reference to its parent, while a parent keeps
 * only weak links to its children.  A child unlinks itself under the lock
 * before its memory goes.  Watchers run under the lock (see internal.h for the order).
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

struct probe_ctx {
    atomic_int refs;
    atomic_int reason;        /* 0, PROBE_ECANCELED or PROBE_ETIMEDOUT */
    int64_t deadline_ns;      /* own or inherited; -1 for none */
    int timed;                /* on the deadline list */
    probe_ctx *parent;
    probe_ctx *first_child;
    probe_ctx *next_sibling;
    probe_ctx *prev_sibling;
    probe_ctx *timer_next;
    probe_ctx *timer_prev;
    struct probe__watch *watchers;
    int fds[2];
};

static pthread_mutex_t ctx_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ctx_cv;     /* broadcast on every cancellation */
static pthread_cond_t timer_cv;   /* wakes the deadline thread */
static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;

static probe_ctx *timer_head;     /* sorted by deadline, soonest first */
static int timer_started;
static int timer_quit;
static pthread_t timer_thread;

static void init_once(void)
{
    probe__cond_init(&ctx_cv);
    probe__cond_init(&timer_cv);
    probe__fork_init();
}

static void ensure_init(void)
{
    pthread_once(&ctx_once, init_once);
}

static void timer_remove(probe_ctx *ctx)
{
    if (!ctx->timed)
        return;
    if (ctx->timer_prev != NULL)
        ctx->timer_prev->timer_next = ctx->timer_next;
    else
        timer_head = ctx->timer_next;
    if (ctx->timer_next != NULL)
        ctx->timer_next->timer_prev = ctx->timer_prev;
    ctx->timed = 0;
}

/* Mark @ctx and its descendants cancelled; ctx_lock is held. */
static void cancel_locked(probe_ctx *ctx, int reason)
{
    struct probe__watch *w;
    probe_ctx *child;
    ssize_t unused;

    if (atomic_load_explicit(&ctx->reason, memory_order_relaxed) != 0)
        return;
    atomic_store_explicit(&ctx->reason, reason, memory_order_release);
    if (ctx->fds[1] >= 0)
        unused = write(ctx->fds[1], "x", 1);
    (void)unused;
    for (w = ctx->watchers; w != NULL; w = w->next)
        w->fn(w->arg);
    timer_remove(ctx);
    for (child = ctx->first_child; child != NULL; child = child->next_sibling)
        cancel_locked(child, reason);
}

static void *timer_main(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&ctx_lock);
    while (!timer_quit) {
        probe_ctx *soonest = timer_head;

        if (soonest == NULL) {
            pthread_cond_wait(&timer_cv, &ctx_lock);
        } else if (probe__now_ns() >= soonest->deadline_ns) {
            cancel_locked(soonest, PROBE_ETIMEDOUT);
            pthread_cond_broadcast(&ctx_cv);
        } else {
            probe__cond_wait_until(&timer_cv, &ctx_lock,
                                   soonest->deadline_ns);
        }
    }
    pthread_mutex_unlock(&ctx_lock);
    return NULL;
}

/* Put @ctx on the deadline list and make sure the timer thread runs;
 * ctx_lock is held.  Returns 0 or a probe error code. */
static int timer_add(probe_ctx *ctx)
{
    probe_ctx **link = &timer_head;
    probe_ctx *prev = NULL;

    if (!timer_started) {
        if (probe__thread_start(&timer_thread, timer_main, NULL, 0) != 0)
            return PROBE_ETHREAD;
        timer_started = 1;
    }
    while (*link != NULL && (*link)->deadline_ns <= ctx->deadline_ns) {
        prev = *link;
        link = &(*link)->timer_next;
    }
    ctx->timer_next = *link;
    ctx->timer_prev = prev;
    if (*link != NULL)
        (*link)->timer_prev = ctx;
    *link = ctx;
    ctx->timed = 1;
    pthread_cond_signal(&timer_cv);
    return 0;
}

/* Stop the deadline thread when the library is unloaded or the process
 * exits, so no thread of ours outlives the code it runs. */
__attribute__((destructor)) static void timer_shutdown(void)
{
    int started;

    pthread_mutex_lock(&ctx_lock);
    started = timer_started;
    timer_quit = 1;
    if (started)
        pthread_cond_signal(&timer_cv);
    pthread_mutex_unlock(&ctx_lock);
    if (started)
        pthread_join(timer_thread, NULL);
}

static probe_ctx *ctx_alloc(void)
{
    probe_ctx *ctx = calloc(1, sizeof *ctx);

    if (ctx == NULL)
        return NULL;
    atomic_init(&ctx->refs, 1);
    atomic_init(&ctx->reason, 0);
    ctx->deadline_ns = -1;
    ctx->fds[0] = -1;
    ctx->fds[1] = -1;
    return ctx;
}

/* Link @ctx under @parent; ctx_lock is held. */
static void link_child(probe_ctx *ctx, probe_ctx *parent)
{
    ctx->parent = probe_ctx_ref(parent);
    ctx->next_sibling = parent->first_child;
    if (parent->first_child != NULL)
        parent->first_child->prev_sibling = ctx;
    parent->first_child = ctx;
    if (parent->deadline_ns >= 0)
        ctx->deadline_ns = parent->deadline_ns;
    if (atomic_load(&parent->reason) != 0)
        atomic_store(&ctx->reason, atomic_load(&parent->reason));
}

PROBE_EXTERN probe_ctx *probe_ctx_new(void)
{
    probe_ctx *ctx;

    ensure_init();
    ctx = ctx_alloc();
    if (ctx == NULL)
        return probe__fail_null(PROBE_ENOMEM, "probe_ctx_new");
    return ctx;
}

probe_ctx *probe__ctx_child(probe_ctx *parent)
{
    probe_ctx *ctx;

    ensure_init();
    ctx = ctx_alloc();
    if (ctx == NULL)
        return NULL;
    pthread_mutex_lock(&ctx_lock);
    link_child(ctx, parent);
    pthread_mutex_unlock(&ctx_lock);
    return ctx;
}

PROBE_EXTERN probe_ctx *probe_ctx_new_child(probe_ctx *parent)
{
    probe_ctx *ctx;

    if (parent == NULL)
        return probe__fail_null(PROBE_EINVAL,
                                "probe_ctx_new_child: NULL parent");
    ctx = probe__ctx_child(parent);
    if (ctx == NULL)
        return probe__fail_null(PROBE_ENOMEM, "probe_ctx_new_child");
    return ctx;
}

PROBE_EXTERN probe_ctx *probe_ctx_new_timeout(probe_ctx *parent,
                                              long timeout_ms)
{
    int64_t deadline;
    probe_ctx *ctx;
    int rc = 0;

    if (timeout_ms < 0)
        return probe__fail_null(PROBE_EINVAL,
                                "probe_ctx_new_timeout: timeout %ld ms is "
                                "negative",
                                timeout_ms);
    ensure_init();
    ctx = ctx_alloc();
    if (ctx == NULL)
        return probe__fail_null(PROBE_ENOMEM, "probe_ctx_new_timeout");

    deadline = probe__deadline_after(timeout_ms);
    pthread_mutex_lock(&ctx_lock);
    if (parent != NULL)
        link_child(ctx, parent);
    /* deadline < 0: too far away to represent, so only the parent's counts. */
    if (deadline >= 0 && (ctx->deadline_ns < 0 || deadline < ctx->deadline_ns))
        ctx->deadline_ns = deadline;
    if (atomic_load(&ctx->reason) == 0 && ctx->deadline_ns >= 0)
        rc = timer_add(ctx);
    pthread_mutex_unlock(&ctx_lock);

    if (rc != 0) {
        probe__ctx_unref(ctx);
        return probe__fail_null(rc, "probe_ctx_new_timeout: timer thread");
    }
    return ctx;
}

PROBE_EXTERN probe_ctx *probe_ctx_ref(probe_ctx *ctx)
{
    if (ctx != NULL)
        atomic_fetch_add_explicit(&ctx->refs, 1, memory_order_relaxed);
    return ctx;
}

void probe__ctx_unref(probe_ctx *ctx)
{
    probe_ctx *parent;

    if (ctx == NULL)
        return;
    if (atomic_fetch_sub_explicit(&ctx->refs, 1, memory_order_acq_rel) != 1)
        return;

    /* Last reference: no child can exist, because each holds one. */
    pthread_mutex_lock(&ctx_lock);
    parent = ctx->parent;
    if (parent != NULL) {
        if (ctx->prev_sibling != NULL)
            ctx->prev_sibling->next_sibling = ctx->next_sibling;
        else
            parent->first_child = ctx->next_sibling;
        if (ctx->next_sibling != NULL)
            ctx->next_sibling->prev_sibling = ctx->prev_sibling;
    }
    timer_remove(ctx);
    pthread_mutex_unlock(&ctx_lock);

    if (ctx->fds[0] >= 0) {
        close(ctx->fds[0]);
        close(ctx->fds[1]);
    }
    free(ctx);
    probe__ctx_unref(parent);
}

PROBE_EXTERN void probe_ctx_free(probe_ctx *ctx)
{
    probe__ctx_unref(ctx);
}

PROBE_EXTERN int probe_ctx_cancel(probe_ctx *ctx)
{
    if (ctx == NULL)
        return probe__fail(PROBE_EINVAL, "probe_ctx_cancel: NULL context");
    ensure_init();
    pthread_mutex_lock(&ctx_lock);
    cancel_locked(ctx, PROBE_ECANCELED);
    pthread_cond_broadcast(&ctx_cv);
    pthread_mutex_unlock(&ctx_lock);
    return PROBE_OK;
}

PROBE_EXTERN int probe_ctx_err(const probe_ctx *ctx)
{
    int reason;

    if (ctx == NULL)
        return PROBE_EINVAL;
    reason = atomic_load_explicit(&ctx->reason, memory_order_acquire);
    if (reason != 0)
        return reason;
    /* The timer thread may lag, or be absent after fork(): read the clock. */
    if (ctx->deadline_ns >= 0 && probe__now_ns() >= ctx->deadline_ns)
        return PROBE_ETIMEDOUT;
    return PROBE_OK;
}

PROBE_EXTERN int probe_ctx_done(const probe_ctx *ctx)
{
    if (ctx == NULL)
        return 0;
    return probe_ctx_err(ctx) != PROBE_OK;
}

PROBE_EXTERN int probe_ctx_wait(probe_ctx *ctx, long timeout_ms)
{
    int64_t deadline, until;
    int rc = PROBE_OK;

    if (ctx == NULL)
        return probe__fail(PROBE_EINVAL, "probe_ctx_wait: NULL context");
    ensure_init();
    deadline = probe__deadline_after(timeout_ms);

    pthread_mutex_lock(&ctx_lock);
    while (atomic_load(&ctx->reason) == 0) {
        if (ctx->deadline_ns >= 0 && probe__now_ns() >= ctx->deadline_ns) {
            cancel_locked(ctx, PROBE_ETIMEDOUT);
            pthread_cond_broadcast(&ctx_cv);
            break;
        }
        if (deadline >= 0 && probe__now_ns() >= deadline) {
            rc = PROBE_ETIMEDOUT;
            break;
        }
        until = deadline;
        if (ctx->deadline_ns >= 0 && (until < 0 || ctx->deadline_ns < until))
            until = ctx->deadline_ns;
        probe__cond_wait_until(&ctx_cv, &ctx_lock, until);
    }
    pthread_mutex_unlock(&ctx_lock);
    return rc;
}

PROBE_EXTERN int probe_ctx_fd(probe_ctx *ctx)
{
    ssize_t unused;
    int fd;

    if (ctx == NULL)
        return probe__fail(PROBE_EINVAL, "probe_ctx_fd: NULL context");
    ensure_init();
    pthread_mutex_lock(&ctx_lock);
    if (ctx->fds[0] < 0 && pipe2(ctx->fds, O_CLOEXEC | O_NONBLOCK) != 0) {
        ctx->fds[0] = ctx->fds[1] = -1;
        pthread_mutex_unlock(&ctx_lock);
        return probe__fail(PROBE_ERROR, "probe_ctx_fd: pipe2 failed (%s)",
                           errno == EMFILE ? "too many open files"
                                           : "system error");
    }
    if (atomic_load(&ctx->reason) != 0 && ctx->fds[1] >= 0) {
        unused = write(ctx->fds[1], "x", 1);
        (void)unused;
    }
    fd = ctx->fds[0];
    pthread_mutex_unlock(&ctx_lock);
    return fd;
}

int probe__ctx_watch(probe_ctx *ctx, struct probe__watch *w)
{
    int cancelled;

    ensure_init();
    pthread_mutex_lock(&ctx_lock);
    cancelled = atomic_load(&ctx->reason) != 0;
    if (!cancelled) {
        w->prev = NULL;
        w->next = ctx->watchers;
        if (ctx->watchers != NULL)
            ctx->watchers->prev = w;
        ctx->watchers = w;
    }
    pthread_mutex_unlock(&ctx_lock);
    return cancelled;
}

void probe__ctx_unwatch(probe_ctx *ctx, struct probe__watch *w)
{
    pthread_mutex_lock(&ctx_lock);
    if (w->prev != NULL)
        w->prev->next = w->next;
    else if (ctx->watchers == w)
        ctx->watchers = w->next;
    if (w->next != NULL)
        w->next->prev = w->prev;
    w->prev = w->next = NULL;
    pthread_mutex_unlock(&ctx_lock);
}

void probe__ctx_atfork_prepare(void)
{
    pthread_mutex_lock(&ctx_lock);
}

void probe__ctx_atfork_parent(void)
{
    pthread_mutex_unlock(&ctx_lock);
}

void probe__ctx_atfork_child(void)
{
    /* The deadline thread did not survive the fork; the next deadline
     * context starts a new one, and probe_ctx_err() reads the clock. */
    timer_started = 0;
    pthread_mutex_unlock(&ctx_lock);
}
