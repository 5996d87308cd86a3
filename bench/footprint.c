/*
 * What a pool costs while it is not running tasks: memory per queued
 * task (W5) and the CPU its idle workers burn.
 *
 * W5 blocks every worker in a gate task, queues the tasks, reads the
 * resident set size from /proc/self/statm and the heap in use from
 * mallinfo2(), then opens the gate.  The RSS delta counts everything the
 * peer needs from before its creation (probe's ring, libuv's request
 * array); the heap delta counts only what the submits themselves
 * allocated, so it is 0 for a peer that does not allocate per task.
 */
#include "workloads.h"

#include <malloc.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#define IDLE_SETTLE_NS 200000000L
#define IDLE_INTERVAL_NS 1000000000L

struct gate_job {
    struct bench_job base;
    atomic_int entered;
    int workers;
    struct bench_latch all_entered;
    struct bench_latch gate;
};

static void wait_at_gate(struct bench_job *job)
{
    struct gate_job *g = (struct gate_job *)job;

    if (atomic_fetch_add(&g->entered, 1) + 1 == g->workers)
        bench_latch_open(&g->all_entered);
    bench_latch_wait(&g->gate);
}

static double resident_bytes(void)
{
    long pages_total = 0, pages_resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");

    if (f == NULL)
        bench_die("bench", "open /proc/self/statm");
    if (fscanf(f, "%ld %ld", &pages_total, &pages_resident) != 2)
        bench_die("bench", "read /proc/self/statm");
    fclose(f);
    return (double)pages_resident * (double)sysconf(_SC_PAGESIZE);
}

static double heap_bytes(void)
{
    struct mallinfo2 m = mallinfo2();

    return (double)m.uordblks + (double)m.hblkhd;
}

int bench_memory(const struct bench_spec *spec, double *out)
{
    const struct bench_peer *peer = spec->peer;
    struct gate_job gate = {.base = {wait_at_gate}};
    struct count_job job;
    double rss_before, heap_ready;
    void *pl, *sub;
    int i;
    long n;

    atomic_init(&gate.entered, 0);
    gate.workers = spec->workers;
    bench_latch_init(&gate.all_entered);
    bench_latch_init(&gate.gate);
    bench_count_job_init(&job, bench_noop_task, spec->tasks);

    rss_before = resident_bytes();
    pl = peer->create(spec->workers, spec->buffer);
    sub = peer->submitter(pl);
    for (i = 0; i < spec->workers; i++)
        bench_submit_or_die(spec, sub, &gate.base);
    bench_latch_wait(&gate.all_entered);

    heap_ready = heap_bytes();
    for (n = 0; n < spec->tasks; n++)
        bench_submit_or_die(spec, sub, &job.base);
    out[0] = (resident_bytes() - rss_before) / (double)spec->tasks;
    out[1] = (heap_bytes() - heap_ready) / (double)spec->tasks;

    bench_latch_open(&gate.gate);
    bench_latch_wait(&job.all_done);
    peer->submitter_done(sub);
    peer->destroy(pl);
    return 2;
}

static double cpu_seconds(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* spec->tasks is the number of 1 s intervals, at most BENCH_MAX_VALUES. */
int bench_idle(const struct bench_spec *spec, double *out)
{
    const struct bench_peer *peer = spec->peer;
    void *pl = peer->create(spec->workers, spec->buffer);
    void *sub = peer->submitter(pl);
    struct timespec settle = {0, IDLE_SETTLE_NS};
    struct timespec interval = {IDLE_INTERVAL_NS / 1000000000L, 0};
    double cpu, wall;
    long i, n = spec->tasks;

    if (n > BENCH_MAX_VALUES)
        n = BENCH_MAX_VALUES;
    bench_run_counted(spec, sub, bench_noop_task, spec->workers);
    nanosleep(&settle, NULL);
    for (i = 0; i < n; i++) {
        cpu = cpu_seconds();
        wall = (double)bench_now_ns();
        nanosleep(&interval, NULL);
        cpu = cpu_seconds() - cpu;
        wall = ((double)bench_now_ns() - wall) / 1e9;
        out[i] = 100.0 * cpu / wall;
    }
    peer->submitter_done(sub);
    peer->destroy(pl);
    return (int)n;
}
