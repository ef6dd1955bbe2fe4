/* The timeseries batch generator of listing 6-33, with Ember's 1-based,
 * inclusive row numbers (docs/API.md):
 *  - a candidate row r lies in [min_index + lookback, max_index];
 *  - its sample is rows r - lookback, r - lookback + step, ... (those < r),
 *    ceil(lookback / step) timesteps of every column;
 *  - its target is data[r + delay][target_column];
 *  - shuffle: batch_size rows drawn uniformly (em_rand_below, the engine's
 *    one RNG), like np.random.randint(min_index + lookback, max_index);
 *  - sequential: from min_index + lookback, batch_size rows at a time
 *    (clipped at max_index), wrapping to the start when
 *    i + batch_size > max_index;
 *  - reverse: each sample's timesteps in reverse order (samples[:, ::-1, :]). */
#ifndef EMBER_TIMESERIES_H
#define EMBER_TIMESERIES_H

#include <stdint.h>

#include "../core/tensor.h"

/* Batch buffers the generator recycles: a buffer is reused only once the
 * caller holds no view of it any more (its storage refcount is back to 1),
 * so a batch the caller keeps is never overwritten. */
#define EM_TS_POOL 4

typedef struct {
    em_tensor data;  /* a view of the 2-D float32 series (retained) */
    em_tensor pool_samples[EM_TS_POOL], pool_targets[EM_TS_POOL];
    int pool_next;
    int64_t lookback, delay, min_index, max_index, step, batch_size, target_column;
    int shuffle, reverse;
    int64_t next_row;  /* sequential mode: the next batch's first row */
} em_timeseries;

/* Validate the settings against data (max_index <= 0 means
 * rows - delay - 1, the book's default) and take a view of data.
 * *g must be zeroed. */
int em_timeseries_init(em_timeseries *g, const em_tensor *data);
void em_timeseries_free(em_timeseries *g);

/* Timesteps per sample: ceil(lookback / step). */
int64_t em_timeseries_steps(const em_timeseries *g);

/* The next batch: *samples {n, steps, columns} and *targets {n} become
 * views of the generator's buffers (recycled as above; no allocation in
 * steady state).  Both must be empty. */
int em_timeseries_next(em_timeseries *g, em_tensor *samples, em_tensor *targets);

#endif
