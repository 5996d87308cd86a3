/* APR-util's apr_thread_pool with a fixed number of threads. */
#include "config.h"

#ifdef HAVE_APR
#include "bench.h"

#include <apr_general.h>
#include <apr_thread_pool.h>
#include <stdlib.h>

struct apr_peer {
    apr_pool_t *memory;
    apr_thread_pool_t *threads;
};

static void *APR_THREAD_FUNC run_job(apr_thread_t *thread, void *data)
{
    struct bench_job *job = data;

    (void)thread;
    job->fn(job);
    return NULL;
}

static void *apr_create(int workers, size_t buffer)
{
    static int initialized;
    struct apr_peer *p;

    (void)buffer;
    if (!initialized && apr_initialize() != APR_SUCCESS)
        bench_die("apr", "apr_initialize");
    initialized = 1;
    p = calloc(1, sizeof *p);
    if (p == NULL || apr_pool_create(&p->memory, NULL) != APR_SUCCESS)
        bench_die("apr", "apr_pool_create");
    if (apr_thread_pool_create(&p->threads, (apr_size_t)workers,
                               (apr_size_t)workers,
                               p->memory) != APR_SUCCESS)
        bench_die("apr", "apr_thread_pool_create");
    return p;
}

static void *apr_submitter(void *p)
{
    return p;
}

static int apr_submit(void *arg, struct bench_job *job)
{
    struct apr_peer *p = arg;

    return apr_thread_pool_push(p->threads, run_job, job,
                                APR_THREAD_TASK_PRIORITY_NORMAL,
                                NULL) == APR_SUCCESS
               ? 0
               : -1;
}

static void apr_submitter_done(void *p)
{
    (void)p;
}

static void apr_destroy(void *arg)
{
    struct apr_peer *p = arg;

    apr_thread_pool_destroy(p->threads);
    apr_pool_destroy(p->memory);
    free(p);
}

const struct bench_peer bench_peer_apr = {
    "apr", apr_create, apr_submitter, apr_submit, apr_submitter_done,
    apr_destroy};
#endif
