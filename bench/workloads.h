/* The workloads of the benchmark and the helpers they share. */
#ifndef BENCH_WORKLOADS_H
#define BENCH_WORKLOADS_H

#include "bench.h"

/* The maximum number of figures one measurement stores. */
#define BENCH_MAX_VALUES 8

/* One measurement: a workload run once against one peer. */
struct bench_spec {
    const struct bench_peer *peer;
    int workers;
    size_t buffer;
    long tasks;      /* tasks, or 1 s intervals for bench_idle() */
};

/* Each stores its figures in @out and returns how many it stored. */
typedef int (*bench_workload_fn)(const struct bench_spec *spec, double *out);

/* tasks/s and ns per task, no-op tasks from one thread (W1, scale). */
int bench_throughput(const struct bench_spec *spec, double *out);
/* Share of the ideal rate for tasks that each spin 1 us, and the spin
 * time over the process's CPU time (W2). */
int bench_spin(const struct bench_spec *spec, double *out);
/* Submit-to-start p50, p99 and max in us, back to back (W3). */
int bench_latency(const struct bench_spec *spec, double *out);
/* The same with a 0.5 ms idle gap before each submit (W3, parked). */
int bench_latency_parked(const struct bench_spec *spec, double *out);
/* tasks/s with four submitting threads (W4). */
int bench_submitters(const struct bench_spec *spec, double *out);
/* RSS bytes and heap bytes per queued task (W5). */
int bench_memory(const struct bench_spec *spec, double *out);
/* Percent of one core used by idle workers, per 1 s interval. */
int bench_idle(const struct bench_spec *spec, double *out);

/* A job whose tasks count themselves; the last opens all_done. */
struct count_job {
    struct bench_job base;
    atomic_long done;
    long target;
    struct bench_latch all_done;
};

void bench_count_job_init(struct count_job *job, bench_job_fn fn,
                          long target);
void bench_count(struct count_job *job);
void bench_noop_task(struct bench_job *job);
void bench_submit_or_die(const struct bench_spec *spec, void *submitter,
                         struct bench_job *job);
/* Submit @n tasks of @fn and wait until all ran; returns elapsed ns. */
int64_t bench_run_counted(const struct bench_spec *spec, void *submitter,
                          bench_job_fn fn, long n);

/* Tasks run untimed before a timed run, so thread start-up and first
 * page faults stay out of the figures. */
#define BENCH_WARMUP_TASKS 1000

#endif /* BENCH_WORKLOADS_H */
