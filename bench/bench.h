/*
 * Shared declarations of the benchmark: the job every pool runs, the
 * adapter each pool implementation provides, and small timing helpers.
 *
 * Every pool under test runs the same struct bench_job through a thin
 * adapter, so each task costs every peer the same indirect call and the
 * same completion counter.
 */
#ifndef BENCH_H
#define BENCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct bench_job;
typedef void (*bench_job_fn)(struct bench_job *job);

/* A task body.  Workloads embed it first in a larger struct; every task
 * of one run shares one job, so no peer allocates job memory per task. */
struct bench_job {
    bench_job_fn fn;
};

/* A one-shot event: a latch opened once and waited on by any thread. */
struct bench_latch {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int open;
};

void bench_latch_init(struct bench_latch *latch);
void bench_latch_open(struct bench_latch *latch);
void bench_latch_wait(struct bench_latch *latch);
void bench_latch_destroy(struct bench_latch *latch);

/*
 * A pool implementation under test.  create() starts @workers threads;
 * @buffer is the queue bound for peers that have one (probe's ring, the
 * number of libuv requests in flight per submitting thread) and is
 * ignored by the unbounded ones.  submitter() returns the state a thread
 * needs to submit (libuv needs a loop per thread; the others return the
 * pool itself) and submitter_done() releases it once its tasks finished.
 */
struct bench_peer {
    const char *name;
    void *(*create)(int workers, size_t buffer);
    void *(*submitter)(void *pool);
    int (*submit)(void *submitter, struct bench_job *job);
    void (*submitter_done)(void *submitter);
    void (*destroy)(void *pool);
};

extern const struct bench_peer bench_peer_probe;
extern const struct bench_peer bench_peer_baseline;
#ifdef HAVE_GLIB
extern const struct bench_peer bench_peer_glib;
#endif
#ifdef HAVE_LIBUV
extern const struct bench_peer bench_peer_libuv;
#endif
#ifdef HAVE_APR
extern const struct bench_peer bench_peer_apr;
#endif

/* Print a message naming the peer and the failed call, then exit the
 * measuring process with status 2. */
void bench_die(const char *peer, const char *call) __attribute__((noreturn));

static inline int64_t bench_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline void bench_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#endif /* BENCH_H */
