/*
 * A small program built against an installed probe, the way a user
 * builds one: cc consumer.c $(pkg-config --cflags --libs probe).  It runs
 * tasks on a pool under a context and checks the results, so a broken
 * installation (header, library, probe.pc) fails to build or to run.
 * Exit status 0 on success.
 */
#include <probe.h>
#include <stdatomic.h>
#include <stdio.h>

#define TASKS 64

static atomic_int sum;

static int add(void *arg)
{
    atomic_fetch_add(&sum, (int)(size_t)arg);
    return 0;
}

int main(void)
{
    probe_ctx *ctx = probe_ctx_new();
    probe_config *config = probe_config_new();
    pool *pl;
    int i, rc, expected = 0;

    if (ctx == NULL || config == NULL ||
        probe_config_set(config, PROBE_OPT_SIZE, 2) != PROBE_OK ||
        probe_config_set_ctx(config, ctx) != PROBE_OK) {
        fprintf(stderr, "consumer: configuration failed: %s\n",
                probe_last_message());
        return 1;
    }
    pl = pool_new(config);
    if (pl == NULL) {
        fprintf(stderr, "consumer: pool_new: %s\n", probe_last_message());
        return 1;
    }
    for (i = 1; i <= TASKS; i++) {
        expected += i;
        rc = pool_run(pl, add, (void *)(size_t)i);
        if (rc != PROBE_OK) {
            fprintf(stderr, "consumer: pool_run: %s\n", probe_strerror(rc));
            return 1;
        }
    }
    rc = pool_stop(pl, PROBE_DRAIN, PROBE_WAIT);
    pool_free(pl);
    probe_config_free(config);
    probe_ctx_free(ctx);
    if (rc != PROBE_OK || atomic_load(&sum) != expected) {
        fprintf(stderr, "consumer: stop returned %d, sum %d, expected %d\n",
                rc, atomic_load(&sum), expected);
        return 1;
    }
    printf("consumer: probe %s (%d), %d tasks, sum %d\n", probe_version(),
           probe_version_number(), TASKS, expected);
    return 0;
}
