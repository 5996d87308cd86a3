/*
 * Jobs: Lua functions run by pool workers, and the callbacks the C
 * library makes into Lua (log records, discarded tasks).
 *
 * A job is built on the submitting thread, which holds the state lock.  A
 * fresh coroutine gets the message handler, the function and its
 * arguments.  The registry anchors the coroutine, so nothing is collected
 * before the job runs or is discarded.  A worker takes the lock,
 * runs the function with lua_pcall() on that coroutine, reports an error
 * with its traceback to the logger (or stderr), and drops the anchor.  The
 * discard callback and a future's dtor drop it for jobs that never run.
 *
 * A job is shared by its task and, for a future, by the Lua object that
 * reads the results, so it counts references.  The last one unanchors
 * the coroutine under the lock, or only frees the C memory once the state
 * is closed.
 *
 * A callback from the C library runs on whatever thread the library is
 * on: a worker without the lock, or a thread inside a binding call that
 * holds it.  probe_lua_holds() tells the two apart, and Lua code run from
 * a callback gets its own coroutine from probe_lua_newthread().
 */
#include "runtime.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct probe_lua_job {
    atomic_int refs;
    struct probe_lua_vm *vm;
    struct probe_lua_owner *owner;
    lua_State *co;   /* [1] message handler, [2] function, [3..] args */
    int ref;         /* registry anchor of co */
    int nargs;
    atomic_int state; /* JOB_* */
};

enum { JOB_PENDING = 0, JOB_OK, JOB_FAILED };

/* The message handler: add a traceback to the error, keeping a non-string
 * error readable through tostring(). */
static int message_handler(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);

    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_isstring(L, -1))
            msg = lua_tostring(L, -1);
        else
            msg = lua_pushfstring(L, "(error object is a %s value)",
                                  luaL_typename(L, 1));
    }
    probe_lua_traceback(L, msg);
    return 1;
}

struct probe_lua_job *probe_lua_job_new(lua_State *L,
                                        struct probe_lua_owner *owner,
                                        int first, int is_future)
{
    int count = lua_gettop(L) - first + 1, i;
    struct probe_lua_job *job;
    lua_State *co;

    /* Errors are raised here, before anything needs freeing; an error on
     * the new coroutine, which is not running, would panic. */
    luaL_checkstack(L, count + 1, "too many arguments for a task");
    co = lua_newthread(L);
    if (!lua_checkstack(co, count + 1))
        luaL_error(L, "probe: too many arguments for a task (%d)", count - 1);
    job = calloc(1, sizeof *job);
    if (job == NULL) {
        lua_pop(L, 1);
        return NULL;
    }
    atomic_init(&job->refs, is_future ? 2 : 1);
    atomic_init(&job->state, JOB_PENDING);
    job->vm = owner->vm;
    job->owner = owner;
    job->nargs = count - 1;
    job->co = co;

    probe_lua_hook_thread(job->co);
    lua_pushcfunction(job->co, message_handler);
    for (i = first; i < first + count; i++)
        lua_pushvalue(L, i);
    lua_xmove(L, job->co, count);
    job->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    probe_lua_vm_ref(job->vm);
    return job;
}

void probe_lua_job_release(struct probe_lua_job *job)
{
    struct probe_lua_vm *vm = job->vm;
    int took;

    if (atomic_fetch_sub(&job->refs, 1) != 1)
        return;
    took = !probe_lua_holds(vm);
    if (!took || probe_lua_acquire(vm) == PROBE_OK) {
        probe_lua_unref(vm, job->ref);
        if (took)
            probe_lua_release(vm);
    }
    probe_lua_vm_unref(vm);
    free(job);
}

/* Call the owner's logger on @co with level @level, @message and the
 * attributes of @record (may be NULL).  Lock held.  Falls back to stderr
 * when there is no logger or it raised an error. */
static void call_logger(struct probe_lua_owner *owner, lua_State *co,
                        int level, const char *message,
                        const probe_log_record *record)
{
    size_t i, count = record ? probe_log_record_attr_count(record) : 0;

    if (owner->logger_ref == LUA_NOREF || !lua_checkstack(co, 8)) {
        fprintf(stderr, "probe: %s %s\n", probe_log_level_name(level),
                message);
        return;
    }
    lua_rawgeti(co, LUA_REGISTRYINDEX, owner->logger_ref);
    lua_pushstring(co, probe_log_level_name(level));
    lua_pushstring(co, message);
    lua_createtable(co, 0, (int)count + 1);
    for (i = 0; i < count; i++) {
        lua_pushstring(co, probe_log_record_attr_value(record, i));
        lua_setfield(co, -2, probe_log_record_attr_key(record, i));
    }
    if (record == NULL) {
        lua_pushstring(co, owner->id);
        lua_setfield(co, -2, "id");
        lua_pushstring(co, owner->is_probe ? "probe" : "pool");
        lua_setfield(co, -2, "source");
        if (probe_current_id() != NULL) {
            lua_pushstring(co, probe_current_id());
            lua_setfield(co, -2, "worker");
        }
    }
    if (lua_pcall(co, 3, 0, 0) != LUA_OK) {
        fprintf(stderr, "probe: the Lua logger raised an error: %s\n"
                        "probe: the record was: %s %s\n",
                lua_tostring(co, -1), probe_log_level_name(level), message);
        lua_pop(co, 1);
    }
}

/* A probe_log_fn: forward a C library record to the owner's logger. */
static void log_record(const probe_log_record *record, void *payload)
{
    struct probe_lua_owner *owner = payload;
    struct probe_lua_vm *vm = owner->vm;
    int took = !probe_lua_holds(vm), ref;
    lua_State *co;

    if (took && probe_lua_acquire(vm) != PROBE_OK)
        return;
    co = probe_lua_newthread(vm, &ref);
    call_logger(owner, co, probe_log_record_level(record),
                probe_log_record_message(record), record);
    probe_lua_unref(vm, ref);
    if (took)
        probe_lua_release(vm);
}

/* Run the job's function on its coroutine.  Lock held.  Returns 1 when it
 * raised an error, after reporting it. */
static int run_locked(struct probe_lua_job *job, int nresults)
{
    lua_State *co = job->co;
    const char *error;
    char *message;
    size_t size;

    if (lua_pcall(co, job->nargs, nresults, 1) == LUA_OK) {
        atomic_store(&job->state, JOB_OK);
        return 0;
    }
    atomic_store(&job->state, JOB_FAILED);
    /* Format outside the Lua stack: a future's reader expects the error
     * alone above the message handler. */
    error = lua_tostring(co, -1);
    if (error == NULL)
        error = "(error object is not a string)";
    size = strlen(error) + sizeof "task failed: ";
    message = malloc(size);
    if (message != NULL)
        snprintf(message, size, "task failed: %s", error);
    call_logger(job->owner, co, PROBE_LOG_ERROR,
                message != NULL ? message : error, NULL);
    free(message);
    return 1;
}

int probe_lua_task(void *arg)
{
    struct probe_lua_job *job = arg;
    int rc = 1;

    /* A closed state skips the job: its function no longer exists. */
    if (probe_lua_acquire(job->vm) == PROBE_OK) {
        rc = run_locked(job, 0);
        probe_lua_release(job->vm);
    }
    probe_lua_job_release(job);
    return rc;
}

void *probe_lua_call(void *arg)
{
    struct probe_lua_job *job = arg;

    if (probe_lua_acquire(job->vm) == PROBE_OK) {
        run_locked(job, LUA_MULTRET);
        probe_lua_release(job->vm);
    } else {
        atomic_store(&job->state, JOB_FAILED);
    }
    probe_lua_job_release(job);
    return job;
}

void probe_lua_call_dtor(void *arg)
{
    probe_lua_job_release(arg);
}

int probe_lua_job_push_results(struct probe_lua_job *job, lua_State *L)
{
    int state = atomic_load(&job->state), top, i;

    if (state == JOB_PENDING)
        return 0;
    top = lua_gettop(job->co);
    luaL_checkstack(L, top + 1, "too many results");
    if (!lua_checkstack(job->co, top))
        luaL_error(L, "probe: too many results to copy (%d)", top - 1);
    lua_pushboolean(L, state == JOB_OK);
    /* Copy rather than move, so the results can be read again. */
    for (i = 2; i <= top; i++)
        lua_pushvalue(job->co, i);
    lua_xmove(job->co, L, top - 1);
    return top;
}

/* A probe_discard_fn: a queued job will never run. */
static void discard_job(probe_task_fn fn, void *arg, void *payload)
{
    (void)payload;
    if (fn == probe_lua_task)
        probe_lua_job_release(arg);
}

struct probe_lua_owner *probe_lua_owner_new(lua_State *L, int is_probe,
                                            int logger)
{
    struct probe_lua_owner *owner = calloc(1, sizeof *owner);

    if (owner == NULL)
        return NULL;
    owner->vm = probe_lua_vm_get(L);
    owner->is_probe = is_probe;
    owner->logger_ref = LUA_NOREF;
    if (logger != 0) {
        lua_pushvalue(L, logger);
        owner->logger_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    probe_lua_vm_ref(owner->vm);
    return owner;
}

int probe_lua_owner_configure(struct probe_lua_owner *owner,
                              probe_config *config, int min_level)
{
    int rc = probe_config_set_discard(config, discard_job, owner);

    if (rc == PROBE_OK && owner->logger_ref != LUA_NOREF)
        rc = probe_config_set_log(config, min_level, log_record, owner);
    return rc;
}

static void owner_free(struct probe_lua_owner *owner)
{
    struct probe_lua_vm *vm = owner->vm;
    int took = !probe_lua_holds(vm);

    if (owner->logger_ref != LUA_NOREF &&
        (!took || probe_lua_acquire(vm) == PROBE_OK)) {
        probe_lua_unref(vm, owner->logger_ref);
        if (took)
            probe_lua_release(vm);
    }
    probe_lua_vm_unref(vm);
    free(owner);
}

/* The reaper: frees a collected handle on its own thread.  It never holds
 * the state lock while it waits, so workers can finish their jobs. */
static void *reap(void *arg)
{
    struct probe_lua_owner *owner = arg;

    if (owner->is_probe) {
        probe_stop(owner->handle, PROBE_DISCARD, PROBE_NOWAIT);
        probe_free(owner->handle);
    } else {
        pool_stop(owner->handle, PROBE_DISCARD, PROBE_NOWAIT);
        pool_free(owner->handle);
    }
    owner_free(owner);
    return NULL;
}

void probe_lua_owner_collect(struct probe_lua_owner *owner)
{
    pthread_attr_t attr;
    pthread_t thread;
    int rc;

    if (owner->handle == NULL) {
        owner_free(owner);
        return;
    }
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    rc = pthread_create(&thread, &attr, reap, owner);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        /* NOTE: without a thread to wait on, the handle only stops: its
         * memory and the owner leak rather than block a finalizer. */
        fprintf(stderr, "probe: cannot start a thread to free %s %s "
                        "(error %d); it is stopped and leaked\n",
                owner->is_probe ? "probe" : "pool", owner->id, rc);
        if (owner->is_probe)
            probe_stop(owner->handle, PROBE_KEEP, PROBE_NOWAIT);
        else
            pool_stop(owner->handle, PROBE_KEEP, PROBE_NOWAIT);
    }
}

void probe_lua_owner_abandon(struct probe_lua_owner *owner)
{
    /* KEEP, so no discard callback runs Lua code in a closing state. */
    if (owner->handle != NULL && owner->is_probe)
        probe_stop(owner->handle, PROBE_KEEP, PROBE_NOWAIT);
    else if (owner->handle != NULL)
        pool_stop(owner->handle, PROBE_KEEP, PROBE_NOWAIT);
}

static int try_submit(struct probe_lua_owner *owner, struct probe_lua_job *job)
{
    if (owner->is_probe)
        return probe_try_run(owner->handle, probe_lua_task, job);
    return pool_try_run(owner->handle, probe_lua_task, job);
}

static int blocking_submit(struct probe_lua_owner *owner, int how,
                           long timeout_ms, struct probe_lua_job *job)
{
    if (owner->is_probe)
        return probe_run(owner->handle, probe_lua_task, job);
    if (how == 2)
        return pool_run_timed(owner->handle, probe_lua_task, job,
                              timeout_ms);
    return pool_run(owner->handle, probe_lua_task, job);
}

int probe_lua_submit(lua_State *L, struct probe_lua_owner *owner, int how,
                     long timeout_ms, struct probe_lua_job *job)
{
    struct probe_lua_vm *released;
    int rc;

    /* A full queue drains only when workers can take the lock, so the
     * lock is let go even for a submit that will not wait after all. */
    if (how == 1)
        return try_submit(owner, job);
    released = probe_lua_leave(L);
    rc = blocking_submit(owner, how, timeout_ms, job);
    probe_lua_enter(released);
    return rc;
}
