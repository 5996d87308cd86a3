/*
 * The throughput workloads.  Each function measures one run in the
 * calling process and stores its figures in @out.  main.c runs each in a
 * fresh child process, so every peer starts from the same clean state.
 *
 * Completion is detected the same way for every peer: each task bumps a
 * shared atomic counter, and the task that reaches the target opens a
 * latch the measuring thread waits on.
 */
#include "workloads.h"

#include <sys/resource.h>

#define SPIN_NS 1000
#define SUBMITTERS 4

void bench_count_job_init(struct count_job *job, bench_job_fn fn,
                          long target)
{
    job->base.fn = fn;
    atomic_init(&job->done, 0);
    job->target = target;
    bench_latch_init(&job->all_done);
}

void bench_count(struct count_job *job)
{
    if (atomic_fetch_add_explicit(&job->done, 1, memory_order_acq_rel) +
            1 ==
        job->target)
        bench_latch_open(&job->all_done);
}

void bench_noop_task(struct bench_job *job)
{
    bench_count((struct count_job *)job);
}

/* Loop rounds that take SPIN_NS on this thread, set by calibrate_spin()
 * in the measuring process right before the run, so the calibration
 * sees the same machine load as the run. */
static long spin_rounds = 1;

static void spin(long rounds)
{
    long i;

    for (i = 0; i < rounds; i++)
        __asm__ __volatile__("" ::: "memory");
}

/* Time 10,000 rounds 50 times and keep the fastest, since a preempted
 * trial only ever reads slow. */
static void calibrate_spin(void)
{
    int64_t best = INT64_MAX, t;
    int trial;

    for (trial = 0; trial < 50; trial++) {
        t = bench_now_ns();
        spin(10000);
        t = bench_now_ns() - t;
        best = t < best ? t : best;
    }
    spin_rounds = (long)(10000.0 * SPIN_NS / (double)(best > 0 ? best : 1));
}

/* Busy for about SPIN_NS of CPU time: a short CPU-bound task. */
static void spin_task(struct bench_job *job)
{
    spin(spin_rounds);
    bench_count((struct count_job *)job);
}

void bench_submit_or_die(const struct bench_spec *spec, void *submitter,
                         struct bench_job *job)
{
    if (spec->peer->submit(submitter, job) != 0)
        bench_die(spec->peer->name, "submit");
}

int64_t bench_run_counted(const struct bench_spec *spec, void *submitter,
                          bench_job_fn fn, long n)
{
    struct count_job job;
    int64_t start, elapsed;
    long i;

    bench_count_job_init(&job, fn, n);
    start = bench_now_ns();
    for (i = 0; i < n; i++)
        bench_submit_or_die(spec, submitter, &job.base);
    bench_latch_wait(&job.all_done);
    elapsed = bench_now_ns() - start;
    bench_latch_destroy(&job.all_done);
    return elapsed;
}

int bench_throughput(const struct bench_spec *spec, double *out)
{
    const struct bench_peer *peer = spec->peer;
    void *pl = peer->create(spec->workers, spec->buffer);
    void *sub = peer->submitter(pl);
    int64_t elapsed;

    bench_run_counted(spec, sub, bench_noop_task, BENCH_WARMUP_TASKS);
    elapsed = bench_run_counted(spec, sub, bench_noop_task, spec->tasks);
    peer->submitter_done(sub);
    peer->destroy(pl);
    out[0] = (double)spec->tasks * 1e9 / (double)elapsed;
    out[1] = (double)elapsed / (double)spec->tasks;
    return 2;
}

static double cpu_ns(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ((double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec) * 1e9 +
           ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) * 1e3;
}

/* The second figure divides the spin time by the CPU time of the whole
 * process, submitter included: unlike the first, it does not drop when
 * other programs take the cores. */
int bench_spin(const struct bench_spec *spec, double *out)
{
    const struct bench_peer *peer = spec->peer;
    void *pl = peer->create(spec->workers, spec->buffer);
    void *sub = peer->submitter(pl);
    double cpu, work = (double)spec->tasks * SPIN_NS;
    int64_t elapsed;

    bench_run_counted(spec, sub, bench_noop_task, BENCH_WARMUP_TASKS);
    calibrate_spin();
    cpu = cpu_ns();
    elapsed = bench_run_counted(spec, sub, spin_task, spec->tasks);
    cpu = cpu_ns() - cpu;
    peer->submitter_done(sub);
    peer->destroy(pl);
    out[0] = work / spec->workers / (double)elapsed;
    out[1] = work / cpu;
    return 2;
}

struct submitter_arg {
    const struct bench_spec *spec;
    void *pool;
    struct count_job *job;
    long tasks;
    pthread_barrier_t *start;
};

/* Each thread gets its own submitter state (a libuv loop), made before
 * the start so that setup stays out of the timed part. */
static void *submit_thread(void *arg)
{
    struct submitter_arg *a = arg;
    void *sub = a->spec->peer->submitter(a->pool);
    long i;

    pthread_barrier_wait(a->start);
    for (i = 0; i < a->tasks; i++)
        bench_submit_or_die(a->spec, sub, &a->job->base);
    bench_latch_wait(&a->job->all_done);
    a->spec->peer->submitter_done(sub);
    return NULL;
}

int bench_submitters(const struct bench_spec *spec, double *out)
{
    const struct bench_peer *peer = spec->peer;
    void *pl = peer->create(spec->workers, spec->buffer);
    void *sub = peer->submitter(pl);
    struct submitter_arg args[SUBMITTERS];
    pthread_t threads[SUBMITTERS];
    pthread_barrier_t start;
    struct count_job job;
    int64_t elapsed;
    int i;

    bench_run_counted(spec, sub, bench_noop_task, BENCH_WARMUP_TASKS);
    bench_count_job_init(&job, bench_noop_task,
                         spec->tasks / SUBMITTERS * SUBMITTERS);
    pthread_barrier_init(&start, NULL, SUBMITTERS + 1);
    for (i = 0; i < SUBMITTERS; i++) {
        args[i] = (struct submitter_arg){spec, pl, &job,
                                         spec->tasks / SUBMITTERS, &start};
        if (pthread_create(&threads[i], NULL, submit_thread, &args[i]) != 0)
            bench_die(peer->name, "pthread_create");
    }
    pthread_barrier_wait(&start);
    elapsed = bench_now_ns();
    bench_latch_wait(&job.all_done);
    elapsed = bench_now_ns() - elapsed;
    for (i = 0; i < SUBMITTERS; i++)
        pthread_join(threads[i], NULL);
    pthread_barrier_destroy(&start);
    peer->submitter_done(sub);
    peer->destroy(pl);
    out[0] = (double)job.target * 1e9 / (double)elapsed;
    return 1;
}
