/*
 * The baseline: the plainest correct pool, one mutex and one condition
 * variable guarding a linked list with one malloc'd node per task.  Every
 * submit signals the condition variable; workers sleep whenever the list
 * is empty.
 */
#include "bench.h"

#include <stdlib.h>

struct node {
    struct node *next;
    struct bench_job *job;
};

struct baseline {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct node *head;
    struct node *tail;
    int stopping;
    int workers;
    pthread_t *threads;
};

static void *worker(void *arg)
{
    struct baseline *b = arg;
    struct node *n;

    for (;;) {
        pthread_mutex_lock(&b->lock);
        while (b->head == NULL && !b->stopping)
            pthread_cond_wait(&b->cond, &b->lock);
        n = b->head;
        if (n == NULL) {
            pthread_mutex_unlock(&b->lock);
            return NULL;
        }
        b->head = n->next;
        if (b->head == NULL)
            b->tail = NULL;
        pthread_mutex_unlock(&b->lock);
        n->job->fn(n->job);
        free(n);
    }
}

static void *baseline_create(int workers, size_t buffer)
{
    struct baseline *b = calloc(1, sizeof *b);
    int i;

    (void)buffer;
    if (b == NULL)
        bench_die("baseline", "calloc");
    pthread_mutex_init(&b->lock, NULL);
    pthread_cond_init(&b->cond, NULL);
    b->workers = workers;
    b->threads = calloc((size_t)workers, sizeof *b->threads);
    if (b->threads == NULL)
        bench_die("baseline", "calloc");
    for (i = 0; i < workers; i++)
        if (pthread_create(&b->threads[i], NULL, worker, b) != 0)
            bench_die("baseline", "pthread_create");
    return b;
}

static void *baseline_submitter(void *b)
{
    return b;
}

static int baseline_submit(void *arg, struct bench_job *job)
{
    struct baseline *b = arg;
    struct node *n = malloc(sizeof *n);

    if (n == NULL)
        return -1;
    n->next = NULL;
    n->job = job;
    pthread_mutex_lock(&b->lock);
    if (b->tail != NULL)
        b->tail->next = n;
    else
        b->head = n;
    b->tail = n;
    pthread_cond_signal(&b->cond);
    pthread_mutex_unlock(&b->lock);
    return 0;
}

static void baseline_submitter_done(void *b)
{
    (void)b;
}

/* Workers drain the list before they see `stopping`. */
static void baseline_destroy(void *arg)
{
    struct baseline *b = arg;
    int i;

    pthread_mutex_lock(&b->lock);
    b->stopping = 1;
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->lock);
    for (i = 0; i < b->workers; i++)
        pthread_join(b->threads[i], NULL);
    pthread_cond_destroy(&b->cond);
    pthread_mutex_destroy(&b->lock);
    free(b->threads);
    free(b);
}

const struct bench_peer bench_peer_baseline = {
    "baseline", baseline_create, baseline_submitter, baseline_submit,
    baseline_submitter_done, baseline_destroy};
