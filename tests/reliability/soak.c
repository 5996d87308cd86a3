/*
 * Soak: threads (8 by default) create, feed, resize, stop, restart,
 * cancel and free pools and probes at random for a bounded time, while
 * thread 0 also stops and restarts two pools that every thread feeds.
 *
 * Checks, each of which fails the run:
 *  - every accepted task ran or was discarded exactly once, and no
 *    rejected task ran (per-task records, checked after each free);
 *  - no task started after a stop that waited had returned, until the
 *    next start;
 *  - the metrics add up whenever a pool is quiet;
 *  - at the end the thread count and the open descriptors are back at
 *    their baseline, and the resident set grew by less than RSS_SLACK_KIB;
 *  - nothing hangs: the run ends by SIGALRM 120 s after its deadline.
 *
 * Usage: soak [--seconds N] [--threads N] [--seed N] [--no-rss]
 * (--no-rss skips the memory check, for runs under valgrind).
 */
#include "rel.h"

#define MAX_THREADS 64
#define MAX_TASKS 256
#define SHARED_POOLS 2
/* Allowed growth of the resident set over the run.  glibc keeps freed
 * memory in its per-thread arenas and the kernel keeps touched stack
 * pages, so a leak-free run still grows a little.  A leak of one block
 * per task or per pool exceeds this within seconds. */
#define RSS_SLACK_KIB (16L * 1024)

struct soak_task {
    struct rel_record rec;
    const atomic_int *halted;   /* set while a waited stop is in force */
    int fail;                   /* return non-zero, to count failures */
};

struct shared {
    pool *pl;
    atomic_int halted;
};

static struct shared shared[SHARED_POOLS];
static double deadline;

static atomic_long tasks_accepted, tasks_rejected, tasks_run;
static atomic_long tasks_discarded, late_runs, pools_made, stops, restarts;
static atomic_long cancels, futures_made;

static unsigned next_rand(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return (*state >> 8) & 0xffffffu;
}

static int soak_run(void *arg)
{
    struct soak_task *t = arg;

    if (atomic_load(t->halted))
        atomic_fetch_add(&late_runs, 1);
    atomic_fetch_add(&t->rec.runs, 1);
    return t->fail;
}

static void *soak_call(void *arg)
{
    soak_run(arg);
    return arg;
}

static void soak_dtor(void *arg)
{
    atomic_fetch_add(&((struct soak_task *)arg)->rec.discards, 1);
}

static void soak_discard(probe_task_fn fn, void *arg, void *payload)
{
    rel_discard_record(fn, arg, payload);
}

/* Tally and check the records of one batch of tasks. */
static void settle_tasks(struct soak_task *t, size_t n)
{
    size_t i;
    int bad = 0;

    for (i = 0; i < n; i++) {
        bad |= rel_record_bad(&t[i].rec, i);
        if (t[i].rec.accepted) {
            atomic_fetch_add(&tasks_accepted, 1);
            atomic_fetch_add(&tasks_run, atomic_load(&t[i].rec.runs));
            atomic_fetch_add(&tasks_discarded,
                             atomic_load(&t[i].rec.discards));
        } else {
            atomic_fetch_add(&tasks_rejected, 1);
        }
    }
    REL_CHECK(!bad);
}

static void check_quiet(pool *pl)
{
    uint64_t m[PROBE_METRIC_COUNT];

    REL_CHECK_INT(pool_metrics(pl, m, PROBE_METRIC_COUNT), ==,
                  PROBE_METRIC_COUNT);
    REL_CHECK_INT(m[PROBE_METRIC_SUBMITTED], ==,
                  m[PROBE_METRIC_COMPLETED] + m[PROBE_METRIC_DISCARDED] +
                      m[PROBE_METRIC_CANCELLED] + m[PROBE_METRIC_QUEUED] +
                      m[PROBE_METRIC_ACTIVE]);
}

/* Submit @t with one of the four submit calls; the record notes the
 * outcome. */
static void submit_random(pool *pl, struct soak_task *t, unsigned *rng)
{
    void *arg = t;
    size_t accepted = 0;
    int rc;

    switch (next_rand(rng) % 4) {
    case 0: rc = pool_run(pl, soak_run, t); break;
    case 1: rc = pool_try_run(pl, soak_run, t); break;
    case 2:
        rc = pool_run_timed(pl, soak_run, t, (long)(next_rand(rng) % 5));
        break;
    default:
        rc = pool_run_batch(pl, soak_run, &arg, 1, &accepted);
        REL_CHECK_INT(rc == PROBE_OK, ==, accepted == 1);
        break;
    }
    REL_CHECK(rc == PROBE_OK || rc == PROBE_EFULL || rc == PROBE_ETIMEDOUT ||
              rc == PROBE_ESTOPPED || rc == PROBE_ECANCELED);
    t->rec.accepted = rc == PROBE_OK;
}

static probe_config *random_config(unsigned *rng, probe_ctx *ctx)
{
    probe_config *cfg = probe_config_new();

    REL_CHECK(cfg != NULL);
    REL_CHECK(probe_config_set(cfg, PROBE_OPT_SIZE,
                               1 + next_rand(rng) % 4) == PROBE_OK);
    REL_CHECK(probe_config_set(cfg, PROBE_OPT_BUFFER,
                               1 + next_rand(rng) % 64) == PROBE_OK);
    if (next_rand(rng) % 4 == 0)
        REL_CHECK(probe_config_set(cfg, PROBE_OPT_IDLE_TIMEOUT_MS,
                                   1 + next_rand(rng) % 5) == PROBE_OK);
    REL_CHECK(probe_config_set_discard(cfg, soak_discard, NULL) == PROBE_OK);
    if (ctx != NULL)
        REL_CHECK(probe_config_set_ctx(cfg, ctx) == PROBE_OK);
    return cfg;
}

static void init_tasks(struct soak_task *t, size_t n, const atomic_int *halted,
                       unsigned *rng)
{
    size_t i;

    memset(t, 0, n * sizeof *t);
    for (i = 0; i < n; i++) {
        t[i].halted = halted;
        t[i].fail = next_rand(rng) % 16 == 0;
    }
}

/* Stop @pl in a random mode; returns 1 when the stop waited. */
static int stop_random(pool *pl, atomic_int *halted, unsigned *rng)
{
    static const int modes[] = {PROBE_DRAIN, PROBE_KEEP, PROBE_DISCARD};
    int wait = next_rand(rng) % 2 ? PROBE_WAIT : PROBE_NOWAIT;

    REL_CHECK_INT(pool_stop(pl, modes[next_rand(rng) % 3], wait), ==,
                  PROBE_OK);
    atomic_fetch_add(&stops, 1);
    if (wait == PROBE_WAIT) {
        atomic_store(halted, 1);
        check_quiet(pl);
    }
    return wait == PROBE_WAIT;
}

static void restart(pool *pl, atomic_int *halted)
{
    /* Cleared first: a kept task may run as soon as the start begins. */
    atomic_store(halted, 0);
    REL_CHECK_INT(pool_start(pl), ==, PROBE_OK);
    atomic_fetch_add(&restarts, 1);
}

/* A private pool through a whole life: feed, resize, stop, maybe
 * restart and feed again, free. */
static void private_pool(unsigned *rng)
{
    static _Thread_local struct soak_task t[MAX_TASKS];
    atomic_int halted = 0;
    probe_config *cfg = random_config(rng, NULL);
    size_t n = 1 + next_rand(rng) % MAX_TASKS, i, half = n / 2;
    pool *pl = pool_new(cfg);

    probe_config_free(cfg);
    REL_CHECK(pl != NULL);
    atomic_fetch_add(&pools_made, 1);
    init_tasks(t, n, &halted, rng);
    for (i = 0; i < half; i++)
        submit_random(pl, &t[i], rng);
    if (next_rand(rng) % 3 == 0)
        REL_CHECK_INT(pool_resize(pl, 1 + next_rand(rng) % 6), ==, PROBE_OK);
    if (next_rand(rng) % 3 == 0) {
        REL_CHECK_INT(pool_wait(pl, REL_WAIT_MS), ==, PROBE_OK);
        check_quiet(pl);
    }
    if (next_rand(rng) % 2 == 0) {
        stop_random(pl, &halted, rng);
        restart(pl, &halted);
    }
    for (i = half; i < n; i++)
        submit_random(pl, &t[i], rng);
    if (next_rand(rng) % 2 == 0)
        stop_random(pl, &halted, rng);
    pool_free(pl);
    settle_tasks(t, n);
}

/* A probe (one worker, direct handoff or a small buffer). */
static void private_probe(unsigned *rng)
{
    static _Thread_local struct soak_task t[64];
    atomic_int halted = 0;
    probe_config *cfg = probe_config_new();
    size_t n = 1 + next_rand(rng) % 64, i;
    probe *p;
    int rc;

    REL_CHECK(cfg != NULL);
    /* 0 is direct handoff. */
    REL_CHECK(probe_config_set(cfg, PROBE_OPT_BUFFER,
                               next_rand(rng) % 2 ? 0 : 1 + next_rand(rng) % 7)
              == PROBE_OK);
    REL_CHECK(probe_config_set_discard(cfg, soak_discard, NULL) == PROBE_OK);
    p = probe_new(cfg);
    probe_config_free(cfg);
    REL_CHECK(p != NULL);
    atomic_fetch_add(&pools_made, 1);
    init_tasks(t, n, &halted, rng);
    for (i = 0; i < n; i++) {
        rc = next_rand(rng) % 2 ? probe_run(p, soak_run, &t[i])
                                : probe_try_run(p, soak_run, &t[i]);
        REL_CHECK(rc == PROBE_OK || rc == PROBE_EFULL);
        t[i].rec.accepted = rc == PROBE_OK;
        if (i == n / 2 && next_rand(rng) % 2) {
            REL_CHECK_INT(probe_stop(p, PROBE_KEEP, PROBE_WAIT), ==,
                          PROBE_OK);
            REL_CHECK_INT(probe_start(p), ==, PROBE_OK);
        }
    }
    probe_free(p);
    settle_tasks(t, n);
}

/* A pool under a context that is cancelled in the middle of its work. */
static void cancelled_pool(unsigned *rng)
{
    static _Thread_local struct soak_task t[MAX_TASKS];
    atomic_int halted = 0;
    probe_ctx *ctx = next_rand(rng) % 2
                         ? probe_ctx_new()
                         : probe_ctx_new_timeout(NULL, 60000);
    probe_config *cfg;
    size_t n = 1 + next_rand(rng) % MAX_TASKS, i;
    pool *pl;
    int fd;

    REL_CHECK(ctx != NULL);
    fd = probe_ctx_fd(ctx);
    REL_CHECK(fd >= 0);
    cfg = random_config(rng, ctx);
    pl = pool_new(cfg);
    probe_config_free(cfg);
    REL_CHECK(pl != NULL);
    atomic_fetch_add(&pools_made, 1);
    init_tasks(t, n, &halted, rng);
    for (i = 0; i < n; i++) {
        if (i == n / 2) {
            REL_CHECK_INT(probe_ctx_cancel(ctx), ==, PROBE_OK);
            atomic_fetch_add(&cancels, 1);
        }
        submit_random(pl, &t[i], rng);
    }
    REL_CHECK_INT(pool_start(pl), ==, PROBE_ECANCELED);
    probe_ctx_free(ctx);
    pool_free(pl);
    settle_tasks(t, n);
}

/* Feed a shared pool through a group and wait for the group. */
static void shared_group(unsigned *rng)
{
    static _Thread_local struct soak_task t[MAX_TASKS];
    struct shared *s = &shared[next_rand(rng) % SHARED_POOLS];
    size_t n = 1 + next_rand(rng) % MAX_TASKS, i;
    probe_group *g = pool_group_new(s->pl, 0);
    int rc;

    if (g == NULL) {
        REL_CHECK_INT(errno, ==, ESRCH);
        return;
    }
    init_tasks(t, n, &s->halted, rng);
    for (i = 0; i < n; i++) {
        t[i].fail = 0;
        rc = probe_group_run(g, soak_run, &t[i]);
        REL_CHECK(rc == PROBE_OK || rc == PROBE_ESTOPPED ||
                  rc == PROBE_ECANCELED);
        t[i].rec.accepted = rc == PROBE_OK;
    }
    /* Thread 0 restarts every pool it stops, so the group ends. */
    REL_CHECK_INT(probe_group_wait(g, REL_WAIT_MS), ==, PROBE_OK);
    probe_group_free(g);
    settle_tasks(t, n);
}

/* Submit futures to a shared pool, cancel some, wait for all. */
static void shared_futures(unsigned *rng)
{
    static _Thread_local struct soak_task t[32];
    probe_future *f[32];
    struct shared *s = &shared[next_rand(rng) % SHARED_POOLS];
    size_t n = 1 + next_rand(rng) % 32, i;
    int rc;

    init_tasks(t, n, &s->halted, rng);
    for (i = 0; i < n; i++) {
        f[i] = pool_submit(s->pl, soak_call, &t[i], soak_dtor);
        t[i].rec.accepted = f[i] != NULL;
        if (f[i] == NULL) {
            REL_CHECK(errno == ESRCH || errno == ECANCELED);
            /* The dtor ran: ownership passed at the call. */
            REL_CHECK_INT(atomic_load(&t[i].rec.discards), ==, 1);
            atomic_store(&t[i].rec.discards, 0);
        }
        atomic_fetch_add(&futures_made, 1);
    }
    for (i = 0; i < n; i++) {
        if (f[i] == NULL)
            continue;
        if (next_rand(rng) % 4 == 0) {
            rc = probe_future_cancel(f[i]);
            REL_CHECK(rc == PROBE_OK || rc == PROBE_EBUSY);
        }
        REL_CHECK_INT(probe_future_wait(f[i], REL_WAIT_MS), ==, PROBE_OK);
        probe_future_free(f[i]);
    }
    settle_tasks(t, n);
}

/* Thread 0: stop a shared pool in a random mode and start it again. */
static void cycle_shared(unsigned *rng)
{
    struct shared *s = &shared[next_rand(rng) % SHARED_POOLS];

    stop_random(s->pl, &s->halted, rng);
    restart(s->pl, &s->halted);
}

static void *soak_thread(void *arg)
{
    unsigned rng = (unsigned)(uintptr_t)arg * 2654435761u + 1;
    int index = (int)(uintptr_t)arg;

    while (rel_now() < deadline) {
        switch (next_rand(&rng) % 6) {
        case 0: private_pool(&rng); break;
        case 1: private_probe(&rng); break;
        case 2: cancelled_pool(&rng); break;
        case 3: shared_futures(&rng); break;
        case 4:
            if (index == 0) {
                cycle_shared(&rng);
                break;
            }
            /* fall through */
        default: shared_group(&rng); break;
        }
    }
    return NULL;
}

static void make_shared(void)
{
    probe_config *cfg = probe_config_new();
    size_t i;

    REL_CHECK(cfg != NULL);
    REL_CHECK(probe_config_set(cfg, PROBE_OPT_SIZE, 3) == PROBE_OK);
    REL_CHECK(probe_config_set(cfg, PROBE_OPT_BUFFER, 32) == PROBE_OK);
    REL_CHECK(probe_config_set_discard(cfg, soak_discard, NULL) == PROBE_OK);
    for (i = 0; i < SHARED_POOLS; i++) {
        shared[i].pl = pool_new(cfg);
        REL_CHECK(shared[i].pl != NULL);
    }
    probe_config_free(cfg);
}

struct options {
    double seconds;
    long threads;
    unsigned seed;
    int check_rss;
};

static void parse(int argc, char **argv, struct options *o)
{
    int i;

    *o = (struct options){10, 8, 1, 1};
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            o->seconds = strtod(argv[++i], NULL);
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            o->threads = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            o->seed = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--no-rss") == 0)
            o->check_rss = 0;
        else {
            fprintf(stderr, "soak: invalid argument '%s'; usage: soak "
                            "[--seconds N] [--threads N] [--seed N] "
                            "[--no-rss]\n",
                    argv[i]);
            exit(2);
        }
    }
    if (o->seconds <= 0 || o->seconds > 3600 || o->threads < 1 ||
        o->threads > MAX_THREADS) {
        fprintf(stderr, "soak: --seconds must be in (0, 3600] and "
                        "--threads in 1..%d\n",
                MAX_THREADS);
        exit(2);
    }
}

/* Start the library's deadline thread before the baseline is taken: it
 * lives as long as the process, by design. */
static void warm_up(void)
{
    probe_ctx *ctx = probe_ctx_new_timeout(NULL, 1);

    REL_CHECK(ctx != NULL);
    REL_CHECK_INT(probe_ctx_wait(ctx, REL_WAIT_MS), ==, PROBE_OK);
    probe_ctx_free(ctx);
}

int main(int argc, char **argv)
{
    pthread_t threads[MAX_THREADS];
    struct options o;
    long base_threads, base_fds, base_rss, end_threads, end_rss;
    long i;

    parse(argc, argv, &o);
    /* A hang fails the run: SIGALRM ends the process. */
    alarm((unsigned)o.seconds + 120);
    warm_up();
    base_threads = rel_threads();
    base_fds = rel_fds();
    base_rss = rel_rss_kib();

    make_shared();
    deadline = rel_now() + o.seconds;
    for (i = 0; i < o.threads; i++)
        REL_CHECK(pthread_create(&threads[i], NULL, soak_thread,
                                 (void *)(uintptr_t)(i + o.seed * 64)) == 0);
    for (i = 0; i < o.threads; i++)
        pthread_join(threads[i], NULL);
    for (i = 0; i < SHARED_POOLS; i++) {
        REL_CHECK_INT(pool_stop(shared[i].pl, PROBE_DRAIN, PROBE_WAIT), ==,
                      PROBE_OK);
        check_quiet(shared[i].pl);
        pool_free(shared[i].pl);
    }

    end_threads = rel_threads_settle(base_threads);
    end_rss = rel_rss_kib();
    printf("soak: %.0f s, %ld threads: %ld tasks accepted (%ld ran, %ld "
           "discarded), %ld rejected, %ld futures, %ld pools and probes, "
           "%ld stops, %ld restarts, %ld cancels; threads %ld -> %ld, fds "
           "%ld -> %ld, rss %ld -> %ld KiB\n",
           o.seconds, o.threads, atomic_load(&tasks_accepted),
           atomic_load(&tasks_run), atomic_load(&tasks_discarded),
           atomic_load(&tasks_rejected), atomic_load(&futures_made),
           atomic_load(&pools_made), atomic_load(&stops),
           atomic_load(&restarts), atomic_load(&cancels), base_threads,
           end_threads, base_fds, rel_fds(), base_rss, end_rss);
    REL_CHECK_INT(atomic_load(&late_runs), ==, 0);
    REL_CHECK_INT(end_threads, ==, base_threads);
    REL_CHECK_INT(rel_fds(), ==, base_fds);
    if (o.check_rss)
        REL_CHECK_INT(end_rss - base_rss, <, RSS_SLACK_KIB);
    return 0;
}
