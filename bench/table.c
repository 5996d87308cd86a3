/* Statistics over repetitions and the printed tables. */
#include "table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* Sort figure @k of every repetition into @out; returns the count. */
static int sorted(const struct bench_row *row, int k, double *out)
{
    int i;

    for (i = 0; i < row->reps; i++)
        out[i] = row->values[i][k];
    qsort(out, (size_t)row->reps, sizeof *out, compare_double);
    return row->reps;
}

double bench_median(const struct bench_row *row, int k)
{
    double v[BENCH_MAX_REPS];
    int n = sorted(row, k, v);

    if (n == 0)
        return NAN;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double bench_min(const struct bench_row *row, int k)
{
    double v[BENCH_MAX_REPS];

    return sorted(row, k, v) > 0 ? v[0] : NAN;
}

double bench_max(const struct bench_row *row, int k)
{
    double v[BENCH_MAX_REPS];
    int n = sorted(row, k, v);

    return n > 0 ? v[n - 1] : NAN;
}

struct bench_row *bench_find_row(struct bench_block *block,
                                 const char *label)
{
    int i;

    for (i = 0; i < block->rows; i++)
        if (strcmp(block->row[i].label, label) == 0)
            return &block->row[i];
    return NULL;
}

static void print_cell(const struct bench_block *b, const struct bench_row *r,
                       int k)
{
    char med[32], lo[32], hi[32], cell[100];

    snprintf(med, sizeof med, b->format, bench_median(r, k) / b->scale);
    snprintf(lo, sizeof lo, b->format, bench_min(r, k) / b->scale);
    snprintf(hi, sizeof hi, b->format, bench_max(r, k) / b->scale);
    snprintf(cell, sizeof cell, "%s (%s-%s)", med, lo, hi);
    printf(" %-24s", cell);
}

/* Each probe row's median over this row's, for every figure. */
static void print_ratios(const struct bench_block *b,
                         const struct bench_row *r)
{
    const char *sep = " ";
    int i, k;

    for (i = 0; i < b->rows; i++) {
        if (!b->row[i].is_probe)
            continue;
        for (k = 0; k < b->nvalues; k++) {
            double peer = bench_median(r, k);

            if (peer == 0)
                printf("%s-", sep);
            else
                printf("%s%.2fx", sep, bench_median(&b->row[i], k) / peer);
            sep = " / ";
        }
    }
}

/* Name the ratios of a peer row when there is more than one. */
static void print_ratio_legend(const struct bench_block *b)
{
    const char *sep = "";
    int i, k, probes = 0;

    for (i = 0; i < b->rows; i++)
        probes += b->row[i].is_probe;
    if (probes * b->nvalues < 2)
        return;
    printf("  probe/peer lists: ");
    for (i = 0; i < b->rows; i++) {
        if (!b->row[i].is_probe)
            continue;
        for (k = 0; k < b->nvalues; k++) {
            printf("%s%s %s", sep, b->row[i].label, b->value_names[k]);
            sep = ", ";
        }
    }
    printf("\n");
}

void bench_print_block(const struct bench_block *b)
{
    const struct bench_row *r;
    int i, k;

    printf("\n%s\n", b->title);
    print_ratio_legend(b);
    printf("  %-16s", "peer");
    for (k = 0; k < b->nvalues; k++)
        printf(" %-24s", b->value_names[k]);
    printf(" probe/peer\n");
    for (i = 0; i < b->rows; i++) {
        r = &b->row[i];
        printf("  %-16s", r->label);
        if (r->reps == 0) {
            printf(" failed in every run\n");
            continue;
        }
        for (k = 0; k < b->nvalues; k++)
            print_cell(b, r, k);
        if (!r->is_probe)
            print_ratios(b, r);
        if (r->failed > 0)
            printf("  (%d runs failed)", r->failed);
        printf("\n");
    }
}

void bench_print_series(const char *title, struct bench_block *blocks,
                        int nblocks, const char *const *columns, int k)
{
    const struct bench_row *r;
    char cell[32];
    int i, j;

    printf("\n%s\n  %-16s", title, "peer");
    for (j = 0; j < nblocks; j++)
        printf(" %12s", columns[j]);
    printf("   max/min\n");
    for (i = 0; i < blocks[0].rows; i++) {
        double lo = INFINITY, hi = 0, v;

        printf("  %-16s", blocks[0].row[i].label);
        for (j = 0; j < nblocks; j++) {
            r = &blocks[j].row[i];
            v = bench_median(r, k) / blocks[j].scale;
            if (r->reps == 0) {
                printf(" %12s", "-");
                continue;
            }
            snprintf(cell, sizeof cell, blocks[j].format, v);
            printf(" %12s", cell);
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        printf("   %.2f\n", hi / lo);
    }
}
