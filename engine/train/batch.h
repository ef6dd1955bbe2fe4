/* Gathering training batches in C: a seeded permutation of row numbers and
 * a row gather into a reusable contiguous batch buffer, so the fit loop in
 * Lua never touches single elements. */
#ifndef EMBER_BATCH_H
#define EMBER_BATCH_H

#include "../core/random.h"
#include "../core/tensor.h"

/* out[0..n) = a permutation of 1..n (1-based row numbers, the Lua
 * convention), Fisher-Yates from the seeded RNG. */
void em_permutation(int32_t *out, int64_t n);
/* The same from a private generator r (the global one is not touched). */
void em_permutation_rng(int32_t *out, int64_t n, em_rng *r);

/* dst = src rows idx[0..n) (1-based), shape (n, src.shape[1:]), contiguous,
 * same dtype; dst's storage is reused when it is large enough and unshared.
 * Every index is checked first. */
int em_gather_rows(em_tensor *dst, const em_tensor *src, const int32_t *idx, int64_t n);

/* The same into dtype: src's own, or float32 for uint8 rows (values 0 ..
 * 255): fit on a uint8 one-hot converts one batch at a time in C, never the
 * whole array. */
int em_gather_rows_as(em_tensor *dst, const em_tensor *src, const int32_t *idx, int64_t n, em_dtype dtype);

/* dst rows [start, start + src.shape[0]) (0-based start) = src. */
int em_copy_rows(em_tensor *dst, int64_t start, const em_tensor *src);

#endif
