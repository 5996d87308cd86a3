/*
 * Four daemon loops on a pool, each ticking at its own period until the
 * pool's context is cancelled: by SIGINT, SIGTERM, or after --seconds.
 *
 *   daemons [--seconds N] [--log text|json]
 */
#include <probe.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct daemon {
    const char *name;
    long period_ms;
    long ticks;
};

static int daemon_loop(void *arg)
{
    struct daemon *d = arg;
    probe_ctx *ctx = probe_current_ctx();

    /* Wait one period at a time; a cancellation ends the wait at once. */
    while (probe_ctx_wait(ctx, d->period_ms) == PROBE_ETIMEDOUT) {
        d->ticks++;
        printf("%-8s tick %ld on probe %s\n", d->name, d->ticks,
               probe_current_id());
        fflush(stdout);
    }
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: daemons [--seconds N] [--log text|json]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    struct daemon daemons[] = {
        {"fast", 250, 0}, {"medium", 500, 0}, {"slow", 1000, 0},
        {"slowest", 2000, 0}};
    long seconds = 0;
    probe_log_fn log_fn = NULL;
    probe_config *cfg;
    probe_ctx *ctx;
    sigset_t signals;
    pool *pl;
    int i, sig;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--log") == 0 && i + 1 < argc)
            log_fn = strcmp(argv[++i], "json") == 0 ? probe_log_json
                                                    : probe_log_text;
        else
            usage();
    }

    /* Block the stop signals before any thread starts, then take them
     * with sigtimedwait() below: no handler, no async-signal rules. */
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);

    ctx = seconds > 0 ? probe_ctx_new_timeout(NULL, seconds * 1000)
                      : probe_ctx_new();
    cfg = probe_config_new();
    if (ctx == NULL || cfg == NULL) {
        fprintf(stderr, "daemons: %s\n", probe_last_message());
        return 1;
    }
    probe_config_set(cfg, PROBE_OPT_SIZE, 4);
    probe_config_set_ctx(cfg, ctx);
    probe_config_set_log(cfg, PROBE_LOG_INFO, log_fn, stderr);
    pl = pool_new(cfg);
    probe_config_free(cfg);
    if (pl == NULL) {
        fprintf(stderr, "daemons: pool_new: %s\n", probe_last_message());
        return 1;
    }
    for (i = 0; i < 4; i++)
        pool_run(pl, daemon_loop, &daemons[i]);

    printf("4 daemons on pool %s; stop with Ctrl-C%s\n", pool_id(pl),
           seconds > 0 ? " or wait" : "");
    fflush(stdout);
    while (!probe_ctx_done(ctx)) {
        struct timespec tick = {0, 100 * 1000 * 1000};

        sig = sigtimedwait(&signals, NULL, &tick);
        if (sig == SIGINT || sig == SIGTERM) {
            printf("caught signal %d, stopping\n", sig);
            probe_ctx_cancel(ctx);
        }
    }

    pool_stop(pl, PROBE_DRAIN, PROBE_WAIT);
    for (i = 0; i < 4; i++)
        printf("%-8s %ld ticks\n", daemons[i].name, daemons[i].ticks);
    pool_free(pl);
    probe_ctx_free(ctx);
    return 0;
}
