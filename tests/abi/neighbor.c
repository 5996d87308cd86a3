/*
 * A library that exports pool_* names of its own, with signatures unlike
 * probe's, for the two-library test.  It is built twice: with its own
 * version script (as a careful library is) and without any versions (as
 * an old one might be).  Every entry point counts its calls, so the test
 * can tell which library a call reached.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct neighbor_pool {
    int size;
    int runs;
};

static atomic_int calls_new, calls_free, calls_run, calls_running,
    calls_stop;

struct neighbor_pool *pool_new(int size);
void pool_free(struct neighbor_pool *pool);
int pool_run(struct neighbor_pool *pool, int times);
int pool_running(struct neighbor_pool *pool);
int pool_stop(struct neighbor_pool *pool);
int neighbor_calls(const char *name);
int neighbor_exercise(void);

struct neighbor_pool *pool_new(int size)
{
    struct neighbor_pool *pool = calloc(1, sizeof *pool);

    atomic_fetch_add(&calls_new, 1);
    if (pool != NULL)
        pool->size = size;
    return pool;
}

void pool_free(struct neighbor_pool *pool)
{
    atomic_fetch_add(&calls_free, 1);
    free(pool);
}

int pool_run(struct neighbor_pool *pool, int times)
{
    atomic_fetch_add(&calls_run, 1);
    pool->runs += times;
    return pool->runs;
}

int pool_running(struct neighbor_pool *pool)
{
    atomic_fetch_add(&calls_running, 1);
    return pool->size;
}

int pool_stop(struct neighbor_pool *pool)
{
    atomic_fetch_add(&calls_stop, 1);
    return pool->runs;
}

/* Return how often the pool_* function @p name of this library ran. */
int neighbor_calls(const char *name)
{
    if (strcmp(name, "pool_new") == 0)
        return atomic_load(&calls_new);
    if (strcmp(name, "pool_free") == 0)
        return atomic_load(&calls_free);
    if (strcmp(name, "pool_run") == 0)
        return atomic_load(&calls_run);
    if (strcmp(name, "pool_running") == 0)
        return atomic_load(&calls_running);
    if (strcmp(name, "pool_stop") == 0)
        return atomic_load(&calls_stop);
    return -1;
}

/*
 * Call this library's own pool_* functions through the dynamic linker,
 * as any exported function is called from inside a shared library built
 * with -fPIC.  Returns 0 when every call reached this library.
 */
int neighbor_exercise(void)
{
    int before = neighbor_calls("pool_new") + neighbor_calls("pool_run") +
                 neighbor_calls("pool_running") + neighbor_calls("pool_stop") +
                 neighbor_calls("pool_free");
    struct neighbor_pool *pool = pool_new(7);
    int ok;

    if (pool == NULL)
        return -1;
    ok = pool_run(pool, 3) == 3 && pool_running(pool) == 7 &&
         pool_stop(pool) == 3;
    pool_free(pool);
    if (neighbor_calls("pool_new") + neighbor_calls("pool_run") +
            neighbor_calls("pool_running") + neighbor_calls("pool_stop") +
            neighbor_calls("pool_free") != before + 5)
        return 1;
    return ok ? 0 : 1;
}
