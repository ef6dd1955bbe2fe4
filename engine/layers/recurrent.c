/* What SimpleRNN, LSTM and GRU share: config checks, build and Keras
 * initialisation, time-major input copies, dropout masks, the batched input
 * projection, the per-step recurrent GEMMs (with per-gate recurrent dropout),
 * the end-of-backward GEMMs, fast gate activations. */
#include "recurrent.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/random.h"
#include "initializers.h"

/* ---- config --------------------------------------------------------------- */

void em_rnn_config_default(em_rnn_config *c) {
    memset(c, 0, sizeof *c);
    c->activation = EM_ACT_TANH;
    c->recurrent_activation = EM_ACT_SIGMOID;
    c->use_bias = 1;
    c->unit_forget_bias = 1;
}

int em_rnn_config_check(const char *who, const em_rnn_config *c) {
    if (c->units <= 0) return em_fail("%s: option 'units' must be a positive integer, got %lld", who, (long long)c->units);
    if (!(c->dropout >= 0 && c->dropout < 1))
        return em_fail("%s: option 'dropout' must be in [0, 1), got %g", who, c->dropout);
    if (!(c->recurrent_dropout >= 0 && c->recurrent_dropout < 1))
        return em_fail("%s: option 'recurrent_dropout' must be in [0, 1), got %g", who, c->recurrent_dropout);
    if (c->activation == EM_ACT_SOFTMAX || c->recurrent_activation == EM_ACT_SOFTMAX)
        return em_fail("%s: softmax is not an elementwise activation and cannot be used in a recurrent cell", who);
    return 0;
}

const em_rnn_config *em_rnn_layer_config(const em_layer *l) {
    const char *t = l->ops->type;
    if (strcmp(t, "SimpleRNN") && strcmp(t, "LSTM") && strcmp(t, "GRU")) return NULL;
    return &((const em_rnn *)l->self)->cfg;
}

em_layer *em_rnn_layer_new(const em_layer_ops *ops, size_t self_size, int gates, const em_rnn_config *c) {
    if (em_rnn_config_check(ops->type, c)) return NULL;
    em_rnn *r = calloc(1, self_size);
    if (!r) { em_fail("%s: out of memory", ops->type); return NULL; }
    r->cfg = *c;
    r->type = ops->type;
    r->gates = gates;
    em_layer *l = em_layer_new(ops, r);
    if (!l) free(r);
    return l;
}

void em_rnn_release(em_rnn *r) {
    em_tensor *bufs[] = {&r->x_tm, &r->in_mask, &r->rec_mask, &r->zx, &r->hs, &r->dz, &r->dh, &r->dh2, &r->urec_t,
                         &r->step_tmp, &r->scratch, &r->dx_tm, &r->y, &r->dx};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) em_tensor_release(bufs[i]);
}

/* ---- build ---------------------------------------------------------------- */

int em_rnn_build(em_layer *l, em_rnn *r, int bias_rows, int ndim, const int64_t *in, int *out_ndim,
                 int64_t *out) {
    char buf[160];
    if (ndim != 3)
        return em_fail("%s: expected an input of rank 3 (batch, time, features), got shape %s", r->type,
                       em_shape_str(buf, sizeof buf, ndim, in));
    if (in[2] <= 0)
        return em_fail("%s: the features dimension of the input must be known, got shape %s", r->type,
                       em_shape_str(buf, sizeof buf, ndim, in));
    int64_t U = r->cfg.units, GU = r->gates * U;
    r->features = in[2];
    int64_t kshape[2] = {in[2], GU}, rshape[2] = {U, GU}, bshape[2] = {bias_rows, GU};
    if (em_layer_add_param(l, "kernel", 2, kshape)) return -1;
    if (em_layer_add_param(l, "recurrent_kernel", 2, rshape)) return -1;
    if (r->cfg.use_bias) {
        if (bias_rows == 1 ? em_layer_add_param(l, "bias", 1, &bshape[1]) : em_layer_add_param(l, "bias", 2, bshape))
            return -1;
    }
    em_init_glorot_uniform(&l->params[EM_RNN_KERNEL]);
    if (em_init_orthogonal(&l->params[EM_RNN_RECURRENT_KERNEL], 1.0)) return -1;
    if (r->cfg.use_bias && r->cfg.unit_forget_bias && r->gates == 4) {
        float *b = em_f32(&l->params[EM_RNN_BIAS]);
        for (int64_t j = U; j < 2 * U; j++) b[j] = 1.0f;  /* Keras: forget gate starts open */
    }
    out[0] = in[0];
    if (r->cfg.return_sequences) {
        out[1] = in[1];
        out[2] = U;
        *out_ndim = 3;
    } else {
        out[1] = U;
        *out_ndim = 2;
    }
    return 0;
}

/* ---- forward helpers ------------------------------------------------------- */

static void draw_mask(float *m, int64_t n, double p) {
    float keep = (float)(1.0 / (1.0 - p));
    for (int64_t i = 0; i < n; i++) m[i] = em_rand_uniform() >= (float)p ? keep : 0.0f;
}

/* Keras draws the input masks, then the recurrent ones, once per batch.
 * in_mask and rec_mask are already sized for B. */
static void draw_masks(em_rnn *r, int64_t B, int training) {
    int64_t G = r->gates, F = r->features, U = r->cfg.units;
    r->in_masked = training && r->cfg.dropout > 0;
    r->rec_masked = training && r->cfg.recurrent_dropout > 0;
    if (r->in_masked) draw_mask(em_f32(&r->in_mask), G * B * F, r->cfg.dropout);
    if (r->rec_masked) draw_mask(em_f32(&r->rec_mask), G * B * U, r->cfg.recurrent_dropout);
}

int em_rnn_predraw_masks(em_layer *l, int64_t batch, int training) {
    em_rnn *r = l->self;
    if (!em_rnn_layer_config(l) || !l->built) return em_fail("%s: cannot draw masks before build", l->ops->type);
    int64_t G = r->gates, s_gbf[3] = {G, batch, r->features}, s_gbu[3] = {G, batch, r->cfg.units};
    if (em_tensor_reuse(&r->in_mask, EM_FLOAT32, 3, s_gbf, NULL) ||
        em_tensor_reuse(&r->rec_mask, EM_FLOAT32, 3, s_gbu, NULL))
        return -1;
    draw_masks(r, batch, training);
    r->predrawn_batch = batch;
    r->predrawn_training = training;
    return 0;
}

/* x (B, T, F) with any strides -> x_tm (T, B, F), step s = time T-1-s when
 * going backwards. */
static void copy_time_major(const em_rnn *r, const em_tensor *x) {
    int64_t B = r->batch, T = r->time, F = r->features;
    const float *src = em_f32(x);
    float *dst = em_f32(&r->x_tm);
    int64_t sb = x->strides[0], st = x->strides[1], sf = x->strides[2];
    for (int64_t s = 0; s < T; s++) {
        int64_t t = r->cfg.go_backwards ? T - 1 - s : s;
        for (int64_t b = 0; b < B; b++) {
            const float *row = src + b * sb + t * st;
            float *out = dst + (s * B + b) * F;
            if (sf == 1) memcpy(out, row, sizeof(float) * (size_t)F);
            else for (int64_t f = 0; f < F; f++) out[f] = row[f * sf];
        }
    }
}

/* dst (T*B, n) = src (T*B, n) * mask (B, n), the mask repeating every step. */
static void apply_step_mask(float *dst, const float *src, const float *mask, int64_t T, int64_t B, int64_t n) {
    for (int64_t s = 0; s < T; s++) {
        const float *a = src + s * B * n;
        float *o = dst + s * B * n;
        for (int64_t i = 0; i < B * n; i++) o[i] = a[i] * mask[i];
    }
}

static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

int em_rnn_begin_forward(em_layer *l, em_rnn *r, const em_tensor *x, int training) {
    char buf[160];
    if (x->dtype != EM_FLOAT32)
        return em_fail("%s: expected a float32 input, got %s (an Embedding layer turns token ids into floats)",
                       r->type, em_dtype_name(x->dtype));
    if (x->shape[1] < 1 || x->shape[0] < 1)
        return em_fail("%s: the input needs at least one sample and one timestep, got shape %s", r->type,
                       em_tensor_shape_str(x, buf, sizeof buf));
    int64_t B = x->shape[0], T = x->shape[1], F = r->features, U = r->cfg.units, G = r->gates, GU = G * U;
    int64_t s_tbf[3] = {T, B, F}, s_gbf[3] = {G, B, F}, s_gbu[3] = {G, B, U}, s_zx[3] = {T, B, GU},
            s_hs[3] = {T + 1, B, U}, s_bu[2] = {B, U}, s_scr[1] = {T * B * max64(F, U)};
    if (em_tensor_reuse(&r->x_tm, EM_FLOAT32, 3, s_tbf, NULL) ||
        em_tensor_reuse(&r->in_mask, EM_FLOAT32, 3, s_gbf, NULL) ||
        em_tensor_reuse(&r->rec_mask, EM_FLOAT32, 3, s_gbu, NULL) ||
        em_tensor_reuse(&r->zx, EM_FLOAT32, 3, s_zx, NULL) || em_tensor_reuse(&r->hs, EM_FLOAT32, 3, s_hs, NULL) ||
        em_tensor_reuse(&r->step_tmp, EM_FLOAT32, 2, s_bu, NULL) ||
        em_tensor_reuse(&r->scratch, EM_FLOAT32, 1, s_scr, NULL))
        return -1;
    r->batch = B;
    r->time = T;
    if (r->predrawn_batch == B && r->predrawn_training == training) {
        r->predrawn_batch = 0;  /* em_rnn_predraw_masks already drew this batch's masks */
    } else {
        r->predrawn_batch = 0;
        draw_masks(r, B, training);
    }
    copy_time_major(r, x);
    memset(em_f32(&r->hs), 0, sizeof(float) * (size_t)(B * U));

    const float *w = em_f32(&l->params[EM_RNN_KERNEL]);
    float *zx = em_f32(&r->zx);
    const float *xt = em_f32(&r->x_tm);
    int64_t rows = T * B;
    /* Start zx as the input bias (the first G*U entries of bias) and let the
     * GEMM accumulate (beta 1): one pass less over zx than beta 0 + add. */
    float beta = 0.0f;
    if (r->cfg.use_bias) {
        const float *b = em_f32(&l->params[EM_RNN_BIAS]);
        for (int64_t i = 0; i < rows; i++) memcpy(zx + i * GU, b, sizeof(float) * (size_t)GU);
        beta = 1.0f;
    }
    if (!r->in_masked) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)GU, (int)F, 1.0f, xt, (int)F, w,
                    (int)GU, beta, zx, (int)GU);
    } else {
        float *xm = em_f32(&r->scratch);
        for (int64_t g = 0; g < G; g++) {
            apply_step_mask(xm, xt, em_f32(&r->in_mask) + g * B * F, T, B, F);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)U, (int)F, 1.0f, xm, (int)F,
                        w + g * U, (int)GU, beta, zx + g * U, (int)GU);
        }
    }
    return 0;
}

int em_rnn_finish_forward(em_rnn *r, em_tensor *y) {
    int64_t B = r->batch, T = r->time, U = r->cfg.units;
    const float *hs = em_f32(&r->hs);
    if (r->cfg.return_sequences) {
        int64_t shape[3] = {B, T, U};
        if (em_tensor_reuse(&r->y, EM_FLOAT32, 3, shape, NULL)) return -1;
        float *out = em_f32(&r->y);
        for (int64_t s = 0; s < T; s++)
            for (int64_t b = 0; b < B; b++)
                memcpy(out + (b * T + s) * U, hs + ((s + 1) * B + b) * U, sizeof(float) * (size_t)U);
    } else {
        int64_t shape[2] = {B, U};
        if (em_tensor_reuse(&r->y, EM_FLOAT32, 2, shape, NULL)) return -1;
        memcpy(em_f32(&r->y), hs + T * B * U, sizeof(float) * (size_t)(B * U));
    }
    em_tensor_view(y, &r->y);
    return 0;
}

/* ---- per-step GEMMs ---------------------------------------------------------- */

static void mask_rows(float *dst, const float *src, const float *mask, int64_t n) {
    for (int64_t i = 0; i < n; i++) dst[i] = src[i] * mask[i];
}

void em_rnn_recurrent_gemm(em_rnn *r, const float *urec, const float *h, int g0, int g1, float *out,
                           int64_t ldo, float beta) {
    int64_t B = r->batch, U = r->cfg.units, GU = r->gates * U;
    if (!r->rec_masked) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)((g1 - g0) * U), (int)U, 1.0f, h,
                    (int)U, urec + g0 * U, (int)GU, beta, out, (int)ldo);
        return;
    }
    float *hm = em_f32(&r->step_tmp);
    for (int g = g0; g < g1; g++) {
        mask_rows(hm, h, em_f32(&r->rec_mask) + g * B * U, B * U);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)U, (int)U, 1.0f, hm, (int)U,
                    urec + g * U, (int)GU, beta, out + (g - g0) * U, (int)ldo);
    }
}

void em_rnn_recurrent_dh(em_rnn *r, const float *dr, int64_t ldr, int g0, int g1, float *dh, float beta) {
    int64_t B = r->batch, U = r->cfg.units;
    const float *ut = em_f32(&r->urec_t);
    if (!r->rec_masked) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)U, (int)((g1 - g0) * U), 1.0f, dr,
                    (int)ldr, ut + g0 * U * U, (int)U, beta, dh, (int)U);
        return;
    }
    float *tmp = em_f32(&r->step_tmp);
    if (beta == 0.0f) memset(dh, 0, sizeof(float) * (size_t)(B * U));
    for (int g = g0; g < g1; g++) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)U, (int)U, 1.0f, dr + (g - g0) * U,
                    (int)ldr, ut + g * U * U, (int)U, 0.0f, tmp, (int)U);
        const float *m = em_f32(&r->rec_mask) + g * B * U;
        for (int64_t i = 0; i < B * U; i++) dh[i] += tmp[i] * m[i];
    }
}

void em_rnn_recurrent_kernel_grad(em_rnn *r, float *durec, const float *h, const float *dr, int64_t ldr,
                                  int g0, int g1, int masked) {
    int64_t B = r->batch, T = r->time, U = r->cfg.units, GU = r->gates * U, rows = T * B;
    if (!(masked && r->rec_masked)) {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)U, (int)((g1 - g0) * U), (int)rows, 1.0f, h,
                    (int)U, dr, (int)ldr, 1.0f, durec + g0 * U, (int)GU);
        return;
    }
    float *hm = em_f32(&r->scratch);
    for (int g = g0; g < g1; g++) {
        apply_step_mask(hm, h, em_f32(&r->rec_mask) + g * B * U, T, B, U);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)U, (int)U, (int)rows, 1.0f, hm, (int)U,
                    dr + (g - g0) * U, (int)ldr, 1.0f, durec + g * U, (int)GU);
    }
}

/* ---- backward helpers -------------------------------------------------------- */

int em_rnn_begin_backward(em_layer *l, em_rnn *r, const em_tensor *dy) {
    char want[160], got[160];
    int64_t B = r->batch, T = r->time, U = r->cfg.units;
    if (!r->x_tm.storage) return em_fail("%s: backward called before forward", r->type);
    int ok = r->cfg.return_sequences ? (dy->ndim == 3 && dy->shape[0] == B && dy->shape[1] == T && dy->shape[2] == U)
                                     : (dy->ndim == 2 && dy->shape[0] == B && dy->shape[1] == U);
    if (!ok) {
        int64_t ws[3] = {B, r->cfg.return_sequences ? T : U, U};
        return em_fail("%s: expected a gradient of shape %s (the last output), got %s", r->type,
                       em_shape_str(want, sizeof want, r->cfg.return_sequences ? 3 : 2, ws),
                       em_tensor_shape_str(dy, got, sizeof got));
    }
    int64_t GU = r->gates * U, s_dz[3] = {T, B, GU}, s_bu[2] = {B, U}, s_ut[2] = {GU, U};
    if (em_tensor_reuse(&r->dz, EM_FLOAT32, 3, s_dz, NULL) || em_tensor_reuse(&r->dh, EM_FLOAT32, 2, s_bu, NULL) ||
        em_tensor_reuse(&r->dh2, EM_FLOAT32, 2, s_bu, NULL) || em_tensor_reuse(&r->urec_t, EM_FLOAT32, 2, s_ut, NULL))
        return -1;
    const float *u = em_f32(&l->params[EM_RNN_RECURRENT_KERNEL]);
    float *ut = em_f32(&r->urec_t);
    for (int64_t j = 0; j < U; j++)
        for (int64_t k = 0; k < GU; k++) ut[k * U + j] = u[j * GU + k];
    memset(em_f32(&r->dh), 0, sizeof(float) * (size_t)(B * U));
    return 0;
}

void em_rnn_add_dy(const em_rnn *r, const em_tensor *dy, int64_t s, float *dh) {
    int64_t B = r->batch, U = r->cfg.units;
    const float *d = em_f32(dy);
    if (r->cfg.return_sequences) {
        int64_t sb = dy->strides[0], st = dy->strides[1], su = dy->strides[2];
        for (int64_t b = 0; b < B; b++) {
            const float *row = d + b * sb + s * st;
            float *o = dh + b * U;
            for (int64_t j = 0; j < U; j++) o[j] += row[j * su];
        }
    } else if (s == r->time - 1) {
        int64_t sb = dy->strides[0], su = dy->strides[1];
        for (int64_t b = 0; b < B; b++)
            for (int64_t j = 0; j < U; j++) dh[b * U + j] += d[b * sb + j * su];
    }
}

void em_rnn_colsum_add(float *out, const float *m, int64_t rows, int64_t n, int64_t ld) {
    for (int64_t i = 0; i < rows; i++) {
        const float *row = m + i * ld;
        for (int64_t j = 0; j < n; j++) out[j] += row[j];
    }
}

int em_rnn_finish_backward(em_layer *l, em_rnn *r, em_tensor *dx) {
    int64_t B = r->batch, T = r->time, F = r->features, U = r->cfg.units, G = r->gates, GU = G * U, rows = T * B;
    int64_t s_tbf[3] = {T, B, F}, s_btf[3] = {B, T, F};
    if (em_tensor_reuse(&r->dx_tm, EM_FLOAT32, 3, s_tbf, NULL) || em_tensor_reuse(&r->dx, EM_FLOAT32, 3, s_btf, NULL))
        return -1;
    const float *dz = em_f32(&r->dz), *xt = em_f32(&r->x_tm), *w = em_f32(&l->params[EM_RNN_KERNEL]);
    float *dxt = em_f32(&r->dx_tm);
    if (l->trainable) {
        float *dw = em_f32(&l->grads[EM_RNN_KERNEL]);
        if (!r->in_masked) {
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)F, (int)GU, (int)rows, 1.0f, xt, (int)F, dz,
                        (int)GU, 1.0f, dw, (int)GU);
        } else {
            float *xm = em_f32(&r->scratch);
            for (int64_t g = 0; g < G; g++) {
                apply_step_mask(xm, xt, em_f32(&r->in_mask) + g * B * F, T, B, F);
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)F, (int)U, (int)rows, 1.0f, xm, (int)F,
                            dz + g * U, (int)GU, 1.0f, dw + g * U, (int)GU);
            }
        }
        if (r->cfg.use_bias) em_rnn_colsum_add(em_f32(&l->grads[EM_RNN_BIAS]), dz, rows, GU, GU);
    }
    if (!r->in_masked) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)F, (int)GU, 1.0f, dz, (int)GU, w,
                    (int)GU, 0.0f, dxt, (int)F);
    } else {
        float *tmp = em_f32(&r->scratch);
        memset(dxt, 0, sizeof(float) * (size_t)(rows * F));
        for (int64_t g = 0; g < G; g++) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)F, (int)U, 1.0f, dz + g * U,
                        (int)GU, w + g * U, (int)GU, 0.0f, tmp, (int)F);
            const float *m = em_f32(&r->in_mask) + g * B * F;
            for (int64_t s = 0; s < T; s++)
                for (int64_t i = 0; i < B * F; i++) dxt[s * B * F + i] += tmp[s * B * F + i] * m[i];
        }
    }
    /* back to (B, T, F) in the input's own time order */
    float *out = em_f32(&r->dx);
    for (int64_t s = 0; s < T; s++) {
        int64_t t = r->cfg.go_backwards ? T - 1 - s : s;
        for (int64_t b = 0; b < B; b++)
            memcpy(out + (b * T + t) * F, dxt + (s * B + b) * F, sizeof(float) * (size_t)F);
    }
    em_tensor_view(dx, &r->dx);
    return 0;
}

/* ---- threads --------------------------------------------------------------------- */

/* Measured on the 2-core machine (shared, so noisy): splitting the per-step
 * GEMMs (128 x 32 by 32 x 128) over 2 threads gained nothing reliable; for
 * the big end-of-pass GEMMs (K or N = 32) 2 threads gained 0-25% in
 * isolation, but the idle OpenBLAS worker then spins in sched_yield (20-30%
 * of the samples in perf) and, with the machine busy, the main thread waits
 * for it: the Jena GRU batch took 30-41 ms single-threaded against 36-80 ms
 * with 2 threads at load 9.  So each recurrent pass runs OpenBLAS on one
 * thread; Bidirectional uses the second core for its second half. */
int em_rnn_threads_begin(void) {
    int previous = openblas_get_num_threads();
    if (previous != 1) openblas_set_num_threads(1);
    return previous;
}

void em_rnn_threads_end(int previous) {
    if (previous != 1) openblas_set_num_threads(previous);
}

int em_rnn_forward_single_threaded(int (*body)(em_layer *, const em_tensor *, int, em_tensor *), em_layer *l,
                                   const em_tensor *x, int training, em_tensor *y) {
    int threads = em_rnn_threads_begin();
    int rc = body(l, x, training, y);
    em_rnn_threads_end(threads);
    return rc;
}

int em_rnn_backward_single_threaded(int (*body)(em_layer *, const em_tensor *, em_tensor *), em_layer *l,
                                    const em_tensor *dy, em_tensor *dx) {
    int threads = em_rnn_threads_begin();
    int rc = body(l, dy, dx);
    em_rnn_threads_end(threads);
    return rc;
}
