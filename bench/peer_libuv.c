/*
 * libuv's uv_queue_work.  libuv has one thread pool per process, sized by
 * UV_THREADPOOL_SIZE when the first request is queued, so create() sets
 * the variable and each measurement runs in a fresh process.  Requests are
 * queued from a loop's own thread and reaped by running that loop, so
 * every submitting thread gets a loop and a fixed array of @buffer
 * requests; when all are in flight the submitter runs its loop until one
 * completes.
 */
#include "config.h"

#ifdef HAVE_LIBUV
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

struct uv_peer {
    size_t requests;
};

struct uv_submitter {
    uv_loop_t loop;
    uv_work_t *requests;
    uv_work_t **free_list;
    size_t free_count;
};

static void run_job(uv_work_t *req)
{
    struct bench_job *job = req->data;

    job->fn(job);
}

/* Runs on the submitting thread, inside uv_run(). */
static void reap(uv_work_t *req, int status)
{
    struct uv_submitter *s = req->loop->data;

    (void)status;
    s->free_list[s->free_count++] = req;
}

static void *uv_create(int workers, size_t buffer)
{
    struct uv_peer *p = calloc(1, sizeof *p);
    char size[16];

    if (p == NULL)
        bench_die("libuv", "calloc");
    snprintf(size, sizeof size, "%d", workers);
    setenv("UV_THREADPOOL_SIZE", size, 1);
    p->requests = buffer;
    return p;
}

static void *uv_submitter(void *arg)
{
    struct uv_peer *p = arg;
    struct uv_submitter *s = calloc(1, sizeof *s);
    size_t i;

    if (s == NULL || uv_loop_init(&s->loop) != 0)
        bench_die("libuv", "uv_loop_init");
    s->loop.data = s;
    s->requests = calloc(p->requests, sizeof *s->requests);
    s->free_list = calloc(p->requests, sizeof *s->free_list);
    if (s->requests == NULL || s->free_list == NULL)
        bench_die("libuv", "calloc");
    for (i = 0; i < p->requests; i++)
        s->free_list[i] = &s->requests[p->requests - 1 - i];
    s->free_count = p->requests;
    return s;
}

static int uv_submit(void *arg, struct bench_job *job)
{
    struct uv_submitter *s = arg;
    uv_work_t *req;

    while (s->free_count == 0)
        uv_run(&s->loop, UV_RUN_ONCE);
    req = s->free_list[--s->free_count];
    req->data = job;
    return uv_queue_work(&s->loop, req, run_job, reap) == 0 ? 0 : -1;
}

static void uv_submitter_done(void *arg)
{
    struct uv_submitter *s = arg;

    uv_run(&s->loop, UV_RUN_DEFAULT);
    uv_loop_close(&s->loop);
    free(s->requests);
    free(s->free_list);
    free(s);
}

/* The process-wide thread pool stays until the process exits. */
static void uv_destroy(void *p)
{
    free(p);
}

const struct bench_peer bench_peer_libuv = {
    "libuv", uv_create, uv_submitter, uv_submit, uv_submitter_done,
    uv_destroy};
#endif
