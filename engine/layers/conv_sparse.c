#include "conv_sparse.h"

#include <string.h>

#include "../core/parallel.h"

/* Cost model fitted to single-thread CPU times on the chapter's shapes
 * (cycles): the dense kernels take ~1 cycle per 16-float FMA vector plus a
 * little per output, 2*K/16 vectors per (row, filter); the sparse loops
 * ~2.06 cycles per vector (one L2 load per FMA) plus ~40 per nonzero for
 * listing it and walking the lists, ceil(K/16) + k*ceil(cin/16) vectors per
 * nonzero.  IMDB's first Conv1D behind MaxPooling1D(5) (18% nonzero) halves
 * its backward; Jena's 14-channel Conv1D behind MaxPooling1D(3) stays dense. */
int em_sparse_dz_worth(int64_t nnz, int64_t rows, int64_t F, int64_t k, int64_t cin) {
    if (!em_sparse_supported()) return 0;
    double K = (double)(k * cin);
    double vec_sparse = (double)((k * cin + 15) / 16 + k * ((cin + 15) / 16));
    double dense = (double)rows * (double)F * (2.0 * K / 16.0 + 1.5);
    double sparse = (double)nnz * (2.06 * vec_sparse + 40.0);
    return sparse < dense;
}

/* By-row lists of row q, counting each filter's nonzeros into count[f]:
 * AVX-512 compress 16 columns at a time (branch-free; a scalar loop
 * mispredicts on every random nonzero). */
static int64_t list_row(em_sparse_dz *z, const float *row, int64_t e, int32_t *count);

typedef struct {
    em_sparse_dz *z;
    const float *dz;
    int64_t group_rows;
    int32_t *table; /* per group: first entry, then F per-filter counts / positions */
} fill_job;

static void group_bounds(const fill_job *j, int64_t g, int64_t *q0, int64_t *q1) {
    *q0 = g * j->group_rows;
    *q1 = *q0 + j->group_rows < j->z->rows ? *q0 + j->group_rows : j->z->rows;
}

static void list_groups(void *ctx, int64_t g0, int64_t g1) {
    const fill_job *j = ctx;
    em_sparse_dz *z = j->z;
    for (int64_t g = g0; g < g1; g++) {
        int32_t *row = j->table + g * (z->F + 1);
        int64_t q0, q1, e = row[0];
        group_bounds(j, g, &q0, &q1);
        memset(row + 1, 0, sizeof(int32_t) * (size_t)z->F);
        for (int64_t q = q0; q < q1; q++) {
            z->row_ptr[q] = (int32_t)e;
            e = list_row(z, j->dz + q * z->F, e, row + 1);
        }
    }
}

/* Scatter by filter, rows ascending; the table holds each (group, filter)'s
 * first position. */
static void scatter_groups(void *ctx, int64_t g0, int64_t g1) {
    const fill_job *j = ctx;
    em_sparse_dz *z = j->z;
    for (int64_t g = g0; g < g1; g++) {
        int32_t *pos = j->table + g * (z->F + 1) + 1;
        int64_t q0, q1;
        group_bounds(j, g, &q0, &q1);
        for (int64_t q = q0; q < q1; q++)
            for (int32_t i = z->row_ptr[q]; i < z->row_ptr[q + 1]; i++) {
                int32_t p = pos[z->row_f[i]]++;
                z->col_q[p] = (int32_t)q;
                z->col_v[p] = z->row_v[i];
            }
    }
}

int64_t em_sparse_dz_fill_table(const em_sparse_dz *z, int64_t group_rows) {
    return (z->rows + group_rows - 1) / group_rows * (z->F + 1);
}

void em_sparse_dz_fill(em_sparse_dz *z, const float *dz, int64_t group_rows, const int32_t *group_nnz, int32_t *table) {
    int64_t F = z->F, groups = (z->rows + group_rows - 1) / group_rows, e = 0;
    for (int64_t g = 0; g < groups; g++) {
        table[g * (F + 1)] = (int32_t)e;
        e += group_nnz[g];
    }
    fill_job j = {z, dz, group_rows, table};
    double work = 4.0 * (double)(z->rows * F);
    em_parallel_dynamic(groups, 4, work, 2e5, list_groups, &j);
    z->row_ptr[z->rows] = (int32_t)e;
    /* col_ptr from the per-group counts, which become per-group positions */
    int64_t pos = 0;
    for (int64_t f = 0; f < F; f++) {
        z->col_ptr[f] = (int32_t)pos;
        for (int64_t g = 0; g < groups; g++) {
            int32_t *c = table + g * (F + 1) + 1 + f, n = *c;
            *c = (int32_t)pos;
            pos += n;
        }
    }
    z->col_ptr[F] = (int32_t)pos;
    em_parallel_dynamic(groups, 4, work, 2e5, scatter_groups, &j);
}

#if defined(__AVX512F__)
#include <immintrin.h>

int em_sparse_supported(void) { return 1; }

static int64_t list_row(em_sparse_dz *z, const float *row, int64_t e, int32_t *count) {
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i one = _mm512_set1_epi32(1);
    for (int64_t f0 = 0; f0 < z->F; f0 += 16) {
        int64_t width = z->F - f0 < 16 ? z->F - f0 : 16;
        __mmask16 in = (__mmask16)((1u << width) - 1);
        __m512 v = _mm512_maskz_loadu_ps(in, row + f0);
        __mmask16 nz = _mm512_mask_cmp_ps_mask(in, v, _mm512_setzero_ps(), _CMP_NEQ_UQ);
        int n = __builtin_popcount((unsigned)nz);
        /* compress in registers, then a masked store of the first n lanes
         * (Zen 4 microcodes compress-to-memory, ~100x slower); masked, so
         * nothing is written past this row's entries, where the next
         * group's thread may be writing */
        __mmask16 first = (__mmask16)((1u << n) - 1);
        _mm512_mask_storeu_ps(z->row_v + e, first, _mm512_maskz_compress_ps(nz, v));
        _mm512_mask_storeu_epi32(z->row_f + e, first,
                                 _mm512_maskz_compress_epi32(nz, _mm512_add_epi32(iota, _mm512_set1_epi32((int)f0))));
        int32_t *c = count + f0;
        _mm512_mask_storeu_epi32(c, in, _mm512_mask_add_epi32(_mm512_maskz_loadu_epi32(in, c), nz,
                                                               _mm512_maskz_loadu_epi32(in, c), one));
        e += n;
    }
    return e;
}

#define CHUNK 8 /* vectors of 16 floats held in registers per pass */

static __mmask16 vec_mask(int v, int nv, __mmask16 last) { return v == nv - 1 ? last : (__mmask16)0xFFFF; }

/* ---- dX: gather, one output row at a time ---- */

typedef struct {
    const em_sparse_dz *z;
    const float *Wj;
    int64_t k, cin, ld;
    float *dx;
} gx_job;

static inline __attribute__((always_inline)) void gx_chunk(int NV, __mmask16 last, const gx_job *j, int64_t t,
                                                           int64_t c0) {
    const em_sparse_dz *z = j->z;
    __m512 acc[CHUNK];
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) acc[v] = _mm512_setzero_ps();
    for (int64_t tap = 0; tap < j->k && tap <= t; tap++) {
        int64_t q = t - tap;
        if (q >= z->rows) continue;
        const float *wtap = j->Wj + tap * z->F * j->cin + c0;
        for (int32_t e = z->row_ptr[q]; e < z->row_ptr[q + 1]; e++) {
            __m512 s = _mm512_set1_ps(z->row_v[e]);
            const float *w = wtap + (int64_t)z->row_f[e] * j->cin;
#pragma GCC unroll 8
            for (int v = 0; v < NV; v++)
                acc[v] = _mm512_fmadd_ps(s, _mm512_maskz_loadu_ps(vec_mask(v, NV, last), w + 16 * v), acc[v]);
        }
    }
    float *out = j->dx + t * j->ld + c0;
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) _mm512_mask_storeu_ps(out + 16 * v, vec_mask(v, NV, last), acc[v]);
}

#define DISPATCH_NV(NV, call, ...)                                                                 \
    switch (NV) {                                                                                  \
    case 8: call(8, __VA_ARGS__); break;                                                           \
    case 7: call(7, __VA_ARGS__); break;                                                           \
    case 6: call(6, __VA_ARGS__); break;                                                           \
    case 5: call(5, __VA_ARGS__); break;                                                           \
    case 4: call(4, __VA_ARGS__); break;                                                           \
    case 3: call(3, __VA_ARGS__); break;                                                           \
    case 2: call(2, __VA_ARGS__); break;                                                           \
    default: call(1, __VA_ARGS__); break;                                                          \
    }

/* Column chunks of up to CHUNK vectors; the last vector of the last chunk
 * is masked to the `width` columns. */
#define FOR_CHUNKS(width, body)                                                                    \
    do {                                                                                           \
        int64_t nvec_ = ((width) + 15) / 16;                                                       \
        int rem_ = (int)((width) % 16);                                                            \
        for (int64_t v0_ = 0; v0_ < nvec_; v0_ += CHUNK) {                                         \
            int nv = nvec_ - v0_ < CHUNK ? (int)(nvec_ - v0_) : CHUNK;                             \
            __mmask16 last = (v0_ + nv == nvec_ && rem_) ? (__mmask16)((1u << rem_) - 1) : 0xFFFF; \
            int64_t c0 = v0_ * 16;                                                                 \
            body;                                                                                  \
        }                                                                                          \
    } while (0)

static void gx_range(void *ctx, int64_t lo, int64_t hi) {
    const gx_job *j = ctx;
    for (int64_t t = lo; t < hi; t++) FOR_CHUNKS(j->cin, DISPATCH_NV(nv, gx_chunk, last, j, t, c0));
}

void em_sparse_grad_input(const em_sparse_dz *z, const float *Wj, int64_t k, int64_t cin, float *dx, int64_t ld,
                          int64_t out_rows) {
    gx_job j = {z, Wj, k, cin, ld, dx};
    em_parallel_dynamic(out_rows, 96, 2.0 * (double)z->nnz * (double)(k * cin), 4e6, gx_range, &j);
}

/* ---- dW: pieces of rows (kept in cache), every filter of each ---- */

typedef struct {
    const em_sparse_dz *z;
    const float *A;
    int64_t lda, K;
    float *dWt, *scratch;
} gw_job;

#define ROW_CHUNK 256

static inline __attribute__((always_inline)) void gw_chunk(int NV, __mmask16 last, const gw_job *j, float *dWt,
                                                           int64_t f, int32_t e0, int32_t e1, int64_t c0) {
    const em_sparse_dz *z = j->z;
    float *out = dWt + f * j->K + c0;
    __m512 acc[CHUNK];
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) acc[v] = _mm512_maskz_loadu_ps(vec_mask(v, NV, last), out + 16 * v);
    for (int32_t e = e0; e < e1; e++) {
        __m512 s = _mm512_set1_ps(z->col_v[e]);
        const float *a = j->A + (int64_t)z->col_q[e] * j->lda + c0;
#pragma GCC unroll 8
        for (int v = 0; v < NV; v++)
            acc[v] = _mm512_fmadd_ps(s, _mm512_maskz_loadu_ps(vec_mask(v, NV, last), a + 16 * v), acc[v]);
    }
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) _mm512_mask_storeu_ps(out + 16 * v, vec_mask(v, NV, last), acc[v]);
}

/* First entry of column list [lo, hi) whose row is >= q (rows ascend). */
static int32_t lower_bound(const int32_t *rows, int32_t lo, int32_t hi, int64_t q) {
    while (lo < hi) {
        int32_t mid = lo + (hi - lo) / 2;
        if (rows[mid] < q) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static void gw_range(void *ctx, int tid, int64_t q0, int64_t q1) {
    const gw_job *j = ctx;
    const em_sparse_dz *z = j->z;
    float *dWt = tid == 0 ? j->dWt : j->scratch + (int64_t)(tid - 1) * z->F * j->K;
    for (int64_t f = 0; f < z->F; f++) {
        int32_t e0 = lower_bound(z->col_q, z->col_ptr[f], z->col_ptr[f + 1], q0);
        int32_t e1 = lower_bound(z->col_q, e0, z->col_ptr[f + 1], q1);
        if (e0 == e1) continue;
        FOR_CHUNKS(j->K, DISPATCH_NV(nv, gw_chunk, last, j, dWt, f, e0, e1, c0));
    }
}

static int gw_threads(const em_sparse_dz *z, int64_t K) {
    return em_parallel_plan(z->rows, ROW_CHUNK, 2.0 * (double)z->nnz * (double)K, 4e6);
}

int64_t em_sparse_grad_kernel_scratch(const em_sparse_dz *z, int64_t K) {
    return (int64_t)(gw_threads(z, K) - 1) * z->F * K;
}

void em_sparse_grad_kernel(const em_sparse_dz *z, const float *A, int64_t lda, int64_t K, float *dWt, float *scratch,
                           int64_t scratch_floats) {
    int64_t size = z->F * K;
    int nt = gw_threads(z, K);
    if (nt - 1 > scratch_floats / size) nt = 1 + (int)(scratch_floats / size);
    if (nt > 1) memset(scratch, 0, sizeof(float) * (size_t)((nt - 1) * size));
    gw_job j = {z, A, lda, K, dWt, scratch};
    em_parallel_dynamic_tid(nt, z->rows, ROW_CHUNK, gw_range, &j);
    for (int t = 1; t < nt; t++) {
        const float *part = scratch + (int64_t)(t - 1) * size;
        for (int64_t i = 0; i < size; i++) dWt[i] += part[i];
    }
}

#else /* without AVX-512 the dense OpenBLAS path is used */

int em_sparse_supported(void) { return 0; }

static int64_t list_row(em_sparse_dz *z, const float *row, int64_t e, int32_t *count) {
    for (int64_t f = 0; f < z->F; f++) {
        if (row[f] == 0.0f) continue;
        z->row_f[e] = (int32_t)f;
        z->row_v[e] = row[f];
        count[f]++;
        e++;
    }
    return e;
}
int64_t em_sparse_grad_kernel_scratch(const em_sparse_dz *z, int64_t K) {
    (void)z; (void)K;
    return 0;
}
void em_sparse_grad_kernel(const em_sparse_dz *z, const float *A, int64_t lda, int64_t K, float *dWt, float *scratch,
                           int64_t scratch_floats) {
    (void)z; (void)A; (void)lda; (void)K; (void)dWt; (void)scratch; (void)scratch_floats;
}
void em_sparse_grad_input(const em_sparse_dz *z, const float *Wj, int64_t k, int64_t cin, float *dx, int64_t ld,
                          int64_t out_rows) {
    (void)z; (void)Wj; (void)k; (void)cin; (void)dx; (void)ld; (void)out_rows;
}

#endif
