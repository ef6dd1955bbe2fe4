/* Fork/join over disjoint index ranges for the Conv1D kernels: one range per
 * thread (EMBER_NUM_THREADS, default all online cores), the caller's thread
 * taking the first.  Threads are started per call (tens of microseconds),
 * only for jobs big enough to amortize that. */
#ifndef EMBER_CONV_PARALLEL_H
#define EMBER_CONV_PARALLEL_H

#include <stdint.h>

typedef void (*em_range_fn)(void *ctx, int64_t lo, int64_t hi);

/* Run fn over [0, n) in ranges that are multiples of `align`; jobs under
 * `min_work` (in any unit, compared with `work`) stay on this thread. */
void em_parallel_ranges(int64_t n, int64_t align, double work, double min_work, em_range_fn fn, void *ctx);

/* Like em_parallel_ranges, but threads take `chunk`-sized pieces from a
 * shared counter until none are left: on a machine shared with other jobs a
 * thread that loses its core does not hold everyone up at the join.  For
 * jobs whose pieces cost the same wherever they start (output rows). */
void em_parallel_dynamic(int64_t n, int64_t chunk, double work, double min_work, em_range_fn fn, void *ctx);

#endif
