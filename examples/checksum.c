/*
 * Checksum every regular file under a directory on a pool.
 *
 *   checksum [--jobs N] [--quiet] [DIR]      (DIR defaults to /usr/share)
 *
 * The main thread walks the tree and submits one task per file; workers
 * read each file and compute its CRC-32.  On a terminal a progress line is
 * redrawn five times a second.  The summary gives files, bytes, throughput
 * and how many tasks each probe ran.
 */
#define _XOPEN_SOURCE 700
#include <probe.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS 256
#define READ_SIZE (256 * 1024)

struct worker_stats {
    char id[16];
    atomic_long tasks;
};

static struct worker_stats workers[MAX_WORKERS];
static atomic_int worker_count;
static _Thread_local struct worker_stats *my_stats;
static _Thread_local unsigned char *read_buffer;

static atomic_long files_done, files_skipped, bytes_done;
static atomic_uint_fast32_t combined;   /* XOR of all CRCs */
static uint32_t crc_table[8][256];
static pool *the_pool;
static long files_submitted;
static int show_progress;
static double started;

static void crc_init(void)
{
    uint32_t c;
    int i, j;

    for (i = 0; i < 256; i++) {
        c = (uint32_t)i;
        for (j = 0; j < 8; j++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[0][i] = c;
    }
    for (i = 0; i < 256; i++)
        for (j = 1; j < 8; j++)
            crc_table[j][i] = (crc_table[j - 1][i] >> 8) ^
                              crc_table[0][crc_table[j - 1][i] & 0xff];
}

/* CRC-32 (IEEE 802.3), eight bytes per step. */
static uint32_t crc_update(uint32_t crc, const unsigned char *p, size_t n)
{
    crc = ~crc;
    while (n >= 8) {
        uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
                             (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
        uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 |
                      (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;

        crc = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
              crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^
              crc_table[3][hi & 0xff] ^ crc_table[2][(hi >> 8) & 0xff] ^
              crc_table[1][(hi >> 16) & 0xff] ^ crc_table[0][hi >> 24];
        p += 8;
        n -= 8;
    }
    while (n-- > 0)
        crc = crc_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Worker init hook: claim a statistics slot and a read buffer. */
static int worker_init(void *payload)
{
    int slot = atomic_fetch_add(&worker_count, 1);

    (void)payload;
    if (slot >= MAX_WORKERS)
        return 1;
    read_buffer = malloc(READ_SIZE);
    if (read_buffer == NULL)
        return 1;
    my_stats = &workers[slot];
    snprintf(my_stats->id, sizeof my_stats->id, "%s", probe_current_id());
    return 0;
}

static int worker_fini(void *payload)
{
    (void)payload;
    free(read_buffer);
    read_buffer = NULL;
    return 0;
}

static int checksum_file(void *arg)
{
    char *path = arg;
    uint32_t crc = 0;
    long total = 0;
    ssize_t n;
    int fd;

    atomic_fetch_add(&my_stats->tasks, 1);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        atomic_fetch_add(&files_skipped, 1);
        free(path);
        return 1;
    }
    while ((n = read(fd, read_buffer, READ_SIZE)) > 0) {
        crc = crc_update(crc, read_buffer, (size_t)n);
        total += n;
    }
    close(fd);
    free(path);
    if (n < 0) {
        atomic_fetch_add(&files_skipped, 1);
        return 1;
    }
    atomic_fetch_xor(&combined, crc);
    atomic_fetch_add(&bytes_done, total);
    atomic_fetch_add(&files_done, 1);
    return 0;
}

/* Tasks that never ran still own a path string. */
static void free_path(probe_task_fn fn, void *arg, void *payload)
{
    (void)fn;
    (void)payload;
    free(arg);
}

static void print_progress(int final)
{
    double elapsed = now() - started;
    long done = atomic_load(&files_done) + atomic_load(&files_skipped);

    fprintf(stderr, "\r%ld/%ld files, %.1f MiB, %.1f MiB/s%s", done,
            files_submitted, atomic_load(&bytes_done) / 1048576.0,
            elapsed > 0 ? atomic_load(&bytes_done) / 1048576.0 / elapsed : 0,
            final ? "\n" : "   ");
}

static int visit(const char *path, const struct stat *st, int type,
                 struct FTW *ftw)
{
    static double last_draw;
    char *copy;

    (void)st;
    (void)ftw;
    if (type != FTW_F)
        return 0;
    copy = strdup(path);
    if (copy == NULL || pool_run(the_pool, checksum_file, copy) != PROBE_OK) {
        fprintf(stderr, "checksum: cannot queue %s: %s\n", path,
                probe_last_message());
        free(copy);
        return 1;
    }
    files_submitted++;
    if (show_progress && now() - last_draw > 0.2) {
        last_draw = now();
        print_progress(0);
    }
    return 0;
}

static int by_tasks(const void *a, const void *b)
{
    long x = atomic_load(&((const struct worker_stats *)a)->tasks);
    long y = atomic_load(&((const struct worker_stats *)b)->tasks);

    return (x < y) - (x > y);
}

int main(int argc, char **argv)
{
    const char *dir = "/usr/share";
    long jobs = sysconf(_SC_NPROCESSORS_ONLN);
    int i, quiet = 0, walk_rc;
    probe_config *cfg;
    double elapsed;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--jobs") == 0 && i + 1 < argc) {
            jobs = strtol(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--quiet") == 0) {
            quiet = 1;
        } else if (argv[i][0] == '-') {
            fprintf(stderr,
                    "usage: checksum [--jobs N] [--quiet] [DIR]\n");
            return 2;
        } else {
            dir = argv[i];
        }
    }
    if (jobs < 1 || jobs > MAX_WORKERS) {
        fprintf(stderr, "checksum: --jobs %ld is outside 1..%d\n", jobs,
                MAX_WORKERS);
        return 2;
    }
    show_progress = !quiet && isatty(STDERR_FILENO);
    crc_init();

    cfg = probe_config_new();
    probe_config_set(cfg, PROBE_OPT_SIZE, jobs);
    probe_config_set(cfg, PROBE_OPT_BUFFER, 1024);
    probe_config_set_hooks(cfg, worker_init, worker_fini, NULL);
    probe_config_set_discard(cfg, free_path, NULL);
    the_pool = pool_new(cfg);
    probe_config_free(cfg);
    if (the_pool == NULL) {
        fprintf(stderr, "checksum: pool_new: %s\n", probe_last_message());
        return 1;
    }

    started = now();
    walk_rc = nftw(dir, visit, 64, FTW_PHYS);
    if (walk_rc < 0)
        fprintf(stderr, "checksum: cannot walk %s: %s\n", dir,
                strerror(errno));
    while (pool_wait(the_pool, 200) == PROBE_ETIMEDOUT)
        if (show_progress)
            print_progress(0);
    elapsed = now() - started;
    if (show_progress)
        print_progress(1);
    pool_stop(the_pool, PROBE_DRAIN, PROBE_WAIT);

    printf("directory   %s\n", dir);
    printf("files       %ld (%ld unreadable)\n", atomic_load(&files_done),
           atomic_load(&files_skipped));
    printf("bytes       %ld (%.1f MiB)\n", atomic_load(&bytes_done),
           atomic_load(&bytes_done) / 1048576.0);
    printf("time        %.3f s\n", elapsed);
    printf("throughput  %.1f MiB/s, %.0f files/s\n",
           atomic_load(&bytes_done) / 1048576.0 / elapsed,
           (atomic_load(&files_done) + atomic_load(&files_skipped)) /
               elapsed);
    printf("crc32 xor   %08lx\n", (unsigned long)atomic_load(&combined));
    qsort(workers, (size_t)atomic_load(&worker_count), sizeof workers[0],
          by_tasks);
    printf("tasks per probe:\n");
    for (i = 0; i < atomic_load(&worker_count); i++)
        printf("  probe-%s  %ld\n", workers[i].id,
               atomic_load(&workers[i].tasks));
    pool_free(the_pool);
    return walk_rc < 0 ? 1 : 0;
}
