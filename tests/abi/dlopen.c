/*
 * Drive libprobe.so.0 through dlopen() and dlsym() alone, as a program
 * written in another language would: this program links nothing of probe
 * and includes probe.h only for its types and constants.  Each function
 * pointer takes its type from the header's declaration, so the compiler
 * checks every call against the header while the dynamic linker supplies
 * the address.  After a pool, a log handler and a deadline context have
 * run, dlclose() must stop every thread of the library and unmap it.
 *
 * Usage: dlopen [LIBRARY]; the default is the build tree's library, and
 * PROBE_LIBRARY in the environment overrides it.  Exit status 0 on
 * success, 1 on a failed check, 99 when the library cannot be loaded.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "probe.h"

#ifndef PROBE_LIBRARY_PATH
#define PROBE_LIBRARY_PATH "lib/.libs/libprobe.so.0"
#endif

#define TASKS 200
#define WAIT_LIMIT_MS 10000
/* A hung library ends the test through SIGALRM after this many seconds. */
#define WATCHDOG_S 120

/* Every entry point the test calls, resolved by name at run time. */
#define API(name) __typeof__(&name) name
static struct {
    API(probe_version);
    API(probe_strerror);
    API(probe_last_error);
    API(probe_last_message);
    API(probe_ctx_new);
    API(probe_ctx_new_timeout);
    API(probe_ctx_cancel);
    API(probe_ctx_wait);
    API(probe_ctx_err);
    API(probe_ctx_free);
    API(probe_config_new);
    API(probe_config_set);
    API(probe_config_set_ctx);
    API(probe_config_set_log);
    API(probe_config_free);
    API(probe_log_record_level);
    API(probe_log_record_message);
    API(probe_log_record_get);
    API(pool_new);
    API(pool_run);
    API(pool_wait);
    API(pool_stop);
    API(pool_running);
    API(pool_metrics);
    API(pool_free);
    API(probe_current_ctx);
} api;
#undef API

static int failures;

#define CHECK(cond)                                                      \
    do {                                                                 \
        if (!(cond)) {                                                   \
            fprintf(stderr, "dlopen: FAIL %s:%d: %s\n", __FILE__,       \
                    __LINE__, #cond);                                    \
            failures++;                                                  \
        }                                                                \
    } while (0)

static int resolve(void *handle)
{
    int missing = 0;

#define RESOLVE(name)                                                    \
    do {                                                                 \
        *(void **)&api.name = dlsym(handle, #name);                     \
        if (api.name == NULL) {                                          \
            fprintf(stderr, "dlopen: dlsym(%s) failed: %s\n", #name,    \
                    dlerror());                                          \
            missing++;                                                   \
        }                                                                \
    } while (0)
    RESOLVE(probe_version);
    RESOLVE(probe_strerror);
    RESOLVE(probe_last_error);
    RESOLVE(probe_last_message);
    RESOLVE(probe_ctx_new);
    RESOLVE(probe_ctx_new_timeout);
    RESOLVE(probe_ctx_cancel);
    RESOLVE(probe_ctx_wait);
    RESOLVE(probe_ctx_err);
    RESOLVE(probe_ctx_free);
    RESOLVE(probe_config_new);
    RESOLVE(probe_config_set);
    RESOLVE(probe_config_set_ctx);
    RESOLVE(probe_config_set_log);
    RESOLVE(probe_config_free);
    RESOLVE(probe_log_record_level);
    RESOLVE(probe_log_record_message);
    RESOLVE(probe_log_record_get);
    RESOLVE(pool_new);
    RESOLVE(pool_run);
    RESOLVE(pool_wait);
    RESOLVE(pool_stop);
    RESOLVE(pool_running);
    RESOLVE(pool_metrics);
    RESOLVE(pool_free);
    RESOLVE(probe_current_ctx);
#undef RESOLVE
    return missing;
}

/* What the log handler saw; it runs on worker threads too. */
static struct {
    atomic_int records;
    atomic_int from_workers;
    atomic_int without_id;
    pthread_t main_thread;
} seen;

static void on_log(const probe_log_record *record, void *payload)
{
    const char *id = api.probe_log_record_get(record, "id");

    (void)payload;
    atomic_fetch_add(&seen.records, 1);
    if (!pthread_equal(pthread_self(), seen.main_thread))
        atomic_fetch_add(&seen.from_workers, 1);
    if (id == NULL || api.probe_log_record_message(record) == NULL ||
        api.probe_log_record_level(record) < PROBE_LOG_DEBUG)
        atomic_fetch_add(&seen.without_id, 1);
}

static atomic_int ran;
static atomic_int saw_context;

static int count_task(void *arg)
{
    (void)arg;
    if (api.probe_current_ctx() != NULL)
        atomic_fetch_add(&saw_context, 1);
    atomic_fetch_add(&ran, 1);
    return 0;
}

/* The last task cancels the pool's context from a worker. */
static int cancel_task(void *arg)
{
    return api.probe_ctx_cancel(arg);
}

static probe_config *make_config(probe_ctx *ctx)
{
    probe_config *config = api.probe_config_new();

    if (config == NULL)
        return NULL;
    CHECK(api.probe_config_set(config, PROBE_OPT_SIZE, 3) == PROBE_OK);
    CHECK(api.probe_config_set(config, PROBE_OPT_BUFFER, 16) == PROBE_OK);
    CHECK(api.probe_config_set_ctx(config, ctx) == PROBE_OK);
    CHECK(api.probe_config_set_log(config, PROBE_LOG_DEBUG, on_log, NULL) ==
          PROBE_OK);
    return config;
}

/* A bad value is rejected with a code and a message, not a crash. */
static void check_errors(probe_config *config)
{
    CHECK(api.probe_config_set(config, PROBE_OPT_SIZE, -1) == PROBE_EINVAL);
    CHECK(api.probe_last_error() == PROBE_EINVAL);
    CHECK(api.probe_last_message()[0] != '\0');
    CHECK(api.probe_strerror(PROBE_EINVAL) != NULL);
    CHECK(api.pool_run(NULL, count_task, NULL) == PROBE_EINVAL);
}

static void run_pool(void)
{
    probe_ctx *ctx = api.probe_ctx_new();
    probe_config *config = ctx != NULL ? make_config(ctx) : NULL;
    pool *pl;
    uint64_t metrics[PROBE_METRIC_COUNT];
    int i, rc;

    CHECK(config != NULL);
    if (config == NULL)
        return;
    check_errors(config);
    pl = api.pool_new(config);
    CHECK(pl != NULL);
    if (pl == NULL) {
        fprintf(stderr, "dlopen: pool_new: %s\n", api.probe_last_message());
        return;
    }
    CHECK(api.pool_running(pl) == 3);
    for (i = 0; i < TASKS; i++)
        CHECK(api.pool_run(pl, count_task, NULL) == PROBE_OK);
    CHECK(api.pool_wait(pl, WAIT_LIMIT_MS) == PROBE_OK);
    CHECK(atomic_load(&ran) == TASKS);
    CHECK(atomic_load(&saw_context) == TASKS);
    CHECK(api.pool_metrics(pl, metrics, PROBE_METRIC_COUNT) ==
          PROBE_METRIC_COUNT);
    CHECK(metrics[PROBE_METRIC_COMPLETED] == TASKS);

    /* Cancelling the context from a task stops the pool. */
    CHECK(api.pool_run(pl, cancel_task, ctx) == PROBE_OK);
    CHECK(api.probe_ctx_wait(ctx, WAIT_LIMIT_MS) == PROBE_OK);
    CHECK(api.probe_ctx_err(ctx) == PROBE_ECANCELED);
    CHECK(api.pool_stop(pl, PROBE_DRAIN, PROBE_WAIT) == PROBE_OK);
    CHECK(api.pool_running(pl) == 0);
    rc = api.pool_run(pl, count_task, NULL);
    CHECK(rc == PROBE_ESTOPPED || rc == PROBE_ECANCELED);

    api.pool_free(pl);
    api.probe_config_free(config);
    api.probe_ctx_free(ctx);
}

/* A deadline context starts the library's timer thread, which dlclose()
 * must stop. */
static void run_deadline(void)
{
    probe_ctx *ctx = api.probe_ctx_new_timeout(NULL, 20);

    CHECK(ctx != NULL);
    if (ctx == NULL)
        return;
    CHECK(api.probe_ctx_wait(ctx, WAIT_LIMIT_MS) == PROBE_OK);
    CHECK(api.probe_ctx_err(ctx) == PROBE_ETIMEDOUT);
    api.probe_ctx_free(ctx);
}

/* Return the number of threads in this process, or -1 if unknown. */
static int count_threads(void)
{
    DIR *dir = opendir("/proc/self/task");
    struct dirent *entry;
    int count = 0;

    if (dir == NULL)
        return -1;
    while ((entry = readdir(dir)) != NULL)
        if (entry->d_name[0] != '.')
            count++;
    closedir(dir);
    return count;
}

int main(int argc, char **argv)
{
    const char *path = getenv("PROBE_LIBRARY");
    void *handle;
    int records;

    alarm(WATCHDOG_S);
    if (argc > 1)
        path = argv[1];
    if (path == NULL)
        path = PROBE_LIBRARY_PATH;

    /* Nothing of probe may be in the process before dlopen(). */
    CHECK(dlopen("libprobe.so.0", RTLD_NOW | RTLD_NOLOAD) == NULL);
    CHECK(dlsym(RTLD_DEFAULT, "pool_new") == NULL);

    handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        fprintf(stderr, "dlopen: cannot load %s: %s\n", path, dlerror());
        return 99;
    }
    if (resolve(handle) != 0)
        return 1;

    /* Internal names stay hidden; every export has version PROBE_0.1. */
    CHECK(dlsym(handle, "probe__fail") == NULL);
    CHECK(dlvsym(handle, "pool_new", "PROBE_0.1") == (void *)api.pool_new);
    printf("dlopen: loaded probe %s from %s\n", api.probe_version(), path);

    seen.main_thread = pthread_self();
    run_pool();
    run_deadline();
    records = atomic_load(&seen.records);
    CHECK(records > 0);
    CHECK(atomic_load(&seen.from_workers) > 0);
    CHECK(atomic_load(&seen.without_id) == 0);
    printf("dlopen: %d tasks ran, %d log records (%d from workers)\n",
           atomic_load(&ran), records, atomic_load(&seen.from_workers));

    /* The handler is never called after pool_free() returned. */
    CHECK(atomic_load(&seen.records) == records);

    /* Unloading stops every thread of the library and unmaps it. */
    CHECK(dlclose(handle) == 0);
    CHECK(dlopen(path, RTLD_NOW | RTLD_NOLOAD) == NULL);
    if (count_threads() != -1)
        CHECK(count_threads() == 1);
    if (failures != 0)
        fprintf(stderr, "dlopen: %d check(s) failed\n", failures);
    return failures == 0 ? 0 : 1;
}
