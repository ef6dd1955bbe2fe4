#include "batch.h"

#include <string.h>

#include "../core/error.h"
#include "../core/random.h"

/* Fisher-Yates over 1..n, drawing from r, or from the global generator
 * when r is NULL (the draws, and so the permutations, are as before). */
static void shuffle(int32_t *out, int64_t n, em_rng *r) {
    for (int64_t i = 0; i < n; i++) out[i] = (int32_t)(i + 1);
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)(r ? em_rng_below(r, (uint64_t)i + 1) : em_rand_below((uint64_t)i + 1));
        int32_t tmp = out[i];
        out[i] = out[j];
        out[j] = tmp;
    }
}

void em_permutation(int32_t *out, int64_t n) { shuffle(out, n, NULL); }

void em_permutation_rng(int32_t *out, int64_t n, em_rng *r) { shuffle(out, n, r); }

/* A view of row r (0-based) of src. */
static em_tensor row_view(const em_tensor *src, int64_t r) {
    em_tensor v = *src;
    v.offset += r * src->strides[0];
    v.ndim = src->ndim - 1;
    for (int d = 1; d < src->ndim; d++) { v.shape[d - 1] = src->shape[d]; v.strides[d - 1] = src->strides[d]; }
    return v;
}

/* Row i of the batch from uint8 src into float32 out (row elements long):
 * the conversion the training loop does per batch, so a uint8 one-hot x
 * is never copied whole into float32. */
static void gather_u8_rows(float *out, const em_tensor *src, const int32_t *idx, int64_t n, int64_t row) {
    em_tensor probe = row_view(src, 0);
    int contiguous_rows = src->ndim == 1 || em_is_contiguous(&probe);
    for (int64_t i = 0; i < n; i++) {
        em_tensor s = row_view(src, idx[i] - 1);
        float *o = out + i * row;
        if (contiguous_rows) {
            const uint8_t *p = em_u8(&s);
            for (int64_t j = 0; j < row; j++) o[j] = (float)p[j];
            continue;
        }
        int64_t k = 0, pos[EM_MAX_DIMS] = {0};  /* strided row: walk it in row-major order */
        for (int64_t j = 0; j < row; j++) {
            int64_t off = 0;
            for (int d = 0; d < s.ndim; d++) off += pos[d] * s.strides[d];
            o[k++] = (float)em_u8(&s)[off];
            for (int d = s.ndim - 1; d >= 0 && ++pos[d] == s.shape[d]; d--) pos[d] = 0;
        }
    }
}

int em_gather_rows(em_tensor *dst, const em_tensor *src, const int32_t *idx, int64_t n) {
    return em_gather_rows_as(dst, src, idx, n, src->dtype);
}

int em_gather_rows_as(em_tensor *dst, const em_tensor *src, const int32_t *idx, int64_t n, em_dtype dtype) {
    if (dtype != src->dtype && !(src->dtype == EM_UINT8 && dtype == EM_FLOAT32))
        return em_fail("gather_rows: cannot gather %s rows as %s", em_dtype_name(src->dtype), em_dtype_name(dtype));
    if (src->ndim < 1) return em_fail("gather_rows: source must have at least one dimension");
    if (dst->storage && dst->storage == src->storage) return em_fail("gather_rows: destination shares the source's storage");
    for (int64_t i = 0; i < n; i++)
        if (idx[i] < 1 || idx[i] > src->shape[0])
            return em_fail("gather_rows: row %d out of range [1, %lld]", idx[i], (long long)src->shape[0]);
    int64_t shape[EM_MAX_DIMS];
    memcpy(shape, src->shape, sizeof shape);
    shape[0] = n;
    if (em_tensor_reuse(dst, dtype, src->ndim, shape, src)) return -1;
    int64_t row = 1;
    for (int d = 1; d < src->ndim; d++) row *= src->shape[d];
    if (dtype != src->dtype) {
        gather_u8_rows(em_f32(dst), src, idx, n, row);
        return 0;
    }
    size_t esz = em_dtype_size(src->dtype), bytes = (size_t)row * esz;
    char *out = (char *)dst->storage->data + dst->offset * (int64_t)esz;
    em_tensor probe = row_view(src, 0);
    if (src->ndim == 1 || em_is_contiguous(&probe)) {
        const char *base = (const char *)src->storage->data;
        for (int64_t i = 0; i < n; i++)
            memcpy(out + i * (int64_t)bytes, base + (src->offset + (int64_t)(idx[i] - 1) * src->strides[0]) * (int64_t)esz, bytes);
        return 0;
    }
    for (int64_t i = 0; i < n; i++) {
        em_tensor s = row_view(src, idx[i] - 1), d = row_view(dst, i);
        if (em_tensor_copy(&d, &s)) return -1;
    }
    return 0;
}

int em_copy_rows(em_tensor *dst, int64_t start, const em_tensor *src) {
    char a[160], b[160];
    if (dst->dtype != src->dtype || dst->ndim != src->ndim || dst->ndim < 1)
        return em_fail("copy_rows: cannot copy %s %s rows into %s %s", em_dtype_name(src->dtype),
                       em_tensor_shape_str(src, a, sizeof a), em_dtype_name(dst->dtype), em_tensor_shape_str(dst, b, sizeof b));
    for (int d = 1; d < dst->ndim; d++)
        if (dst->shape[d] != src->shape[d])
            return em_fail("copy_rows: rows of shape %s do not fit a destination of shape %s",
                           em_tensor_shape_str(src, a, sizeof a), em_tensor_shape_str(dst, b, sizeof b));
    if (start < 0 || start + src->shape[0] > dst->shape[0])
        return em_fail("copy_rows: rows %lld..%lld out of range for %lld rows", (long long)start + 1,
                       (long long)(start + src->shape[0]), (long long)dst->shape[0]);
    em_tensor part = *dst;
    part.offset += start * dst->strides[0];
    part.shape[0] = src->shape[0];
    return em_tensor_copy(&part, src);
}
