/*
 * The raw Lua module probe_core: the C API of include/probe.h as SWIG
 * wraps it, plus native functions for the calls that take Lua functions.
 * probe.lua builds the documented interface on top; scripts should
 * require "probe", not this module.
 *
 * Conventions of this module:
 *  - Functions keep their C names and return the C codes; probe.lua turns
 *    codes into Lua errors.
 *  - Contexts, configs and groups are owned by their userdata and freed
 *    by __gc.  Pools, probes and futures are plain pointers whose
 *    lifetime belongs to a separate "owner" userdata returned beside them.
 *  - Every call that can block, or can take a pool's life lock (stop,
 *    start, resize, cancel), releases the state lock while it runs.
 */
%module probe_core

%{
#include <errno.h>
#include <time.h>

#include "runtime.h"
%}

/* Whole numbers are integers in Lua 5.3 and later, not floats. */
%typemap(out) int, long, size_t, unsigned
    %{ lua_pushinteger(L, (lua_Integer)$1); SWIG_arg++; %}

/* The enum of the same name would hide the function. */
%rename(probe_future_status_of) probe_future_status(const probe_future *);

%define PROBE_LUA_RELEASES_LOCK(name)
%exception name {
    struct probe_lua_vm *released = probe_lua_leave(L);
    $action
    probe_lua_enter(released);
}
%enddef

PROBE_LUA_RELEASES_LOCK(probe_ctx_cancel)
PROBE_LUA_RELEASES_LOCK(probe_ctx_wait)
PROBE_LUA_RELEASES_LOCK(pool_stop)
PROBE_LUA_RELEASES_LOCK(pool_stop_timed)
PROBE_LUA_RELEASES_LOCK(pool_start)
PROBE_LUA_RELEASES_LOCK(pool_wait)
PROBE_LUA_RELEASES_LOCK(pool_resize)
PROBE_LUA_RELEASES_LOCK(probe_stop)
PROBE_LUA_RELEASES_LOCK(probe_start)
PROBE_LUA_RELEASES_LOCK(pool_group_new)
PROBE_LUA_RELEASES_LOCK(probe_group_wait)
PROBE_LUA_RELEASES_LOCK(probe_group_cancel)
PROBE_LUA_RELEASES_LOCK(probe_future_wait)
PROBE_LUA_RELEASES_LOCK(probe_future_cancel)

/* Calls taking C callbacks or raw buffers: the natives below replace
 * them, or probe.lua has no use for them. */
%ignore probe_ctx_ref;
%ignore probe_ctx_free;
%ignore probe_config_free;
%ignore probe_config_get;
%ignore probe_config_set_log;
%ignore probe_config_set_discard;
%ignore probe_config_set_hooks;
%ignore probe_log_record_level;
%ignore probe_log_record_message;
%ignore probe_log_record_attr_count;
%ignore probe_log_record_attr_key;
%ignore probe_log_record_attr_value;
%ignore probe_log_record_get;
%ignore probe_log_text;
%ignore probe_log_json;
%ignore probe_new;
%ignore probe_run;
%ignore probe_try_run;
%ignore probe_free;
%ignore pool_new;
%ignore pool_run;
%ignore pool_try_run;
%ignore pool_run_timed;
%ignore pool_run_batch;
%ignore pool_free;
%ignore pool_metrics;
%ignore probe_group_run;
%ignore probe_group_ctx;
%ignore probe_group_free;
%ignore pool_submit;
%ignore probe_future_result;
%ignore probe_future_free;
%ignore probe_current;
%ignore pool_current;
%ignore probe_current_ctx;
%ignore probe_option_bounds;

%newobject probe_ctx_new;
%newobject probe_ctx_new_child;
%newobject probe_ctx_new_timeout;
%newobject probe_config_new;
%newobject pool_group_new;
%newobject probe_lua_current_ctx;
%newobject probe_lua_group_ctx;

#define PROBE_EXTERN
%include "probe.h"

/* Opaque in C; given bodies here only so that SWIG attaches a
 * destructor, which __gc calls on owned userdata.  Inside lua_close() a
 * handle leaks instead: a parked worker may still be blocked on it. */
%nodefaultctor;
struct probe_ctx {};
struct probe_config {};
struct probe_group {};
%extend probe_ctx {
    ~probe_ctx() { if (!probe_lua_closing()) probe_ctx_free($self); }
}
%extend probe_config {
    ~probe_config() { probe_config_free($self); }
}
%extend probe_group {
    ~probe_group() { if (!probe_lua_closing()) probe_group_free($self); }
}
%clearnodefaultctor;

%inline %{
/* The context of the running task, as a new reference. */
probe_ctx *probe_lua_current_ctx(void)
{
    return probe_ctx_ref(probe_current_ctx());
}

/* The bounds of a probe_option, as probe_option_bounds() stores them:
 * which is 0 for the minimum, 1 for the maximum; 0 when unknown. */
double probe_lua_option_bound(int option, int which)
{
    long long min = 0, max = 0;

    if (probe_option_bounds(option, &min, &max) != PROBE_OK)
        return 0;
    return (double)(which ? max : min);
}

/* The group's context, as a new reference. */
probe_ctx *probe_lua_group_ctx(probe_group *group)
{
    return probe_ctx_ref(probe_group_ctx(group));
}
%}

%init %{
    probe_lua_vm_install(L);
%}

%native(pool_create) int probe_lua_pool_create(lua_State *L);
%native(task_run) int probe_lua_task_run(lua_State *L);
%native(group_run) int probe_lua_group_run(lua_State *L);
%native(submit) int probe_lua_submit_future(lua_State *L);
%native(future_values) int probe_lua_future_values(lua_State *L);
%native(metrics) int probe_lua_metrics(lua_State *L);
%native(sleep) int probe_lua_sleep(lua_State *L);
%native(lock_stats) int probe_lua_lock_stats(lua_State *L);
%native(mark_close) int probe_lua_mark_close_native(lua_State *L);
%native(monotonic) int probe_lua_monotonic(lua_State *L);

%{
int probe_lua_pool_create(lua_State *L);
int probe_lua_task_run(lua_State *L);
int probe_lua_group_run(lua_State *L);
int probe_lua_submit_future(lua_State *L);
int probe_lua_future_values(lua_State *L);
int probe_lua_metrics(lua_State *L);
int probe_lua_sleep(lua_State *L);
int probe_lua_lock_stats(lua_State *L);
int probe_lua_mark_close_native(lua_State *L);
int probe_lua_monotonic(lua_State *L);
%}

%wrapper %{
#define OWNER_METATABLE "probe.owner"
#define FUTURE_METATABLE "probe.future"

/* A future's Lua side: the C future and the job whose results it reads. */
struct future_box {
    probe_future *future;
    struct probe_lua_job *job;
};

static int owner_gc(lua_State *L)
{
    struct probe_lua_owner **box = luaL_checkudata(L, 1, OWNER_METATABLE);

    if (*box != NULL && probe_lua_closing())
        probe_lua_owner_abandon(*box);
    else if (*box != NULL)
        probe_lua_owner_collect(*box);
    *box = NULL;
    return 0;
}

static int future_gc(lua_State *L)
{
    struct future_box *box = luaL_checkudata(L, 1, FUTURE_METATABLE);

    /* Inside lua_close() a worker may be blocked in probe_future_wait():
     * leak the future and the job rather than free them under it. */
    if (probe_lua_closing())
        return 0;
    probe_future_free(box->future);
    if (box->job != NULL)
        probe_lua_job_release(box->job);
    box->future = NULL;
    box->job = NULL;
    return 0;
}

static void push_box_metatable(lua_State *L, const char *name,
                               lua_CFunction gc)
{
    if (luaL_newmetatable(L, name)) {
        lua_pushcfunction(L, gc);
        lua_setfield(L, -2, "__gc");
        lua_pushstring(L, "the metatable is private");
        lua_setfield(L, -2, "__metatable");
    }
}

static struct probe_lua_owner *check_owner(lua_State *L, int index)
{
    struct probe_lua_owner **box = luaL_checkudata(L, index,
                                                   OWNER_METATABLE);

    if (*box == NULL || (*box)->handle == NULL)
        luaL_argerror(L, index, "the pool or probe is freed");
    return *box;
}

static void *check_pointer(lua_State *L, int index, swig_type_info *type)
{
    void *p = NULL;

    if (!SWIG_IsOK(SWIG_ConvertPtr(L, index, &p, type, 0)) || p == NULL)
        luaL_argerror(L, index, type->str);
    return p;
}

/* Push nil, the failed call's code and its message. */
static int push_failure(lua_State *L, int code)
{
    lua_pushnil(L);
    lua_pushinteger(L, code);
    lua_pushstring(L, probe_last_message());
    return 3;
}

/* pool_create(config, is_probe, logger|nil, min_level) returns the handle
 * and its owner, or nil, code, message. */
int probe_lua_pool_create(lua_State *L)
{
    probe_config *config = check_pointer(L, 1, SWIGTYPE_p_probe_config);
    int is_probe = lua_toboolean(L, 2), rc;
    int level = (int)luaL_optinteger(L, 4, PROBE_LOG_INFO);
    struct probe_lua_owner *owner, **box;
    struct probe_lua_vm *released;
    void *handle;

    if (!lua_isnoneornil(L, 3))
        luaL_checktype(L, 3, LUA_TFUNCTION);
    owner = probe_lua_owner_new(L, is_probe, lua_isnoneornil(L, 3) ? 0 : 3);
    if (owner == NULL)
        return luaL_error(L, "probe: out of memory");
    /* The box frees the owner if anything below fails. */
    box = probe_lua_newuserdata(L, sizeof *box);
    *box = owner;
    push_box_metatable(L, OWNER_METATABLE, owner_gc);
    lua_setmetatable(L, -2);

    rc = probe_lua_owner_configure(owner, config, level);
    if (rc != PROBE_OK)
        return push_failure(L, rc);
    released = probe_lua_leave(L);
    handle = is_probe ? (void *)probe_new(config) : (void *)pool_new(config);
    probe_lua_enter(released);
    if (handle == NULL)
        return push_failure(L, probe_last_error());

    owner->handle = handle;
    probe_lua_mark_close(L);
    snprintf(owner->id, sizeof owner->id, "%s",
             is_probe ? probe_id(handle) : pool_id(handle));
    SWIG_NewPointerObj(L, handle, is_probe ? SWIGTYPE_p_probe
                                           : SWIGTYPE_p_pool, 0);
    lua_insert(L, -2);
    return 2;
}

/* task_run(owner, how, timeout_ms, fn, ...) returns the C code; how is 0
 * (block), 1 (try) or 2 (timed). */
int probe_lua_task_run(lua_State *L)
{
    struct probe_lua_owner *owner = check_owner(L, 1);
    int how = (int)luaL_checkinteger(L, 2), rc;
    long timeout_ms = (long)luaL_optinteger(L, 3, PROBE_FOREVER);
    struct probe_lua_job *job;

    luaL_checktype(L, 4, LUA_TFUNCTION);
    job = probe_lua_job_new(L, owner, 4, 0);
    if (job == NULL)
        return luaL_error(L, "probe: out of memory");
    rc = probe_lua_submit(L, owner, how, timeout_ms, job);
    /* On failure the caller keeps the job. */
    if (rc != PROBE_OK)
        probe_lua_job_release(job);
    lua_pushinteger(L, rc);
    return 1;
}

/* group_run(owner, group, fn, ...) returns the C code. */
int probe_lua_group_run(lua_State *L)
{
    struct probe_lua_owner *owner = check_owner(L, 1);
    probe_group *group = check_pointer(L, 2, SWIGTYPE_p_probe_group);
    struct probe_lua_vm *released;
    struct probe_lua_job *job;
    int rc;

    luaL_checktype(L, 3, LUA_TFUNCTION);
    job = probe_lua_job_new(L, owner, 3, 0);
    if (job == NULL)
        return luaL_error(L, "probe: out of memory");
    released = probe_lua_leave(L);
    rc = probe_group_run(group, probe_lua_task, job);
    probe_lua_enter(released);
    if (rc != PROBE_OK)
        probe_lua_job_release(job);
    lua_pushinteger(L, rc);
    return 1;
}

/* submit(owner, fn, ...) returns the future and its box, or nil, code,
 * message. */
int probe_lua_submit_future(lua_State *L)
{
    struct probe_lua_owner *owner = check_owner(L, 1);
    struct probe_lua_vm *released;
    struct probe_lua_job *job;
    struct future_box *box;
    probe_future *future;
    int code;

    if (owner->is_probe)
        return luaL_argerror(L, 1, "futures need a pool");
    luaL_checktype(L, 2, LUA_TFUNCTION);
    job = probe_lua_job_new(L, owner, 2, 1);
    if (job == NULL)
        return luaL_error(L, "probe: out of memory");
    box = probe_lua_newuserdata(L, sizeof *box);
    box->future = NULL;
    box->job = job;
    push_box_metatable(L, FUTURE_METATABLE, future_gc);
    lua_setmetatable(L, -2);

    released = probe_lua_leave(L);
    future = pool_submit(owner->handle, probe_lua_call, job,
                         probe_lua_call_dtor);
    probe_lua_enter(released);
    if (future == NULL) {
        /* The dtor dropped the task's reference; the box drops its own. */
        code = probe_last_error();
        return push_failure(L, code);
    }
    box->future = future;
    probe_lua_mark_close(L);
    SWIG_NewPointerObj(L, future, SWIGTYPE_p_probe_future, 0);
    lua_insert(L, -2);
    return 2;
}

/* future_values(box) returns true and the results, false and the error
 * with its traceback, or nothing while the call has not finished. */
int probe_lua_future_values(lua_State *L)
{
    struct future_box *box = luaL_checkudata(L, 1, FUTURE_METATABLE);

    return probe_lua_job_push_results(box->job, L);
}

/* metrics(pool) returns a table of the pool's counters by name. */
int probe_lua_metrics(lua_State *L)
{
    pool *pl = check_pointer(L, 1, SWIGTYPE_p_pool);
    uint64_t values[PROBE_METRIC_COUNT];
    int count = pool_metrics(pl, values, PROBE_METRIC_COUNT), i;

    if (count < 0)
        return luaL_error(L, "probe: pool_metrics: %s",
                          probe_last_message());
    lua_createtable(L, 0, count);
    for (i = 0; i < count; i++) {
        lua_pushinteger(L, (lua_Integer)values[i]);
        lua_setfield(L, -2, probe_metric_name(i));
    }
    return 1;
}

/* sleep(ms) sleeps without holding the state lock. */
int probe_lua_sleep(lua_State *L)
{
    lua_Number ms = luaL_checknumber(L, 1);
    struct probe_lua_vm *released;
    struct timespec left;

    luaL_argcheck(L, ms >= 0, 1, "the time must be 0 or more");
    left.tv_sec = (time_t)(ms / 1000);
    left.tv_nsec = (long)((ms - (lua_Number)left.tv_sec * 1000) * 1e6);
    released = probe_lua_leave(L);
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        continue;
    probe_lua_enter(released);
    return 0;
}

/* mark_close() re-creates the close detector after a new handle. */
int probe_lua_mark_close_native(lua_State *L)
{
    probe_lua_mark_close(L);
    return 0;
}

/* monotonic() returns seconds on CLOCK_MONOTONIC, for measuring. */
int probe_lua_monotonic(lua_State *L)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    lua_pushnumber(L, (lua_Number)now.tv_sec + (lua_Number)now.tv_nsec / 1e9);
    return 1;
}

/* lock_stats() returns how often the state lock was broken (0 unless
 * there is a bug) and how often the hook handed it over. */
int probe_lua_lock_stats(lua_State *L)
{
    struct probe_lua_vm *vm = probe_lua_vm_get(L);

    lua_pushinteger(L, vm ? (lua_Integer)probe_lua_violations(vm) : 0);
    lua_pushinteger(L, vm ? (lua_Integer)probe_lua_switches(vm) : 0);
    return 2;
}
%}
