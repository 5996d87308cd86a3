/*
 * Log records and the built-in handlers.  A record lives on the logging
 * thread's stack for the duration of one handler call.  Handlers read it
 * only through the accessor functions, so its layout can change freely.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define ATTR_MAX 8
#define MESSAGE_MAX 512

struct probe_log_record {
    int level;
    const char *message;
    size_t count;
    const char *keys[ATTR_MAX];
    const char *values[ATTR_MAX];
};

void probe__log(const struct probe__logger *lg, int level, const char *source,
                const char *id, const char *const *extra, const char *fmt,
                ...)
{
    struct probe_log_record rec;
    char message[MESSAGE_MAX];
    va_list ap;

    if (!probe__log_on(lg, level))
        return;

    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);

    rec.level = level;
    rec.message = message;
    rec.keys[0] = "source";
    rec.values[0] = source;
    rec.keys[1] = "id";
    rec.values[1] = id != NULL ? id : "";
    rec.count = 2;
    while (extra != NULL && extra[0] != NULL && rec.count < ATTR_MAX) {
        rec.keys[rec.count] = extra[0];
        rec.values[rec.count] = extra[1] != NULL ? extra[1] : "";
        rec.count++;
        extra += 2;
    }
    lg->fn(&rec, lg->payload);
}

PROBE_EXTERN int probe_log_record_level(const probe_log_record *record)
{
    return record != NULL ? record->level : PROBE_EINVAL;
}

PROBE_EXTERN const char *probe_log_record_message(
    const probe_log_record *record)
{
    return record != NULL ? record->message : NULL;
}

PROBE_EXTERN size_t probe_log_record_attr_count(
    const probe_log_record *record)
{
    return record != NULL ? record->count : 0;
}

PROBE_EXTERN const char *probe_log_record_attr_key(
    const probe_log_record *record, size_t index)
{
    if (record == NULL || index >= record->count)
        return NULL;
    return record->keys[index];
}

PROBE_EXTERN const char *probe_log_record_attr_value(
    const probe_log_record *record, size_t index)
{
    if (record == NULL || index >= record->count)
        return NULL;
    return record->values[index];
}

PROBE_EXTERN const char *probe_log_record_get(const probe_log_record *record,
                                              const char *key)
{
    size_t i;

    if (record == NULL || key == NULL)
        return NULL;
    for (i = 0; i < record->count; i++)
        if (strcmp(record->keys[i], key) == 0)
            return record->values[i];
    return NULL;
}

PROBE_EXTERN const char *probe_log_level_name(int level)
{
    switch (level) {
    case PROBE_LOG_DEBUG: return "debug";
    case PROBE_LOG_INFO: return "info";
    case PROBE_LOG_WARN: return "warn";
    case PROBE_LOG_ERROR: return "error";
    default: return "level";
    }
}

/* UTC time with milliseconds, as RFC 3339. */
static void format_time(char *out, size_t size)
{
    struct timespec ts;
    struct tm tm;
    size_t n;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, size - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

PROBE_EXTERN void probe_log_text(const probe_log_record *record,
                                 void *payload)
{
    FILE *fp = payload;
    char when[40];
    size_t i;

    if (record == NULL || fp == NULL)
        return;
    format_time(when, sizeof when);
    flockfile(fp);
    fprintf(fp, "%s %s %s", when, probe_log_level_name(record->level),
            record->message);
    for (i = 0; i < record->count; i++)
        fprintf(fp, " %s=%s", record->keys[i], record->values[i]);
    fputc('\n', fp);
    fflush(fp);
    funlockfile(fp);
}

static void json_string(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            fprintf(fp, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", fp);
        else if (c < 0x20)
            fprintf(fp, "\\u%04x", c);
        else
            fputc(c, fp);
    }
    fputc('"', fp);
}

PROBE_EXTERN void probe_log_json(const probe_log_record *record,
                                 void *payload)
{
    FILE *fp = payload;
    char when[40];
    size_t i;

    if (record == NULL || fp == NULL)
        return;
    format_time(when, sizeof when);
    flockfile(fp);
    fprintf(fp, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":", when,
            probe_log_level_name(record->level));
    json_string(fp, record->message);
    for (i = 0; i < record->count; i++) {
        fputc(',', fp);
        json_string(fp, record->keys[i]);
        fputc(':', fp);
        json_string(fp, record->values[i]);
    }
    fputs("}\n", fp);
    fflush(fp);
    funlockfile(fp);
}
