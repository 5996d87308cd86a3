/* The smallest use of a probe: hand it one task, wait, read the result. */
#include <probe.h>
#include <stdio.h>

struct sum {
    int a;
    int b;
    int result;
};

static int add(void *arg)
{
    struct sum *s = arg;

    s->result = s->a + s->b;
    printf("probe %s: %d + %d = %d\n", probe_current_id(), s->a, s->b,
           s->result);
    return 0;
}

int main(void)
{
    struct sum s = {10, 10, 0};
    probe *p = probe_new(NULL);
    int rc;

    if (p == NULL) {
        fprintf(stderr, "hello: probe_new: %s\n", probe_last_message());
        return 1;
    }
    rc = probe_run(p, add, &s);
    if (rc == PROBE_OK)
        rc = probe_stop(p, PROBE_DRAIN, PROBE_WAIT);
    probe_free(p);
    if (rc != PROBE_OK) {
        fprintf(stderr, "hello: %s\n", probe_strerror(rc));
        return 1;
    }
    return s.result == 20 ? 0 : 1;
}
