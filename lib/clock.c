/* Monotonic time and condition variables that wait on it, so a change of
 * the wall clock never stretches or cuts a timeout. */
#include "internal.h"

#include <errno.h>
#include <time.h>

int64_t probe__now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A timeout so long that the deadline would overflow waits forever. */
int64_t probe__deadline_after(long timeout_ms)
{
    int64_t now = probe__now_ns();

    if (timeout_ms < 0 || (int64_t)timeout_ms > (INT64_MAX - now) / 1000000)
        return -1;
    return now + (int64_t)timeout_ms * 1000000;
}

int probe__cond_init(pthread_cond_t *cond)
{
    pthread_condattr_t attr;
    int rc;

    rc = pthread_condattr_init(&attr);
    if (rc != 0)
        return rc;
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    rc = pthread_cond_init(cond, &attr);
    pthread_condattr_destroy(&attr);
    return rc;
}

int probe__cond_wait_until(pthread_cond_t *cond, pthread_mutex_t *mutex,
                           int64_t deadline_ns)
{
    struct timespec ts;

    if (deadline_ns < 0)
        return pthread_cond_wait(cond, mutex);
    ts.tv_sec = (time_t)(deadline_ns / 1000000000);
    ts.tv_nsec = (long)(deadline_ns % 1000000000);
    return pthread_cond_timedwait(cond, mutex, &ts) == ETIMEDOUT ? ETIMEDOUT
                                                                 : 0;
}

void probe__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}
