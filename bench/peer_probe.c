/* The pool under test: a probe pool of the requested size and buffer. */
#include "bench.h"

#include <probe.h>

static int run_job(void *arg)
{
    struct bench_job *job = arg;

    job->fn(job);
    return 0;
}

static void *probe_create(int workers, size_t buffer)
{
    probe_config *cfg = probe_config_new();
    pool *pl;

    if (cfg == NULL)
        bench_die("probe", "probe_config_new");
    if (probe_config_set(cfg, PROBE_OPT_SIZE, workers) != PROBE_OK ||
        probe_config_set(cfg, PROBE_OPT_BUFFER, (long long)buffer) !=
            PROBE_OK)
        bench_die("probe", probe_last_message());
    pl = pool_new(cfg);
    probe_config_free(cfg);
    if (pl == NULL)
        bench_die("probe", probe_last_message());
    return pl;
}

static void *probe_submitter(void *pl)
{
    return pl;
}

static int probe_submit(void *pl, struct bench_job *job)
{
    return pool_run(pl, run_job, job);
}

static void probe_submitter_done(void *pl)
{
    (void)pl;
}

static void probe_destroy(void *pl)
{
    pool_stop(pl, PROBE_DRAIN, PROBE_WAIT);
    pool_free(pl);
}

const struct bench_peer bench_peer_probe = {
    "probe", probe_create, probe_submitter, probe_submit,
    probe_submitter_done, probe_destroy};
