/* Configuration handles: one setter per knob, so FFI callers need no
 * struct layout.  Values are checked when set, not when used. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define SIZE_MAX_WORKERS 4096
#define BUFFER_MAX (1LL << 28)
#define STACK_MIN (16LL * 1024)
#define STACK_MAX (1LL << 30)
#define IDLE_TIMEOUT_MAX (24LL * 3600 * 1000)

struct bounds {
    long long min;
    long long max;
};

static int option_bounds(int option, struct bounds *out)
{
    switch (option) {
    case PROBE_OPT_SIZE:
    case PROBE_OPT_MIN_SIZE:
        *out = (struct bounds){0, SIZE_MAX_WORKERS};
        return 0;
    case PROBE_OPT_BUFFER:
        *out = (struct bounds){0, BUFFER_MAX};
        return 0;
    case PROBE_OPT_IDLE_TIMEOUT_MS:
        *out = (struct bounds){0, IDLE_TIMEOUT_MAX};
        return 0;
    case PROBE_OPT_STACK_SIZE:
        /* 0 keeps the system default; other values start at STACK_MIN. */
        *out = (struct bounds){0, STACK_MAX};
        return 0;
    default:
        return -1;
    }
}

static long long *option_field(struct probe_config *cfg, int option)
{
    switch (option) {
    case PROBE_OPT_SIZE: return &cfg->size;
    case PROBE_OPT_BUFFER: return &cfg->buffer;
    case PROBE_OPT_MIN_SIZE: return &cfg->min_size;
    case PROBE_OPT_IDLE_TIMEOUT_MS: return &cfg->idle_timeout_ms;
    case PROBE_OPT_STACK_SIZE: return &cfg->stack_size;
    default: return NULL;
    }
}

void probe__config_defaults(struct probe_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    strcpy(cfg->name, "probe");
}

void probe__config_copy(struct probe_config *dst,
                        const struct probe_config *src)
{
    *dst = *src;
    dst->ctx = probe_ctx_ref(src->ctx);
}

void probe__config_release(struct probe_config *cfg)
{
    probe__ctx_unref(cfg->ctx);
    cfg->ctx = NULL;
}

PROBE_EXTERN probe_config *probe_config_new(void)
{
    probe_config *cfg = malloc(sizeof *cfg);

    if (cfg == NULL)
        return probe__fail_null(PROBE_ENOMEM, "probe_config_new");
    probe__config_defaults(cfg);
    return cfg;
}

PROBE_EXTERN void probe_config_free(probe_config *config)
{
    if (config == NULL)
        return;
    probe__config_release(config);
    free(config);
}

PROBE_EXTERN int probe_option_bounds(int option, long long *min,
                                     long long *max)
{
    struct bounds b;

    if (option_bounds(option, &b) != 0)
        return probe__fail(PROBE_EINVAL, "probe_option_bounds: option %d",
                           option);
    if (min != NULL)
        *min = b.min;
    if (max != NULL)
        *max = b.max;
    return PROBE_OK;
}

PROBE_EXTERN int probe_config_set(probe_config *config, int option,
                                  long long value)
{
    struct bounds b;

    if (config == NULL)
        return probe__fail(PROBE_EINVAL, "probe_config_set: NULL config");
    if (option_bounds(option, &b) != 0)
        return probe__fail(PROBE_EINVAL,
                           "probe_config_set: unknown option %d", option);
    if (value < b.min || value > b.max)
        return probe__fail(PROBE_EINVAL,
                           "probe_config_set: option %d value %lld is "
                           "outside %lld..%lld",
                           option, value, b.min, b.max);
    if (option == PROBE_OPT_STACK_SIZE && value != 0 && value < STACK_MIN)
        return probe__fail(PROBE_EINVAL,
                           "probe_config_set: stack size %lld is below "
                           "%lld bytes",
                           value, STACK_MIN);
    *option_field(config, option) = value;
    return PROBE_OK;
}

PROBE_EXTERN int probe_config_get(const probe_config *config, int option,
                                  long long *out)
{
    long long *field;

    if (config == NULL || out == NULL)
        return probe__fail(PROBE_EINVAL, "probe_config_get: NULL argument");
    field = option_field((struct probe_config *)config, option);
    if (field == NULL)
        return probe__fail(PROBE_EINVAL,
                           "probe_config_get: unknown option %d", option);
    *out = *field;
    return PROBE_OK;
}

PROBE_EXTERN int probe_config_set_ctx(probe_config *config, probe_ctx *ctx)
{
    probe_ctx *old;

    if (config == NULL)
        return probe__fail(PROBE_EINVAL,
                           "probe_config_set_ctx: NULL config");
    old = config->ctx;
    config->ctx = probe_ctx_ref(ctx);
    probe__ctx_unref(old);
    return PROBE_OK;
}

PROBE_EXTERN int probe_config_set_log(probe_config *config, int min_level,
                                      probe_log_fn fn, void *payload)
{
    if (config == NULL)
        return probe__fail(PROBE_EINVAL,
                           "probe_config_set_log: NULL config");
    config->log.fn = fn;
    config->log.payload = payload;
    config->log.min_level = min_level;
    return PROBE_OK;
}

PROBE_EXTERN int probe_config_set_discard(probe_config *config,
                                          probe_discard_fn fn, void *payload)
{
    if (config == NULL)
        return probe__fail(PROBE_EINVAL,
                           "probe_config_set_discard: NULL config");
    config->discard = fn;
    config->discard_payload = payload;
    return PROBE_OK;
}

PROBE_EXTERN int probe_config_set_hooks(probe_config *config,
                                        probe_hook_fn init, probe_hook_fn fini,
                                        void *payload)
{
    if (config == NULL)
        return probe__fail(PROBE_EINVAL,
                           "probe_config_set_hooks: NULL config");
    config->init = init;
    config->fini = fini;
    config->hook_payload = payload;
    return PROBE_OK;
}

PROBE_EXTERN int probe_config_set_name(probe_config *config,
                                       const char *prefix)
{
    size_t n;

    if (config == NULL || prefix == NULL)
        return probe__fail(PROBE_EINVAL,
                           "probe_config_set_name: NULL argument");
    n = strlen(prefix);
    if (n == 0 || n > 15)
        return probe__fail(PROBE_EINVAL,
                           "probe_config_set_name: prefix \"%s\" must be "
                           "1 to 15 characters",
                           prefix);
    memcpy(config->name, prefix, n + 1);
    return PROBE_OK;
}
