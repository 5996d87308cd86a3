/*
 * Fork handling.  A child inherits the memory of every pool but none of its
 * threads, so each handle records the generation it was made in and every
 * call from a later generation fails with PROBE_EFORKED.  The context lock
 * is taken across fork() so the child never inherits it held.
 */
#include "internal.h"

atomic_uint probe__fork_generation;

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void prepare(void)
{
    probe__ctx_atfork_prepare();
}

static void parent(void)
{
    probe__ctx_atfork_parent();
}

static void child(void)
{
    atomic_fetch_add(&probe__fork_generation, 1);
    probe__ctx_atfork_child();
}

static void install(void)
{
    pthread_atfork(prepare, parent, child);
}

void probe__fork_init(void)
{
    pthread_once(&once, install);
}
