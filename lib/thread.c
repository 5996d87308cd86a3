/*
 * Thread start.  Asynchronous signals are blocked in the creating thread
 * around pthread_create(), so the new thread inherits the blocked mask from
 * its first instruction, and the caller's mask is restored afterwards.
 * Synchronous signals stay deliverable: blocking them would turn a crash in
 * a task into undefined behaviour.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <signal.h>
#include <stdio.h>

int probe__thread_start(pthread_t *out, void *(*fn)(void *), void *arg,
                        size_t stack_size)
{
    static const int synchronous[] = {SIGSEGV, SIGFPE, SIGBUS, SIGILL,
                                      SIGTRAP, SIGSYS};
    pthread_attr_t attr;
    sigset_t block, saved;
    size_t i;
    int rc;

    rc = pthread_attr_init(&attr);
    if (rc != 0)
        return rc;
    if (stack_size > 0) {
        rc = pthread_attr_setstacksize(&attr, stack_size);
        if (rc != 0)
            goto out;
    }

    sigfillset(&block);
    for (i = 0; i < sizeof synchronous / sizeof synchronous[0]; i++)
        sigdelset(&block, synchronous[i]);
    pthread_sigmask(SIG_BLOCK, &block, &saved);
    rc = pthread_create(out, &attr, fn, arg);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);

out:
    pthread_attr_destroy(&attr);
    return rc;
}

void probe__thread_name(const char *prefix, const char *id)
{
    char name[16];

    snprintf(name, sizeof name, "%s-%s", prefix, id);
#if defined(__linux__)
    pthread_setname_np(pthread_self(), name);
#endif
}
