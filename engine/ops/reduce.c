#include "reduce.h"

#include <math.h>
#include <stdlib.h>

#include "../core/error.h"

static const char *const names[EM_RED_COUNT] = {"sum", "mean", "std", "max", "min", "argmax", "argmin"};

const char *em_reduce_name(em_reduce_op op) { return op >= 0 && op < EM_RED_COUNT ? names[op] : "?"; }

em_dtype em_reduce_dtype(em_reduce_op op, em_dtype dt) {
    switch (op) {
    case EM_RED_MEAN: case EM_RED_STD: return EM_FLOAT32;
    case EM_RED_ARGMAX: case EM_RED_ARGMIN: return EM_INT32;
    default: return dt == EM_UINT8 ? EM_INT32 : dt;  /* uint8 sums, max and min come out int32 */
    }
}

/* The data is viewed as [outer][n][inner] (contiguous) and reduced over n,
 * giving outer * inner results.  Kernels exist per element type. */
typedef struct {
    int64_t outer, n, inner;
} block;

#define DEFINE_KERNELS(SUF, T)                                                                            \
    /* Sum of (q[j] - m) or of its square over a contiguous run; eight accumulators vectorize (one     \
     * double lane each) without reassociating the sum. */                                              \
    static double run_sum_##SUF(const T *q, int64_t n, double m, int square) {                          \
        double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};                                                          \
        int64_t j = 0;                                                                                  \
        if (square)                                                                                     \
            for (; j + 8 <= n; j += 8)                                                                  \
                for (int u = 0; u < 8; u++) { double v = (double)q[j + u] - m; s[u] += v * v; }         \
        else                                                                                            \
            for (; j + 8 <= n; j += 8)                                                                  \
                for (int u = 0; u < 8; u++) s[u] += (double)q[j + u];                                   \
        for (; j < n; j++) {                                                                            \
            double v = (double)q[j] - m;                                                                \
            s[0] += square ? v * v : (double)q[j];                                                      \
        }                                                                                               \
        return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));                      \
    }                                                                                                   \
    /* Sums over n for each of outer x inner (of x - center, squared, when square is set). */           \
    static void sum_##SUF(const T *p, block b, const double *center, double *acc, int square) {         \
        for (int64_t o = 0; o < b.outer; o++) {                                                         \
            const T *q = p + o * b.n * b.inner;                                                         \
            double *r = acc + o * b.inner;                                                              \
            const double *c = center ? center + o * b.inner : NULL;                                     \
            if (b.inner == 1) {                                                                         \
                r[0] = run_sum_##SUF(q, b.n, c ? c[0] : 0, square);                                     \
                continue;                                                                               \
            }                                                                                           \
            for (int64_t k = 0; k < b.inner; k++) r[k] = 0;                                             \
            for (int64_t j = 0; j < b.n; j++) {                                                         \
                const T *row = q + j * b.inner;                                                         \
                if (square)                                                                             \
                    for (int64_t k = 0; k < b.inner; k++) {                                             \
                        double v = (double)row[k] - c[k];                                               \
                        r[k] += v * v;                                                                  \
                    }                                                                                   \
                else                                                                                    \
                    for (int64_t k = 0; k < b.inner; k++) r[k] += (double)row[k];                       \
            }                                                                                           \
        }                                                                                               \
    }                                                                                                   \
    /* Max (want_max) or min and the first position reaching it; a NaN wins and stays. */                \
    static void extreme_##SUF(const T *p, block b, int want_max, double *val, int64_t *idx) {             \
        for (int64_t o = 0; o < b.outer; o++) {                                                           \
            const T *q = p + o * b.n * b.inner;                                                           \
            for (int64_t k = 0; k < b.inner; k++) {                                                       \
                T best = q[k];                                                                            \
                int64_t at = 0;                                                                           \
                for (int64_t j = 1; j < b.n && best == best; j++) {                                       \
                    T v = q[j * b.inner + k];                                                             \
                    if ((want_max ? v > best : v < best) || v != v) { best = v; at = j; }                 \
                }                                                                                         \
                val[o * b.inner + k] = (double)best;                                                      \
                idx[o * b.inner + k] = at;                                                                \
            }                                                                                             \
        }                                                                                                 \
    }

DEFINE_KERNELS(f32, float)
DEFINE_KERNELS(i32, int32_t)
DEFINE_KERNELS(u8, uint8_t)

static void sum(const em_tensor *c, block b, const double *center, double *acc, int square) {
    switch (c->dtype) {
    case EM_FLOAT32: sum_f32(em_f32(c), b, center, acc, square); break;
    case EM_INT32: sum_i32(em_i32(c), b, center, acc, square); break;
    case EM_UINT8: sum_u8(em_u8(c), b, center, acc, square); break;
    }
}

/* Reduce contiguous c over n into res[outer * inner] (doubles). */
static int reduce_block(const em_tensor *c, block b, em_reduce_op op, double *res) {
    int64_t m = b.outer * b.inner;
    if (op == EM_RED_SUM) { sum(c, b, NULL, res, 0); return 0; }
    if (op == EM_RED_MEAN || op == EM_RED_STD) {
        sum(c, b, NULL, res, 0);
        for (int64_t i = 0; i < m; i++) res[i] = b.n ? res[i] / (double)b.n : NAN;
        if (op == EM_RED_MEAN || b.n == 0) return 0;
        double *mean = calloc((size_t)(m ? m : 1), sizeof *mean);
        if (!mean) return em_fail("std: out of memory");
        for (int64_t i = 0; i < m; i++) mean[i] = res[i];
        sum(c, b, mean, res, 1);  /* two passes: exact for data far from zero */
        for (int64_t i = 0; i < m; i++) res[i] = sqrt(res[i] / (double)b.n);
        free(mean);
        return 0;
    }
    if (b.n == 0) return em_fail("%s: reduction over an empty dimension", em_reduce_name(op));
    int64_t *idx = malloc((size_t)(m ? m : 1) * sizeof *idx);
    if (!idx) return em_fail("%s: out of memory", em_reduce_name(op));
    int want_max = op == EM_RED_MAX || op == EM_RED_ARGMAX;
    switch (c->dtype) {
    case EM_FLOAT32: extreme_f32(em_f32(c), b, want_max, res, idx); break;
    case EM_INT32: extreme_i32(em_i32(c), b, want_max, res, idx); break;
    case EM_UINT8: extreme_u8(em_u8(c), b, want_max, res, idx); break;
    }
    if (op == EM_RED_ARGMAX || op == EM_RED_ARGMIN)
        for (int64_t i = 0; i < m; i++) res[i] = (double)idx[i];
    free(idx);
    return 0;
}

/* c is a or a contiguous copy of it held in tmp. */
static int contiguous_source(const em_tensor *a, em_tensor *tmp, const em_tensor **c) {
    *c = a;
    if (em_is_contiguous(a)) return 0;
    if (em_tensor_clone(tmp, a)) return -1;
    *c = tmp;
    return 0;
}

int em_reduce_all(const em_tensor *a, em_reduce_op op, double *result) {
    if (op < 0 || op >= EM_RED_COUNT) return em_fail("reduce: unknown op %d", (int)op);
    em_tensor tmp = {0};
    const em_tensor *c;
    if (contiguous_source(a, &tmp, &c)) return -1;
    block b = {1, em_numel(a), 1};
    int rc = reduce_block(c, b, op, result);
    em_tensor_release(&tmp);
    return rc;
}

/* Write the doubles into out, checking that int32 results fit. */
static int store(em_tensor *out, const double *res, int64_t m, em_reduce_op op) {
    if (out->dtype == EM_UINT8) return em_fail("%s: no uint8 results", em_reduce_name(op));  /* em_reduce_dtype never gives one */
    if (out->dtype == EM_FLOAT32) {
        float *o = em_f32(out);
        for (int64_t i = 0; i < m; i++) o[i] = (float)res[i];
        return 0;
    }
    for (int64_t i = 0; i < m; i++)
        if (res[i] < INT32_MIN || res[i] > INT32_MAX)
            return em_fail("%s: the result %.0f does not fit in int32 (convert with :float() first)", em_reduce_name(op), res[i]);
    int32_t *o = em_i32(out);
    for (int64_t i = 0; i < m; i++) o[i] = (int32_t)res[i];
    return 0;
}

int em_reduce_dim(em_tensor *out, const em_tensor *a, em_reduce_op op, int dim) {
    if (op < 0 || op >= EM_RED_COUNT) return em_fail("reduce: unknown op %d", (int)op);
    if (dim < 0 || dim >= a->ndim)
        return em_fail("%s: dimension %d out of range for a tensor of %d dimensions", em_reduce_name(op), dim + 1, a->ndim);
    block b = {1, a->shape[dim], 1};
    int64_t shape[EM_MAX_DIMS];
    for (int d = 0, k = 0; d < a->ndim; d++) {
        if (d < dim) b.outer *= a->shape[d];
        if (d > dim) b.inner *= a->shape[d];
        if (d != dim) shape[k++] = a->shape[d];
    }
    int64_t m = b.outer * b.inner;
    em_tensor tmp = {0};
    const em_tensor *c;
    double *res = malloc((size_t)(m ? m : 1) * sizeof *res);
    if (!res) return em_fail("%s: out of memory", em_reduce_name(op));
    int rc = contiguous_source(a, &tmp, &c);
    if (rc == 0) rc = reduce_block(c, b, op, res);
    if (rc == 0) rc = em_tensor_alloc(out, em_reduce_dtype(op, a->dtype), a->ndim - 1, shape);
    if (rc == 0 && (rc = store(out, res, m, op)) != 0) em_tensor_release(out);
    free(res);
    em_tensor_release(&tmp);
    return rc;
}
