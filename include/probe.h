/*
 * probe: reusable worker threads for C.
 *
 * A probe is one long-lived worker thread that runs the functions handed to
 * it.  A pool is a set of probes fed by one bounded queue.  Both run under a
 * cancellable context and log through a handler the caller supplies.
 *
 * Every type is an opaque handle and every setting is reached through a
 * function, so the whole API can be driven through dlsym() alone.
 *
 * Conventions used by every function below:
 *  - Functions returning int return PROBE_OK (0) or a negative PROBE_E* code.
 *    probe_strerror() names any code and probe_last_message() gives the
 *    detail of the calling thread's last failure.
 *  - Constructors return NULL on failure, set errno and record the code for
 *    probe_last_error().
 *  - Timeouts are in milliseconds; PROBE_FOREVER (-1), or any negative value,
 *    waits without limit, and 0 polls.  A timeout too long to represent as
 *    a deadline (near LONG_MAX) also waits without limit.
 *  - A NULL handle is rejected with PROBE_EINVAL, never dereferenced.
 */
#ifndef PROBE_H
#define PROBE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(PROBE_BUILDING) && defined(__GNUC__)
#define PROBE_EXTERN __attribute__((visibility("default")))
#else
#define PROBE_EXTERN
#endif

#define PROBE_VERSION_MAJOR 0
#define PROBE_VERSION_MINOR 1
#define PROBE_VERSION_PATCH 0

/** Wait without a time limit. */
#define PROBE_FOREVER (-1L)

/* ------------------------------------------------------------------ */
/* Errors                                                               */
/* ------------------------------------------------------------------ */

/** Result codes.  Values are never reused; new codes are only appended. */
enum probe_error {
    PROBE_OK = 0,
    PROBE_ERROR = -1,      /**< unexpected failure */
    PROBE_EINVAL = -2,     /**< invalid argument: NULL handle, bad value */
    PROBE_ENOMEM = -3,     /**< out of memory */
    PROBE_ESTOPPED = -4,   /**< the probe or pool is stopped or stopping */
    PROBE_ECANCELED = -5,  /**< the context was cancelled */
    PROBE_EFULL = -6,      /**< the queue is full (non-blocking submit) */
    PROBE_ETIMEDOUT = -7,  /**< the timeout expired first */
    PROBE_EDEADLK = -8,    /**< the call would wait on the calling worker */
    PROBE_ETHREAD = -9,    /**< a worker thread could not be started */
    PROBE_EFORKED = -10,   /**< the handle belongs to the parent process */
    PROBE_EINIT = -11,     /**< a worker's init hook failed */
    PROBE_EBUSY = -12      /**< the task is already running or finished */
};

/**
 * Return a static English description of @p code.  Unknown codes get a
 * generic text, never NULL.  Thread-safe.
 */
PROBE_EXTERN const char *probe_strerror(int code);

/**
 * Return the code of the calling thread's last failed probe call, or
 * PROBE_OK if none failed yet.  Successful calls do not reset it.
 */
PROBE_EXTERN int probe_last_error(void);

/**
 * Return a message describing the calling thread's last failure, naming the
 * call and the value at fault.  The string is owned by the library and stays
 * valid until the thread's next failing call.  Never NULL.
 */
PROBE_EXTERN const char *probe_last_message(void);

/* ------------------------------------------------------------------ */
/* Version                                                              */
/* ------------------------------------------------------------------ */

/** Return the library's version as "MAJOR.MINOR.PATCH" (static storage). */
PROBE_EXTERN const char *probe_version(void);

/** Return the version as MAJOR * 10000 + MINOR * 100 + PATCH. */
PROBE_EXTERN int probe_version_number(void);

/* ------------------------------------------------------------------ */
/* Contexts                                                             */
/* ------------------------------------------------------------------ */

/**
 * A cancellation signal shared by a tree of contexts, as Go's context.
 * Cancelling a context cancels all of its descendants.  Contexts are
 * reference counted: every probe, pool and child holds its own reference,
 * so a context may be freed before or after the handles that use it.
 */
typedef struct probe_ctx probe_ctx;

/** Create a root context.  Returns NULL with errno ENOMEM on failure. */
PROBE_EXTERN probe_ctx *probe_ctx_new(void);

/**
 * Create a child of @p parent, cancelled when @p parent is.  A child of a
 * cancelled parent starts cancelled.  The child holds a reference to the
 * parent.  Returns NULL with errno EINVAL (NULL parent) or ENOMEM.
 */
PROBE_EXTERN probe_ctx *probe_ctx_new_child(probe_ctx *parent);

/**
 * Create a context cancelled @p timeout_ms milliseconds from now, or earlier
 * when @p parent (may be NULL) is cancelled.  probe_ctx_err() then returns
 * PROBE_ETIMEDOUT.  Deadlines fire from a library timer thread started on
 * first use.  Returns NULL with errno EINVAL (negative timeout), ENOMEM,
 * or EAGAIN when that thread cannot start.
 */
PROBE_EXTERN probe_ctx *probe_ctx_new_timeout(probe_ctx *parent,
                                              long timeout_ms);

/** Add a reference to @p ctx and return it.  NULL is returned as NULL. */
PROBE_EXTERN probe_ctx *probe_ctx_ref(probe_ctx *ctx);

/**
 * Drop the caller's reference.  The context lives on while children,
 * probes or pools still hold theirs.  Freeing does not cancel.  NULL is a
 * no-op.
 */
PROBE_EXTERN void probe_ctx_free(probe_ctx *ctx);

/**
 * Cancel @p ctx and every descendant.  This wakes every waiter and stops
 * every probe and pool running under it, keeping their queued tasks as
 * PROBE_KEEP does.  Idempotent and callable from any thread, including a task.
 * Returns PROBE_OK or PROBE_EINVAL.  Does not block on running tasks.
 */
PROBE_EXTERN int probe_ctx_cancel(probe_ctx *ctx);

/**
 * Return 1 if @p ctx is cancelled, else 0 (also for NULL).  One atomic load
 * (plus a clock read for deadline contexts): cheap enough to poll in a loop.
 */
PROBE_EXTERN int probe_ctx_done(const probe_ctx *ctx);

/**
 * Return why @p ctx is done: PROBE_OK while it is not, PROBE_ECANCELED after
 * a cancel, PROBE_ETIMEDOUT after its deadline, PROBE_EINVAL for NULL.
 */
PROBE_EXTERN int probe_ctx_err(const probe_ctx *ctx);

/**
 * Block until @p ctx is cancelled or @p timeout_ms passes.  Returns PROBE_OK
 * once cancelled, PROBE_ETIMEDOUT, or PROBE_EINVAL.  A daemon loop is
 * "while (probe_ctx_wait(ctx, 60000) == PROBE_ETIMEDOUT) work();".
 */
PROBE_EXTERN int probe_ctx_wait(probe_ctx *ctx, long timeout_ms);

/**
 * Return a file descriptor that becomes readable when @p ctx is cancelled,
 * for poll(), epoll, libuv or asyncio's add_reader.  The descriptor is
 * owned by the context and closed when the context's last reference goes;
 * do not read from or close it.  Returns a negative PROBE_E* code on
 * failure (PROBE_EINVAL, PROBE_ERROR when the system is out of descriptors).
 */
PROBE_EXTERN int probe_ctx_fd(probe_ctx *ctx);

/* ------------------------------------------------------------------ */
/* Logging                                                              */
/* ------------------------------------------------------------------ */

/** Log levels; the numbers match Python's logging module. */
enum probe_log_level {
    PROBE_LOG_DEBUG = 10,
    PROBE_LOG_INFO = 20,
    PROBE_LOG_WARN = 30,
    PROBE_LOG_ERROR = 40
};

/** One log record, valid only during the handler call. */
typedef struct probe_log_record probe_log_record;

/**
 * A log handler.  It may be called from several worker threads at once and
 * must not call back into the probe or pool that logs.  It is never called
 * after the handle's free function returns.
 */
typedef void (*probe_log_fn)(const probe_log_record *record, void *payload);

/** Return the record's level (a probe_log_level value). */
PROBE_EXTERN int probe_log_record_level(const probe_log_record *record);

/** Return the record's message.  Never NULL for a valid record. */
PROBE_EXTERN const char *probe_log_record_message(
    const probe_log_record *record);

/** Return the number of key/value attributes (at least "source", "id"). */
PROBE_EXTERN size_t probe_log_record_attr_count(
    const probe_log_record *record);

/** Return the key of attribute @p index, or NULL when out of range. */
PROBE_EXTERN const char *probe_log_record_attr_key(
    const probe_log_record *record, size_t index);

/** Return the value of attribute @p index, or NULL when out of range. */
PROBE_EXTERN const char *probe_log_record_attr_value(
    const probe_log_record *record, size_t index);

/** Return the value of attribute @p key, or NULL when absent. */
PROBE_EXTERN const char *probe_log_record_get(const probe_log_record *record,
                                              const char *key);

/** Return "debug", "info", "warn" or "error" (or "level" when unknown). */
PROBE_EXTERN const char *probe_log_level_name(int level);

/**
 * Built-in handler writing "LEVEL message key=value ..." lines to the
 * FILE * passed as @p payload.  Each line is written with one locked call.
 */
PROBE_EXTERN void probe_log_text(const probe_log_record *record,
                                 void *payload);

/** Built-in handler writing one JSON object per line to a FILE *. */
PROBE_EXTERN void probe_log_json(const probe_log_record *record,
                                 void *payload);

/* ------------------------------------------------------------------ */
/* Tasks and configuration                                              */
/* ------------------------------------------------------------------ */

/**
 * A task.  It returns 0 on success.  A non-zero value marks the task
 * failed, so it is counted, kept as a group's first error, and cancels a
 * group created with PROBE_GROUP_CANCEL_ON_ERROR.
 */
typedef int (*probe_task_fn)(void *arg);

/**
 * Receives each accepted task that will never run: discarded by a stop in
 * PROBE_DISCARD mode, or still queued when its probe or pool is freed.  It
 * is the caller's chance to free @p arg.  Called on the stopping or freeing
 * thread.
 */
typedef void (*probe_discard_fn)(probe_task_fn fn, void *arg, void *payload);

/**
 * A worker hook.  The init hook runs on each new worker thread before its
 * first task; a non-zero return is logged and makes the start fail with
 * PROBE_EINIT.  The fini hook runs on the worker as it exits.
 */
typedef int (*probe_hook_fn)(void *payload);

/** Numeric settings of a probe_config. */
enum probe_option {
    PROBE_OPT_SIZE = 1,            /**< workers of a pool; 0 = 8 */
    PROBE_OPT_BUFFER = 2,          /**< queue slots; pool 0 = 64, probe
                                        0 = direct handoff */
    PROBE_OPT_MIN_SIZE = 3,        /**< idle expiry floor; default 0, and
                                        expiry always keeps one worker */
    PROBE_OPT_IDLE_TIMEOUT_MS = 4, /**< retire workers idle this long;
                                        0 = never */
    PROBE_OPT_STACK_SIZE = 5       /**< worker stack bytes; 0 = system */
};

/** Settings for probe_new() and pool_new(); the caller owns it. */
typedef struct probe_config probe_config;

/** Create a config holding the defaults.  NULL with errno ENOMEM. */
PROBE_EXTERN probe_config *probe_config_new(void);

/** Free @p config and its context reference.  NULL is a no-op. */
PROBE_EXTERN void probe_config_free(probe_config *config);

/**
 * Set numeric @p option to @p value.  Returns PROBE_EINVAL for an unknown
 * option or a value outside probe_option_bounds().
 */
PROBE_EXTERN int probe_config_set(probe_config *config, int option,
                                  long long value);

/** Store the value of @p option in @p out.  PROBE_EINVAL on bad input. */
PROBE_EXTERN int probe_config_get(const probe_config *config, int option,
                                  long long *out);

/** Store the accepted range of @p option.  PROBE_EINVAL if unknown. */
PROBE_EXTERN int probe_option_bounds(int option, long long *min,
                                     long long *max);

/**
 * Run under @p ctx (NULL: a private root).  The config takes its own
 * reference.  Returns PROBE_OK or PROBE_EINVAL.
 */
PROBE_EXTERN int probe_config_set_ctx(probe_config *config, probe_ctx *ctx);

/**
 * Log records of @p min_level and above to @p fn (NULL: silent, the
 * default).  @p payload must outlive every handle made from this config.
 */
PROBE_EXTERN int probe_config_set_log(probe_config *config, int min_level,
                                      probe_log_fn fn, void *payload);

/** Hand tasks that will never run to @p fn (see probe_discard_fn). */
PROBE_EXTERN int probe_config_set_discard(probe_config *config,
                                          probe_discard_fn fn, void *payload);

/** Set worker init and fini hooks (either may be NULL). */
PROBE_EXTERN int probe_config_set_hooks(probe_config *config,
                                        probe_hook_fn init, probe_hook_fn fini,
                                        void *payload);

/**
 * Name worker threads "<prefix>-<id>", cut to Linux's 15 characters.  The
 * default prefix is "probe".  PROBE_EINVAL for NULL, "" or over 15 chars.
 */
PROBE_EXTERN int probe_config_set_name(probe_config *config,
                                       const char *prefix);

/* ------------------------------------------------------------------ */
/* Stopping                                                             */
/* ------------------------------------------------------------------ */

/** Fate of the tasks still queued at a stop.  Running tasks always finish. */
enum probe_stop_mode {
    PROBE_DRAIN = 1,   /**< run every queued task, then stop */
    PROBE_KEEP = 2,    /**< leave queued tasks for a later start */
    PROBE_DISCARD = 3  /**< hand queued tasks to the discard callback */
};

/** Whether a stop waits for the worker threads to exit. */
enum probe_stop_wait {
    PROBE_NOWAIT = 0,
    PROBE_WAIT = 1
};

/* ------------------------------------------------------------------ */
/* Probe: one worker thread                                             */
/* ------------------------------------------------------------------ */

typedef struct probe probe;

/**
 * Start a probe, returning once its thread runs, so probe_running() is
 * already true.  @p config may be NULL for defaults; it is copied.
 * PROBE_OPT_SIZE must be 0 or 1.  Returns NULL with errno EINVAL (bad
 * config), ENOMEM, EAGAIN (thread start failed), ECANCELED (context already
 * cancelled) or ECHILD (init hook failed); probe_last_error() has the code.
 */
PROBE_EXTERN probe *probe_new(const probe_config *config);

/**
 * Hand @p fn(@p arg) to the probe.  With a buffer, blocks while it is full;
 * without one, blocks until the probe takes the task.  Returns PROBE_OK,
 * PROBE_EINVAL, PROBE_ESTOPPED or PROBE_ECANCELED at once on a stopped or
 * cancelled probe (the caller keeps @p arg), PROBE_EDEADLK when called
 * from the probe's own task with no room, PROBE_EFORKED.
 */
PROBE_EXTERN int probe_run(probe *p, probe_task_fn fn, void *arg);

/**
 * As probe_run() but never waits for a running task or a full buffer:
 * PROBE_EFULL when there is no room.  Without a buffer it waits at most
 * 10 ms for an idle probe to take the task, then takes it back.
 */
PROBE_EXTERN int probe_try_run(probe *p, probe_task_fn fn, void *arg);

/**
 * Stop the probe after its current task.  @p mode decides the fate of
 * queued tasks; with PROBE_WAIT the call returns once the thread exited.
 * Safe to call repeatedly and from several threads: every waiter waits.
 * A later PROBE_DISCARD stop discards what an earlier stop kept.  From the
 * probe's own task PROBE_WAIT returns PROBE_EDEADLK and changes nothing;
 * PROBE_NOWAIT works there.  Returns PROBE_OK, PROBE_EINVAL, PROBE_EDEADLK,
 * PROBE_EFORKED.
 */
PROBE_EXTERN int probe_stop(probe *p, int mode, int wait);

/**
 * Start the probe again after a stop; tasks kept by PROBE_KEEP run.  Blocks
 * until a stop still in progress ends.  PROBE_OK if already running,
 * PROBE_ECANCELED if the configured context is cancelled, PROBE_ETHREAD,
 * PROBE_EINIT, PROBE_ENOMEM, PROBE_EDEADLK (from its own task),
 * PROBE_EINVAL, PROBE_EFORKED.
 */
PROBE_EXTERN int probe_start(probe *p);

/** Return 1 while the probe's thread runs, else 0 (also for NULL). */
PROBE_EXTERN int probe_running(const probe *p);

/** Return 1 when the probe runs and is not executing a task, else 0. */
PROBE_EXTERN int probe_idle(const probe *p);

/**
 * Return the probe's ID: short, printable, unique in the process and the
 * same across restarts.  Owned by the probe.  NULL for a NULL probe.
 */
PROBE_EXTERN const char *probe_id(const probe *p);

/**
 * Stop the probe, wait for its thread, and hand each task still queued to
 * the discard callback.  From the probe's own task the free is deferred
 * until that task returns (the thread cannot join itself).  NULL is a no-op.
 */
PROBE_EXTERN void probe_free(probe *p);

/* ------------------------------------------------------------------ */
/* Pool: workers sharing one bounded queue                              */
/* ------------------------------------------------------------------ */

typedef struct pool pool;

/**
 * Start a pool of PROBE_OPT_SIZE workers (default 8) sharing a queue of
 * PROBE_OPT_BUFFER slots (default 64).  Returns once every worker runs.
 * @p config may be NULL and is copied.  Returns NULL with errno EINVAL,
 * ENOMEM, EAGAIN (a thread failed to start; those started are joined),
 * ECANCELED or ECHILD (an init hook failed).
 */
PROBE_EXTERN pool *pool_new(const probe_config *config);

/**
 * Queue @p fn(@p arg), blocking while the queue is full.  Returns PROBE_OK,
 * PROBE_EINVAL, PROBE_ESTOPPED or PROBE_ECANCELED at once when the pool is
 * stopped or its context cancelled (the caller keeps @p arg), PROBE_EDEADLK
 * when a worker of this pool would block on its full queue, PROBE_EFORKED.
 */
PROBE_EXTERN int pool_run(pool *pl, probe_task_fn fn, void *arg);

/**
 * As pool_run() but never waits for room: PROBE_EFULL when the queue is
 * full.  It may take the pool lock briefly to wake a parked worker.
 */
PROBE_EXTERN int pool_try_run(pool *pl, probe_task_fn fn, void *arg);

/** As pool_run() but gives up with PROBE_ETIMEDOUT after @p timeout_ms. */
PROBE_EXTERN int pool_run_timed(pool *pl, probe_task_fn fn, void *arg,
                                long timeout_ms);

/**
 * Queue @p fn once for each of @p args[0..count-1], blocking while the
 * queue is full; cheaper per task than repeated pool_run().  Stores in
 * @p accepted (may be NULL) how many were queued: on an error, the caller
 * keeps args[*accepted..].  Returns as pool_run().
 */
PROBE_EXTERN int pool_run_batch(pool *pl, probe_task_fn fn, void *const *args,
                                size_t count, size_t *accepted);

/**
 * Stop the pool; see probe_stop() for @p mode and @p wait.  New submits
 * fail with PROBE_ESTOPPED from the moment this is called; blocked
 * submitters wake and fail.  Tasks that run see their context cancelled.
 */
PROBE_EXTERN int pool_stop(pool *pl, int mode, int wait);

/**
 * As pool_stop() with PROBE_WAIT, but returns PROBE_ETIMEDOUT when the
 * workers have not exited after @p timeout_ms.  The pool keeps stopping and
 * the call may be repeated.
 */
PROBE_EXTERN int pool_stop_timed(pool *pl, int mode, long timeout_ms);

/**
 * Start the pool again after a stop, under a fresh child of its configured
 * context.  Returns as probe_start().
 */
PROBE_EXTERN int pool_start(pool *pl);

/**
 * Wait until every task submitted so far has finished, was discarded or was
 * cancelled, without stopping the pool.  Returns PROBE_OK (at once when
 * nothing is pending), PROBE_ETIMEDOUT, PROBE_ESTOPPED when the pool is
 * stopped with tasks still queued, PROBE_EDEADLK from a worker of this
 * pool, PROBE_EINVAL.
 */
PROBE_EXTERN int pool_wait(pool *pl, long timeout_ms);

/**
 * Change the number of workers to @p size (1 or more).  Growing starts
 * workers at once; shrinking retires idle workers and lets busy ones
 * finish their task first.  Returns PROBE_OK, PROBE_EINVAL, PROBE_ESTOPPED,
 * PROBE_ENOMEM, PROBE_ETHREAD or PROBE_EINIT (the pool keeps the workers
 * it started), PROBE_EFORKED.
 */
PROBE_EXTERN int pool_resize(pool *pl, size_t size);

/** Return the configured number of workers (0 for NULL). */
PROBE_EXTERN size_t pool_size(const pool *pl);

/** Return the number of live worker threads (0 for NULL). */
PROBE_EXTERN size_t pool_running(const pool *pl);

/** Return the number of live workers not executing a task (0 for NULL). */
PROBE_EXTERN size_t pool_idle(const pool *pl);

/** Return the pool's ID (owned by the pool), or NULL for NULL. */
PROBE_EXTERN const char *pool_id(const pool *pl);

/**
 * Stop the pool, wait for its workers, hand queued tasks to the discard
 * callback and free it.  From one of its own tasks the free completes when
 * the last worker exits.  NULL is a no-op.
 */
PROBE_EXTERN void pool_free(pool *pl);

/* ------------------------------------------------------------------ */
/* Metrics                                                              */
/* ------------------------------------------------------------------ */

/**
 * Indexes into the array filled by pool_metrics().  Exact whenever the pool
 * is quiet; then SUBMITTED = COMPLETED + DISCARDED + CANCELLED + QUEUED +
 * ACTIVE.  FAILED counts completed tasks that returned non-zero.
 */
enum probe_metric {
    PROBE_METRIC_SUBMITTED = 0,
    PROBE_METRIC_COMPLETED,
    PROBE_METRIC_FAILED,
    PROBE_METRIC_REJECTED,
    PROBE_METRIC_DISCARDED,
    PROBE_METRIC_CANCELLED,
    PROBE_METRIC_QUEUED,
    PROBE_METRIC_ACTIVE,
    PROBE_METRIC_WORKERS,
    PROBE_METRIC_IDLE,
    PROBE_METRIC_PEAK_QUEUED,
    PROBE_METRIC_COUNT
};

/**
 * Fill @p out[0..count-1] with a snapshot of the pool's counters, indexed by
 * probe_metric.  Returns how many values were written (at most
 * PROBE_METRIC_COUNT), or a negative code for bad input.
 */
PROBE_EXTERN int pool_metrics(const pool *pl, uint64_t *out, size_t count);

/** Return the name of metric @p index ("submitted", ...), or NULL. */
PROBE_EXTERN const char *probe_metric_name(int index);

/* ------------------------------------------------------------------ */
/* Groups                                                               */
/* ------------------------------------------------------------------ */

/** Group flags. */
enum probe_group_flag {
    PROBE_GROUP_CANCEL_ON_ERROR = 1  /**< first failed task cancels group */
};

/** Tasks submitted together and waited for together. */
typedef struct probe_group probe_group;

/**
 * Create a group feeding @p pl.  Its context is a child of the pool's
 * current run context, so a stop of the pool cancels it.  Returns NULL with
 * errno EINVAL, ENOMEM, or ESRCH when the pool is stopped.
 */
PROBE_EXTERN probe_group *pool_group_new(pool *pl, unsigned flags);

/**
 * Queue @p fn(@p arg) in the group (one small allocation per task).  Blocks
 * while the queue is full.  A queued task whose group is cancelled before
 * it starts is not run: it counts as cancelled and goes to the discard
 * callback.  Returns as pool_run(), plus PROBE_ECANCELED once the group is
 * cancelled.
 */
PROBE_EXTERN int probe_group_run(probe_group *group, probe_task_fn fn,
                                 void *arg);

/**
 * Wait until every task of the group has finished or was cancelled or
 * discarded.  Returns PROBE_OK (at once if there is nothing to wait for),
 * PROBE_ETIMEDOUT, PROBE_EDEADLK from a task of the same group,
 * PROBE_EINVAL.  The group may be reused afterwards.
 */
PROBE_EXTERN int probe_group_wait(probe_group *group, long timeout_ms);

/** Return the first non-zero task result of the group, or 0. */
PROBE_EXTERN int probe_group_error(const probe_group *group);

/** Cancel the group's context: queued tasks will not run. */
PROBE_EXTERN int probe_group_cancel(probe_group *group);

/** Return the group's context (borrowed; valid until the group is freed). */
PROBE_EXTERN probe_ctx *probe_group_ctx(const probe_group *group);

/**
 * Free the group.  Tasks still queued keep their own reference and finish
 * normally.  NULL is a no-op.
 */
PROBE_EXTERN void probe_group_free(probe_group *group);

/* ------------------------------------------------------------------ */
/* Futures                                                              */
/* ------------------------------------------------------------------ */

/** A task whose result pointer is kept in its future. */
typedef void *(*probe_call_fn)(void *arg);

/** Frees a task's argument when the task will never run. */
typedef void (*probe_dtor_fn)(void *arg);

/** A completion handle for one submitted call. */
typedef struct probe_future probe_future;

/** Status of a future. */
enum probe_future_status {
    PROBE_FUTURE_QUEUED = 1,
    PROBE_FUTURE_RUNNING = 2,
    PROBE_FUTURE_DONE = 3,
    PROBE_FUTURE_CANCELLED = 4,
    PROBE_FUTURE_DISCARDED = 5
};

/**
 * Queue @p fn(@p arg) and return its future (one allocation per call).
 * Ownership of @p arg passes to the library at the call: when the call
 * fails, or the task is later cancelled or discarded, @p dtor (may be NULL)
 * runs on @p arg.  Blocks while the queue is full.  Returns NULL with errno
 * EINVAL, ENOMEM, ESRCH (stopped), ECANCELED or EDEADLK.
 */
PROBE_EXTERN probe_future *pool_submit(pool *pl, probe_call_fn fn, void *arg,
                                       probe_dtor_fn dtor);

/**
 * Wait until the future is done, cancelled or discarded.  Returns PROBE_OK,
 * PROBE_ETIMEDOUT, PROBE_EDEADLK when a task waits on itself, PROBE_EINVAL.
 * May be called any number of times, from any thread.
 */
PROBE_EXTERN int probe_future_wait(probe_future *future, long timeout_ms);

/** Return the future's status (probe_future_status) or PROBE_EINVAL. */
PROBE_EXTERN int probe_future_status(const probe_future *future);

/**
 * Cancel a future that has not started: its dtor runs now and the task
 * never will.  Returns PROBE_OK, PROBE_EBUSY once it runs or finished,
 * PROBE_EINVAL.
 */
PROBE_EXTERN int probe_future_cancel(probe_future *future);

/** Return the call's result once done, else NULL. */
PROBE_EXTERN void *probe_future_result(const probe_future *future);

/** Drop the caller's reference; the task keeps its own.  NULL: no-op. */
PROBE_EXTERN void probe_future_free(probe_future *future);

/* ------------------------------------------------------------------ */
/* Inside a task                                                        */
/* ------------------------------------------------------------------ */

/** Return the probe running the calling task, or NULL (pool or none). */
PROBE_EXTERN probe *probe_current(void);

/** Return the pool running the calling task, or NULL. */
PROBE_EXTERN pool *pool_current(void);

/** Return the ID of the worker running the calling thread, or NULL. */
PROBE_EXTERN const char *probe_current_id(void);

/**
 * Return the context that stops the calling task (the group's context for a
 * group task), or NULL outside a task.  Borrowed: valid while the task runs.
 */
PROBE_EXTERN probe_ctx *probe_current_ctx(void);

#ifdef __cplusplus
}
#endif

#endif /* PROBE_H */
