/* Contexts: trees, cancellation, waits, deadlines, descriptors, and
 * lifetimes freed in either order. */
#include "harness.h"

#include <limits.h>
#include <poll.h>

START_TEST(test_ctx_cancel_reaches_descendants)
{
    probe_ctx *root = probe_ctx_new();
    probe_ctx *child = probe_ctx_new_child(root);
    probe_ctx *grandchild = probe_ctx_new_child(child);
    probe_ctx *sibling = probe_ctx_new_child(root);

    ck_assert_int_eq(probe_ctx_done(grandchild), 0);
    ck_assert_int_eq(probe_ctx_err(grandchild), PROBE_OK);
    ck_assert_int_eq(probe_ctx_cancel(child), PROBE_OK);
    ck_assert_int_eq(probe_ctx_done(child), 1);
    ck_assert_int_eq(probe_ctx_done(grandchild), 1);
    ck_assert_int_eq(probe_ctx_err(grandchild), PROBE_ECANCELED);
    ck_assert_int_eq(probe_ctx_done(root), 0);
    ck_assert_int_eq(probe_ctx_done(sibling), 0);
    ck_assert_int_eq(probe_ctx_cancel(child), PROBE_OK);
    probe_ctx_cancel(root);
    ck_assert_int_eq(probe_ctx_done(sibling), 1);
    probe_ctx_free(grandchild);
    probe_ctx_free(child);
    probe_ctx_free(sibling);
    probe_ctx_free(root);
}
END_TEST

START_TEST(test_ctx_child_of_cancelled_starts_cancelled)
{
    probe_ctx *root = probe_ctx_new();
    probe_ctx *child;

    probe_ctx_cancel(root);
    child = probe_ctx_new_child(root);
    ck_assert_int_eq(probe_ctx_done(child), 1);
    probe_ctx_free(child);
    probe_ctx_free(root);
}
END_TEST

static void *cancel_it(void *arg)
{
    probe_ctx_cancel(arg);
    return NULL;
}

START_TEST(test_ctx_cancel_from_many_threads)
{
    probe_ctx *root = probe_ctx_new();
    probe_ctx *child = probe_ctx_new_child(root);
    pthread_t t[8];
    int i;

    for (i = 0; i < 8; i++)
        pthread_create(&t[i], NULL, cancel_it, i % 2 ? root : child);
    for (i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
    ck_assert_int_eq(probe_ctx_done(root), 1);
    ck_assert_int_eq(probe_ctx_done(child), 1);
    probe_ctx_free(root);
    probe_ctx_free(child);
}
END_TEST

START_TEST(test_ctx_wait_times_out_then_returns)
{
    probe_ctx *ctx = probe_ctx_new();
    pthread_t t;

    ck_assert_int_eq(probe_ctx_wait(ctx, 0), PROBE_ETIMEDOUT);
    ck_assert_int_eq(probe_ctx_wait(ctx, 10), PROBE_ETIMEDOUT);
    pthread_create(&t, NULL, cancel_it, ctx);
    ck_assert_int_eq(probe_ctx_wait(ctx, PROBE_FOREVER), PROBE_OK);
    pthread_join(t, NULL);
    ck_assert_int_eq(probe_ctx_wait(ctx, 0), PROBE_OK);
    probe_ctx_free(ctx);
}
END_TEST

START_TEST(test_ctx_deadline_fires)
{
    probe_ctx *root = probe_ctx_new();
    probe_ctx *timed = probe_ctx_new_timeout(root, 30);
    probe_ctx *child = probe_ctx_new_child(timed);

    ck_assert_ptr_nonnull(timed);
    ck_assert_int_eq(probe_ctx_done(timed), 0);
    ck_assert_int_eq(probe_ctx_wait(child, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(probe_ctx_err(child), PROBE_ETIMEDOUT);
    ck_assert_int_eq(probe_ctx_err(timed), PROBE_ETIMEDOUT);
    ck_assert_int_eq(probe_ctx_done(root), 0);
    probe_ctx_free(child);
    probe_ctx_free(timed);
    probe_ctx_free(root);
}
END_TEST

START_TEST(test_ctx_deadline_cancelled_early)
{
    probe_ctx *timed = probe_ctx_new_timeout(NULL, 60000);

    probe_ctx_cancel(timed);
    ck_assert_int_eq(probe_ctx_err(timed), PROBE_ECANCELED);
    probe_ctx_free(timed);
    ck_assert_ptr_null(probe_ctx_new_timeout(NULL, -1));
    ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(test_ctx_huge_timeouts_wait_forever)
{
    probe_ctx *far = probe_ctx_new_timeout(NULL, LONG_MAX);
    probe_ctx *plain = probe_ctx_new();
    pthread_t t;

    ck_assert_ptr_nonnull(far);
    ck_assert_int_eq(probe_ctx_done(far), 0);
    ck_assert_int_eq(probe_ctx_err(far), PROBE_OK);
    pthread_create(&t, NULL, cancel_it, plain);
    ck_assert_int_eq(probe_ctx_wait(plain, LONG_MAX), PROBE_OK);
    pthread_join(t, NULL);
    ck_assert_int_eq(probe_ctx_done(far), 0);
    probe_ctx_free(far);
    probe_ctx_free(plain);
}
END_TEST

START_TEST(test_ctx_deadline_stops_pool)
{
    probe_ctx *timed = probe_ctx_new_timeout(NULL, 20);
    probe_config *cfg = config_of(2, 4);
    atomic_long n = 0;
    pool *pl;

    probe_config_set_ctx(cfg, timed);
    pl = pool_new(cfg);
    ck_assert_int_eq(probe_ctx_wait(timed, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(pool_stop(pl, PROBE_KEEP, PROBE_WAIT), PROBE_OK);
    ck_assert_int_eq(pool_run(pl, task_count, &n), PROBE_ECANCELED);
    pool_free(pl);
    probe_config_free(cfg);
    probe_ctx_free(timed);
}
END_TEST

START_TEST(test_ctx_fd_readable_on_cancel)
{
    probe_ctx *ctx = probe_ctx_new();
    struct pollfd p;
    int fd = probe_ctx_fd(ctx);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(probe_ctx_fd(ctx), fd);
    p = (struct pollfd){fd, POLLIN, 0};
    ck_assert_int_eq(poll(&p, 1, 0), 0);
    probe_ctx_cancel(ctx);
    ck_assert_int_eq(poll(&p, 1, WAIT_LIMIT_MS), 1);
    ck_assert(p.revents & POLLIN);
    probe_ctx_free(ctx);
}
END_TEST

START_TEST(test_ctx_fd_after_cancel_is_readable)
{
    probe_ctx *root = probe_ctx_new();
    probe_ctx *child = probe_ctx_new_child(root);
    struct pollfd p;

    probe_ctx_cancel(root);
    p = (struct pollfd){probe_ctx_fd(child), POLLIN, 0};
    ck_assert_int_ge(p.fd, 0);
    ck_assert_int_eq(poll(&p, 1, 0), 1);
    probe_ctx_free(child);
    probe_ctx_free(root);
}
END_TEST

START_TEST(test_ctx_freed_before_pool)
{
    probe_ctx *ctx = probe_ctx_new();
    probe_config *cfg = config_of(2, 4);
    atomic_long n = 0;
    pool *pl;

    probe_config_set_ctx(cfg, ctx);
    pl = pool_new(cfg);
    probe_config_free(cfg);
    probe_ctx_free(ctx);
    ck_assert_int_eq(pool_run(pl, task_count, &n), PROBE_OK);
    ck_assert_int_eq(pool_wait(pl, WAIT_LIMIT_MS), PROBE_OK);
    ck_assert_int_eq(n, 1);
    pool_free(pl);
}
END_TEST

START_TEST(test_ctx_freed_after_pool)
{
    probe_ctx *ctx = probe_ctx_new();
    probe_config *cfg = config_of(2, 4);
    pool *pl;

    probe_config_set_ctx(cfg, ctx);
    pl = pool_new(cfg);
    pool_free(pl);
    probe_config_free(cfg);
    ck_assert_int_eq(probe_ctx_cancel(ctx), PROBE_OK);
    probe_ctx_free(ctx);
}
END_TEST

START_TEST(test_ctx_parent_freed_before_child)
{
    probe_ctx *root = probe_ctx_new();
    probe_ctx *child = probe_ctx_new_child(root);

    probe_ctx_free(root);
    ck_assert_int_eq(probe_ctx_done(child), 0);
    probe_ctx_free(child);
}
END_TEST

START_TEST(test_ctx_null_input)
{
    ck_assert_ptr_null(probe_ctx_new_child(NULL));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(probe_ctx_cancel(NULL), PROBE_EINVAL);
    ck_assert_int_eq(probe_ctx_done(NULL), 0);
    ck_assert_int_eq(probe_ctx_err(NULL), PROBE_EINVAL);
    ck_assert_int_eq(probe_ctx_wait(NULL, 0), PROBE_EINVAL);
    ck_assert_int_eq(probe_ctx_fd(NULL), PROBE_EINVAL);
    ck_assert_ptr_null(probe_ctx_ref(NULL));
    probe_ctx_free(NULL);
}
END_TEST

struct ticks {
    long count;
};

/* The daemon loop: work every period until the context is cancelled. */
static int daemon_loop(void *arg)
{
    struct ticks *t = arg;

    while (probe_ctx_wait(probe_current_ctx(), 1) == PROBE_ETIMEDOUT)
        if (++t->count == 5)
            probe_ctx_cancel(probe_current_ctx());
    return 0;
}

START_TEST(test_ctx_daemon_loop)
{
    probe *p = probe_new(NULL);
    struct ticks t = {0};

    ck_assert_int_eq(probe_run(p, daemon_loop, &t), PROBE_OK);
    ck_assert_int_eq(probe_stop(p, PROBE_DRAIN, PROBE_WAIT), PROBE_OK);
    ck_assert_int_le(t.count, 5);
    probe_free(p);
}
END_TEST

static Suite *ctx_suite(void)
{
    Suite *s = suite_create("ctx");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, TEST_TIMEOUT_S);
    tcase_add_test(tc, test_ctx_cancel_reaches_descendants);
    tcase_add_test(tc, test_ctx_child_of_cancelled_starts_cancelled);
    tcase_add_test(tc, test_ctx_cancel_from_many_threads);
    tcase_add_test(tc, test_ctx_wait_times_out_then_returns);
    tcase_add_test(tc, test_ctx_deadline_fires);
    tcase_add_test(tc, test_ctx_deadline_cancelled_early);
    tcase_add_test(tc, test_ctx_huge_timeouts_wait_forever);
    tcase_add_test(tc, test_ctx_deadline_stops_pool);
    tcase_add_test(tc, test_ctx_fd_readable_on_cancel);
    tcase_add_test(tc, test_ctx_fd_after_cancel_is_readable);
    tcase_add_test(tc, test_ctx_freed_before_pool);
    tcase_add_test(tc, test_ctx_freed_after_pool);
    tcase_add_test(tc, test_ctx_parent_freed_before_child);
    tcase_add_test(tc, test_ctx_null_input);
    tcase_add_test(tc, test_ctx_daemon_loop);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(ctx_suite());
}
