/*
 * A fault injector loaded with LD_PRELOAD.  It interposes malloc, calloc,
 * realloc, aligned_alloc, free, pthread_create and pipe2, and once armed
 * makes the Nth call that comes from inside libprobe fail (ENOMEM for an
 * allocation, EAGAIN for a thread, EMFILE for a pipe).  Calls from any
 * other object, such as the test driver or glibc itself, pass through
 * and are not counted.
 *
 * A call comes "from libprobe" when its return address lies in one of
 * libprobe's loaded segments.  A sibling call (a tail jump into malloc)
 * hides its caller, so the driver's library is built with
 * -fno-optimize-sibling-calls.
 *
 * The injector also keeps the set of live blocks that libprobe
 * allocated, whoever frees them, so the driver can check that a failed
 * call and the cleanup after it leave no block behind.
 *
 * Real allocations go through glibc's __libc_* entry points, which never
 * call back into these wrappers, and which valgrind's memcheck still
 * intercepts, so a memcheck run sees every block.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faultinj.h"

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void __libc_free(void *ptr);

#define EXPORT __attribute__((visibility("default")))
#define CALLER ((uintptr_t)__builtin_return_address(0))

/* Address range of libprobe's loaded segments; 0..0 until found. */
static uintptr_t lib_start, lib_end;

static atomic_int armed;
static atomic_long fail_at;      /* 1-based index of the call to fail */
static atomic_long seen;         /* calls from libprobe since arming */
static atomic_int fired;

/* Open-addressing set of live blocks allocated by libprobe. */
#define LIVE_SLOTS (1u << 16)
#define TOMBSTONE ((uintptr_t)1)
static uintptr_t live[LIVE_SLOTS];
static long live_count;
static atomic_flag live_lock = ATOMIC_FLAG_INIT;

static int find_probe(struct dl_phdr_info *info, size_t size, void *unused)
{
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    int i;

    (void)size;
    (void)unused;
    if (info->dlpi_name == NULL || strstr(info->dlpi_name, "libprobe") == NULL)
        return 0;
    for (i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t a = info->dlpi_addr + ph->p_vaddr;

        if (ph->p_type != PT_LOAD)
            continue;
        if (a < lo)
            lo = a;
        if (a + ph->p_memsz > hi)
            hi = a + ph->p_memsz;
    }
    lib_start = lo;
    lib_end = hi;
    return 1;
}

static int from_probe(uintptr_t caller)
{
    return caller >= lib_start && caller < lib_end;
}

static void live_acquire(void)
{
    while (atomic_flag_test_and_set_explicit(&live_lock,
                                             memory_order_acquire))
        ;
}

static void live_release(void)
{
    atomic_flag_clear_explicit(&live_lock, memory_order_release);
}

static size_t live_hash(uintptr_t p)
{
    return (size_t)((p >> 4) * UINT64_C(0x9E3779B97F4A7C15) >> 48) &
           (LIVE_SLOTS - 1);
}

static void live_add(void *ptr)
{
    uintptr_t p = (uintptr_t)ptr;
    size_t i, n;

    if (ptr == NULL)
        return;
    live_acquire();
    for (i = live_hash(p), n = 0; n < LIVE_SLOTS;
         i = (i + 1) & (LIVE_SLOTS - 1), n++)
        if (live[i] == 0 || live[i] == TOMBSTONE) {
            live[i] = p;
            live_count++;
            break;
        }
    live_release();
}

static void live_remove(void *ptr)
{
    uintptr_t p = (uintptr_t)ptr;
    size_t i, n;

    if (ptr == NULL)
        return;
    live_acquire();
    for (i = live_hash(p), n = 0; n < LIVE_SLOTS;
         i = (i + 1) & (LIVE_SLOTS - 1), n++) {
        if (live[i] == 0)
            break;
        if (live[i] == p) {
            live[i] = TOMBSTONE;
            live_count--;
            break;
        }
    }
    live_release();
}

/* Count a call from libprobe; returns 1 when this one must fail. */
static int should_fail(uintptr_t caller)
{
    if (!atomic_load_explicit(&armed, memory_order_acquire) ||
        !from_probe(caller))
        return 0;
    if (atomic_fetch_add(&seen, 1) + 1 != atomic_load(&fail_at))
        return 0;
    atomic_store(&fired, 1);
    return 1;
}

EXPORT int faultinj_arm(long nth)
{
    if (lib_end == 0)
        dl_iterate_phdr(find_probe, NULL);
    if (lib_end == 0)
        return -1;
    atomic_store(&fired, 0);
    atomic_store(&seen, 0);
    atomic_store(&fail_at, nth);
    atomic_store_explicit(&armed, 1, memory_order_release);
    return 0;
}

EXPORT int faultinj_disarm(void)
{
    atomic_store_explicit(&armed, 0, memory_order_release);
    return atomic_load(&fired);
}

EXPORT long faultinj_seen(void)
{
    return atomic_load(&seen);
}

EXPORT long faultinj_live(void)
{
    long n;

    live_acquire();
    n = live_count;
    live_release();
    return n;
}

static void *track(uintptr_t caller, void *ptr)
{
    if (from_probe(caller))
        live_add(ptr);
    return ptr;
}

EXPORT void *malloc(size_t size)
{
    uintptr_t caller = CALLER;

    if (should_fail(caller)) {
        errno = ENOMEM;
        return NULL;
    }
    return track(caller, __libc_malloc(size));
}

EXPORT void *calloc(size_t count, size_t size)
{
    uintptr_t caller = CALLER;

    if (should_fail(caller)) {
        errno = ENOMEM;
        return NULL;
    }
    return track(caller, __libc_calloc(count, size));
}

EXPORT void *realloc(void *ptr, size_t size)
{
    uintptr_t caller = CALLER;
    void *moved;

    if (should_fail(caller)) {
        errno = ENOMEM;
        return NULL;
    }
    moved = __libc_realloc(ptr, size);
    if (moved != NULL || size == 0)
        live_remove(ptr);
    return track(caller, moved);
}

EXPORT void *aligned_alloc(size_t alignment, size_t size)
{
    uintptr_t caller = CALLER;

    if (should_fail(caller)) {
        errno = ENOMEM;
        return NULL;
    }
    return track(caller, __libc_memalign(alignment, size));
}

EXPORT void free(void *ptr)
{
    live_remove(ptr);
    __libc_free(ptr);
}

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *,
                         void *(*)(void *), void *);

EXPORT int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
                          void *(*start)(void *), void *arg)
{
    static create_fn real;

    if (should_fail(CALLER))
        return EAGAIN;
    if (real == NULL)
        real = (create_fn)dlsym(RTLD_NEXT, "pthread_create");
    return real(thread, attr, start, arg);
}

typedef int (*pipe2_fn)(int fds[2], int flags);

EXPORT int pipe2(int fds[2], int flags)
{
    static pipe2_fn real;

    if (should_fail(CALLER)) {
        errno = EMFILE;
        return -1;
    }
    if (real == NULL)
        real = (pipe2_fn)dlsym(RTLD_NEXT, "pipe2");
    return real(fds, flags);
}
