/*
 * Helpers shared by the reliability programs: fatal checks that name the
 * failing condition, bounded gates and latches, per-task records that
 * count how often each task ran or was discarded, and readers of the
 * process's thread count, open descriptors and resident set size.
 *
 * The programs here run outside Check (except hostile.c), so a failed
 * check prints its location and exits with status 1.
 */
#ifndef PROBE_REL_H
#define PROBE_REL_H

#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

/* Upper bound on any wait in these programs, so that a broken library
 * fails the check that waited instead of hanging the run. */
#define REL_WAIT_MS 20000

#define REL_CHECK(cond)                                                     \
    do {                                                                    \
        if (!(cond))                                                        \
            rel_fail(__FILE__, __LINE__, #cond);                            \
    } while (0)

#define REL_CHECK_INT(a, op, b)                                             \
    do {                                                                    \
        long long rel_a_ = (long long)(a), rel_b_ = (long long)(b);         \
        if (!(rel_a_ op rel_b_))                                            \
            rel_fail_int(__FILE__, __LINE__, #a " " #op " " #b, rel_a_,     \
                         rel_b_);                                           \
    } while (0)

static inline void rel_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: check failed: %s (last probe error: %s)\n",
            file, line, what, probe_last_message());
    fflush(NULL);
    _exit(1);
}

static inline void rel_fail_int(const char *file, int line, const char *what,
                                long long a, long long b)
{
    fprintf(stderr, "%s:%d: check failed: %s (%lld vs %lld)\n", file, line,
            what, a, b);
    fflush(NULL);
    _exit(1);
}

static inline struct timespec rel_limit(long ms)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

static inline double rel_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A gate that tasks block in until the program opens it. */
struct rel_gate {
    pthread_mutex_t lock;
    pthread_cond_t cv;
    int open;
    int inside;    /* tasks currently blocked in rel_gate_pass() */
};

static inline void rel_gate_init(struct rel_gate *g)
{
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->cv, NULL);
    g->open = 0;
    g->inside = 0;
}

static inline void rel_gate_pass(struct rel_gate *g)
{
    struct timespec limit = rel_limit(REL_WAIT_MS);

    pthread_mutex_lock(&g->lock);
    g->inside++;
    pthread_cond_broadcast(&g->cv);
    while (!g->open)
        if (pthread_cond_timedwait(&g->cv, &g->lock, &limit) == ETIMEDOUT)
            break;
    g->inside--;
    pthread_mutex_unlock(&g->lock);
}

static inline void rel_gate_open(struct rel_gate *g)
{
    pthread_mutex_lock(&g->lock);
    g->open = 1;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->lock);
}

/* Wait until @count tasks block in the gate; returns 1, or 0 on timeout. */
static inline int rel_gate_wait_inside(struct rel_gate *g, int count)
{
    struct timespec limit = rel_limit(REL_WAIT_MS);
    int ok = 1;

    pthread_mutex_lock(&g->lock);
    while (g->inside < count && ok)
        if (pthread_cond_timedwait(&g->cv, &g->lock, &limit) == ETIMEDOUT)
            ok = 0;
    pthread_mutex_unlock(&g->lock);
    return ok;
}

static inline int rel_task_gate(void *arg)
{
    rel_gate_pass(arg);
    return 0;
}

/* One record per submitted task: how many times it ran and how many
 * times the library handed it to the discard callback (or its dtor). */
struct rel_record {
    atomic_int runs;
    atomic_int discards;
    int accepted;    /* 1 when the submit returned PROBE_OK */
};

static inline int rel_task_record(void *arg)
{
    atomic_fetch_add(&((struct rel_record *)arg)->runs, 1);
    return 0;
}

static inline void rel_discard_record(probe_task_fn fn, void *arg,
                                      void *payload)
{
    (void)fn;
    (void)payload;
    atomic_fetch_add(&((struct rel_record *)arg)->discards, 1);
}

/* Check that an accepted record met exactly one fate and that a rejected
 * one met none.  Returns 0 when it holds, else prints and returns 1. */
static inline int rel_record_bad(const struct rel_record *r, size_t index)
{
    int runs = atomic_load(&r->runs), discards = atomic_load(&r->discards);

    if (r->accepted && runs + discards == 1)
        return 0;
    if (!r->accepted && runs == 0 && discards == 0)
        return 0;
    fprintf(stderr, "task %zu: accepted %d, ran %d times, discarded %d "
                    "times\n",
            index, r->accepted, runs, discards);
    return 1;
}

static inline long rel_count_dir(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    long n = 0;

    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

/* Threads of this process, from /proc/self/task. */
static inline long rel_threads(void)
{
    return rel_count_dir("/proc/self/task");
}

/* Open descriptors, not counting the one opendir() itself holds. */
static inline long rel_fds(void)
{
    return rel_count_dir("/proc/self/fd") - 1;
}

/* Resident set size in KiB, from /proc/self/statm. */
static inline long rel_rss_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, resident = 0;

    if (f == NULL)
        return -1;
    if (fscanf(f, "%ld %ld", &size, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/*
 * Wait until the thread count drops to @expected, for at most @ms, and
 * return the last count read.  A joined thread can stay listed in
 * /proc/self/task for a moment after pthread_join() returns, because the
 * kernel wakes the joiner before it unlists the thread.  There is no
 * event to wait on, so this polls with sched_yield().
 */
static inline long rel_threads_settle_ms(long expected, long ms)
{
    double end = rel_now() + (double)ms / 1000.0;
    long n = rel_threads();

    while (n > expected && rel_now() < end) {
        sched_yield();
        n = rel_threads();
    }
    return n;
}

static inline long rel_threads_settle(long expected)
{
    return rel_threads_settle_ms(expected, REL_WAIT_MS);
}

/*
 * Make sure libfaultinj.so is loaded, re-executing this program with it
 * in LD_PRELOAD when it is not.  FAULTINJ_SO is the injector's path in
 * the build tree.  Returns the arming function, or exits with 77 (a
 * skip) when the injector cannot be used: sanitizer runtimes must come
 * first in the process, so those builds skip.
 */
static inline int (*rel_injector(char **argv))(long)
{
    void *arm = dlsym(RTLD_DEFAULT, "faultinj_arm");

    (void)argv;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    fprintf(stderr, "skipped: the fault injector cannot run beside a "
                    "sanitizer runtime\n");
    exit(77);
#endif
    if (arm != NULL)
        return (int (*)(long))arm;
#ifdef FAULTINJ_SO
    if (getenv("PROBE_REL_REEXEC") == NULL) {
        setenv("PROBE_REL_REEXEC", "1", 1);
        setenv("LD_PRELOAD", FAULTINJ_SO, 1);
        execv("/proc/self/exe", argv);
    }
#endif
    fprintf(stderr, "skipped: libfaultinj.so is not loaded\n");
    exit(77);
}

#endif /* PROBE_REL_H */
