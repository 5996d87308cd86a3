/*
 * The engine behind both probes and pools: worker threads fed by one
 * bounded multi-producer multi-consumer ring.
 *
 * The ring stores tasks in its slots, each with a sequence number, so a
 * submit is one CAS on the enqueue index and no allocation.  Bit 63 of the
 * enqueue index marks the ring closed: a stop sets it with one atomic OR,
 * so from that instant every submit's CAS fails and the set of accepted
 * tasks is fixed.  That is what lets a stop promise that no task slips in
 * behind it.
 *
 * Idle workers park on work_cv under the pool lock.  A worker registers in
 * `sleepers` before its last look at the ring; a submitter publishes its
 * task, then reads `sleepers`.  Both sides put a full barrier between their
 * write and their read, so at least one of them reads the other's write
 * and no wakeup is lost.  A submitter that finds a sleeper turns one registration
 * into a wake token and signals once.  Later submitters then find no
 * unclaimed sleeper and take no lock.  Submitters blocked on a full ring use the
 * same scheme on space_cv, woken once the ring is half empty, so the
 * workers keep running while the submitter wakes up.
 *
 * Before it parks, a worker polls the ring for a while as a registered
 * spinner (`spinning`).  A submitter of n tasks that sees s spinners
 * wakes only n - s sleepers, since each spinner is bound to look at the
 * ring again after the tasks were published: it leaves `spinning` with a
 * seq_cst RMW and then either parks (registering and looking once more,
 * as above) or holds a task.  Every worker that comes out of a spin or a
 * park holding a task passes the baton: if another task is ready, a
 * sleeper is registered and nobody spins, it wakes one sleeper itself,
 * and that one does the same in turn.  So a task whose wake a submitter
 * skipped is always seen by a worker that runs it or wakes one that will.
 *
 * Locks: life_lock serialises start, resize and free; the pool lock guards
 * the worker table and the condition variables.  Lock order: life_lock,
 * context lock, pool lock.
 */
#ifndef PROBE_ENGINE_H
#define PROBE_ENGINE_H

#include "internal.h"

#define RING_CLOSED (UINT64_C(1) << 63)

struct slot {
    atomic_uint_fast64_t seq;
    probe_task_fn fn;
    void *arg;
};

struct task {
    probe_task_fn fn;
    void *arg;
};

enum worker_state {
    W_EMPTY = 0,  /* no thread, nothing to join */
    W_STARTING,   /* thread created, init hook not yet done */
    W_LIVE,
    W_EXITED      /* thread returned or is returning: join it */
};

struct probe__worker {
    _Alignas(PROBE__CACHE_LINE) atomic_int busy;
    /* Written by this worker only; summed by pool_metrics(). */
    atomic_uint_fast64_t completed;
    atomic_uint_fast64_t failed;
    atomic_uint_fast64_t cancelled;
    atomic_uint_fast64_t retracted;  /* pushed, then taken back by a try */
    pool *pool;
    pthread_t thread;
    size_t index;
    int state;    /* enum worker_state, under the pool lock */
    int init_rc;
    int in_task;  /* this worker only */
    int replace;  /* start a new thread here once this one is gone */
    int retired;  /* retiring by idle expiry; counted in pool retiring */
    char id[PROBE__ID_MAX];
};

enum pool_state {
    P_RUNNING = 0,
    P_STOPPING = 1   /* stopped once no worker is live */
};

struct pool {
    _Alignas(PROBE__CACHE_LINE) atomic_uint_fast64_t enq;
    _Alignas(PROBE__CACHE_LINE) atomic_uint_fast64_t deq;

    /* Read on every task, written on stop, start and resize only. */
    _Alignas(PROBE__CACHE_LINE) struct slot *slots;
    uint64_t capacity;       /* slots in the ring, at least 2 */
    uint64_t limit;          /* tasks accepted at once: the buffer size */
    uint64_t mask;           /* capacity - 1 when a power of two, else 0 */
    int handoff;             /* a probe without buffer: submit waits */
    int is_probe;
    int elastic;             /* idle workers expire and come back */
    unsigned fork_generation;
    atomic_int state;
    atomic_int mode;         /* enum probe_stop_mode of the current stop */
    atomic_size_t target;    /* workers wanted */

    /* Parking bookkeeping: changed only when a thread parks or wakes. */
    _Alignas(PROBE__CACHE_LINE) atomic_int sleepers;
    atomic_int spinning;     /* workers polling the ring before parking */
    atomic_int space_sleepers;
    atomic_int handoff_waiters;
    atomic_int handoff_inflight;  /* submits inside a handoff wait */
    atomic_size_t alive;     /* live + starting, for elastic growth */
    int wake_tokens;         /* under lock */
    int space_tokens;        /* under lock */
    int quiet_waiters;       /* under lock */
    atomic_uint_fast64_t peak;
    atomic_uint_fast64_t rejected;
    atomic_uint_fast64_t discarded;
    atomic_uint_fast64_t cancelled;
    atomic_uint_fast64_t retracted;  /* pushed, then taken back by a try */

    pthread_mutex_t life_lock;
    pthread_mutex_t lock;
    pthread_cond_t work_cv;
    pthread_cond_t space_cv;
    pthread_cond_t state_cv;

    struct probe__worker **workers;
    size_t worker_slots;
    size_t live;
    size_t starting;
    size_t retiring;         /* live workers leaving by idle expiry */
    int discarding;
    int stop_reason;         /* PROBE_ESTOPPED or PROBE_ECANCELED */
    int free_pending;

    struct probe_config cfg;
    probe_ctx *base;         /* configured context, or a private root */
    probe_ctx *run;          /* child of base for the current run */
    struct probe__watch watch;
    char id[PROBE__ID_MAX];
};

static inline struct slot *ring_slot(pool *pl, uint64_t pos)
{
    return &pl->slots[pl->mask != 0 ? pos & pl->mask : pos % pl->capacity];
}

enum push_result { PUSH_OK, PUSH_FULL, PUSH_CLOSED };

static inline int ring_push(pool *pl, probe_task_fn fn, void *arg,
                            uint64_t *out_pos)
{
    uint64_t pos = atomic_load_explicit(&pl->enq, memory_order_relaxed);

    for (;;) {
        struct slot *s;
        uint64_t seq;
        int64_t diff;

        if (pos & RING_CLOSED)
            return PUSH_CLOSED;
        /* A one-slot buffer: the sequence scheme needs two slots, so the
         * second is fenced off by counting. */
        if (PROBE__UNLIKELY(pl->limit < pl->capacity) &&
            pos - atomic_load_explicit(&pl->deq, memory_order_acquire) >=
                pl->limit)
            return PUSH_FULL;
        s = ring_slot(pl, pos);
        seq = atomic_load_explicit(&s->seq, memory_order_acquire);
        diff = (int64_t)(seq - pos);
        if (diff == 0) {
            if (atomic_compare_exchange_weak_explicit(
                    &pl->enq, &pos, pos + 1, memory_order_relaxed,
                    memory_order_relaxed)) {
                s->fn = fn;
                s->arg = arg;
                /* seq_cst: the store must be visible before the caller
                 * reads `sleepers` (see the note at the top). */
                atomic_store_explicit(&s->seq, pos + 1, memory_order_seq_cst);
                *out_pos = pos;
                return PUSH_OK;
            }
        } else if (diff < 0) {
            return PUSH_FULL;
        } else {
            pos = atomic_load_explicit(&pl->enq, memory_order_relaxed);
        }
    }
}

static inline int ring_pop(pool *pl, struct task *out)
{
    uint64_t pos = atomic_load_explicit(&pl->deq, memory_order_relaxed);

    for (;;) {
        struct slot *s = ring_slot(pl, pos);
        uint64_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);
        int64_t diff = (int64_t)(seq - (pos + 1));

        if (diff == 0) {
            if (atomic_compare_exchange_weak_explicit(
                    &pl->deq, &pos, pos + 1, memory_order_relaxed,
                    memory_order_relaxed)) {
                out->fn = s->fn;
                out->arg = s->arg;
                atomic_store_explicit(&s->seq, pos + pl->capacity,
                                      memory_order_seq_cst);
                return 1;
            }
        } else if (diff < 0) {
            return 0;
        } else {
            pos = atomic_load_explicit(&pl->deq, memory_order_relaxed);
        }
    }
}

/* Take back the task pushed at @pos if no worker has taken it yet: a pop
 * that succeeds only at that position.  Returns 1 when it was taken back. */
static inline int ring_retract(pool *pl, uint64_t pos)
{
    struct slot *s = ring_slot(pl, pos);
    uint64_t expected = pos;

    if (atomic_load_explicit(&s->seq, memory_order_acquire) != pos + 1)
        return 0;
    if (!atomic_compare_exchange_strong(&pl->deq, &expected, pos + 1))
        return 0;
    atomic_store_explicit(&s->seq, pos + pl->capacity, memory_order_seq_cst);
    return 1;
}

/* Return 1 when the task at the consumers' index is published.  Reads the
 * slot's seq_cst sequence, so every push ordered before it is visible. */
static inline int ring_ready(pool *pl)
{
    uint64_t pos = atomic_load_explicit(&pl->deq, memory_order_seq_cst);

    return atomic_load_explicit(&ring_slot(pl, pos)->seq,
                                memory_order_seq_cst) == pos + 1;
}

/* Tasks accepted but not yet taken by a worker. */
static inline uint64_t ring_queued(pool *pl)
{
    uint64_t enq = atomic_load(&pl->enq) & ~RING_CLOSED;
    uint64_t deq = atomic_load(&pl->deq);

    return enq > deq ? enq - deq : 0;
}

/* worker.c */
int probe__worker_spawn_locked(pool *pl, size_t index, int wait_ready);
void probe__wake_workers(pool *pl, size_t count);
void probe__grow_elastic(pool *pl);

/* lifecycle.c */
void probe__discard_task(pool *pl, struct task *t);
void probe__join_exited_locked(pool *pl);

#endif /* PROBE_ENGINE_H */
