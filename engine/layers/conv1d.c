/* Conv1D as GEMMs over the whole batch at once, without an im2col buffer.
 *
 * The batch is treated as ONE long sequence P of batch*tp rows of cin floats
 * (the input, zero-padded per sample to tp rows when padding or strides need
 * it).  Output row q of a "full" buffer is the window starting at input row
 * q*stride, for every q whose window fits in P; windows that straddle two
 * samples give garbage rows that are simply never read (forward) or set to
 * zero (backward).  That wastes (span-1)/tp of the work (about 1% for the
 * book's models) and lets every GEMM cover the whole batch.
 *
 * Stride 1, dilation 1 ("window" scheme, every listing of the chapter): the
 * window of row q is the CONTIGUOUS slice P[q*cin, (q+k)*cin), i.e. row q of
 * an im2col matrix is already in memory, overlapping its neighbours.
 *  - With AVX-512, conv_gemm.c's kernels read those overlapping rows in
 *    place: forward (K = k*cin), dW, and dX as the full correlation of dZ
 *    (k-1 zero lead rows) with the flipped kernel, channels padded to 16.
 *    When dZ is mostly zeros (behind ReLU and max pooling) and the cost
 *    model says so, conv_sparse.c computes dW and dX from its nonzeros only.
 *  - Otherwise OpenBLAS: rows q = r, r+k, r+2k... do not overlap, so they
 *    form a legal BLAS matrix with lda = k*cin; k GEMMs, one per residue r.
 * Other strides and dilations ("shifted" scheme): k accumulated OpenBLAS
 * GEMMs, tap j multiplying the rows q*stride + j*dilation (lda = stride*cin)
 * by kernel slice j.
 */
#include <stddef.h>
#include "conv1d.h"

#include <cblas.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/parallel.h"
#include "conv_gemm.h"
#include "conv_sparse.h"
#include "initializers.h"
#include "../ops/gemm.h"

#define FIELD(f) .offset = offsetof(em_conv1d_config, f)
const em_option em_conv1d_options[] = {
    {.name = "filters", .type = EM_OPTION_SIZE, FIELD(filters), .lo = 1, .hi = INT32_MAX, .required = 1,
     .doc = "the number of output channels"},
    {.name = "kernel_size", .type = EM_OPTION_SIZE, FIELD(kernel_size), .lo = 1, .hi = INT32_MAX, .required = 1,
     .doc = "the length of the convolution window"},
    {.name = "strides", .type = EM_OPTION_SIZE, FIELD(strides), .def = 1, .lo = 1, .hi = INT32_MAX,
     .doc = "the step between windows"},
    {.name = "dilation_rate", .type = EM_OPTION_SIZE, FIELD(dilation_rate), .def = 1, .lo = 1, .hi = INT32_MAX,
     .doc = "the spacing of the window's taps"},
    {.name = "padding", .type = EM_OPTION_CHOICE, FIELD(padding), .choices = em_padding_names,
     .doc = "\"valid\", \"same\" or \"causal\""},
    {.name = "activation", .type = EM_OPTION_ANY_ACTIVATION, FIELD(activation), .def = EM_ACT_LINEAR,
     .doc = "applied to the output"},
    {.name = "use_bias", .type = EM_OPTION_BOOL, FIELD(use_bias), .def = 1, .doc = "whether the layer has a bias"},
    {.name = NULL}};
#undef FIELD

typedef struct {
    em_conv1d_config c;
    int64_t cin;
    /* geometry of the last forward */
    int have_forward;
    int64_t batch, t_in, t_out, tp, pad_left, q_rows, q_valid;
    int direct;        /* P is the caller's x itself (xview), not xpad */
    em_tensor xview;   /* retained view of x when direct; released after backward */
    em_tensor xpad;    /* padded copy of x otherwise */
    em_tensor full;    /* q_rows x filters, pre-activation */
    em_tensor y;       /* {batch, t_out, filters} */
    em_tensor dybuf;   /* contiguous copy of a strided dy */
    em_tensor dz;      /* lead + q_rows rows of filters: dL/d(pre-activation) */
    em_tensor wflip;   /* k*filters x cin: flipped, transposed kernel for dX */
    em_tensor dwt;     /* filters x k*cin: dW transposed (window scheme) */
    em_tensor dxp;     /* batch*tp x cin, dX in padded coordinates */
    /* nonzero lists of a sparse dZ (see conv_sparse.h) and the kernel
     * rearranged as k x filters x cin for the sparse dX */
    em_tensor sp_row_ptr, sp_row_f, sp_row_v, sp_col_ptr, sp_col_q, sp_col_v, wj;
    em_tensor kscratch; /* per-thread partial kernel gradients */
    em_tensor nnz_b;    /* int32 {batch}: nonzeros of each sample's dZ */
    em_tensor sp_table; /* scratch of em_sparse_dz_fill */
    em_tensor db_part;  /* {batch, filters}: each sample's bias gradient */
    em_tensor dx;      /* {batch, t_in, cin} */
} conv1d;

static int window_scheme(const conv1d *s) { return s->c.strides == 1 && s->c.dilation_rate == 1; }

static void act_forward(em_activation a, float *y, int64_t rows, int64_t n) {
    if (a == EM_ACT_SOFTMAX) em_act_forward(a, y, y, rows, n);
    else em_act_forward(a, y, y, 1, rows * n);
}

static void act_backward(em_activation a, float *dz, const float *dy, const float *y, int64_t rows, int64_t n) {
    if (a == EM_ACT_SOFTMAX) em_act_backward(a, dz, dy, y, rows, n);
    else em_act_backward(a, dz, dy, y, 1, rows * n);
}

static int conv1d_build(em_layer *l, int ndim, const int64_t *in, int *out_ndim, int64_t *out) {
    conv1d *s = l->self;
    char buf[160];
    if (ndim != 3)
        return em_fail("Conv1D: expected a 3-D input {batch, time, channels}, got shape %s",
                       em_shape_str(buf, sizeof buf, ndim, in));
    if (in[2] < 0) return em_fail("Conv1D: the channel dimension of the input must be known, got shape %s",
                                  em_shape_str(buf, sizeof buf, ndim, in));
    int64_t t_out = em_conv_output_length(in[1], s->c.kernel_size, s->c.padding, s->c.strides, s->c.dilation_rate);
    if (in[1] >= 0 && t_out <= 0)
        return em_fail("Conv1D: kernel_size %lld (span %lld with dilation_rate %lld) is larger than the input length "
                       "%lld with padding 'valid'",
                       (long long)s->c.kernel_size, (long long)em_conv_span(s->c.kernel_size, s->c.dilation_rate),
                       (long long)s->c.dilation_rate, (long long)in[1]);
    s->cin = in[2];
    int64_t kshape[3] = {s->c.kernel_size, s->cin, s->c.filters};
    if (em_layer_add_param(l, "kernel", 3, kshape)) return -1;
    em_init_glorot_uniform(&l->params[0]);
    if (s->c.use_bias && em_layer_add_param(l, "bias", 1, &s->c.filters)) return -1;
    *out_ndim = 3;
    out[0] = in[0];
    out[1] = t_out;
    out[2] = s->c.filters;
    return 0;
}

/* Geometry of this batch; fails when the window does not fit. */
static int plan(conv1d *s, const em_tensor *x) {
    int64_t k = s->c.kernel_size, st = s->c.strides, d = s->c.dilation_rate, span = em_conv_span(k, d);
    int64_t T = x->shape[1];
    int64_t t_out = em_conv_output_length(T, k, s->c.padding, st, d);
    if (t_out <= 0)
        return em_fail("Conv1D: kernel_size %lld (span %lld with dilation_rate %lld) is larger than the input length "
                       "%lld with padding 'valid'",
                       (long long)k, (long long)span, (long long)d, (long long)T);
    int64_t pad_left = em_conv_pad_left(T, k, s->c.padding, st, d);
    int64_t need = (t_out - 1) * st + span;
    int64_t tp = pad_left + T > need ? pad_left + T : need;
    tp = (tp + st - 1) / st * st;  /* a multiple of the stride: rows line up across samples */
    s->batch = x->shape[0];
    s->t_in = T;
    s->t_out = t_out;
    s->pad_left = pad_left;
    s->tp = tp;
    s->q_rows = s->batch * tp / st;
    s->q_valid = s->batch > 0 ? (s->batch * tp - span) / st + 1 : 0;  /* >= 1 row per sample */
    return 0;
}

/* P: the caller's x when it needs no padding, else a zero-padded copy. */
static int prepare_input(conv1d *s, const em_tensor *x) {
    em_tensor_release(&s->xview);
    s->direct = s->pad_left == 0 && s->tp == s->t_in && em_is_contiguous(x);
    if (s->direct) {
        em_tensor_view(&s->xview, x);
        return 0;
    }
    int64_t shape[2] = {s->batch * s->tp, s->cin};
    if (em_tensor_reuse(&s->xpad, EM_FLOAT32, 2, shape, x)) return -1;
    float *p = em_f32(&s->xpad);
    int64_t cin = s->cin, T = s->t_in;
    for (int64_t b = 0; b < s->batch; b++) {
        float *row = p + b * s->tp * cin;
        memset(row, 0, sizeof(float) * (size_t)(s->pad_left * cin));
        float *body = row + s->pad_left * cin;
        if (em_is_contiguous(x)) {
            memcpy(body, em_f32(x) + b * T * cin, sizeof(float) * (size_t)(T * cin));
        } else {
            const float *xb = em_f32(x) + b * x->strides[0];
            for (int64_t t = 0; t < T; t++)
                for (int64_t c = 0; c < cin; c++) body[t * cin + c] = xb[t * x->strides[1] + c * x->strides[2]];
        }
        memset(body + T * cin, 0, sizeof(float) * (size_t)((s->tp - s->pad_left - T) * cin));
    }
    return 0;
}

static const float *input_rows(const conv1d *s) { return em_f32(s->direct ? &s->xview : &s->xpad); }

/* full[q] = window(q) . kernel, for q < q_valid, through OpenBLAS (the
 * AVX-512 kernels write y directly, see conv1d_forward). */
static void gemm_forward(conv1d *s, const float *P, const float *W, float *full) {
    int64_t k = s->c.kernel_size, cin = s->cin, F = s->c.filters;
    if (window_scheme(s)) {
        for (int64_t r = 0; r < k && r < s->q_valid; r++) {
            int64_t m = (s->q_valid - 1 - r) / k + 1;
            em_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)F, (int)(k * cin), 1.0f,
                        P + r * cin, (int)(k * cin), W, (int)F, 0.0f, full + r * F, (int)(k * F));
        }
        return;
    }
    int64_t st = s->c.strides, d = s->c.dilation_rate;
    for (int64_t j = 0; j < k && s->q_valid > 0; j++)
        em_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)s->q_valid, (int)F, (int)cin, 1.0f,
                    P + j * d * cin, (int)(st * cin), W + j * cin * F, (int)F, j ? 1.0f : 0.0f, full, (int)F);
}

/* y[b, t] = activation(full[b*per + t] + bias) for t < t_out. */
static void gather_output(conv1d *s, const float *full, const float *bias, float *out) {
    int64_t F = s->c.filters, per = s->tp / s->c.strides;
    for (int64_t b = 0; b < s->batch; b++) {
        float *block = out + b * s->t_out * F;
        for (int64_t t = 0; t < s->t_out; t++) {
            const float *src = full + (b * per + t) * F;
            float *dst = block + t * F;
            if (bias) for (int64_t f = 0; f < F; f++) dst[f] = src[f] + bias[f];
            else memcpy(dst, src, sizeof(float) * (size_t)F);
        }
        act_forward(s->c.activation, block, s->t_out, F);  /* while the block is still in cache */
    }
}

static int conv1d_forward(em_layer *l, const em_tensor *x, int training, em_tensor *y) {
    conv1d *s = l->self;
    if (x->dtype != EM_FLOAT32) return em_fail("Conv1D: expected a float32 input, got %s", em_dtype_name(x->dtype));
    if (plan(s, x) || prepare_input(s, x)) return -1;
    int64_t k = s->c.kernel_size, cin = s->cin, F = s->c.filters;
    int64_t yshape[3] = {s->batch, s->t_out, F};
    if (em_tensor_reuse(&s->y, EM_FLOAT32, 3, yshape, x)) return -1;
    const float *P = input_rows(s), *W = em_f32(&l->params[0]);
    const float *bias = s->c.use_bias ? em_f32(&l->params[1]) : NULL;
    if (window_scheme(s) && em_cgemm_supported(F)) {
        /* the kernels store valid rows straight into y, bias and activation applied */
        em_cgemm_epilogue ep = {bias, s->c.activation, s->tp, s->t_out};
        em_cgemm_rows_epilogue(P, cin, s->q_valid, W, k * cin, F, em_f32(&s->y), F, &ep);
    } else {
        int64_t fshape[2] = {s->q_rows, F};
        if (em_tensor_reuse(&s->full, EM_FLOAT32, 2, fshape, x)) return -1;
        gemm_forward(s, P, W, em_f32(&s->full));
        gather_output(s, em_f32(&s->full), bias, em_f32(&s->y));
    }
    s->have_forward = 1;
    em_tensor_view(y, &s->y);
    return 0;
}

/* dz rows (after `lead` zero rows): dL/d(pre-activation) at valid rows,
 * zero at garbage rows, so GEMMs over all rows add nothing spurious.  One
 * pass per sample, split over the pool: while a sample's block is in
 * cache, its nonzeros are counted (sparse or dense backward?) and its rows
 * summed into the sample's partial bias gradient. */
typedef struct {
    conv1d *s;
    const float *dy;
    float *dz, *db_part; /* db_part: batch x filters, or NULL */
    int32_t *nnz;        /* per sample */
} dz_job;

static void fill_dz_samples(void *ctx, int64_t b0, int64_t b1) {
    const dz_job *j = ctx;
    const conv1d *s = j->s;
    int64_t F = s->c.filters, per = s->tp / s->c.strides, T = s->t_out;
    for (int64_t b = b0; b < b1; b++) {
        float *zb = j->dz + b * per * F;
        int64_t off = b * T * F;
        const float *dyb = j->dy + off, *yb = em_f32(&s->y) + off;
        float *db = j->db_part ? j->db_part + b * F : NULL;
        int64_t nz = 0;
        if (db) memset(db, 0, sizeof(float) * (size_t)F);
        if (s->c.activation == EM_ACT_RELU && db) {  /* the book's case: one fused pass */
            for (int64_t t = 0; t < T; t++)
                for (int64_t f = 0; f < F; f++) {
                    float v = yb[t * F + f] > 0.0f ? dyb[t * F + f] : 0.0f;  /* as em_act_backward */
                    zb[t * F + f] = v;
                    db[f] += v;
                    nz += v != 0.0f;
                }
        } else {
            act_backward(s->c.activation, zb, dyb, yb, T, F);
            for (int64_t i = 0; i < T * F; i++) nz += zb[i] != 0.0f;
            if (db)
                for (int64_t t = 0; t < T; t++)
                    for (int64_t f = 0; f < F; f++) db[f] += zb[t * F + f];
        }
        memset(zb + T * F, 0, sizeof(float) * (size_t)((per - T) * F));
        j->nnz[b] = (int32_t)(nz < INT32_MAX ? nz : INT32_MAX);
    }
}

/* Fills dz and, when `with_bias`, the per-sample bias gradients; returns
 * the number of nonzeros of dz (INT64_MAX when a sample's count overflows). */
static int fill_dz(conv1d *s, const float *dy, float *dz, int with_bias, int64_t *nnz) {
    int64_t F = s->c.filters, bshape[2] = {s->batch, F};
    if (em_tensor_reuse(&s->nnz_b, EM_INT32, 1, &s->batch, NULL)) return -1;
    if (with_bias && em_tensor_reuse(&s->db_part, EM_FLOAT32, 2, bshape, NULL)) return -1;
    dz_job j = {s, dy, dz, with_bias ? em_f32(&s->db_part) : NULL, em_i32(&s->nnz_b)};
    int64_t per_sample = s->tp / s->c.strides * F;
    em_parallel_dynamic(s->batch, 4, 3.0 * (double)(s->batch * per_sample), 1.5e5, fill_dz_samples, &j);
    *nnz = 0;
    for (int64_t b = 0; b < s->batch; b++) {
        if (j.nnz[b] == INT32_MAX) *nnz = INT64_MAX;
        if (*nnz < INT64_MAX) *nnz += j.nnz[b];
    }
    return 0;
}

/* db += the per-sample partials of fill_dz, in sample order: the same bits
 * for any thread count. */
static void grad_bias(const conv1d *s, float *db) {
    int64_t F = s->c.filters;
    const float *part = em_f32(&s->db_part);
    for (int64_t b = 0; b < s->batch; b++)
        for (int64_t f = 0; f < F; f++) db[f] += part[b * F + f];
}

/* dW += windows^T dZ.  Window scheme: computed transposed, dW^T = dZ^T
 * windows (M = filters, N = k*cin), which OpenBLAS runs ~15% faster than the
 * (k*cin) x filters orientation for the book's narrow filter counts. */
static int grad_kernel(conv1d *s, const float *P, const float *dz, float *dW) {
    int64_t k = s->c.kernel_size, cin = s->cin, F = s->c.filters;
    if (window_scheme(s) && em_cgemm_supported(F)) {
        int64_t scratch = em_cgemm_rows_tn_scratch(s->q_valid, k * cin, F);
        if (scratch > 0 && em_tensor_reuse(&s->kscratch, EM_FLOAT32, 1, &scratch, NULL)) return -1;
        em_cgemm_rows_tn(P, cin, s->q_valid, dz, F, k * cin, F, dW, scratch > 0 ? em_f32(&s->kscratch) : NULL,
                         scratch);
        return 0;
    }
    if (window_scheme(s)) {
        int64_t tshape[2] = {F, k * cin};
        if (em_tensor_reuse(&s->dwt, EM_FLOAT32, 2, tshape, NULL)) return -1;
        float *dwt = em_f32(&s->dwt);
        for (int64_t r = 0; r < k && r < s->q_valid; r++) {
            int64_t m = (s->q_valid - 1 - r) / k + 1;
            em_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)F, (int)(k * cin), (int)m, 1.0f, dz + r * F,
                        (int)(k * F), P + r * cin, (int)(k * cin), r ? 1.0f : 0.0f, dwt, (int)(k * cin));
        }
        for (int64_t i = 0; i < k * cin; i++)
            for (int64_t f = 0; f < F; f++) dW[i * F + f] += dwt[f * k * cin + i];
        return 0;
    }
    int64_t st = s->c.strides, d = s->c.dilation_rate;
    for (int64_t j = 0; j < k && s->q_valid > 0; j++)
        em_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)cin, (int)F, (int)s->q_valid, 1.0f,
                    P + j * d * cin, (int)(st * cin), dz, (int)F, 1.0f, dW + j * cin * F, (int)F);
    return 0;
}

/* Columns of the padded dX buffer: the AVX-512 kernel wants a multiple of
 * 16, so e.g. Jena's 14 channels become 16 (zero kernel columns, cropped). */
static int64_t dx_ld(const conv1d *s) {
    int64_t up = (s->cin + 15) / 16 * 16;
    return window_scheme(s) && em_cgemm_supported(up) ? up : s->cin;
}

/* dX in padded coordinates (rows ld apart).  Window scheme: dX[t] =
 * dZ[t-k+1 .. t] (k*F, contiguous thanks to the k-1 zero lead rows) times
 * the flipped kernel; every dX row is written once. */
static int grad_input(conv1d *s, const float *W, const float *dzbuf, float *dxp, int64_t ld) {
    int64_t k = s->c.kernel_size, cin = s->cin, F = s->c.filters, rows = s->batch * s->tp;
    if (window_scheme(s)) {
        int64_t wshape[2] = {k * F, ld};
        if (em_tensor_reuse(&s->wflip, EM_FLOAT32, 2, wshape, NULL)) return -1;
        float *wf = em_f32(&s->wflip);
        memset(wf, 0, sizeof(float) * (size_t)(k * F * ld));
        for (int64_t j = 0; j < k; j++)
            for (int64_t c = 0; c < cin; c++)
                for (int64_t f = 0; f < F; f++) wf[((k - 1 - j) * F + f) * ld + c] = W[(j * cin + c) * F + f];
        if (em_cgemm_supported(ld)) {  /* dZ windows overlap by k-1 rows: read in place */
            em_cgemm_rows(dzbuf, F, rows, wf, k * F, ld, dxp, ld);
            return 0;
        }
        /* OpenBLAS: rows t = r, r+k, ... have disjoint windows (lda = k*F) */
        for (int64_t r = 0; r < k && r < rows; r++) {
            int64_t m = (rows - 1 - r) / k + 1;
            em_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)cin, (int)(k * F), 1.0f,
                        dzbuf + r * F, (int)(k * F), wf, (int)cin, 0.0f, dxp + r * cin, (int)(k * cin));
        }
        return 0;
    }
    int64_t st = s->c.strides, d = s->c.dilation_rate;
    memset(dxp, 0, sizeof(float) * (size_t)(rows * cin));
    for (int64_t j = 0; j < k && s->q_valid > 0; j++)  /* rows of one GEMM are stride*cin apart: no overlap */
        em_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)s->q_valid, (int)cin, (int)F, 1.0f, dzbuf, (int)F,
                    W + j * cin * F, (int)F, 1.0f, dxp + j * d * cin, (int)(st * cin));
    return 0;
}

/* dx[b, t] = dxp[b*tp + pad_left + t][0..cin). */
static void crop_dx(const conv1d *s, const float *dxp, int64_t ld, float *dx) {
    int64_t cin = s->cin;
    for (int64_t b = 0; b < s->batch; b++) {
        const float *src = dxp + (b * s->tp + s->pad_left) * ld;
        float *dst = dx + b * s->t_in * cin;
        if (ld == cin) {
            memcpy(dst, src, sizeof(float) * (size_t)(s->t_in * cin));
            continue;
        }
        for (int64_t t = 0; t < s->t_in; t++) memcpy(dst + t * cin, src + t * ld, sizeof(float) * (size_t)cin);
    }
}

/* Sparse dZ (window scheme only): list the nonzeros of the first q_valid
 * rows (the rest are zero), then dW and dX from the lists alone. */
static int sparse_lists(conv1d *s, const float *dz, int64_t nnz, em_sparse_dz *z) {
    int64_t F = s->c.filters, n = nnz + nnz / 8 + 1;  /* headroom: nnz varies by batch */
    int64_t rp = s->q_valid + 1, cp = F + 1;
    if (em_tensor_reuse(&s->sp_row_ptr, EM_INT32, 1, &rp, NULL) ||
        em_tensor_reuse(&s->sp_row_f, EM_INT32, 1, &n, NULL) ||
        em_tensor_reuse(&s->sp_row_v, EM_FLOAT32, 1, &n, NULL) ||
        em_tensor_reuse(&s->sp_col_ptr, EM_INT32, 1, &cp, NULL) ||
        em_tensor_reuse(&s->sp_col_q, EM_INT32, 1, &n, NULL) || em_tensor_reuse(&s->sp_col_v, EM_FLOAT32, 1, &n, NULL))
        return -1;
    z->rows = s->q_valid;
    z->F = F;
    z->nnz = nnz;
    z->row_ptr = em_i32(&s->sp_row_ptr);
    z->row_f = em_i32(&s->sp_row_f);
    z->row_v = em_f32(&s->sp_row_v);
    z->col_ptr = em_i32(&s->sp_col_ptr);
    z->col_q = em_i32(&s->sp_col_q);
    z->col_v = em_f32(&s->sp_col_v);
    /* one group per sample (stride 1: tp rows), counted by fill_dz */
    int64_t table = em_sparse_dz_fill_table(z, s->tp);
    if (em_tensor_reuse(&s->sp_table, EM_INT32, 1, &table, NULL)) return -1;
    em_sparse_dz_fill(z, dz, s->tp, em_i32(&s->nnz_b), em_i32(&s->sp_table));
    return 0;
}

static int sparse_grad_kernel(conv1d *s, const em_sparse_dz *z, const float *P, float *dW) {
    int64_t K = s->c.kernel_size * s->cin, F = s->c.filters, tshape[2] = {F, K};
    if (em_tensor_reuse(&s->dwt, EM_FLOAT32, 2, tshape, NULL)) return -1;
    float *dwt = em_f32(&s->dwt);
    memset(dwt, 0, sizeof(float) * (size_t)(F * K));
    int64_t scratch = em_sparse_grad_kernel_scratch(z, K);
    if (scratch > 0 && em_tensor_reuse(&s->kscratch, EM_FLOAT32, 1, &scratch, NULL)) return -1;
    em_sparse_grad_kernel(z, P, s->cin, K, dwt, scratch > 0 ? em_f32(&s->kscratch) : NULL, scratch);
    for (int64_t i = 0; i < K; i++)
        for (int64_t f = 0; f < F; f++) dW[i * F + f] += dwt[f * K + i];
    return 0;
}

static int sparse_grad_input(conv1d *s, const em_sparse_dz *z, const float *W, float *dxp, int64_t ld) {
    int64_t k = s->c.kernel_size, cin = s->cin, F = s->c.filters, wshape[3] = {k, F, cin};
    if (em_tensor_reuse(&s->wj, EM_FLOAT32, 3, wshape, NULL)) return -1;
    float *wj = em_f32(&s->wj);
    for (int64_t j = 0; j < k; j++)
        for (int64_t c = 0; c < cin; c++)
            for (int64_t f = 0; f < F; f++) wj[(j * F + f) * cin + c] = W[(j * cin + c) * F + f];
    em_sparse_grad_input(z, wj, k, cin, dxp, ld, s->batch * s->tp);
    return 0;
}

static const float *contiguous_dy(conv1d *s, const em_tensor *dy) {
    if (em_is_contiguous(dy)) return em_f32(dy);
    if (em_tensor_reuse(&s->dybuf, EM_FLOAT32, dy->ndim, dy->shape, dy) || em_tensor_copy(&s->dybuf, dy)) return NULL;
    return em_f32(&s->dybuf);
}

static int conv1d_backward(em_layer *l, const em_tensor *dy, em_tensor *dx) {
    conv1d *s = l->self;
    char got[160], want[160];
    if (!s->have_forward || (s->direct && !s->xview.storage))
        return em_fail("Conv1D: backward called without a matching forward");
    int64_t yshape[3] = {s->batch, s->t_out, s->c.filters};
    if (dy->ndim != 3 || dy->shape[0] != yshape[0] || dy->shape[1] != yshape[1] || dy->shape[2] != yshape[2])
        return em_fail("Conv1D: gradient of shape %s does not match the last output %s",
                       em_tensor_shape_str(dy, got, sizeof got), em_shape_str(want, sizeof want, 3, yshape));
    const float *dyp = contiguous_dy(s, dy);
    if (!dyp) return -1;
    int64_t k = s->c.kernel_size, F = s->c.filters, cin = s->cin;
    int64_t lead = window_scheme(s) ? k - 1 : 0;
    int64_t zshape[2] = {lead + s->q_rows, F}, xshape[3] = {s->batch, s->t_in, cin};
    int64_t ld = dx_ld(s), pshape[2] = {s->batch * s->tp, ld};
    /* the first layer of a model: nobody reads dX, skip it (a third of the work) */
    int want_dx = !l->no_input_grad;
    /* dX straight into the output when padded coordinates are the input's own */
    int in_place = s->direct && ld == cin;
    if (em_tensor_reuse(&s->dz, EM_FLOAT32, 2, zshape, dy)) return -1;
    if (want_dx && em_tensor_reuse(&s->dx, EM_FLOAT32, 3, xshape, dy)) return -1;
    if (want_dx && !in_place && em_tensor_reuse(&s->dxp, EM_FLOAT32, 2, pshape, dy)) return -1;
    float *dzbuf = em_f32(&s->dz), *dz = dzbuf + lead * F;
    memset(dzbuf, 0, sizeof(float) * (size_t)(lead * F));
    int want_db = l->trainable && s->c.use_bias;
    int64_t nnz;
    if (fill_dz(s, dyp, dz, want_db, &nnz)) return -1;
    const float *P = input_rows(s), *W = em_f32(&l->params[0]);
    float *dxp = !want_dx ? NULL : in_place ? em_f32(&s->dx) : em_f32(&s->dxp);
    if (window_scheme(s) && nnz < INT32_MAX && em_sparse_dz_worth(nnz, s->q_valid, F, s->c.kernel_size, s->cin)) {
        em_sparse_dz z;
        if (sparse_lists(s, dz, nnz, &z)) return -1;
        if (l->trainable && sparse_grad_kernel(s, &z, P, em_f32(&l->grads[0]))) return -1;
        if (want_dx && sparse_grad_input(s, &z, W, dxp, ld)) return -1;
    } else {
        if (l->trainable && grad_kernel(s, P, dz, em_f32(&l->grads[0]))) return -1;
        if (want_dx && grad_input(s, W, dzbuf, dxp, ld)) return -1;
    }
    if (want_db) grad_bias(s, em_f32(&l->grads[1]));
    if (want_dx && !in_place) crop_dx(s, dxp, ld, em_f32(&s->dx));
    em_tensor_release(&s->xview);  /* backward is done with x; a second backward is refused */
    s->have_forward = 0;
    if (want_dx) em_tensor_view(dx, &s->dx);
    else em_tensor_release(dx);
    return 0;
}

static void conv1d_destroy(em_layer *l) {
    conv1d *s = l->self;
    em_tensor *bufs[] = {&s->xview, &s->xpad, &s->full, &s->y, &s->dybuf, &s->dz, &s->wflip, &s->dwt, &s->dxp, &s->dx,
                          &s->sp_row_ptr, &s->sp_row_f, &s->sp_row_v, &s->sp_col_ptr, &s->sp_col_q,
                          &s->sp_col_v, &s->wj, &s->kscratch, &s->nnz_b, &s->db_part, &s->sp_table};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) em_tensor_release(bufs[i]);
    free(s);
}

static const em_layer_ops conv1d_ops = {.type = "Conv1D", .build = conv1d_build, .forward = conv1d_forward,
    .backward = conv1d_backward, .destroy = conv1d_destroy, .flags = 0};

em_layer *em_conv1d_new(const em_conv1d_config *config) {
    const em_conv1d_config *c = config;
    if (c->filters <= 0 || c->kernel_size <= 0 || c->strides <= 0 || c->dilation_rate <= 0) {
        em_fail("Conv1D: filters, kernel_size, strides and dilation_rate must be positive, got %lld, %lld, %lld, %lld",
                (long long)c->filters, (long long)c->kernel_size, (long long)c->strides, (long long)c->dilation_rate);
        return NULL;
    }
    if (c->strides > 1 && c->dilation_rate > 1) {
        em_fail("Conv1D: strides > 1 cannot be combined with dilation_rate > 1 (got strides %lld, dilation_rate %lld)",
                (long long)c->strides, (long long)c->dilation_rate);
        return NULL;
    }
    conv1d *s = calloc(1, sizeof *s);
    if (!s) { em_fail("Conv1D: out of memory"); return NULL; }
    s->c = *c;
    em_layer *l = em_layer_new(&conv1d_ops, s);
    if (!l) free(s);
    return l;
}
