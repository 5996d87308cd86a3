/*
 * Error codes and the calling thread's last failure.  The message buffer is
 * thread-local because one pool handle is shared by many threads, so a
 * per-handle slot would race.
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>

#define MESSAGE_MAX 256

static _Thread_local int last_code;
static _Thread_local char last_message[MESSAGE_MAX];

PROBE_EXTERN const char *probe_strerror(int code)
{
    switch (code) {
    case PROBE_OK: return "success";
    case PROBE_ERROR: return "unexpected failure";
    case PROBE_EINVAL: return "invalid argument";
    case PROBE_ENOMEM: return "out of memory";
    case PROBE_ESTOPPED: return "stopped";
    case PROBE_ECANCELED: return "context cancelled";
    case PROBE_EFULL: return "queue full";
    case PROBE_ETIMEDOUT: return "timed out";
    case PROBE_EDEADLK: return "would wait on the calling worker";
    case PROBE_ETHREAD: return "worker thread could not be started";
    case PROBE_EFORKED: return "handle belongs to the parent process";
    case PROBE_EINIT: return "worker init hook failed";
    case PROBE_EBUSY: return "task already started";
    default: return "unknown error code";
    }
}

PROBE_EXTERN int probe_last_error(void)
{
    return last_code;
}

PROBE_EXTERN const char *probe_last_message(void)
{
    if (last_code == PROBE_OK)
        return "no error";
    return last_message;
}

static void record(int code, const char *fmt, va_list ap)
{
    int n;

    last_code = code;
    n = vsnprintf(last_message, sizeof last_message, fmt, ap);
    if (n >= 0 && (size_t)n < sizeof last_message - 2)
        snprintf(last_message + n, sizeof last_message - (size_t)n, ": %s",
                 probe_strerror(code));
}

int probe__fail(int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    record(code, fmt, ap);
    va_end(ap);
    return code;
}

int probe__errno_of(int code)
{
    switch (code) {
    case PROBE_EINVAL: return EINVAL;
    case PROBE_ENOMEM: return ENOMEM;
    case PROBE_ESTOPPED: return ESRCH;
    case PROBE_ECANCELED: return ECANCELED;
    case PROBE_ETIMEDOUT: return ETIMEDOUT;
    case PROBE_EDEADLK: return EDEADLK;
    case PROBE_ETHREAD: return EAGAIN;
    case PROBE_EFORKED: return EPERM;
    case PROBE_EINIT: return ECHILD;
    default: return EIO;
    }
}

void *probe__fail_null(int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    record(code, fmt, ap);
    va_end(ap);
    errno = probe__errno_of(code);
    return NULL;
}
