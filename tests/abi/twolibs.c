/*
 * Load probe and a neighbor library that exports pool_* names of its
 * own into one process, both with RTLD_GLOBAL, in the order given, and
 * show that neither library's calls reach the other.
 *
 * probe calls one of the shared names internally: probe_running() calls
 * pool_running().  That call must stay inside probe in both load orders,
 * which -Bsymbolic-functions and the PROBE_0.1 versions guarantee.  The
 * neighbor's internal calls stay inside it when it carries versions of
 * its own; an unversioned neighbor loaded after probe would have its
 * calls bound to probe's definitions, which no property of probe can
 * prevent, so that one case is not exercised.
 *
 * Usage: twolibs probe-first|neighbor-first NEIGHBOR [PROBE]
 * Exit status 0 on success, 1 on a failed check, 99 on a load failure.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "probe.h"

#ifndef PROBE_LIBRARY_PATH
#define PROBE_LIBRARY_PATH "lib/.libs/libprobe.so.0"
#endif

/* A hung library ends the test through SIGALRM after this many seconds. */
#define WATCHDOG_S 60

static int failures;

#define CHECK(cond)                                                      \
    do {                                                                 \
        if (!(cond)) {                                                   \
            fprintf(stderr, "twolibs: FAIL %s:%d: %s\n", __FILE__,      \
                    __LINE__, #cond);                                    \
            failures++;                                                  \
        }                                                                \
    } while (0)

static void *probe_lib;
static void *neighbor_lib;

static void *need(void *handle, const char *name)
{
    void *address = dlsym(handle, name);

    if (address == NULL) {
        fprintf(stderr, "twolibs: dlsym(%s) failed: %s\n", name, dlerror());
        failures++;
    }
    return address;
}

static int neighbor_count(const char *name)
{
    int (*calls)(const char *) = need(neighbor_lib, "neighbor_calls");

    return calls != NULL ? calls(name) : -1;
}

static int total_neighbor_calls(void)
{
    static const char *const names[] = {"pool_new", "pool_free", "pool_run",
                                        "pool_running", "pool_stop"};
    size_t i;
    int total = 0;

    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        total += neighbor_count(names[i]);
    return total;
}

static int add_one(void *arg)
{
    ++*(int *)arg;
    return 0;
}

/* Drive probe's pool and probe entry points, which share the names. */
static void exercise_probe(void)
{
    __typeof__(&pool_new) p_pool_new = need(probe_lib, "pool_new");
    __typeof__(&pool_run) p_pool_run = need(probe_lib, "pool_run");
    __typeof__(&pool_running) p_pool_running =
        need(probe_lib, "pool_running");
    __typeof__(&pool_stop) p_pool_stop = need(probe_lib, "pool_stop");
    __typeof__(&pool_free) p_pool_free = need(probe_lib, "pool_free");
    __typeof__(&probe_new) p_probe_new = need(probe_lib, "probe_new");
    __typeof__(&probe_running) p_probe_running =
        need(probe_lib, "probe_running");
    __typeof__(&probe_free) p_probe_free = need(probe_lib, "probe_free");
    int before = total_neighbor_calls();
    int counter = 0;
    pool *pl;
    probe *p;

    if (failures != 0)
        return;
    pl = p_pool_new(NULL);
    CHECK(pl != NULL);
    if (pl == NULL)
        return;
    CHECK(p_pool_run(pl, add_one, &counter) == PROBE_OK);
    CHECK(p_pool_stop(pl, PROBE_DRAIN, PROBE_WAIT) == PROBE_OK);
    CHECK(counter == 1);
    CHECK(p_pool_running(pl) == 0);
    p_pool_free(pl);

    /* probe_running() reaches pool_running() inside the library. */
    p = p_probe_new(NULL);
    CHECK(p != NULL);
    if (p != NULL) {
        CHECK(p_probe_running(p) == 1);
        p_probe_free(p);
    }
    CHECK(total_neighbor_calls() == before);
}

/* Drive the neighbor directly, then through its own internal calls. */
static void exercise_neighbor(int versioned, int probe_first)
{
    void *(*n_pool_new)(int) = need(neighbor_lib, "pool_new");
    int (*n_pool_running)(void *) = need(neighbor_lib, "pool_running");
    void (*n_pool_free)(void *) = need(neighbor_lib, "pool_free");
    int (*n_exercise)(void) = need(neighbor_lib, "neighbor_exercise");
    void *np;

    if (failures != 0)
        return;
    np = n_pool_new(5);
    CHECK(np != NULL);
    CHECK(n_pool_running(np) == 5);
    n_pool_free(np);
    CHECK(neighbor_count("pool_new") == 1);
    CHECK(neighbor_count("pool_free") == 1);

    if (versioned || !probe_first)
        CHECK(n_exercise() == 0);
}

static void *load(const char *path)
{
    void *handle = dlopen(path, RTLD_NOW | RTLD_GLOBAL);

    if (handle == NULL)
        fprintf(stderr, "twolibs: cannot load %s: %s\n", path, dlerror());
    return handle;
}

int main(int argc, char **argv)
{
    const char *probe_path = argc > 3 ? argv[3] : PROBE_LIBRARY_PATH;
    int probe_first, versioned;

    alarm(WATCHDOG_S);
    if (argc < 3 || (strcmp(argv[1], "probe-first") != 0 &&
                     strcmp(argv[1], "neighbor-first") != 0)) {
        fprintf(stderr, "usage: twolibs probe-first|neighbor-first "
                        "NEIGHBOR [PROBE]\n");
        return 99;
    }
    probe_first = strcmp(argv[1], "probe-first") == 0;
    if (probe_first) {
        probe_lib = load(probe_path);
        neighbor_lib = probe_lib != NULL ? load(argv[2]) : NULL;
    } else {
        neighbor_lib = load(argv[2]);
        probe_lib = neighbor_lib != NULL ? load(probe_path) : NULL;
    }
    if (probe_lib == NULL || neighbor_lib == NULL)
        return 99;
    versioned = dlvsym(neighbor_lib, "pool_new", "NEIGHBOR_1.0") != NULL;

    /* A versioned lookup in the global scope finds probe's definition
     * whichever library came first. */
    CHECK(dlvsym(RTLD_DEFAULT, "pool_new", "PROBE_0.1") ==
          dlsym(probe_lib, "pool_new"));
    exercise_probe();
    exercise_neighbor(versioned, probe_first);

    printf("twolibs: %s, %s neighbor: %s\n", argv[1],
           versioned ? "versioned" : "unversioned",
           failures == 0 ? "no call crossed over" : "FAILED");
    return failures == 0 ? 0 : 1;
}
