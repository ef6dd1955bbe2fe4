#include "conv_gemm.h"

#include <string.h>

#include "../core/parallel.h"

#if defined(__AVX512F__)
#include <immintrin.h>

#define ROWS 12 /* 12 x 2 accumulators + 2 operand vectors: 26 of 32 zmm */

int em_cgemm_supported(int64_t n) { return n > 0 && n % 16 == 0; }

/* R rows x NV*16 columns of the product from rows q.. of the overlapping
 * A; row r is stored at dst[r] (skipped when NULL), plus `bias` when given,
 * through max(., 0) when `relu`. */
static inline __attribute__((always_inline)) void rows_block(int R, int NV, const float *A, int64_t lda,
                                                             const float *B, int64_t K, int64_t n, float *const *dst,
                                                             int64_t col, const float *bias, int relu) {
    __m512 acc[ROWS][2];
#pragma GCC unroll 12
    for (int r = 0; r < R; r++)
        for (int v = 0; v < NV; v++) acc[r][v] = _mm512_setzero_ps();
    for (int64_t kk = 0; kk < K; kk++) {
        __m512 b0 = _mm512_loadu_ps(B + kk * n), b1 = NV > 1 ? _mm512_loadu_ps(B + kk * n + 16) : b0;
#pragma GCC unroll 12
        for (int r = 0; r < R; r++) {
            __m512 a = _mm512_set1_ps(A[r * lda + kk]);
            acc[r][0] = _mm512_fmadd_ps(a, b0, acc[r][0]);
            if (NV > 1) acc[r][1] = _mm512_fmadd_ps(a, b1, acc[r][1]);
        }
    }
    __m512 bv[2] = {_mm512_setzero_ps(), _mm512_setzero_ps()};
    if (bias)
        for (int v = 0; v < NV; v++) bv[v] = _mm512_loadu_ps(bias + col + 16 * v);
#pragma GCC unroll 12
    for (int r = 0; r < R; r++) {
        if (!dst[r]) continue;
        for (int v = 0; v < NV; v++) {
            __m512 out = bias ? _mm512_add_ps(acc[r][v], bv[v]) : acc[r][v];
            /* max(x, +0) returns +0 for x = -0 and for NaN, as x > 0 ? x : 0 does */
            if (relu) out = _mm512_max_ps(out, _mm512_setzero_ps());
            _mm512_storeu_ps(dst[r] + col + 16 * v, out);
        }
    }
}

/* Instantiate rows_block for every row count 1..12 at one column width. */
#define DISPATCH_ROWS(R, NV, ...)                                                                  \
    switch (R) {                                                                                   \
    case 12: rows_block(12, NV, __VA_ARGS__); break;                                               \
    case 11: rows_block(11, NV, __VA_ARGS__); break;                                               \
    case 10: rows_block(10, NV, __VA_ARGS__); break;                                               \
    case 9: rows_block(9, NV, __VA_ARGS__); break;                                                 \
    case 8: rows_block(8, NV, __VA_ARGS__); break;                                                 \
    case 7: rows_block(7, NV, __VA_ARGS__); break;                                                 \
    case 6: rows_block(6, NV, __VA_ARGS__); break;                                                 \
    case 5: rows_block(5, NV, __VA_ARGS__); break;                                                 \
    case 4: rows_block(4, NV, __VA_ARGS__); break;                                                 \
    case 3: rows_block(3, NV, __VA_ARGS__); break;                                                 \
    case 2: rows_block(2, NV, __VA_ARGS__); break;                                                 \
    default: rows_block(1, NV, __VA_ARGS__); break;                                                \
    }

typedef struct {
    const float *A, *B;
    int64_t lda, K, n, ldc;
    float *C;
    em_cgemm_epilogue ep; /* per = valid = 1 << 62 (every row kept, in order) for a plain product */
} rows_job;

static void rows_range(void *ctx, int64_t lo, int64_t hi) {
    const rows_job *j = ctx;
    const em_cgemm_epilogue *ep = &j->ep;
    int relu = ep->act == EM_ACT_RELU, other = ep->act != EM_ACT_RELU && ep->act != EM_ACT_LINEAR;
    for (int64_t q = lo; q < hi; q += ROWS) {
        int R = hi - q < ROWS ? (int)(hi - q) : ROWS;
        const float *a = j->A + q * j->lda;
        float *dst[ROWS];
        for (int r = 0; r < R; r++) {
            int64_t b = (q + r) / ep->per, t = (q + r) % ep->per;
            dst[r] = t < ep->valid ? j->C + (b * ep->valid + t) * j->ldc : NULL;
        }
        int64_t col = 0;
        for (; col + 32 <= j->n; col += 32) DISPATCH_ROWS(R, 2, a, j->lda, j->B + col, j->K, j->n, dst, col, ep->bias, relu)
        if (col < j->n) DISPATCH_ROWS(R, 1, a, j->lda, j->B + col, j->K, j->n, dst, col, ep->bias, relu)
        if (other)
            for (int r = 0; r < R; r++)
                if (dst[r]) em_act_forward(ep->act, dst[r], dst[r], 1, j->n);
    }
}

static void run_rows(const rows_job *j, int64_t rows) {
    if (rows <= 0) return;
    em_parallel_dynamic(rows, 8 * ROWS, 2.0 * (double)rows * (double)j->K * (double)j->n, 4e6, rows_range, (void *)j);
}

void em_cgemm_rows(const float *A, int64_t lda, int64_t rows, const float *B, int64_t K, int64_t n, float *C,
                   int64_t ldc) {
    rows_job j = {A, B, lda, K, n, ldc, C, {NULL, EM_ACT_LINEAR, (int64_t)1 << 62, (int64_t)1 << 62}};
    run_rows(&j, rows);
}

void em_cgemm_rows_epilogue(const float *A, int64_t lda, int64_t rows, const float *B, int64_t K, int64_t n, float *C,
                            int64_t ldc, const em_cgemm_epilogue *ep) {
    rows_job j = {A, B, lda, K, n, ldc, C, *ep};
    run_rows(&j, rows);
}

/* C[kk0 + r][16v..] += sum_q A[q*lda + kk0 + r] * D[q*ldd + 16v..] for r < R, q < rows. */
static inline __attribute__((always_inline)) void tn_block(int R, int NV, const float *A, int64_t lda,
                                                           int64_t rows, const float *D, int64_t ldd, float *C,
                                                           int64_t n) {
    __m512 acc[ROWS][2];
#pragma GCC unroll 12
    for (int r = 0; r < R; r++)
        for (int v = 0; v < NV; v++) acc[r][v] = _mm512_loadu_ps(C + r * n + 16 * v);
    for (int64_t q = 0; q < rows; q++) {
        __m512 d0 = _mm512_loadu_ps(D + q * ldd), d1 = NV > 1 ? _mm512_loadu_ps(D + q * ldd + 16) : d0;
        const float *a = A + q * lda;
#pragma GCC unroll 12
        for (int r = 0; r < R; r++) {
            __m512 av = _mm512_set1_ps(a[r]);
            acc[r][0] = _mm512_fmadd_ps(av, d0, acc[r][0]);
            if (NV > 1) acc[r][1] = _mm512_fmadd_ps(av, d1, acc[r][1]);
        }
    }
#pragma GCC unroll 12
    for (int r = 0; r < R; r++)
        for (int v = 0; v < NV; v++) _mm512_storeu_ps(C + r * n + 16 * v, acc[r][v]);
}

#define DISPATCH_TN(R, NV, ...)                                                                    \
    switch (R) {                                                                                   \
    case 12: tn_block(12, NV, __VA_ARGS__); break;                                                 \
    case 11: tn_block(11, NV, __VA_ARGS__); break;                                                 \
    case 10: tn_block(10, NV, __VA_ARGS__); break;                                                 \
    case 9: tn_block(9, NV, __VA_ARGS__); break;                                                   \
    case 8: tn_block(8, NV, __VA_ARGS__); break;                                                   \
    case 7: tn_block(7, NV, __VA_ARGS__); break;                                                   \
    case 6: tn_block(6, NV, __VA_ARGS__); break;                                                   \
    case 5: tn_block(5, NV, __VA_ARGS__); break;                                                   \
    case 4: tn_block(4, NV, __VA_ARGS__); break;                                                   \
    case 3: tn_block(3, NV, __VA_ARGS__); break;                                                   \
    case 2: tn_block(2, NV, __VA_ARGS__); break;                                                   \
    default: tn_block(1, NV, __VA_ARGS__); break;                                                  \
    }

typedef struct {
    const float *A, *D;
    int64_t lda, ldd, K, n;
    float *C, *scratch;
} tn_job;

/* Rows in pieces small enough that the piece of A and D stays in L2 while
 * every block of kk sweeps it. */
#define TN_CHUNK 256

static void tn_range(void *ctx, int tid, int64_t lo, int64_t hi) {
    const tn_job *j = ctx;
    float *C = tid == 0 ? j->C : j->scratch + (int64_t)(tid - 1) * j->K * j->n;
    const float *a0 = j->A + lo * j->lda, *d0 = j->D + lo * j->ldd;
    int64_t qn = hi - lo;
    for (int64_t kk = 0; kk < j->K; kk += ROWS) {
        int R = j->K - kk < ROWS ? (int)(j->K - kk) : ROWS;
        int64_t col = 0;
        for (; col + 32 <= j->n; col += 32)
            DISPATCH_TN(R, 2, a0 + kk, j->lda, qn, d0 + col, j->ldd, C + kk * j->n + col, j->n)
        if (col < j->n) DISPATCH_TN(R, 1, a0 + kk, j->lda, qn, d0 + col, j->ldd, C + kk * j->n + col, j->n)
    }
}

static int tn_threads(int64_t rows, int64_t K, int64_t n) {
    return em_parallel_plan(rows, TN_CHUNK, 2.0 * (double)rows * (double)K * (double)n, 4e6);
}

int64_t em_cgemm_rows_tn_scratch(int64_t rows, int64_t K, int64_t n) {
    return (int64_t)(tn_threads(rows, K, n) - 1) * K * n;
}

void em_cgemm_rows_tn(const float *A, int64_t lda, int64_t rows, const float *D, int64_t ldd, int64_t K, int64_t n,
                      float *C, float *scratch, int64_t scratch_floats) {
    if (rows <= 0 || K <= 0) return;
    int nt = tn_threads(rows, K, n);
    if (nt - 1 > scratch_floats / (K * n)) nt = 1 + (int)(scratch_floats / (K * n));
    if (nt > 1) memset(scratch, 0, sizeof(float) * (size_t)((nt - 1) * K * n));
    tn_job j = {A, D, lda, ldd, K, n, C, scratch};
    em_parallel_dynamic_tid(nt, rows, TN_CHUNK, tn_range, &j);
    for (int t = 1; t < nt; t++) {
        const float *part = scratch + (int64_t)(t - 1) * K * n;
        for (int64_t i = 0; i < K * n; i++) C[i] += part[i];
    }
}

#else /* no AVX-512: Conv1D keeps to OpenBLAS */

int em_cgemm_supported(int64_t n) { (void)n; return 0; }
void em_cgemm_rows(const float *A, int64_t lda, int64_t rows, const float *B, int64_t K, int64_t n, float *C,
                   int64_t ldc) {
    (void)A; (void)lda; (void)rows; (void)B; (void)K; (void)n; (void)C; (void)ldc;
}
void em_cgemm_rows_epilogue(const float *A, int64_t lda, int64_t rows, const float *B, int64_t K, int64_t n, float *C,
                            int64_t ldc, const em_cgemm_epilogue *ep) {
    (void)A; (void)lda; (void)rows; (void)B; (void)K; (void)n; (void)C; (void)ldc; (void)ep;
}
int64_t em_cgemm_rows_tn_scratch(int64_t rows, int64_t K, int64_t n) {
    (void)rows; (void)K; (void)n;
    return 0;
}
void em_cgemm_rows_tn(const float *A, int64_t lda, int64_t rows, const float *D, int64_t ldd, int64_t K, int64_t n,
                      float *C, float *scratch, int64_t scratch_floats) {
    (void)A; (void)lda; (void)rows; (void)D; (void)ldd; (void)K; (void)n; (void)C; (void)scratch;
    (void)scratch_floats;
}

#endif
