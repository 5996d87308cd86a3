/*
 * libFuzzer harness for the pool API.  The input is read as a sequence
 * of API calls, two bytes each (an opcode and an argument), on up to
 * two pools.  The main thread makes every lifecycle call: new, stop in
 * each mode with and without waiting, start, resize and free.
 * Submissions (run, try-run, run_timed, groups, futures) come from the
 * main thread, or from helper threads that run until the next sync.
 *
 * Invariants, checked after each step (abort() on a violation, which
 * libFuzzer reports as a crash with the input that caused it):
 *  - the metrics add up whenever the pool is quiet;
 *  - no task runs after a stop that waited, until the next start;
 *  - every accepted task ran or was discarded exactly once, and no
 *    rejected task ran (per-task records, checked after every free).
 *
 * NOTE: resize only grows and queues have at least two slots: shrinking
 * (bug_resize_lost_wakeup) and one-slot queues (bug_ring_one_slot) are
 * known to lose tasks, and the harness would report those every run.
 */
#include "rel.h"

#include <stdint.h>

#define POOLS 2
#define HELPERS 2
#define MAX_RECORDS 2048
#define MAX_FUTURES 64

struct fuzz_task {
    struct rel_record rec;
    atomic_int *halted;
};

struct fuzz_pool {
    pool *pl;
    probe_group *group;
    atomic_int halted;
};

static struct fuzz_task tasks[MAX_RECORDS];
static atomic_int task_count;
static struct fuzz_pool pools[POOLS];
static probe_future *futures[MAX_FUTURES];
static int future_count;

struct helper {
    pthread_t thread;
    int running;
    int pool_index;
    int count;
    int kind;
};

static struct helper helpers[HELPERS];

#define FUZZ_CHECK(cond)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "fuzz_api: invariant failed: %s (line %d)\n",  \
                    #cond, __LINE__);                                      \
            abort();                                                       \
        }                                                                  \
    } while (0)

static int fuzz_run(void *arg)
{
    struct fuzz_task *t = arg;

    FUZZ_CHECK(!atomic_load(t->halted));
    atomic_fetch_add(&t->rec.runs, 1);
    return 0;
}

static void *fuzz_call(void *arg)
{
    fuzz_run(arg);
    return NULL;
}

static void fuzz_dtor(void *arg)
{
    atomic_fetch_add(&((struct fuzz_task *)arg)->rec.discards, 1);
}

static void fuzz_discard(probe_task_fn fn, void *arg, void *payload)
{
    (void)fn;
    (void)payload;
    fuzz_dtor(arg);
}

static struct fuzz_task *new_task(struct fuzz_pool *fp)
{
    int i = atomic_fetch_add(&task_count, 1);

    if (i >= MAX_RECORDS)
        return NULL;
    memset(&tasks[i].rec, 0, sizeof tasks[i].rec);
    tasks[i].halted = &fp->halted;
    return &tasks[i];
}

static void submit(struct fuzz_pool *fp, int kind)
{
    struct fuzz_task *t;
    int rc;

    if (fp->pl == NULL || (t = new_task(fp)) == NULL)
        return;
    switch (kind % 3) {
    case 0: rc = pool_run(fp->pl, fuzz_run, t); break;
    case 1: rc = pool_try_run(fp->pl, fuzz_run, t); break;
    default: rc = pool_run_timed(fp->pl, fuzz_run, t, 1); break;
    }
    FUZZ_CHECK(rc == PROBE_OK || rc == PROBE_EFULL || rc == PROBE_ESTOPPED ||
               rc == PROBE_ETIMEDOUT || rc == PROBE_ECANCELED);
    t->rec.accepted = rc == PROBE_OK;
}

static void *helper_main(void *arg)
{
    struct helper *h = arg;
    int i;

    for (i = 0; i < h->count; i++)
        submit(&pools[h->pool_index], h->kind + i);
    return NULL;
}

static void sync_helpers(void)
{
    int i;

    for (i = 0; i < HELPERS; i++)
        if (helpers[i].running) {
            pthread_join(helpers[i].thread, NULL);
            helpers[i].running = 0;
        }
}

static void check_quiet(struct fuzz_pool *fp)
{
    uint64_t m[PROBE_METRIC_COUNT];

    FUZZ_CHECK(pool_metrics(fp->pl, m, PROBE_METRIC_COUNT) ==
               PROBE_METRIC_COUNT);
    FUZZ_CHECK(m[PROBE_METRIC_SUBMITTED] ==
               m[PROBE_METRIC_COMPLETED] + m[PROBE_METRIC_DISCARDED] +
                   m[PROBE_METRIC_CANCELLED] + m[PROBE_METRIC_QUEUED] +
                   m[PROBE_METRIC_ACTIVE]);
}

static void free_pool(struct fuzz_pool *fp)
{
    if (fp->pl == NULL)
        return;
    sync_helpers();
    probe_group_free(fp->group);
    fp->group = NULL;
    pool_free(fp->pl);
    fp->pl = NULL;
    atomic_store(&fp->halted, 0);
}

static void new_pool(struct fuzz_pool *fp, uint8_t arg)
{
    probe_config *cfg = probe_config_new();

    free_pool(fp);
    FUZZ_CHECK(cfg != NULL);
    FUZZ_CHECK(probe_config_set(cfg, PROBE_OPT_SIZE, 1 + arg % 4) ==
               PROBE_OK);
    FUZZ_CHECK(probe_config_set(cfg, PROBE_OPT_BUFFER, 2 + (arg >> 2) % 15) ==
               PROBE_OK);
    FUZZ_CHECK(probe_config_set_discard(cfg, fuzz_discard, NULL) ==
               PROBE_OK);
    fp->pl = pool_new(cfg);
    probe_config_free(cfg);
    FUZZ_CHECK(fp->pl != NULL);
}

static void stop_pool(struct fuzz_pool *fp, uint8_t arg)
{
    static const int modes[] = {PROBE_DRAIN, PROBE_KEEP, PROBE_DISCARD};
    int wait = arg & 4 ? PROBE_WAIT : PROBE_NOWAIT;

    FUZZ_CHECK(pool_stop(fp->pl, modes[arg % 3], wait) == PROBE_OK);
    if (wait == PROBE_WAIT) {
        atomic_store(&fp->halted, 1);
        check_quiet(fp);
    }
}

static void start_pool(struct fuzz_pool *fp)
{
    int rc;

    atomic_store(&fp->halted, 0);
    rc = pool_start(fp->pl);
    FUZZ_CHECK(rc == PROBE_OK);
}

static void group_step(struct fuzz_pool *fp, uint8_t arg)
{
    struct fuzz_task *t;
    int rc;

    if (fp->group == NULL) {
        fp->group = pool_group_new(fp->pl, 0);
        return;
    }
    switch (arg % 3) {
    case 0:
        if ((t = new_task(fp)) == NULL)
            return;
        rc = probe_group_run(fp->group, fuzz_run, t);
        FUZZ_CHECK(rc == PROBE_OK || rc == PROBE_ESTOPPED ||
                   rc == PROBE_ECANCELED);
        t->rec.accepted = rc == PROBE_OK;
        break;
    case 1: probe_group_cancel(fp->group); break;
    default:
        rc = probe_group_wait(fp->group, 0);
        FUZZ_CHECK(rc == PROBE_OK || rc == PROBE_ETIMEDOUT);
        break;
    }
}

static void future_step(struct fuzz_pool *fp, uint8_t arg)
{
    struct fuzz_task *t;
    probe_future *f;

    if (arg & 1 && future_count > 0) {
        f = futures[arg % future_count];
        FUZZ_CHECK(probe_future_cancel(f) == PROBE_OK ||
                   probe_last_error() == PROBE_EBUSY);
        return;
    }
    if (future_count == MAX_FUTURES || (t = new_task(fp)) == NULL)
        return;
    f = pool_submit(fp->pl, fuzz_call, t, fuzz_dtor);
    t->rec.accepted = f != NULL;
    if (f == NULL) {
        /* Ownership passed at the call: the dtor ran once. */
        FUZZ_CHECK(atomic_load(&t->rec.discards) == 1);
        atomic_store(&t->rec.discards, 0);
        return;
    }
    futures[future_count++] = f;
}

static void step(uint8_t op, uint8_t arg)
{
    struct fuzz_pool *fp = &pools[arg & 1];
    struct helper *h;

    arg >>= 1;
    if (fp->pl == NULL && op % 11 != 0)
        return;
    switch (op % 11) {
    case 0: new_pool(fp, arg); break;
    case 1: case 2: submit(fp, arg); break;
    case 3: stop_pool(fp, arg); break;
    case 4: start_pool(fp); break;
    case 5:
        sync_helpers();
        if (pool_wait(fp->pl, 2000) == PROBE_OK)
            check_quiet(fp);
        break;
    case 6:
        FUZZ_CHECK(pool_resize(fp->pl, pool_size(fp->pl) + arg % 3) ==
                       PROBE_OK ||
                   probe_last_error() == PROBE_ESTOPPED);
        break;
    case 7: group_step(fp, arg); break;
    case 8: future_step(fp, arg); break;
    case 9:
        h = &helpers[arg % HELPERS];
        if (h->running)
            break;
        *h = (struct helper){.pool_index = (int)(fp - pools),
                             .count = 1 + arg % 32, .kind = arg};
        h->running = pthread_create(&h->thread, NULL, helper_main, h) == 0;
        break;
    default: free_pool(fp); break;
    }
}

static void finish_input(void)
{
    int i, n;

    sync_helpers();
    for (i = 0; i < future_count; i++) {
        FUZZ_CHECK(probe_future_wait(futures[i], 0) == PROBE_OK ||
                   probe_future_status(futures[i]) == PROBE_FUTURE_QUEUED);
    }
    for (i = 0; i < POOLS; i++)
        free_pool(&pools[i]);
    for (i = 0; i < future_count; i++)
        probe_future_free(futures[i]);
    future_count = 0;
    n = atomic_load(&task_count);
    if (n > MAX_RECORDS)
        n = MAX_RECORDS;
    for (i = 0; i < n; i++)
        FUZZ_CHECK(!rel_record_bad(&tasks[i].rec, (size_t)i));
    atomic_store(&task_count, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t i;

    for (i = 0; i + 1 < size && i < 512; i += 2)
        step(data[i], data[i + 1]);
    finish_input();
    return 0;
}
