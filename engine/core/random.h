/* The one seeded random generator (xoshiro256**).  Weights, shuffles,
 * dropout masks and random tensors all draw from it, so ember.seed(n) makes a
 * whole run reproducible.  Not thread-safe: draw from one thread. */
#ifndef EMBER_RANDOM_H
#define EMBER_RANDOM_H

#include <stdint.h>

void em_seed(uint64_t seed);
uint64_t em_rand_u64(void);
/* Uniform in [0, 1) with 24 random bits (exactly representable in float). */
float em_rand_uniform(void);
/* Uniform in [0, 1) with 53 random bits. */
double em_rand_double(void);
/* Standard normal (Marsaglia polar method). */
double em_rand_normal(void);
/* Uniform integer in [0, n), unbiased; n > 0. */
uint64_t em_rand_below(uint64_t n);

/* Dropout masks come from a counter-based stream beside the generator (it
 * never draws from the generator, and the generator never moves it):
 * a mask value is a hash of a key and of the sample's GLOBAL row and the
 * element's index within the sample.  So a sample's mask does not depend
 * on the batch it is in nor on how a batch is split over MPI ranks: N
 * ranks sharing a batch draw exactly the masks one process draws.
 *
 * em_seed(s) sets the stream's seed (from s) and its counter to 0.  A
 * model's training step and its training forward (engine/train/model.c)
 * bracket the forward with em_mask_step_begin(first_row) /
 * em_mask_step_end(): that takes the next key of the stream, and the k-th
 * masked layer inside uses a key derived from (that key, k); first_row is
 * the global row of this process's first sample (its offset in the batch
 * when ranks share one).  So fit's step and a hand-written loop over the
 * model's forward draw the same masks.  A masked layer called on its own
 * (outside a bracket) takes the next key of the stream as a bracket of its
 * own, rows from 0.  Not thread-safe: call from one thread. */
typedef struct {
    uint64_t key;
    int64_t first_row;
} em_mask_stream;

void em_mask_step_begin(int64_t first_row);
void em_mask_step_end(void);
int em_mask_step_active(void);
/* The step bracket's whole state (its key, how many masked forwards drew
 * so far, its first row, whether a step is open), and setting it back, so
 * that a forward run again later (a graph model recomputing a shared
 * layer's call before its backward, engine/train/model.c, possibly after
 * the step's bracket closed in a hand-written loop) draws exactly the masks
 * it drew the first time. */
typedef struct {
    uint64_t key, calls;
    int64_t first_row;
    int active;
} em_mask_state;
em_mask_state em_mask_state_get(void);
void em_mask_state_set(em_mask_state s);
/* The key and rows for one masked forward. */
em_mask_stream em_mask_next(void);
/* Uniform in [0, 1) with 24 bits for element j of local row b. */
float em_mask_uniform(const em_mask_stream *s, int64_t b, int64_t j);

/* A private generator (the same xoshiro256**, seeded with splitmix64 as
 * em_seed) for draws that must not disturb the global one: a split with
 * its own seed (sklearn's random_state) is reproducible whatever else ran. */
typedef struct {
    uint64_t s[4];
} em_rng;
void em_rng_seed(em_rng *r, uint64_t seed);
/* Uniform integer in [0, n) from r, unbiased; n > 0. */
uint64_t em_rng_below(em_rng *r, uint64_t n);

#endif
