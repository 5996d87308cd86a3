/*
 * The Lua binding's runtime, shared by the SWIG wrapper and the C files
 * beside it: the lock that keeps every OS thread but one out of a Lua
 * state (state_lock.c) and the jobs that run Lua functions on pool
 * workers (tasks.c).  bindings/lua/README.md explains the model.
 */
#ifndef PROBE_LUA_RUNTIME_H
#define PROBE_LUA_RUNTIME_H

#include "compat.h"

#include <probe.h>

/* ------------------------------------------------------------------ */
/* The state lock (state_lock.c)                                        */
/* ------------------------------------------------------------------ */

/* One per Lua state that loaded the binding.  Reference counted, so it
 * outlives lua_close() while workers still point at it. */
struct probe_lua_vm;

/* Create the lock of @L's state, taken by the calling thread, and set the
 * switch hook on @L.  Idempotent per state.  Raises a Lua error on
 * failure. */
struct probe_lua_vm *probe_lua_vm_install(lua_State *L);

/* Return the lock of @L's state, or NULL when the binding is not loaded
 * there. */
struct probe_lua_vm *probe_lua_vm_get(lua_State *L);

void probe_lua_vm_ref(struct probe_lua_vm *vm);
void probe_lua_vm_unref(struct probe_lua_vm *vm);

/* Wait for the lock, first come first served.  Returns PROBE_OK with the
 * lock held, or PROBE_ESTOPPED without it once the state is closed or the
 * process exits: the caller must then not touch the state. */
int probe_lua_acquire(struct probe_lua_vm *vm);

/* Hand the lock to the next waiter. */
void probe_lua_release(struct probe_lua_vm *vm);

/* Return 1 when the calling thread holds @vm's lock. */
int probe_lua_holds(const struct probe_lua_vm *vm);

/* Release the lock before a blocking call made by a function that @L
 * runs.  Returns the vm to pass to probe_lua_enter(), or NULL when the
 * lock must stay held (a pinned section, a closed state). */
struct probe_lua_vm *probe_lua_leave(lua_State *L);

/* Take the lock back after probe_lua_leave().  When the state was closed
 * meanwhile there is no Lua code to return to, so the thread parks
 * forever.  NULL is a no-op. */
void probe_lua_enter(struct probe_lua_vm *vm);

/* Create a coroutine of @vm's state with the switch hook set, anchored in
 * the registry under *@ref.  Lock held.  Works on any thread that holds
 * the lock, even when no Lua function is running there. */
lua_State *probe_lua_newthread(struct probe_lua_vm *vm, int *ref);

/* Drop registry reference @ref.  Lock held. */
void probe_lua_unref(struct probe_lua_vm *vm, int ref);

/* Set the switch hook on coroutine @co. */
void probe_lua_hook_thread(lua_State *co);

/* Create the state's newest close detector, after a handle's userdata.
 * lua_close() runs finalizers newest first, so the detector's runs before
 * any handle's and marks the state closing for them. */
void probe_lua_mark_close(lua_State *L);

/* Return 1 when the calling thread's state is inside lua_close().  A
 * finalizer must then not free a C handle: a worker parked in a blocking
 * call may still be using it, and it leaks instead. */
int probe_lua_closing(void);

/* Return how many times a thread ran Lua code or took the lock while
 * another thread held it: 0 unless the lock is broken. */
unsigned long probe_lua_violations(const struct probe_lua_vm *vm);

/* Return how many times the switch hook handed the lock over. */
unsigned long probe_lua_switches(const struct probe_lua_vm *vm);

/* ------------------------------------------------------------------ */
/* Jobs: Lua functions run by pool workers (tasks.c)                    */
/* ------------------------------------------------------------------ */

/* A pool or probe made from Lua, with the Lua logger its records go to. */
struct probe_lua_owner {
    struct probe_lua_vm *vm;
    void *handle;     /* pool * or probe *; NULL until created */
    int is_probe;
    int logger_ref;   /* registry reference, or LUA_NOREF */
    char id[32];
};

/* Create an owner for a handle made from @L, logging to the function at
 * stack index @logger (0: no logger).  Lock held.  NULL when out of
 * memory. */
struct probe_lua_owner *probe_lua_owner_new(lua_State *L, int is_probe,
                                            int logger);

/* Point @config's log and discard callbacks at @owner. */
int probe_lua_owner_configure(struct probe_lua_owner *owner,
                              probe_config *config, int min_level);

/* Stop and free the owner's handle without blocking the caller, for a
 * __gc metamethod: a detached thread waits for the workers. */
void probe_lua_owner_collect(struct probe_lua_owner *owner);

/* Stop the owner's handle without waiting and leak it, for a __gc inside
 * lua_close(): a parked worker may still be blocked on the handle. */
void probe_lua_owner_abandon(struct probe_lua_owner *owner);

/* One Lua call handed to a worker: a coroutine holding the message
 * handler, the function and its arguments. */
struct probe_lua_job;

/* Move the function at stack index @first and the arguments above it up
 * to the top of @L onto a new job.  @is_future keeps the results for
 * probe_lua_job_push_results().  Lock held.  NULL when out of memory. */
struct probe_lua_job *probe_lua_job_new(lua_State *L,
                                        struct probe_lua_owner *owner,
                                        int first, int is_future);

/* Drop one reference to @job; the last one unanchors its coroutine.
 * Takes the lock unless the calling thread holds it. */
void probe_lua_job_release(struct probe_lua_job *job);

/* A probe_task_fn running a job; returns 1 when the Lua function raised
 * an error, which the logger then received. */
int probe_lua_task(void *arg);

/* A probe_call_fn running a future's job. */
void *probe_lua_call(void *arg);

/* A probe_dtor_fn for a future's job that will never run. */
void probe_lua_call_dtor(void *arg);

/* Push the outcome of a finished future's job onto @L: true and the
 * results, or false and the error message with its traceback.  Returns
 * the number of values pushed, 0 when the job has not finished. */
int probe_lua_job_push_results(struct probe_lua_job *job, lua_State *L);

/* Hand @fn(@arg) to a pool or probe.  @how is 0 (block while full),
 * 1 (fail with PROBE_EFULL) or 2 (block up to @timeout_ms).  Releases the
 * state lock while it blocks.  Returns the C library's code. */
int probe_lua_submit(lua_State *L, struct probe_lua_owner *owner, int how,
                     long timeout_ms, struct probe_lua_job *job);

#endif /* PROBE_LUA_RUNTIME_H */
