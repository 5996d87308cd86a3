/*
 * The state lock: at most one OS thread runs inside a Lua state.
 *
 * A Lua state is not thread-safe, yet pool workers must run Lua
 * functions while the main thread runs the script.  So each state that
 * loads the binding gets one lock, as CPython has its GIL.  The thread
 * that loads the binding takes it at once.  From then on a thread runs
 * Lua code in that state only while it holds the lock.  Workers take it to
 * run a job, and the binding lets it go around every call that blocks.
 *
 * The lock is a ticket lock on a mutex and a condition variable, so it is
 * handed over first come, first served: a thread that releases and asks
 * again queues behind the threads already waiting.  A count hook
 * (lua_sethook with LUA_MASKCOUNT) on every coroutine the binding knows
 * of hands the lock over every SWITCH_INSTRUCTIONS instructions when
 * another thread waits, so a script looping in pure Lua cannot starve
 * the workers.
 *
 * A "pinned" section (the holder using the shared service coroutine) must
 * not release the lock: a finalizer that runs there and blocks keeps it.
 *
 * Closing happens in two steps, both on the thread that holds the lock
 * inside lua_close().  First the close detector's __gc marks the state
 * closing: the detector is re-created after every handle, and lua_close()
 * runs finalizers newest first, so this comes before any handle's
 * finalizer, which then leaks its C handle rather than free it under a
 * worker that is blocked on it.  Last, the sentinel's __gc (the oldest
 * object) marks the lock closed and lets it go for good.  From then on
 * probe_lua_acquire() fails at once, a worker that finds the
 * state closed before a job skips the job, and one that was inside a job
 * (blocked in a call that released the lock) parks forever, because the
 * Lua frames it would return to are gone.  At process exit, an atexit
 * handler closes every lock the same way, so no thread of ours waits for
 * a lock whose holder is inside exit().
 */
#include "runtime.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Instructions between two runs of the switch hook.  1000 simple
 * instructions take a few microseconds (an estimate for a current x86-64
 * core), so a waiting worker gets the lock within about that time. */
#define SWITCH_INSTRUCTIONS 1000

struct probe_lua_vm {
    pthread_mutex_t mutex;
    pthread_cond_t turn_cv;
    unsigned long next_ticket; /* under mutex */
    unsigned long serving;     /* under mutex: the ticket that may run */
    atomic_int waiting;        /* threads waiting for their turn */
    atomic_int closed;
    atomic_int closing;        /* lua_close() has begun */
    atomic_int refs;
    atomic_uintptr_t holder;   /* address of the holder's thread_tag */
    atomic_int inside;         /* threads past acquire: 0 or 1 */
    atomic_ulong violations;
    atomic_ulong switches;
    int pinned;                /* holder only */
    lua_State *service;        /* a coroutine for threads with no stack */
};

/* The registry keys: their addresses are unique in the process. */
static const char vm_key;
static const char sentinel_key;
static const char service_key;
static const char detector_key;

static _Thread_local char thread_tag;
static _Thread_local struct probe_lua_vm *held_vm;
static atomic_int process_exiting;
static pthread_once_t atexit_once = PTHREAD_ONCE_INIT;

static int is_closed(const struct probe_lua_vm *vm)
{
    return atomic_load(&vm->closed) || atomic_load(&process_exiting);
}

static void mark_exiting(void)
{
    atomic_store(&process_exiting, 1);
}

static void register_atexit(void)
{
    atexit(mark_exiting);
}

void probe_lua_vm_ref(struct probe_lua_vm *vm)
{
    atomic_fetch_add(&vm->refs, 1);
}

void probe_lua_vm_unref(struct probe_lua_vm *vm)
{
    if (atomic_fetch_sub(&vm->refs, 1) != 1)
        return;
    pthread_mutex_destroy(&vm->mutex);
    pthread_cond_destroy(&vm->turn_cv);
    free(vm);
}

int probe_lua_acquire(struct probe_lua_vm *vm)
{
    unsigned long ticket;
    int closed;

    pthread_mutex_lock(&vm->mutex);
    ticket = vm->next_ticket++;
    atomic_fetch_add(&vm->waiting, 1);
    while (vm->serving != ticket && !is_closed(vm))
        pthread_cond_wait(&vm->turn_cv, &vm->mutex);
    atomic_fetch_sub(&vm->waiting, 1);
    closed = is_closed(vm);
    pthread_mutex_unlock(&vm->mutex);
    if (closed)
        return PROBE_ESTOPPED;

    if (atomic_fetch_add(&vm->inside, 1) != 0)
        atomic_fetch_add(&vm->violations, 1);
    atomic_store(&vm->holder, (uintptr_t)&thread_tag);
    held_vm = vm;
    return PROBE_OK;
}

void probe_lua_release(struct probe_lua_vm *vm)
{
    held_vm = NULL;
    atomic_store(&vm->holder, 0);
    atomic_fetch_sub(&vm->inside, 1);
    pthread_mutex_lock(&vm->mutex);
    vm->serving++;
    pthread_cond_broadcast(&vm->turn_cv);
    pthread_mutex_unlock(&vm->mutex);
}

int probe_lua_holds(const struct probe_lua_vm *vm)
{
    return held_vm == vm && !is_closed(vm);
}

static void park_forever(void)
{
    pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t never = PTHREAD_COND_INITIALIZER;

    pthread_mutex_lock(&mutex);
    for (;;)
        pthread_cond_wait(&never, &mutex);
}

struct probe_lua_vm *probe_lua_leave(lua_State *L)
{
    struct probe_lua_vm *vm = probe_lua_vm_get(L);

    if (vm == NULL || held_vm != vm || vm->pinned > 0 || is_closed(vm))
        return NULL;
    probe_lua_release(vm);
    return vm;
}

void probe_lua_enter(struct probe_lua_vm *vm)
{
    if (vm != NULL && probe_lua_acquire(vm) != PROBE_OK)
        park_forever();
}

struct probe_lua_vm *probe_lua_vm_get(lua_State *L)
{
    struct probe_lua_vm *vm;

    probe_lua_rawgetkey(L, &vm_key);
    vm = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return vm;
}

/* Runs every SWITCH_INSTRUCTIONS instructions on each hooked coroutine.
 * The thread running here runs Lua code, so it must hold the lock. */
static void switch_hook(lua_State *L, lua_Debug *ar)
{
    struct probe_lua_vm *vm = probe_lua_vm_get(L);

    (void)ar;
    if (vm == NULL || is_closed(vm))
        return;
    if (atomic_load(&vm->holder) != (uintptr_t)&thread_tag)
        atomic_fetch_add(&vm->violations, 1);
    if (atomic_load(&vm->waiting) == 0 || vm->pinned > 0 || held_vm != vm)
        return;
    atomic_fetch_add(&vm->switches, 1);
    probe_lua_release(vm);
    probe_lua_enter(vm);
}

static void set_hook(lua_State *L)
{
    lua_sethook(L, switch_hook, LUA_MASKCOUNT, SWITCH_INSTRUCTIONS);
}

void probe_lua_hook_thread(lua_State *co)
{
#ifdef LUA_JROOT
    /* LuaJIT keeps one hook and one count for the whole VM, set at
     * install: setting it again here would restart the count at every
     * submit, and a loop that submits would never reach the hook. */
    (void)co;
#else
    set_hook(co);
#endif
}

lua_State *probe_lua_newthread(struct probe_lua_vm *vm, int *ref)
{
    lua_State *co;

    /* The allocation may run finalizers on the service coroutine, which
     * must not release the lock while this section uses it. */
    vm->pinned++;
    co = lua_newthread(vm->service);
    *ref = luaL_ref(vm->service, LUA_REGISTRYINDEX);
    vm->pinned--;
    probe_lua_hook_thread(co);
    return co;
}

void probe_lua_unref(struct probe_lua_vm *vm, int ref)
{
    vm->pinned++;
    luaL_unref(vm->service, LUA_REGISTRYINDEX, ref);
    vm->pinned--;
}

unsigned long probe_lua_violations(const struct probe_lua_vm *vm)
{
    return atomic_load(&vm->violations);
}

unsigned long probe_lua_switches(const struct probe_lua_vm *vm)
{
    return atomic_load(&vm->switches);
}

/* The close detector's __gc.  Only the newest detector is live: older ones
 * are retired (their slot cleared) and collected without effect. */
static int detector_gc(lua_State *L)
{
    struct probe_lua_vm **slot = lua_touserdata(L, 1);

    if (*slot != NULL)
        atomic_store(&(*slot)->closing, 1);
    return 0;
}

void probe_lua_mark_close(lua_State *L)
{
    struct probe_lua_vm *vm = probe_lua_vm_get(L), **slot;

    if (vm == NULL)
        return;
    probe_lua_rawgetkey(L, &detector_key);
    slot = lua_touserdata(L, -1);
    if (slot != NULL)
        *slot = NULL;
    lua_pop(L, 1);

    slot = probe_lua_newuserdata(L, sizeof *slot);
    *slot = vm;
    if (luaL_newmetatable(L, "probe.close_detector")) {
        lua_pushcfunction(L, detector_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    probe_lua_rawsetkey(L, &detector_key);
}

int probe_lua_closing(void)
{
    return held_vm != NULL && atomic_load(&held_vm->closing);
}

/* The sentinel's __gc: runs inside lua_close(), after the finalizers of
 * every pool and context made later than the binding was loaded. */
static int sentinel_gc(lua_State *L)
{
    struct probe_lua_vm **slot = lua_touserdata(L, 1);
    struct probe_lua_vm *vm = *slot;

    if (vm == NULL)
        return 0;
    *slot = NULL;
    pthread_mutex_lock(&vm->mutex);
    atomic_store(&vm->closed, 1);
    pthread_cond_broadcast(&vm->turn_cv);
    pthread_mutex_unlock(&vm->mutex);
    if (held_vm == vm) {
        held_vm = NULL;
        atomic_store(&vm->holder, 0);
    }
    probe_lua_vm_unref(vm);
    return 0;
}

static struct probe_lua_vm *vm_alloc(void)
{
    struct probe_lua_vm *vm = calloc(1, sizeof *vm);

    if (vm == NULL)
        return NULL;
    pthread_mutex_init(&vm->mutex, NULL);
    pthread_cond_init(&vm->turn_cv, NULL);
    atomic_init(&vm->refs, 1);
    return vm;
}

struct probe_lua_vm *probe_lua_vm_install(lua_State *L)
{
    struct probe_lua_vm *vm = probe_lua_vm_get(L), **slot;

    if (vm != NULL)
        return vm;
    pthread_once(&atexit_once, register_atexit);
    vm = vm_alloc();
    if (vm == NULL)
        luaL_error(L, "probe: out of memory creating the state lock");

    /* The sentinel lives in the registry until lua_close(). */
    slot = probe_lua_newuserdata(L, sizeof *slot);
    *slot = vm;
    if (luaL_newmetatable(L, "probe.state_lock")) {
        lua_pushcfunction(L, sentinel_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    probe_lua_rawsetkey(L, &sentinel_key);

    vm->service = lua_newthread(L);
    probe_lua_rawsetkey(L, &service_key);
    lua_pushlightuserdata(L, vm);
    probe_lua_rawsetkey(L, &vm_key);

    probe_lua_acquire(vm);
    set_hook(L);
    probe_lua_hook_thread(vm->service);
#if LUA_VERSION_NUM >= 502
    /* require may run in a coroutine: hook the main thread as well. */
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
    probe_lua_hook_thread(lua_tothread(L, -1));
    lua_pop(L, 1);
#endif
    return vm;
}
