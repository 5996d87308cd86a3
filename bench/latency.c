/*
 * W3, submit-to-start latency.  One thread submits a task, waits until
 * the task has recorded its start time, then submits the next, so each
 * sample sees the pool with nothing else queued.  The wait yields the
 * CPU on every poll: on a machine with as many cores as workers, a
 * spinning submitter would otherwise delay the very worker it waits for.
 * The parked variant sleeps before each submit, long enough for every
 * peer's idle workers to have gone to sleep.
 */
#include "workloads.h"

#include <sched.h>
#include <stdlib.h>

#define PARK_GAP_NS 500000

struct start_job {
    struct bench_job base;
    _Atomic int64_t start_ns;
    atomic_int started;
};

static void record_start(struct bench_job *job)
{
    struct start_job *j = (struct start_job *)job;

    atomic_store_explicit(&j->start_ns, bench_now_ns(), memory_order_relaxed);
    atomic_store_explicit(&j->started, 1, memory_order_release);
}

static int compare_ns(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

/* Store p50, p99 and max of @n samples, in microseconds. */
static int percentiles(int64_t *samples, long n, double *out)
{
    qsort(samples, (size_t)n, sizeof *samples, compare_ns);
    out[0] = (double)samples[n / 2] / 1e3;
    out[1] = (double)samples[n * 99 / 100] / 1e3;
    out[2] = (double)samples[n - 1] / 1e3;
    return 3;
}

static int measure(const struct bench_spec *spec, double *out,
                   int64_t gap_ns)
{
    const struct bench_peer *peer = spec->peer;
    void *pl = peer->create(spec->workers, spec->buffer);
    void *sub = peer->submitter(pl);
    int64_t *samples = malloc((size_t)spec->tasks * sizeof *samples);
    struct timespec gap = {0, (long)gap_ns};
    struct start_job job = {.base = {record_start}};
    int64_t submitted;
    long i;
    int n;

    if (samples == NULL)
        bench_die(peer->name, "malloc");
    bench_run_counted(spec, sub, bench_noop_task, BENCH_WARMUP_TASKS);
    for (i = 0; i < spec->tasks; i++) {
        if (gap_ns > 0)
            nanosleep(&gap, NULL);
        atomic_store_explicit(&job.started, 0, memory_order_relaxed);
        submitted = bench_now_ns();
        bench_submit_or_die(spec, sub, &job.base);
        while (!atomic_load_explicit(&job.started, memory_order_acquire))
            sched_yield();
        samples[i] = atomic_load_explicit(&job.start_ns,
                                          memory_order_relaxed) -
                     submitted;
    }
    peer->submitter_done(sub);
    peer->destroy(pl);
    n = percentiles(samples, spec->tasks, out);
    free(samples);
    return n;
}

int bench_latency(const struct bench_spec *spec, double *out)
{
    return measure(spec, out, 0);
}

int bench_latency_parked(const struct bench_spec *spec, double *out)
{
    return measure(spec, out, PARK_GAP_NS);
}
