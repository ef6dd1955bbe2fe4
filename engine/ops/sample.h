/* Drawing a class from a probability vector, reweighted by a temperature
 * (the book's text-generation `sample`, section 8.1):
 *
 *   w_i = exp(log(p_i) / T) / sum_j exp(log(p_j) / T),  index ~ Categorical(w)
 *
 * T < 1 sharpens the distribution towards its most likely class, T > 1
 * flattens it; T = 1 samples p itself.  Draws from the one seeded
 * generator (engine/core/random.h), so ember.seed makes it repeatable. */
#ifndef EMBER_SAMPLE_H
#define EMBER_SAMPLE_H

#include <stdint.h>

#include "../core/tensor.h"

/* For each row of probs (1-D: one row; 2-D: one per row), the 0-based index
 * drawn into out[row].  probs: float32, entries finite and >= 0, each row
 * with a positive sum (rows need not sum to 1: they are normalised, as
 * softmax outputs rounded in float32 do not quite); temperature finite and
 * > 0.  Returns 0 or -1 with em_fail naming `who`. */
int em_sample_rows(const char *who, const em_tensor *probs, double temperature, int64_t *out);

#endif
