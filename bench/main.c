/*
 * The probe benchmark: runs probe and its peers through the same
 * workloads in one run and prints medians, min-max and ratios.
 *
 * Every measurement runs in a child process of its own, so a peer never
 * sees threads, heap or RSS left by another, and libuv's process-wide
 * pool can take a new size each time.  Repetitions go round all peers in
 * turn, so slow drift on a shared machine hits every peer alike.
 */
#include "config.h"

#include "table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A measurement still running after this long is killed and counted as
 * failed. */
#define CHILD_TIMEOUT_S 300
#define LARGE_BUFFER 65536
#define DEFAULT_BUFFER 64

static const struct bench_peer *const peers[] = {
    &bench_peer_baseline,
#ifdef HAVE_GLIB
    &bench_peer_glib,
#endif
#ifdef HAVE_LIBUV
    &bench_peer_libuv,
#endif
#ifdef HAVE_APR
    &bench_peer_apr,
#endif
};
#define NPEERS ((int)(sizeof peers / sizeof peers[0]))

struct options {
    int reps;
    int quick;
    int full;
    const char *only;
};

void bench_latch_init(struct bench_latch *l)
{
    pthread_mutex_init(&l->lock, NULL);
    pthread_cond_init(&l->cond, NULL);
    l->open = 0;
}

void bench_latch_open(struct bench_latch *l)
{
    pthread_mutex_lock(&l->lock);
    l->open = 1;
    pthread_cond_broadcast(&l->cond);
    pthread_mutex_unlock(&l->lock);
}

void bench_latch_wait(struct bench_latch *l)
{
    pthread_mutex_lock(&l->lock);
    while (!l->open)
        pthread_cond_wait(&l->cond, &l->lock);
    pthread_mutex_unlock(&l->lock);
}

void bench_latch_destroy(struct bench_latch *l)
{
    pthread_cond_destroy(&l->cond);
    pthread_mutex_destroy(&l->lock);
}

void bench_die(const char *peer, const char *call)
{
    fprintf(stderr, "bench: %s: %s failed\n", peer, call);
    fflush(stderr);
    _exit(2);
}

/* A measurement running in a child process. */
struct child {
    pid_t pid;
    int fd;
};

static int child_start(struct child *c, bench_workload_fn fn,
                       const struct bench_spec *spec)
{
    double out[BENCH_MAX_VALUES];
    int fds[2], n;

    fflush(stdout);
    if (pipe(fds) != 0)
        return -1;
    c->pid = fork();
    if (c->pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (c->pid == 0) {
        close(fds[0]);
        alarm(CHILD_TIMEOUT_S);
        n = fn(spec, out);
        if (write(fds[1], &n, sizeof n) != sizeof n ||
            write(fds[1], out, (size_t)n * sizeof *out) < 0)
            _exit(3);
        _exit(0);
    }
    close(fds[1]);
    c->fd = fds[0];
    return 0;
}

/* Collect the child's figures; returns how many, or -1 when it failed. */
static int child_finish(struct child *c, double *out)
{
    int n = -1, status = 0;

    if (read(c->fd, &n, sizeof n) != sizeof n || n < 0 ||
        n > BENCH_MAX_VALUES ||
        read(c->fd, out, (size_t)n * sizeof *out) !=
            (ssize_t)((size_t)n * sizeof *out))
        n = -1;
    close(c->fd);
    while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench: a measurement child %s %d\n",
                WIFSIGNALED(status) ? "was killed by signal"
                                    : "exited with status",
                WIFSIGNALED(status) ? WTERMSIG(status)
                                    : WEXITSTATUS(status));
        n = -1;
    }
    return n;
}

static void store(struct bench_row *r, const double *out, int n)
{
    int k;

    if (n < 0 || r->reps >= BENCH_MAX_REPS) {
        r->failed++;
        return;
    }
    for (k = 0; k < n; k++)
        r->values[r->reps][k] = out[k];
    r->reps++;
}

static struct bench_spec spec_of(const struct bench_block *b,
                                 const struct bench_row *r)
{
    return (struct bench_spec){r->peer, b->workers, r->buffer,
                               r->tasks > 0 ? r->tasks : b->tasks};
}

/* Measure every row of @b once, one child at a time. */
static void run_block_once(struct bench_block *b)
{
    double out[BENCH_MAX_VALUES];
    struct bench_spec spec;
    struct child c;
    int i, n;

    for (i = 0; i < b->rows; i++) {
        if (b->row[i].skip)
            continue;
        spec = spec_of(b, &b->row[i]);
        n = child_start(&c, b->workload, &spec) == 0 ? child_finish(&c, out)
                                                     : -1;
        store(&b->row[i], out, n);
    }
}

/* Run every row of @nblocks blocks @reps times.  Each repetition goes
 * through all blocks and peers, so drift in the machine's load spreads
 * over all of them instead of landing on one block. */
static void run_blocks(struct bench_block *blocks, int nblocks, int reps)
{
    int rep, i;

    for (rep = 0; rep < reps; rep++)
        for (i = 0; i < nblocks; i++)
            run_block_once(&blocks[i]);
}

static void run_block(struct bench_block *b, int reps)
{
    run_blocks(b, 1, reps);
}

/* The idle figures: one child per peer, all at once since idle pools do
 * not compete for the CPU; each 1 s interval counts as a repetition. */
static void run_idle_block(struct bench_block *b)
{
    double out[BENCH_MAX_VALUES];
    struct child c[BENCH_MAX_ROWS];
    struct bench_spec spec;
    int i, k, n, started[BENCH_MAX_ROWS];

    for (i = 0; i < b->rows; i++) {
        spec = spec_of(b, &b->row[i]);
        started[i] = child_start(&c[i], b->workload, &spec) == 0;
    }
    for (i = 0; i < b->rows; i++) {
        n = started[i] ? child_finish(&c[i], out) : -1;
        for (k = 0; k < n; k++)
            store(&b->row[i], &out[k], 1);
        if (n < 0)
            b->row[i].failed++;
    }
}

static void add_row(struct bench_block *b, const char *label,
                    const struct bench_peer *peer, size_t buffer)
{
    b->row[b->rows++] = (struct bench_row){
        .label = label, .peer = peer, .buffer = buffer,
        .is_probe = peer == &bench_peer_probe};
}

/* A probe row of @probe_buffer slots, then every peer; libuv gets
 * @peer_buffer requests in flight. */
static void add_rows(struct bench_block *b, const char *probe_label,
                     size_t probe_buffer, size_t peer_buffer)
{
    int i;

    add_row(b, probe_label, &bench_peer_probe, probe_buffer);
    for (i = 0; i < NPEERS; i++)
        add_row(b, peers[i]->name, peers[i], peer_buffer);
}

static int selected(const struct options *o, const char *name)
{
    const char *p;
    size_t len = strlen(name);

    if (o->only == NULL)
        return 1;
    for (p = o->only; (p = strstr(p, name)) != NULL; p += len)
        if ((p == o->only || p[-1] == ',') &&
            (p[len] == ',' || p[len] == '\0'))
            return 1;
    return 0;
}

static const char *const rate_names[] = {"Mtasks/s"};
static const char *const share_names[] = {"share of ideal",
                                          "spin share of CPU"};
static const char *const latency_names[] = {"p50 us", "p99 us", "max us"};
static const char *const memory_names[] = {"RSS bytes/task",
                                           "heap bytes/task"};
static const char *const idle_names[] = {"% of one core"};
static const char *const cost_names[] = {"Mtasks/s", "ns/task"};

static struct bench_block w1, w2, w3, w3_parked, w4, w5, idle;

#define SCALE_SIZES 5
#define SCALE_WORKER_COUNTS 3
static struct bench_block scale_tasks[SCALE_SIZES];
static struct bench_block scale_workers[SCALE_WORKER_COUNTS];
static char titles[16][160];

static void block_init(struct bench_block *b, int title, long tasks,
                       bench_workload_fn fn, int nvalues,
                       const char *const *names, double scale,
                       const char *format)
{
    *b = (struct bench_block){.title = titles[title], .workload = fn,
                              .workers = 2, .tasks = tasks,
                              .nvalues = nvalues, .value_names = names,
                              .scale = scale, .format = format};
}

static void run_w1(const struct options *o)
{
    long n = o->quick ? 100000 : 1000000;

    snprintf(titles[0], sizeof titles[0],
             "W1: %ld no-op tasks from one thread, 2 workers "
             "(millions of tasks/s, higher is better)", n);
    block_init(&w1, 0, n, bench_throughput, 1, rate_names, 1e6, "%.2f");
    add_row(&w1, "probe b=64", &bench_peer_probe, DEFAULT_BUFFER);
    add_rows(&w1, "probe b=65536", LARGE_BUFFER, LARGE_BUFFER);
    run_block(&w1, o->reps);
    bench_print_block(&w1);
}

static void run_w2(const struct options *o)
{
    long n = o->quick ? 20000 : 200000;

    snprintf(titles[1], sizeof titles[1],
             "W2: %ld tasks of 1 us spin, 2 workers (share of the ideal "
             "2 tasks/us, and of the CPU used; higher is better)", n);
    block_init(&w2, 1, n, bench_spin, 2, share_names, 1, "%.3f");
    add_row(&w2, "probe b=64", &bench_peer_probe, DEFAULT_BUFFER);
    add_rows(&w2, "probe b=65536", LARGE_BUFFER, LARGE_BUFFER);
    run_block(&w2, o->reps);
    bench_print_block(&w2);
}

static void run_w3(const struct options *o)
{
    long n = o->quick ? 2000 : 10000, parked = o->quick ? 200 : 2000;

    snprintf(titles[2], sizeof titles[2],
             "W3: submit-to-start latency, %ld tasks each submitted once "
             "the previous started (us, lower is better)", n);
    block_init(&w3, 2, n, bench_latency, 3, latency_names, 1, "%.1f");
    add_rows(&w3, "probe b=64", DEFAULT_BUFFER, LARGE_BUFFER);
    run_block(&w3, o->reps);
    bench_print_block(&w3);

    snprintf(titles[3], sizeof titles[3],
             "W3 parked: the same, %ld tasks per run with 0.5 ms idle "
             "before each submit (us, lower is better)", parked);
    block_init(&w3_parked, 3, parked, bench_latency_parked, 3,
               latency_names, 1, "%.1f");
    add_rows(&w3_parked, "probe b=64", DEFAULT_BUFFER, LARGE_BUFFER);
    run_block(&w3_parked, o->reps);
    bench_print_block(&w3_parked);
}

static void run_w4(const struct options *o)
{
    long n = o->quick ? 100000 : 1000000;

    snprintf(titles[4], sizeof titles[4],
             "W4: 4 submitting threads x %ld no-op tasks, 2 workers "
             "(millions of tasks/s, higher is better)", n / 4);
    block_init(&w4, 4, n, bench_submitters, 1, rate_names, 1e6, "%.2f");
    add_rows(&w4, "probe b=65536", LARGE_BUFFER, LARGE_BUFFER);
    run_block(&w4, o->reps);
    bench_print_block(&w4);
}

/* probe's ring and libuv's request array must hold every queued task
 * plus the gate tasks the workers are blocked in.  APR gets a tenth of
 * the tasks: its submit time grows with the queue (apr_thread_pool_push()
 * appends below the tasks of the same priority), and a million did not
 * finish queuing within CHILD_TIMEOUT_S. */
static void run_w5(const struct options *o)
{
    long n = o->quick ? 100000 : 1000000;
    struct bench_row *apr;

    snprintf(titles[5], sizeof titles[5],
             "W5: memory per task, %ld tasks queued behind 2 blocked "
             "workers (bytes, lower is better)", n);
    block_init(&w5, 5, n, bench_memory, 2, memory_names, 1, "%.1f");
    add_rows(&w5, "probe b=n+2", (size_t)n + 2, (size_t)n + 2);
    apr = bench_find_row(&w5, "apr");
    if (apr != NULL) {
        apr->label = "apr n/10";
        apr->tasks = n / 10;
    }
    run_block(&w5, o->reps);
    bench_print_block(&w5);
}

static void run_idle(const struct options *o)
{
    long intervals = o->quick ? 2 : 5;

    snprintf(titles[6], sizeof titles[6],
             "Idle: CPU of 64 idle workers, %ld intervals of 1 s "
             "(%% of one core, lower is better)", intervals);
    block_init(&idle, 6, intervals, bench_idle, 1, idle_names, 1, "%.3f");
    idle.workers = 64;
    add_rows(&idle, "probe b=64", DEFAULT_BUFFER, LARGE_BUFFER);
    run_idle_block(&idle);
    bench_print_block(&idle);
}

/* Cost per task as the task count grows, then as the workers do.  Peers
 * stop at 1e6 tasks (1e5 with --quick) unless --full: at 1e7 the slower
 * ones take minutes. */
static void run_scale(const struct options *o)
{
    static const char *const sizes[SCALE_SIZES] = {"1e3", "1e4", "1e5",
                                                   "1e6", "1e7"};
    static const char *const counts[SCALE_WORKER_COUNTS] = {"2", "8", "64"};
    static const int workers[SCALE_WORKER_COUNTS] = {2, 8, 64};
    long n = 1000, peer_max = 1000000;
    long probe_max = o->quick ? 1000000 : 10000000;
    int i, j, nsizes = 0;

    if (o->full)
        peer_max = 10000000;
    else if (o->quick)
        peer_max = 100000;

    for (i = 0; i < SCALE_SIZES && n <= probe_max; i++, n *= 10) {
        block_init(&scale_tasks[i], 7, n, bench_throughput, 2, cost_names,
                   1, "%.1f");
        add_rows(&scale_tasks[i], "probe b=65536", LARGE_BUFFER,
                 LARGE_BUFFER);
        for (j = 1; j < scale_tasks[i].rows; j++)
            scale_tasks[i].row[j].skip = n > peer_max;
        nsizes++;
    }
    run_blocks(scale_tasks, nsizes, o->reps);
    bench_print_series("Scale: ns per no-op task by task count, 2 workers "
                       "(lower is better)",
                       scale_tasks, nsizes, sizes, 1);

    n = o->quick ? 20000 : 200000;
    for (i = 0; i < SCALE_WORKER_COUNTS; i++) {
        block_init(&scale_workers[i], 7, n, bench_throughput, 2, cost_names,
                   1, "%.1f");
        scale_workers[i].workers = workers[i];
        add_rows(&scale_workers[i], "probe b=65536", LARGE_BUFFER,
                 LARGE_BUFFER);
    }
    run_blocks(scale_workers, SCALE_WORKER_COUNTS, o->reps);
    snprintf(titles[8], sizeof titles[8],
             "Scale: ns per no-op task by workers, %ld tasks on %ld cores "
             "(lower is better)", n, sysconf(_SC_NPROCESSORS_ONLN));
    bench_print_series(titles[8], scale_workers, SCALE_WORKER_COUNTS, counts,
                       1);
}

/* One target: probe's figure against a limit derived from a peer. */
static void target(const char *what, double measured, double limit,
                   int at_most)
{
    const char *verdict;

    if (measured != measured || limit != limit)
        verdict = "not measured";
    else if (at_most ? measured <= limit : measured >= limit)
        verdict = "met";
    else
        verdict = "MISSED";
    printf("  %-44s %10.3f %s %-10.3f %s\n", what, measured,
           at_most ? "<=" : ">=", limit, verdict);
}

static double median_of(struct bench_block *b, const char *label, int k)
{
    struct bench_row *r = b->rows > 0 ? bench_find_row(b, label) : NULL;

    return r != NULL ? bench_median(r, k) : 0.0 / 0.0;
}

/* The best (lowest) median of figure @k among the peers. */
static double best_peer(struct bench_block *b, int k)
{
    double best = 0.0 / 0.0, v;
    int i;

    for (i = 0; i < b->rows; i++) {
        if (b->row[i].is_probe || b->row[i].reps == 0)
            continue;
        v = bench_median(&b->row[i], k);
        if (best != best || v < best)
            best = v;
    }
    return best;
}

static double probe_scale_spread(void)
{
    double lo = 1e300, hi = 0, v;
    int i;

    for (i = 0; i < SCALE_SIZES && scale_tasks[i].rows > 0; i++) {
        v = median_of(&scale_tasks[i], "probe b=65536", 1);
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    return hi > 0 ? hi / lo : 0.0 / 0.0;
}

/* The figures are printed as measured, the limits as the targets set
 * them: "x" ratios are probe's median over the peer's. */
static void print_targets(void)
{
    const char *big = "probe b=65536", *small = "probe b=64";

    printf("\nTargets (probe against peers in this run)\n");
    target("W1 b=65536 tasks/s over baseline's", median_of(&w1, big, 0) /
           median_of(&w1, "baseline", 0), 2.5, 0);
    target("W1 b=65536 tasks/s over glib's", median_of(&w1, big, 0) /
           median_of(&w1, "glib", 0), 3.0, 0);
    target("W1 b=64 tasks/s over baseline's", median_of(&w1, small, 0) /
           median_of(&w1, "baseline", 0), 1.0, 0);
    target("W2 b=64 share of ideal", median_of(&w2, small, 0), 0.95, 0);
    target("W2 b=65536 share of ideal", median_of(&w2, big, 0), 0.95, 0);
    target("W2 b=64 spin share of CPU", median_of(&w2, small, 1), 0.95, 0);
    target("W2 b=65536 spin share of CPU", median_of(&w2, big, 1), 0.95,
           0);
    target("W3 p50 over glib's", median_of(&w3, small, 0) /
           median_of(&w3, "glib", 0), 1.0, 1);
    target("W3 p99 over glib's", median_of(&w3, small, 1) /
           median_of(&w3, "glib", 1), 0.5, 1);
    target("W3 parked p50 over the best peer's",
           median_of(&w3_parked, small, 0) / best_peer(&w3_parked, 0), 1.1,
           1);
    target("W4 tasks/s over glib's", median_of(&w4, big, 0) /
           median_of(&w4, "glib", 0), 2.0, 0);
    target("W5 RSS bytes per queued task", median_of(&w5, "probe b=n+2", 0),
           24.0, 1);
    target("W5 heap bytes per queued task", median_of(&w5, "probe b=n+2", 1),
           0.0, 1);
    target("Idle % of one core, 64 workers", median_of(&idle, small, 0),
           1.0, 1);
    target("Scale ns/task max over min, 1e3..1e7", probe_scale_spread(),
           1.5, 1);
    target("Scale ns/task 64 workers over 2",
           median_of(&scale_workers[2], big, 1) /
               median_of(&scale_workers[0], big, 1), 1.5, 1);
}

/* W1 alone in this process, for valgrind --tool=callgrind: the script
 * runs it at two task counts and divides the difference. */
static int run_callgrind(const char *name, long tasks, size_t buffer)
{
    double out[BENCH_MAX_VALUES];
    struct bench_spec spec = {NULL, 2, buffer, tasks};
    int i;

    if (strcmp(name, "probe") == 0)
        spec.peer = &bench_peer_probe;
    for (i = 0; i < NPEERS; i++)
        if (strcmp(name, peers[i]->name) == 0)
            spec.peer = peers[i];
    if (spec.peer == NULL) {
        fprintf(stderr, "bench: unknown peer '%s' for --callgrind; "
                "this build has probe", name);
        for (i = 0; i < NPEERS; i++)
            fprintf(stderr, ", %s", peers[i]->name);
        fprintf(stderr, "\n");
        return 2;
    }
    bench_throughput(&spec, out);
    printf("%s: %ld tasks, %.2f Mtasks/s\n", name, tasks, out[0] / 1e6);
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench [--quick] [--full] [--reps N] [--only LIST]\n"
            "       bench --callgrind PEER [--tasks N] [--buffer N]\n"
            "  --quick      one tenth of the tasks and 3 repetitions\n"
            "  --full       run the peers at 1e7 tasks in the scale series\n"
            "  --reps N     repetitions per measurement (default 5, at most "
            "%d)\n"
            "  --only LIST  comma-separated parts: w1,w2,w3,w4,w5,idle,"
            "scale\n"
            "  --callgrind PEER  run W1 once in this process for callgrind\n"
            "  --tasks N    tasks for --callgrind (default 20000)\n"
            "  --buffer N   probe's ring or libuv's requests for "
            "--callgrind (default %d)\n",
            BENCH_MAX_REPS, LARGE_BUFFER);
}

/* Parse a positive count, or exit with a message naming the option. */
static long count_arg(const char *option, const char *value, long max)
{
    char *end;
    long v;

    errno = 0;
    v = value != NULL ? strtol(value, &end, 10) : 0;
    if (value == NULL || errno != 0 || *end != '\0' || v < 1 || v > max) {
        fprintf(stderr, "bench: %s needs a whole number from 1 to %ld, "
                "not '%s'\n", option, max, value != NULL ? value : "");
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    struct options o = {5, 0, 0, NULL};
    const char *callgrind = NULL;
    long tasks = 20000, buffer = LARGE_BUFFER;
    int i;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "--quick") == 0) {
            o.quick = 1;
            o.reps = 3;
        } else if (strcmp(a, "--full") == 0) {
            o.full = 1;
        } else if (strcmp(a, "--reps") == 0) {
            o.reps = (int)count_arg(a, v, BENCH_MAX_REPS);
            i++;
        } else if (strcmp(a, "--only") == 0 && v != NULL) {
            o.only = v;
            i++;
        } else if (strcmp(a, "--callgrind") == 0 && v != NULL) {
            callgrind = v;
            i++;
        } else if (strcmp(a, "--tasks") == 0) {
            tasks = count_arg(a, v, 100000000);
            i++;
        } else if (strcmp(a, "--buffer") == 0) {
            buffer = count_arg(a, v, 1L << 28);
            i++;
        } else if (strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "bench: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (callgrind != NULL)
        return run_callgrind(callgrind, tasks, (size_t)buffer);

    printf("probe benchmark: %d repetitions%s; figures are medians "
           "(min-max)\n", o.reps, o.quick ? ", quick mode" : "");
    if (selected(&o, "w1"))
        run_w1(&o);
    if (selected(&o, "w2"))
        run_w2(&o);
    if (selected(&o, "w3"))
        run_w3(&o);
    if (selected(&o, "w4"))
        run_w4(&o);
    if (selected(&o, "w5"))
        run_w5(&o);
    if (selected(&o, "idle"))
        run_idle(&o);
    if (selected(&o, "scale"))
        run_scale(&o);
    print_targets();
    return 0;
}
