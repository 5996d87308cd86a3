/* GLib's GThreadPool in exclusive mode: its threads start at creation
 * and belong to this pool alone. */
#include "config.h"

#ifdef HAVE_GLIB
#include "bench.h"

#include <glib.h>

static void run_job(gpointer data, gpointer user_data)
{
    struct bench_job *job = data;

    (void)user_data;
    job->fn(job);
}

static void *glib_create(int workers, size_t buffer)
{
    GError *error = NULL;
    GThreadPool *tp;

    (void)buffer;
    tp = g_thread_pool_new(run_job, NULL, workers, TRUE, &error);
    if (tp == NULL)
        bench_die("glib", error != NULL ? error->message
                                        : "g_thread_pool_new");
    return tp;
}

static void *glib_submitter(void *tp)
{
    return tp;
}

static int glib_submit(void *tp, struct bench_job *job)
{
    return g_thread_pool_push(tp, job, NULL) ? 0 : -1;
}

static void glib_submitter_done(void *tp)
{
    (void)tp;
}

static void glib_destroy(void *tp)
{
    g_thread_pool_free(tp, FALSE, TRUE);
}

const struct bench_peer bench_peer_glib = {
    "glib", glib_create, glib_submitter, glib_submit, glib_submitter_done,
    glib_destroy};
#endif
