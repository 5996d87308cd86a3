/*
 * Declarations shared by the library's source files.  Nothing here is
 * installed or exported: every name is hidden by -fvisibility=hidden and
 * cross-file helpers carry the probe__ prefix.
 */
#ifndef PROBE_INTERNAL_H
#define PROBE_INTERNAL_H

#include "probe.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>

#define PROBE__CACHE_LINE 64
#define PROBE__ID_MAX 16

#if defined(__GNUC__)
#define PROBE__PRINTF(f, a) __attribute__((format(printf, f, a)))
#define PROBE__LIKELY(x) __builtin_expect(!!(x), 1)
#define PROBE__UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define PROBE__PRINTF(f, a)
#define PROBE__LIKELY(x) (x)
#define PROBE__UNLIKELY(x) (x)
#endif

/* error.c: record a failure for probe_last_error() and return its code. */
int probe__fail(int code, const char *fmt, ...) PROBE__PRINTF(2, 3);
/* Map a probe code to the errno a constructor sets. */
int probe__errno_of(int code);
/* Record a constructor failure: sets errno too; returns NULL. */
void *probe__fail_null(int code, const char *fmt, ...) PROBE__PRINTF(2, 3);

/* clock.c: CLOCK_MONOTONIC helpers; a deadline < 0 means forever. */
int64_t probe__now_ns(void);
int64_t probe__deadline_after(long timeout_ms);
int probe__cond_init(pthread_cond_t *cond);
/* Wait on @cond until @deadline_ns; returns 0 or ETIMEDOUT. */
int probe__cond_wait_until(pthread_cond_t *cond, pthread_mutex_t *mutex,
                           int64_t deadline_ns);
void probe__cpu_relax(void);

/* id.c: next process-unique ID, as lowercase hex of at least 4 digits. */
void probe__id_next(char out[PROBE__ID_MAX]);

/* fork.c: incremented in every child forked after the library loaded. */
extern atomic_uint probe__fork_generation;
void probe__fork_init(void);

/* thread.c: start a thread with asynchronous signals blocked and the given
 * stack size (0: default).  Returns 0 or an errno value. */
int probe__thread_start(pthread_t *out, void *(*fn)(void *), void *arg,
                        size_t stack_size);
void probe__thread_name(const char *prefix, const char *id);

/* log.c */
struct probe__logger {
    probe_log_fn fn;
    void *payload;
    int min_level;
};

static inline int probe__log_on(const struct probe__logger *lg, int level)
{
    return lg->fn != NULL && level >= lg->min_level;
}

/* Log @fmt with attributes source and id plus @extra, a NULL-terminated
 * list of key, value pairs (may be NULL).  Formats only when enabled. */
void probe__log(const struct probe__logger *lg, int level, const char *source,
                const char *id, const char *const *extra, const char *fmt,
                ...) PROBE__PRINTF(6, 7);

/* config.c */
struct probe_config {
    long long size;
    long long buffer;
    long long min_size;
    long long idle_timeout_ms;
    long long stack_size;
    probe_ctx *ctx;
    struct probe__logger log;
    probe_discard_fn discard;
    void *discard_payload;
    probe_hook_fn init;
    probe_hook_fn fini;
    void *hook_payload;
    char name[PROBE__ID_MAX];
};

void probe__config_defaults(struct probe_config *cfg);
/* Copy @src into @dst, taking a new context reference. */
void probe__config_copy(struct probe_config *dst,
                        const struct probe_config *src);
void probe__config_release(struct probe_config *cfg);

/* ctx.c: watchers are called, under the context lock, when a context is
 * cancelled.  Lock order: context lock, then any pool lock.  So a watcher
 * may take a pool lock, and pool code must never call a context function
 * while holding its own lock. */
struct probe__watch {
    void (*fn)(void *arg);
    void *arg;
    struct probe__watch *prev;
    struct probe__watch *next;
};

/* Register @w on @ctx; returns 1 (and registers nothing) when @ctx is
 * already cancelled, else 0. */
int probe__ctx_watch(probe_ctx *ctx, struct probe__watch *w);
void probe__ctx_unwatch(probe_ctx *ctx, struct probe__watch *w);
probe_ctx *probe__ctx_child(probe_ctx *parent);
void probe__ctx_unref(probe_ctx *ctx);
void probe__ctx_atfork_prepare(void);
void probe__ctx_atfork_parent(void);
void probe__ctx_atfork_child(void);

/* engine.c: the pool engine that probes and pools share. */
struct probe__worker;

/* Return value of a task skipped because it was cancelled before it
 * started; the worker counts it as cancelled, not completed. */
#define PROBE__SKIPPED INT32_MIN

/* Thread-local state of the calling worker; NULL fields outside a task. */
struct probe__current {
    struct probe__worker *worker;
    pool *pool;
    probe_ctx *ctx;
    const void *group;
    const void *future;
};
extern _Thread_local struct probe__current probe__current;

/* Create and start the engine behind a pool (@is_probe 0) or a probe. */
pool *probe__pool_create(const struct probe_config *cfg, int is_probe);
void probe__pool_destroy(pool *pl);
int probe__pool_submit(pool *pl, probe_task_fn fn, void *arg,
                       int64_t deadline_ns);
int probe__pool_stop(pool *pl, int mode, int64_t deadline_ns, int wait);
int probe__pool_start(pool *pl);
int probe__pool_check(const pool *pl, const char *call);
void probe__pool_count_rejected(pool *pl);
int probe__pool_is_probe(const pool *pl);
const char *probe__pool_first_worker_id(const pool *pl);
int probe__pool_first_worker_idle(const pool *pl);
const struct probe_config *probe__pool_config(const pool *pl);

/* group.c and future.c: internal trampolines the engine recognises when it
 * discards their tasks. */
int probe__group_trampoline(void *record);
void probe__group_discard(void *record, const struct probe_config *cfg);
int probe__future_trampoline(void *record);
/* Returns 1 when the future had been cancelled rather than discarded. */
int probe__future_discard(void *record);

#endif /* PROBE_INTERNAL_H */
