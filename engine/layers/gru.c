/* GRU (Keras 2, gate order z, r, h):
 *   z = ra(x.W_z + h.U_z + b_z)       r = ra(x.W_r + h.U_r + b_r)
 *   reset_after false (the book's):  hh = a(x.W_h + (r*h).U_h + b_h)
 *   reset_after true (cuDNN/PyTorch): hh = a(x.W_h + b_h + r*(h.U_h + rb_h)),
 *                                     and z, r also get the recurrent bias rb
 *   h' = z*h + (1-z)*hh
 * with per-gate dropout masks on x and h (the h in z*h is not masked, as in
 * Keras).  Gate activations overwrite the pre-activations in zx. */
#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "recurrent_cell.h"
#include "../ops/gemm.h"

typedef struct {
    em_rnn rnn;
    em_tensor rh;   /* reset_after false: (T, B, U) r * masked h, the operand of U_h (block-major) */
    em_tensor rec;  /* reset_after true: (T, B, 3U) h.U + rb per step (block-major) */
    em_tensor dr;   /* reset_after true: (T, B, 3U) gradients of rec (block-major) */
    em_tensor drh;  /* (B, U) gradient of rh at one step */
} gru;

/* h' = z*h + (1-z)*hh for one row. */
static inline void gru_blend(int64_t U, const float *zg, const float *hh, const float *h, float *hn) {
    for (int64_t j = 0; j < U; j++) hn[j] = zg[j] * h[j] + (1.0f - zg[j]) * hh[j];
}

static void gru_step_reset_before(em_layer *l, gru *g, const em_rnn_block *k, int64_t s) {
    em_rnn *r = &g->rnn;
    const em_rnn_config *c = &r->cfg;
    int64_t B = k->nb, T = r->time, U = c->units, GU = 3 * U, BU = B * U;
    const float *urec = em_f32(&l->params[EM_RNN_RECURRENT_KERNEL]);
    float *z = em_rnn_region(&r->zx, k, T, GU) + s * B * GU, *hs = em_rnn_region(&r->hs, k, T + 1, U);
    float *rh = em_rnn_region(&g->rh, k, T, U) + s * BU;
    const float *h = hs + s * BU, *mask_h = em_rnn_mask(r, &r->rec_mask, k, 2, U);
    if (s > 0 || r->init_live) em_rnn_recurrent_gemm(r, k, urec, h, 0, 2, z, GU, 1.0f);
    for (int64_t b = 0; b < B; b++) {
        float *zr = z + b * GU;
        em_act_forward(c->recurrent_activation, zr, zr, 1, 2 * U);
        const float *rg = zr + U, *hb = h + b * U;
        float *rhb = rh + b * U;
        if (r->rec_masked)
            for (int64_t j = 0; j < U; j++) rhb[j] = rg[j] * hb[j] * mask_h[b * U + j];
        else
            for (int64_t j = 0; j < U; j++) rhb[j] = rg[j] * hb[j];
    }
    if (s > 0 || r->init_live)
        em_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)U, (int)U, 1.0f, rh, (int)U,
                    urec + 2 * U, (int)GU, 1.0f, z + 2 * U, (int)GU);
    for (int64_t b = 0; b < B; b++) {
        float *zr = z + b * GU;
        em_act_forward(c->activation, zr + 2 * U, zr + 2 * U, 1, U);
        gru_blend(U, zr, zr + 2 * U, h + b * U, hs + (s + 1) * BU + b * U);
    }
}

static void gru_step_reset_after(em_layer *l, gru *g, const em_rnn_block *k, int64_t s) {
    em_rnn *r = &g->rnn;
    const em_rnn_config *c = &r->cfg;
    int64_t B = k->nb, T = r->time, U = c->units, GU = 3 * U, BU = B * U;
    const float *urec = em_f32(&l->params[EM_RNN_RECURRENT_KERNEL]);
    float *z = em_rnn_region(&r->zx, k, T, GU) + s * B * GU, *hs = em_rnn_region(&r->hs, k, T + 1, U);
    float *rec = em_rnn_region(&g->rec, k, T, GU) + s * B * GU;
    const float *h = hs + s * BU;
    if (s > 0 || r->init_live) em_rnn_recurrent_gemm(r, k, urec, h, 0, 3, rec, GU, 0.0f);
    else memset(rec, 0, sizeof(float) * (size_t)(B * GU));
    const float *rb = c->use_bias ? em_f32(&l->params[EM_RNN_BIAS]) + GU : NULL;
    for (int64_t b = 0; b < B; b++) {
        float *zr = z + b * GU, *rr = rec + b * GU;
        if (rb) for (int64_t j = 0; j < GU; j++) rr[j] += rb[j];
        for (int64_t j = 0; j < 2 * U; j++) zr[j] += rr[j];
        em_act_forward(c->recurrent_activation, zr, zr, 1, 2 * U);
        const float *rg = zr + U;
        float *hh = zr + 2 * U;
        for (int64_t j = 0; j < U; j++) hh[j] += rg[j] * rr[2 * U + j];
        em_act_forward(c->activation, hh, hh, 1, U);
        gru_blend(U, zr, hh, h + b * U, hs + (s + 1) * BU + b * U);
    }
}

static int gru_prepare_forward(em_layer *l) {
    gru *g = l->self;
    int64_t B = g->rnn.batch, T = g->rnn.time, U = g->rnn.cfg.units;
    int64_t s_rh[3] = {T, B, U}, s_rec[3] = {T, B, 3 * U};
    return g->rnn.cfg.reset_after ? em_tensor_reuse(&g->rec, EM_FLOAT32, 3, s_rec, NULL)
                                  : em_tensor_reuse(&g->rh, EM_FLOAT32, 3, s_rh, NULL);
}

static void gru_forward_block(em_layer *l, const em_rnn_block *k) {
    gru *g = l->self;
    int64_t BU = k->nb * g->rnn.cfg.units;
    float *hs = em_rnn_region(&g->rnn.hs, k, g->rnn.time + 1, g->rnn.cfg.units);
    for (int64_t s = 0; s < g->rnn.time; s++) {
        if (g->rnn.cfg.reset_after) gru_step_reset_after(l, g, k, s);
        else gru_step_reset_before(l, g, k, s);
        const float *m = em_rnn_step_mask(&g->rnn, k, s);
        if (m) em_rnn_mask_blend(m, hs + (s + 1) * BU, hs + s * BU, k->nb, g->rnn.cfg.units);
    }
}

/* dz_z, dz_h and the direct part dh*z of dL/dh_prev for one row. */
static inline void gru_row_backward_common(const em_rnn_config *c, int64_t U, const float *zr, const float *hprev,
                                           const float *dh, float *dzr, float *dh_prev) {
    const float *zg = zr, *hh = zr + 2 * U;
    float *dz_z = dzr, *dz_h = dzr + 2 * U;
    for (int64_t j = 0; j < U; j++) {
        dz_z[j] = dh[j] * (hprev[j] - hh[j]);
        dz_h[j] = dh[j] * (1.0f - zg[j]);
        dh_prev[j] = dh[j] * zg[j];
    }
    em_act_backward(c->recurrent_activation, dz_z, dz_z, zg, 1, U);
    em_act_backward(c->activation, dz_h, dz_h, hh, 1, U);
}

static void gru_back_reset_before(em_layer *l, gru *g, const em_rnn_block *k, int64_t s, const float *dh,
                                  float *dh_prev) {
    em_rnn *r = &g->rnn;
    const em_rnn_config *c = &r->cfg;
    int64_t B = k->nb, T = r->time, U = c->units, GU = 3 * U, BU = B * U;
    const float *z = em_rnn_region(&r->zx, k, T, GU) + s * B * GU, *h = em_rnn_region(&r->hs, k, T + 1, U) + s * BU;
    const float *mask_h = em_rnn_mask(r, &r->rec_mask, k, 2, U);
    float *dz = em_rnn_region(&r->dz, k, T, GU) + s * B * GU, *drh = em_f32(&g->drh) + k->b0 * U;
    for (int64_t b = 0; b < B; b++)
        gru_row_backward_common(c, U, z + b * GU, h + b * U, dh + b * U, dz + b * GU, dh_prev + b * U);
    /* d(r*h_m) = dz_h . U_h^T */
    em_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)U, (int)U, 1.0f, dz + 2 * U, (int)GU,
                em_f32(&r->urec_t) + 2 * U * U, (int)U, 0.0f, drh, (int)U);
    for (int64_t b = 0; b < B; b++) {
        const float *rg = z + b * GU + U, *hb = h + b * U, *d = drh + b * U;
        float *dz_r = dz + b * GU + U, *dp = dh_prev + b * U;
        if (r->rec_masked) {
            const float *m = mask_h + b * U;
            for (int64_t j = 0; j < U; j++) {
                dz_r[j] = d[j] * hb[j] * m[j];
                dp[j] += d[j] * rg[j] * m[j];
            }
        } else {
            for (int64_t j = 0; j < U; j++) {
                dz_r[j] = d[j] * hb[j];
                dp[j] += d[j] * rg[j];
            }
        }
        em_act_backward(c->recurrent_activation, dz_r, dz_r, rg, 1, U);
    }
    em_rnn_recurrent_dh(r, k, dz, GU, 0, 2, dh_prev, 1.0f);
}

static void gru_back_reset_after(em_layer *l, gru *g, const em_rnn_block *k, int64_t s, const float *dh,
                                 float *dh_prev) {
    em_rnn *r = &g->rnn;
    const em_rnn_config *c = &r->cfg;
    int64_t B = k->nb, T = r->time, U = c->units, GU = 3 * U, BU = B * U;
    const float *z = em_rnn_region(&r->zx, k, T, GU) + s * B * GU, *h = em_rnn_region(&r->hs, k, T + 1, U) + s * BU;
    const float *rec = em_rnn_region(&g->rec, k, T, GU) + s * B * GU;
    float *dz = em_rnn_region(&r->dz, k, T, GU) + s * B * GU, *dr = em_rnn_region(&g->dr, k, T, GU) + s * B * GU;
    for (int64_t b = 0; b < B; b++) {
        const float *zr = z + b * GU, *rg = zr + U, *rech = rec + b * GU + 2 * U;
        float *dzr = dz + b * GU, *drr = dr + b * GU;
        gru_row_backward_common(c, U, zr, h + b * U, dh + b * U, dzr, dh_prev + b * U);
        float *dz_r = dzr + U;
        const float *dz_h = dzr + 2 * U;
        for (int64_t j = 0; j < U; j++) {
            drr[2 * U + j] = dz_h[j] * rg[j];
            dz_r[j] = dz_h[j] * rech[j];
        }
        em_act_backward(c->recurrent_activation, dz_r, dz_r, rg, 1, U);
        memcpy(drr, dzr, sizeof(float) * (size_t)(2 * U));  /* z, r: same as the input side */
    }
    em_rnn_recurrent_dh(r, k, dr, GU, 0, 3, dh_prev, 1.0f);
}

static int gru_prepare_backward(em_layer *l) {
    gru *g = l->self;
    int64_t B = g->rnn.batch, T = g->rnn.time, U = g->rnn.cfg.units;
    int64_t s_bu[2] = {B, U}, s_dr[3] = {T, B, 3 * U};
    if (em_tensor_reuse(&g->drh, EM_FLOAT32, 2, s_bu, NULL)) return -1;
    return g->rnn.cfg.reset_after && em_tensor_reuse(&g->dr, EM_FLOAT32, 3, s_dr, NULL);
}

static void gru_backward_block(em_layer *l, const em_rnn_block *k, const em_tensor *dy) {
    gru *g = l->self;
    em_rnn *r = &g->rnn;
    int64_t T = r->time, U = r->cfg.units, GU = 3 * U;
    float *dh = em_f32(&r->dh) + k->b0 * U, *dh_prev = em_f32(&r->dh2) + k->b0 * U;
    float *carry = r->masked ? em_rnn_carry(r, k, 0) : NULL;
    for (int64_t s = T - 1; s >= 0; s--) {
        em_rnn_add_dy(r, k, dy, s, dh);
        const float *m = em_rnn_step_mask(r, k, s);
        if (m) em_rnn_mask_split(m, dh, carry, k->nb, U);
        if (r->cfg.reset_after) gru_back_reset_after(l, g, k, s, dh, dh_prev);
        else gru_back_reset_before(l, g, k, s, dh, dh_prev);
        if (m) for (int64_t j = 0; j < k->nb * U; j++) dh_prev[j] += carry[j];
        float *t = dh;
        dh = dh_prev;
        dh_prev = t;
    }
    em_rnn_block_initial_grad(r, k, 0, dh);  /* dh now holds dL/dh0 */
    if (!l->trainable) return;
    const float *hs = em_rnn_region(&r->hs, k, T + 1, U), *dz = em_rnn_region(&r->dz, k, T, GU);
    if (r->cfg.reset_after) {
        const float *dr = em_rnn_region(&g->dr, k, T, GU);
        em_rnn_recurrent_kernel_grad(r, k, hs, dr, GU, 0, 3, 1);
        if (r->cfg.use_bias) em_rnn_colsum_add(em_rnn_partial(r, k, EM_RNN_BIAS) + GU, dr, T * k->nb, GU, GU);
    } else {
        em_rnn_recurrent_kernel_grad(r, k, hs, dz, GU, 0, 2, 1);
        em_rnn_recurrent_kernel_grad(r, k, em_rnn_region(&g->rh, k, T, U), dz + 2 * U, GU, 2, 3, 0);
    }
}

static const em_rnn_cell_ops gru_cell = {gru_prepare_forward, gru_forward_block, gru_prepare_backward,
                                         gru_backward_block};

static int gru_forward(em_layer *l, const em_tensor *x, int training, em_tensor *y) {
    return em_rnn_forward(l, &gru_cell, x, training, y);
}

static int gru_backward(em_layer *l, const em_tensor *dy, em_tensor *dx) {
    return em_rnn_backward(l, &gru_cell, dy, dx);
}

static void gru_destroy(em_layer *l) {
    gru *g = l->self;
    em_rnn_release(&g->rnn);
    em_tensor_release(&g->rh);
    em_tensor_release(&g->rec);
    em_tensor_release(&g->dr);
    em_tensor_release(&g->drh);
    free(g);
}

static const em_layer_ops gru_ops = {.type = "GRU", .build = em_rnn_build, .forward = gru_forward,
    .backward = gru_backward, .destroy = gru_destroy, .flags = EM_LAYER_RECURRENT | EM_LAYER_TAKES_MASK,
    .call = em_rnn_call, .call_backward = em_rnn_call_backward};

em_layer *em_gru_new(const em_rnn_config *c) {
    return em_rnn_layer_new(&gru_ops, sizeof(gru), 3, c->reset_after ? 2 : 1, em_gru_options, c);
}
