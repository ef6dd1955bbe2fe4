/* Parallel loops for the Conv1D kernels: a range cut into pieces that the
 * calling thread and a persistent pool of workers (EMBER_NUM_THREADS - 1,
 * default all online cores, read once) claim from a shared counter.  Workers
 * sleep between jobs; the caller waits only for pieces actually claimed, so
 * a worker that loses its core on a shared machine holds nobody up.  One job
 * runs at a time. */
#ifndef EMBER_CONV_PARALLEL_H
#define EMBER_CONV_PARALLEL_H

#include <stdint.h>

typedef void (*em_range_fn)(void *ctx, int64_t lo, int64_t hi);
typedef void (*em_tid_range_fn)(void *ctx, int tid, int64_t lo, int64_t hi);

/* Threads to use for n units in `chunk`s: 1 when `work` < `min_work` (any
 * unit), else at most one per piece. */
int em_parallel_plan(int64_t n, int64_t chunk, double work, double min_work);

/* Run fn over [0, n) in pieces of `chunk` (always called piece by piece,
 * also on one thread, so a piece can be sized for the cache) on up to nt
 * threads (from em_parallel_plan); fn is told its thread index 0..nt-1, so
 * it can sum into per-thread partial results. */
void em_parallel_dynamic_tid(int nt, int64_t n, int64_t chunk, em_tid_range_fn fn, void *ctx);

/* The same for pieces that need no thread index; plans for itself. */
void em_parallel_dynamic(int64_t n, int64_t chunk, double work, double min_work, em_range_fn fn, void *ctx);

#endif
