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
