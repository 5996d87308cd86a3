/*
 * Helpers shared by the Check suites: a latch and a gate built on mutexes
 * and condition variables, so tests synchronise on events, never on sleeps.
 * Every wait here is bounded, so a broken library fails a test instead of
 * hanging it (Check's per-test timeout is the second line of defence).
 */
#ifndef PROBE_TEST_HARNESS_H
#define PROBE_TEST_HARNESS_H

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "probe.h"

#define WAIT_LIMIT_MS 10000

/* A gate that tasks block on until the test opens it. */
struct gate {
    pthread_mutex_t lock;
    pthread_cond_t cv;
    int open;
    int waiting;    /* tasks blocked in gate_pass() */
};

static inline void gate_init(struct gate *g)
{
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->cv, NULL);
    g->open = 0;
    g->waiting = 0;
}

static inline struct timespec limit_from_now(long ms)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    return ts;
}

/* Block until the gate opens (or the wait limit passes). */
static inline void gate_pass(struct gate *g)
{
    struct timespec limit = limit_from_now(WAIT_LIMIT_MS);

    pthread_mutex_lock(&g->lock);
    g->waiting++;
    pthread_cond_broadcast(&g->cv);
    while (!g->open)
        if (pthread_cond_timedwait(&g->cv, &g->lock, &limit) == ETIMEDOUT)
            break;
    g->waiting--;
    pthread_mutex_unlock(&g->lock);
}

static inline void gate_open(struct gate *g)
{
    pthread_mutex_lock(&g->lock);
    g->open = 1;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->lock);
}

/* Wait until @count tasks are blocked in gate_pass(); returns 1 on success. */
static inline int gate_wait_blocked(struct gate *g, int count)
{
    struct timespec limit = limit_from_now(WAIT_LIMIT_MS);
    int ok = 1;

    pthread_mutex_lock(&g->lock);
    while (g->waiting < count && ok)
        if (pthread_cond_timedwait(&g->cv, &g->lock, &limit) == ETIMEDOUT)
            ok = 0;
    pthread_mutex_unlock(&g->lock);
    return ok;
}

/* A counter that a test can wait on. */
struct latch {
    pthread_mutex_t lock;
    pthread_cond_t cv;
    long count;
};

static inline void latch_init(struct latch *l)
{
    pthread_mutex_init(&l->lock, NULL);
    pthread_cond_init(&l->cv, NULL);
    l->count = 0;
}

static inline void latch_add(struct latch *l, long n)
{
    pthread_mutex_lock(&l->lock);
    l->count += n;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->lock);
}

static inline long latch_get(struct latch *l)
{
    long n;

    pthread_mutex_lock(&l->lock);
    n = l->count;
    pthread_mutex_unlock(&l->lock);
    return n;
}

/* Wait until the count reaches @target; returns 1 on success. */
static inline int latch_wait(struct latch *l, long target)
{
    struct timespec limit = limit_from_now(WAIT_LIMIT_MS);
    int ok = 1;

    pthread_mutex_lock(&l->lock);
    while (l->count < target && ok)
        if (pthread_cond_timedwait(&l->cv, &l->lock, &limit) == ETIMEDOUT)
            ok = 0;
    pthread_mutex_unlock(&l->lock);
    return ok;
}

/* Common tasks. */
static inline int task_count(void *arg)
{
    atomic_fetch_add((atomic_long *)arg, 1);
    return 0;
}

static inline int task_gate(void *arg)
{
    gate_pass(arg);
    return 0;
}

static inline int task_latch(void *arg)
{
    latch_add(arg, 1);
    return 0;
}

/* A discard callback that counts into an atomic_long payload. */
static inline void discard_count(probe_task_fn fn, void *arg, void *payload)
{
    (void)fn;
    (void)arg;
    atomic_fetch_add((atomic_long *)payload, 1);
}

static inline probe_config *config_of(long long size, long long buffer)
{
    probe_config *cfg = probe_config_new();

    ck_assert_ptr_nonnull(cfg);
    ck_assert_int_eq(probe_config_set(cfg, PROBE_OPT_SIZE, size), PROBE_OK);
    ck_assert_int_eq(probe_config_set(cfg, PROBE_OPT_BUFFER, buffer),
                     PROBE_OK);
    return cfg;
}

/* Check that the metrics add up.  The identity is exact whenever the pool
 * is quiet, so callers check it only then. */
static inline void assert_metrics_add_up(pool *pl)
{
    uint64_t m[PROBE_METRIC_COUNT];

    ck_assert_int_eq(pool_metrics(pl, m, PROBE_METRIC_COUNT),
                     PROBE_METRIC_COUNT);
    ck_assert_uint_eq(m[PROBE_METRIC_SUBMITTED],
                      m[PROBE_METRIC_COMPLETED] + m[PROBE_METRIC_DISCARDED] +
                          m[PROBE_METRIC_CANCELLED] + m[PROBE_METRIC_QUEUED] +
                          m[PROBE_METRIC_ACTIVE]);
}

/* Run one suite in Check's fork mode; the exit status is Check's verdict. */
static inline int run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#define TEST_TIMEOUT_S 60

#endif /* PROBE_TEST_HARNESS_H */
