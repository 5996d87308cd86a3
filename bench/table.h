/* Rows of repeated measurements and the tables printed from them. */
#ifndef BENCH_TABLE_H
#define BENCH_TABLE_H

#include "workloads.h"

#define BENCH_MAX_REPS 32
#define BENCH_MAX_ROWS 8

/* One peer in one workload, with every repetition's figures. */
struct bench_row {
    const char *label;
    const struct bench_peer *peer;
    size_t buffer;
    int is_probe;
    int skip;      /* not measured in this run: printed as - */
    long tasks;    /* tasks for this row only; 0: the block's */
    int reps;
    int failed;
    double values[BENCH_MAX_REPS][BENCH_MAX_VALUES];
};

/* One workload: its rows and how to print their figures. */
struct bench_block {
    const char *title;
    bench_workload_fn workload;
    int workers;
    long tasks;
    int nvalues;
    const char *const *value_names;
    double scale;          /* printed value = figure / scale */
    const char *format;    /* printf format of one printed value */
    int rows;
    struct bench_row row[BENCH_MAX_ROWS];
};

/* Median of figure @k over the row's repetitions; NAN without any. */
double bench_median(const struct bench_row *row, int k);
double bench_min(const struct bench_row *row, int k);
double bench_max(const struct bench_row *row, int k);

/* Return the row labelled @label, or NULL. */
struct bench_row *bench_find_row(struct bench_block *block,
                                 const char *label);

/* Print the block as a table: median and min-max of each figure, then
 * each probe row's median over the peer's median. */
void bench_print_block(const struct bench_block *block);

/* Print figure @k of @nblocks blocks with the same rows side by side,
 * one column per block headed by @columns[i]: the scale series. */
void bench_print_series(const char *title, struct bench_block *blocks,
                        int nblocks, const char *const *columns, int k);

#endif /* BENCH_TABLE_H */
