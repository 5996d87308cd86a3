/*
 * The worker thread: take a task, run it, spin and then park when there
 * is none.
 * A worker touches the pool lock only to park, to wake a blocked
 * submitter, and to start or exit; the task path itself is lock-free.
 */
#include "engine.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

/* Ring polls before a worker parks: WORKER_SPIN with a pause (about 10 us
 * on current x86), then WORKER_YIELDS with sched_yield(), which lets a
 * submitter or worker sharing the core run when threads outnumber free
 * cores.  Short enough that 64 idle workers cost nothing measurable. */
#define WORKER_SPIN 200
#define WORKER_YIELDS 8

_Thread_local struct probe__current probe__current;

/* Wake up to @count parked workers, one wake token each. */
void probe__wake_workers(pool *pl, size_t count)
{
    pthread_mutex_lock(&pl->lock);
    while (count-- > 0 && atomic_load(&pl->sleepers) > 0) {
        atomic_fetch_sub(&pl->sleepers, 1);
        pl->wake_tokens++;
        pthread_cond_signal(&pl->work_cv);
    }
    pthread_mutex_unlock(&pl->lock);
}

static void wake_space_locked_path(pool *pl)
{
    if (atomic_load_explicit(&pl->handoff_waiters, memory_order_seq_cst) >
        0) {
        pthread_mutex_lock(&pl->lock);
        pthread_cond_broadcast(&pl->space_cv);
        pthread_mutex_unlock(&pl->lock);
    }
    if (atomic_load_explicit(&pl->space_sleepers, memory_order_seq_cst) ==
        0)
        return;
    if (ring_queued(pl) > pl->limit / 2)
        return;
    pthread_mutex_lock(&pl->lock);
    if (atomic_load(&pl->space_sleepers) > 0) {
        atomic_fetch_sub(&pl->space_sleepers, 1);
        pl->space_tokens++;
        pthread_cond_signal(&pl->space_cv);
    }
    pthread_mutex_unlock(&pl->lock);
}

/* Called after a pop freed a slot: wake one blocked submitter once the
 * ring is half empty, or at once for a probe without buffer.  The check
 * is inline because it runs once per task and almost always finds no
 * waiter. */
static inline void wake_space(pool *pl)
{
    if (PROBE__UNLIKELY(
            (atomic_load_explicit(&pl->handoff_waiters,
                                  memory_order_seq_cst) |
             atomic_load_explicit(&pl->space_sleepers,
                                  memory_order_seq_cst)) != 0))
        wake_space_locked_path(pl);
}

static inline int pop(pool *pl, struct task *t)
{
    if (!ring_pop(pl, t))
        return 0;
    wake_space(pl);
    return 1;
}

/* Poll the ring as a registered spinner, so submitters leave the parked
 * workers asleep meanwhile.  Returns 1 with a task in @t, or 0 once the
 * spin ran out or the pool changed state. */
static int spin_for_task(pool *pl, struct probe__worker *w, struct task *t)
{
    int i, got = 0;

    atomic_fetch_add_explicit(&pl->spinning, 1, memory_order_seq_cst);
    for (i = 0; i < WORKER_SPIN + WORKER_YIELDS && !got; i++) {
        if (atomic_load_explicit(&pl->state, memory_order_relaxed) !=
                P_RUNNING ||
            w->index >= atomic_load_explicit(&pl->target,
                                             memory_order_relaxed))
            break;
        if (i < WORKER_SPIN)
            probe__cpu_relax();
        else
            sched_yield();
        got = ring_pop(pl, t);
    }
    atomic_fetch_sub_explicit(&pl->spinning, 1, memory_order_seq_cst);
    if (!got)
        return 0;
    wake_space(pl);
    return 1;
}

/* Pass the baton after taking a task by spinning or parking.  Submitters
 * skip their wake while a worker spins, so a worker that leaves the spin
 * or the park with a task wakes one sleeper when more work is ready and
 * no other worker spins.  Every worker woken this way does the same, so a
 * burst of tasks wakes as many workers as it needs (see engine.h). */
static void pass_baton(pool *pl)
{
    if (atomic_load_explicit(&pl->sleepers, memory_order_seq_cst) > 0 &&
        atomic_load_explicit(&pl->spinning, memory_order_seq_cst) == 0 &&
        ring_ready(pl))
        probe__wake_workers(pl, 1);
}

enum park_result { PARK_GOT, PARK_AGAIN, PARK_RETIRE };

/* Idle expiry keeps at least one worker even with a minimum size of 0:
 * the submit that would start a new one cannot report a failed thread
 * start, and a pool with no worker would strand the task it accepted.
 * Worker 0 never expires, because the live count may still include
 * workers that a shrink is retiring. */
static size_t expiry_floor(const pool *pl)
{
    return pl->cfg.min_size > 1 ? (size_t)pl->cfg.min_size : 1;
}

static int park(pool *pl, struct probe__worker *w, struct task *t)
{
    int64_t deadline = -1;
    int got, retire = 0;

    pthread_mutex_lock(&pl->lock);
    if (atomic_load(&pl->state) != P_RUNNING ||
        w->index >= atomic_load(&pl->target)) {
        pthread_mutex_unlock(&pl->lock);
        return PARK_AGAIN;
    }
    /* This worker found the ring empty: the pool may have gone quiet. */
    if (pl->quiet_waiters > 0)
        pthread_cond_broadcast(&pl->state_cv);

    atomic_fetch_add(&pl->sleepers, 1);
    atomic_thread_fence(memory_order_seq_cst);
    if (pl->elastic && w->index > 0 &&
        pl->live - pl->retiring > expiry_floor(pl))
        deadline = probe__deadline_after((long)pl->cfg.idle_timeout_ms);

    got = ring_pop(pl, t);
    while (!got && pl->wake_tokens == 0 &&
           atomic_load(&pl->state) == P_RUNNING &&
           w->index < atomic_load(&pl->target)) {
        if (probe__cond_wait_until(&pl->work_cv, &pl->lock, deadline) ==
                ETIMEDOUT &&
            pl->live - pl->retiring > expiry_floor(pl)) {
            /* Count the retirement now, under the lock, so two workers
             * timing out together cannot both retire the last one above
             * the minimum.  The worker stays live until it exits, so a
             * free still waits for it. */
            retire = 1;
            pl->retiring++;
            w->retired = 1;
            break;
        }
    }

    /* Each parked worker is counted once, as unclaimed or by a wake token.
     * A worker that found a task before waiting was never signalled, so it
     * withdraws its own registration: taking a token here would leave the
     * signalled worker to wait again with a task queued.  A worker that
     * waited takes a token if there is one, then looks at the ring. */
    if (pl->wake_tokens > 0 && !got)
        pl->wake_tokens--;
    else
        atomic_fetch_sub(&pl->sleepers, 1);
    pthread_mutex_unlock(&pl->lock);

    if (got) {
        wake_space(pl);
        return PARK_GOT;
    }
    return retire ? PARK_RETIRE : PARK_AGAIN;
}

/* A worker retired by a shrink may have taken the wake token meant for a
 * queued task: pass the wakeup on to a worker that stays. */
static void hand_on_wakeup(pool *pl)
{
    if (ring_queued(pl) > 0 && atomic_load(&pl->sleepers) > 0)
        probe__wake_workers(pl, 1);
}

/* Take a queued task while a PROBE_DRAIN stop runs; 0 once none is left. */
static int drain_one(pool *pl, struct task *t)
{
    for (;;) {
        if (atomic_load(&pl->mode) != PROBE_DRAIN)
            return 0;
        if (pop(pl, t))
            return 1;
        /* A submitter may have claimed a slot before the close and not
         * yet written it: wait for it rather than strand it. */
        if ((atomic_load(&pl->enq) & ~RING_CLOSED) == atomic_load(&pl->deq))
            return 0;
        sched_yield();
    }
}

static int next_task(pool *pl, struct probe__worker *w, struct task *t)
{
    int r, woken = 0;

    for (;;) {
        if (atomic_load_explicit(&pl->state, memory_order_acquire) !=
            P_RUNNING)
            return drain_one(pl, t);
        if (w->index >= atomic_load_explicit(&pl->target,
                                             memory_order_relaxed)) {
            hand_on_wakeup(pl);
            return 0;
        }
        if (pop(pl, t)) {
            if (woken)
                pass_baton(pl);
            return 1;
        }
        if (spin_for_task(pl, w, t)) {
            pass_baton(pl);
            return 1;
        }
        r = park(pl, w, t);
        if (r == PARK_GOT) {
            pass_baton(pl);
            return 1;
        }
        if (r == PARK_RETIRE) {
            hand_on_wakeup(pl);
            return 0;
        }
        woken = 1;
    }
}

static void bump(atomic_uint_fast64_t *counter)
{
    atomic_store_explicit(
        counter, atomic_load_explicit(counter, memory_order_relaxed) + 1,
        memory_order_relaxed);
}

static void run_task(struct probe__worker *w, struct task *t)
{
    int rc;

    atomic_store_explicit(&w->busy, 1, memory_order_relaxed);
    w->in_task = 1;
    rc = t->fn(t->arg);
    w->in_task = 0;
    atomic_store_explicit(&w->busy, 0, memory_order_release);
    if (PROBE__UNLIKELY(rc != 0)) {
        if (rc == PROBE__SKIPPED && (t->fn == probe__group_trampoline ||
                                     t->fn == probe__future_trampoline)) {
            bump(&w->cancelled);
            return;
        }
        bump(&w->failed);
    }
    bump(&w->completed);
}

/* Tear down a pool whose free was requested from one of its own tasks;
 * runs on the last worker to exit, which cannot join itself. */
static void destroy_from_worker(pool *pl, struct probe__worker *self)
{
    size_t i;

    pthread_mutex_lock(&pl->lock);
    for (i = 0; i < pl->worker_slots; i++) {
        struct probe__worker *w = pl->workers[i];

        if (w != self && w->state == W_EXITED) {
            pthread_join(w->thread, NULL);
            w->state = W_EMPTY;
        }
    }
    self->state = W_EMPTY;
    pthread_mutex_unlock(&pl->lock);
    while (atomic_load(&pl->handoff_inflight) > 0)
        sched_yield();
    pthread_detach(pthread_self());
    probe__current = (struct probe__current){0};
    probe__pool_destroy(pl);
}

static void finish(pool *pl, struct probe__worker *w)
{
    int last_of_freed;

    pthread_mutex_lock(&pl->lock);
    w->state = W_EXITED;
    /* A worker retired by a shrink that a grow has undone since, or ended
     * by pthread_exit(), leaves its slot to a successor while the pool
     * runs.  A worker retired by idle expiry does not. */
    if (!w->retired && !pl->free_pending &&
        atomic_load(&pl->state) == P_RUNNING &&
        w->index < atomic_load(&pl->target))
        w->replace = 1;
    if (w->retired) {
        w->retired = 0;
        pl->retiring--;
    }
    pl->live--;
    atomic_fetch_sub(&pl->alive, 1);
    if (w->replace) {
        /* Detach: no thread joins one that gave its slot to a successor. */
        w->replace = 0;
        pthread_detach(pthread_self());
        w->state = W_EMPTY;
        probe__worker_spawn_locked(pl, w->index, 0);
    }
    last_of_freed = pl->free_pending && pl->live == 0 && pl->starting == 0;
    pthread_cond_broadcast(&pl->state_cv);
    pthread_cond_broadcast(&pl->space_cv);
    pthread_mutex_unlock(&pl->lock);
    /* From here on another thread may free the pool, unless this is the
     * last worker of a pool freed from inside, which frees it itself. */
    if (last_of_freed)
        destroy_from_worker(pl, w);
}

/* Cleanup handler: a task called pthread_exit() (or the thread was
 * cancelled).  Account for the task as failed, release the worker's place
 * so stops and frees do not wait for it, and start a replacement while the
 * pool runs. */
static void abandoned(void *arg)
{
    struct probe__worker *w = arg;
    pool *pl = w->pool;

    if (w->in_task) {
        bump(&w->failed);
        bump(&w->completed);
        w->in_task = 0;
    }
    atomic_store(&w->busy, 0);
    probe__log(&pl->cfg.log, PROBE_LOG_ERROR, pl->is_probe ? "probe" : "pool",
               w->id, NULL,
               "a task ended the worker thread (pthread_exit or cancel)");
    if (pl->cfg.fini != NULL)
        pl->cfg.fini(pl->cfg.hook_payload);
    probe__current = (struct probe__current){0};
    pthread_mutex_lock(&pl->lock);
    w->replace = atomic_load(&pl->state) == P_RUNNING &&
                 w->index < atomic_load(&pl->target) && !pl->free_pending;
    pthread_mutex_unlock(&pl->lock);
    finish(pl, w);
}

static void *worker_main(void *arg)
{
    struct probe__worker *w = arg;
    pool *pl = w->pool;
    const char *source = pl->is_probe ? "probe" : "pool";
    struct task t;
    int rc = 0;

    probe__current.worker = w;
    probe__current.pool = pl;
    probe__thread_name(pl->cfg.name, w->id);
    if (pl->cfg.init != NULL)
        rc = pl->cfg.init(pl->cfg.hook_payload);

    pthread_mutex_lock(&pl->lock);
    pl->starting--;
    if (rc != 0) {
        w->init_rc = rc;
        w->state = W_EXITED;
        atomic_fetch_sub(&pl->alive, 1);
        pthread_cond_broadcast(&pl->state_cv);
        pthread_mutex_unlock(&pl->lock);
        probe__log(&pl->cfg.log, PROBE_LOG_ERROR, source, w->id, NULL,
                   "worker init hook failed with %d; worker exits", rc);
        return NULL;
    }
    w->state = W_LIVE;
    pl->live++;
    probe__current.ctx = pl->run;
    pthread_cond_broadcast(&pl->state_cv);
    pthread_mutex_unlock(&pl->lock);

    probe__log(&pl->cfg.log, PROBE_LOG_DEBUG, source, w->id, NULL,
               "probe loop started");
    pthread_cleanup_push(abandoned, w);
    while (next_task(pl, w, &t))
        run_task(w, &t);
    pthread_cleanup_pop(0);
    if (pl->cfg.fini != NULL)
        pl->cfg.fini(pl->cfg.hook_payload);
    probe__log(&pl->cfg.log, PROBE_LOG_DEBUG, source, w->id, NULL,
               "probe loop stopped");
    probe__current = (struct probe__current){0};
    finish(pl, w);
    return NULL;
}

static struct probe__worker *worker_slot_locked(pool *pl, size_t index)
{
    struct probe__worker **table, *w;
    size_t n;

    if (index < pl->worker_slots)
        return pl->workers[index];
    n = pl->worker_slots * 2;
    if (n <= index)
        n = index + 1;
    table = realloc(pl->workers, n * sizeof *table);
    if (table == NULL)
        return NULL;
    pl->workers = table;
    while (pl->worker_slots < n) {
        w = aligned_alloc(PROBE__CACHE_LINE,
                          (sizeof *w + PROBE__CACHE_LINE - 1) /
                              PROBE__CACHE_LINE * PROBE__CACHE_LINE);
        if (w == NULL)
            return NULL;
        *w = (struct probe__worker){.pool = pl, .index = pl->worker_slots};
        if (pl->is_probe && pl->worker_slots == 0)
            memcpy(w->id, pl->id, sizeof w->id);
        else
            probe__id_next(w->id);
        table[pl->worker_slots++] = w;
    }
    return pl->workers[index];
}

/* Start the worker for table entry @index unless one runs there already.
 * Pool lock held.  With @wait_ready, waits (releasing the lock) until its
 * init hook ran.  Returns PROBE_OK, PROBE_ENOMEM, PROBE_ETHREAD or
 * PROBE_EINIT. */
int probe__worker_spawn_locked(pool *pl, size_t index, int wait_ready)
{
    struct probe__worker *w = worker_slot_locked(pl, index);
    int rc;

    if (w == NULL)
        return PROBE_ENOMEM;
    if (w->state == W_STARTING || w->state == W_LIVE)
        return PROBE_OK;
    if (w->state == W_EXITED)
        pthread_join(w->thread, NULL);
    w->state = W_STARTING;
    w->init_rc = 0;
    pl->starting++;
    atomic_fetch_add(&pl->alive, 1);
    rc = probe__thread_start(&w->thread, worker_main, w,
                             (size_t)pl->cfg.stack_size);
    if (rc != 0) {
        w->state = W_EMPTY;
        pl->starting--;
        atomic_fetch_sub(&pl->alive, 1);
        probe__log(&pl->cfg.log, PROBE_LOG_ERROR,
                   pl->is_probe ? "probe" : "pool", w->id, NULL,
                   "worker thread could not start (errno %d)", rc);
        return PROBE_ETHREAD;
    }
    if (!wait_ready)
        return PROBE_OK;
    while (w->state == W_STARTING)
        pthread_cond_wait(&pl->state_cv, &pl->lock);
    return w->init_rc != 0 ? PROBE_EINIT : PROBE_OK;
}

/* Start one more worker when idle ones expired and the load came back. */
void probe__grow_elastic(pool *pl)
{
    size_t i, target;

    pthread_mutex_lock(&pl->lock);
    target = atomic_load(&pl->target);
    if (atomic_load(&pl->state) == P_RUNNING &&
        atomic_load(&pl->sleepers) == 0 && atomic_load(&pl->alive) < target)
        for (i = 0; i < target; i++)
            if (i >= pl->worker_slots || pl->workers[i]->state == W_EMPTY ||
                pl->workers[i]->state == W_EXITED) {
                probe__worker_spawn_locked(pl, i, 0);
                break;
            }
    pthread_mutex_unlock(&pl->lock);
}
