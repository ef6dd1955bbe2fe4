/* LSTM (Keras 2, gate order i, f, c, o):
 *   i = ra(x.W_i + h.U_i + b_i)   f = ra(x.W_f + h.U_f + b_f)
 *   g = a(x.W_c + h.U_c + b_c)    o = ra(x.W_o + h.U_o + b_o)
 *   c' = f*c + i*g                h' = o * a(c')
 * with per-gate dropout masks on x and h.  Gate activations overwrite the
 * pre-activations in zx; c and a(c) are kept per step for backward. */
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/fastmath.h"
#include "recurrent_cell.h"

typedef struct {
    em_rnn rnn;
    em_tensor cs;  /* (T+1, B, U) cell states, step 0 = 0, block-major */
    em_tensor ac;  /* (T, B, U) a(c) of each step, block-major */
    em_tensor dc;  /* (B, U) running cell-state gradient */
} lstm;


/* Gates, cell and state for one row: z holds the 4U pre-activations. */
static inline void lstm_row_forward(const em_rnn_config *c, int64_t U, float *z, const float *cprev, float *cnext,
                                    float *ac, float *h) {
    em_act_forward(c->recurrent_activation, z, z, 1, 2 * U);  /* i, f */
    em_act_forward(c->activation, z + 2 * U, z + 2 * U, 1, U);
    em_act_forward(c->recurrent_activation, z + 3 * U, z + 3 * U, 1, U);
    const float *i = z, *f = z + U, *g = z + 2 * U, *o = z + 3 * U;
    for (int64_t j = 0; j < U; j++) cnext[j] = f[j] * cprev[j] + i[j] * g[j];
    em_act_forward(c->activation, ac, cnext, 1, U);
    for (int64_t j = 0; j < U; j++) h[j] = o[j] * ac[j];
}

/* The default pair (sigmoid gates, tanh) fused into one vectorizable loop. */
static int lstm_default_activations(const em_rnn_config *c) {
    return c->recurrent_activation == EM_ACT_SIGMOID && c->activation == EM_ACT_TANH;
}

static inline void lstm_row_forward_fast(int64_t U, float *restrict z, const float *restrict cprev,
                                         float *restrict cnext, float *restrict ac, float *restrict h) {
    for (int64_t j = 0; j < U; j++) {
        float i = em_sigmoidf_fast(z[j]), f = em_sigmoidf_fast(z[U + j]);
        float g = em_tanhf_fast(z[2 * U + j]), o = em_sigmoidf_fast(z[3 * U + j]);
        z[j] = i;
        z[U + j] = f;
        z[2 * U + j] = g;
        z[3 * U + j] = o;
        float c = f * cprev[j] + i * g, a = em_tanhf_fast(c);
        cnext[j] = c;
        ac[j] = a;
        h[j] = o * a;
    }
}

static int lstm_prepare_forward(em_layer *l) {
    lstm *st = l->self;
    int64_t B = st->rnn.batch, T = st->rnn.time, U = st->rnn.cfg.units;
    int64_t s_cs[3] = {T + 1, B, U}, s_ac[3] = {T, B, U};
    return em_tensor_reuse(&st->cs, EM_FLOAT32, 3, s_cs, NULL) || em_tensor_reuse(&st->ac, EM_FLOAT32, 3, s_ac, NULL);
}

static void lstm_forward_block(em_layer *l, const em_rnn_block *k) {
    lstm *st = l->self;
    em_rnn *r = &st->rnn;
    int64_t nb = k->nb, T = r->time, U = r->cfg.units, GU = 4 * U, BU = nb * U;
    const float *urec = em_f32(&l->params[EM_RNN_RECURRENT_KERNEL]);
    float *zx = em_rnn_region(&r->zx, k, T, GU), *hs = em_rnn_region(&r->hs, k, T + 1, U);
    float *cs = em_rnn_region(&st->cs, k, T + 1, U), *ac = em_rnn_region(&st->ac, k, T, U);
    em_rnn_block_initial_state(r, k, 1, cs);
    int fast = lstm_default_activations(&r->cfg);
    for (int64_t s = 0; s < T; s++) {
        float *z = zx + s * nb * GU;
        if (s > 0 || r->init_live) em_rnn_recurrent_gemm(r, k, urec, hs + s * BU, 0, 4, z, GU, 1.0f);
        for (int64_t b = 0; b < nb; b++) {
            float *cp = cs + s * BU + b * U, *cn = cs + (s + 1) * BU + b * U, *a = ac + s * BU + b * U,
                  *h = hs + (s + 1) * BU + b * U;
            if (fast) lstm_row_forward_fast(U, z + b * GU, cp, cn, a, h);
            else lstm_row_forward(&r->cfg, U, z + b * GU, cp, cn, a, h);
        }
        const float *m = em_rnn_step_mask(r, k, s);
        if (m) {  /* ac keeps a(c_new): backward differentiates the update itself */
            em_rnn_mask_blend(m, cs + (s + 1) * BU, cs + s * BU, nb, U);
            em_rnn_mask_blend(m, hs + (s + 1) * BU, hs + s * BU, nb, U);
        }
    }
    em_rnn_block_final_state(r, k, 1, cs + T * BU);
}

/* dz (4U) for one row from dh, the running dc (updated to dL/dc_prev). */
static inline void lstm_row_backward(const em_rnn_config *c, int64_t U, const float *z, const float *cprev,
                                     const float *ac, const float *dh, float *dc, float *dz) {
    const float *i = z, *f = z + U, *g = z + 2 * U, *o = z + 3 * U;
    float *di = dz, *df = dz + U, *dg = dz + 2 * U, *dout = dz + 3 * U;
    for (int64_t j = 0; j < U; j++) dout[j] = dh[j] * ac[j];
    em_act_backward(c->recurrent_activation, dout, dout, o, 1, U);
    for (int64_t j = 0; j < U; j++) dg[j] = dh[j] * o[j];
    em_act_backward(c->activation, dg, dg, ac, 1, U);  /* through a(c') */
    for (int64_t j = 0; j < U; j++) {
        float dct = dc[j] + dg[j];
        di[j] = dct * g[j];
        df[j] = dct * cprev[j];
        dg[j] = dct * i[j];
        dc[j] = dct * f[j];
    }
    em_act_backward(c->recurrent_activation, di, di, i, 1, 2 * U);  /* i and f together */
    em_act_backward(c->activation, dg, dg, g, 1, U);
}

static inline void lstm_row_backward_fast(int64_t U, const float *restrict z, const float *restrict cprev,
                                          const float *restrict ac, const float *restrict dh, float *restrict dc,
                                          float *restrict dz) {
    for (int64_t j = 0; j < U; j++) {
        float i = z[j], f = z[U + j], g = z[2 * U + j], o = z[3 * U + j], a = ac[j], d = dh[j];
        float dct = dc[j] + d * o * (1.0f - a * a);
        dz[j] = dct * g * i * (1.0f - i);
        dz[U + j] = dct * cprev[j] * f * (1.0f - f);
        dz[2 * U + j] = dct * i * (1.0f - g * g);
        dz[3 * U + j] = d * a * o * (1.0f - o);
        dc[j] = dct * f;
    }
}

static int lstm_prepare_backward(em_layer *l) {
    lstm *st = l->self;
    int64_t s_bu[2] = {st->rnn.batch, st->rnn.cfg.units};
    return em_tensor_reuse(&st->dc, EM_FLOAT32, 2, s_bu, NULL);
}

static void lstm_backward_block(em_layer *l, const em_rnn_block *k, const em_tensor *dy) {
    lstm *st = l->self;
    em_rnn *r = &st->rnn;
    int64_t nb = k->nb, T = r->time, U = r->cfg.units, GU = 4 * U, BU = nb * U;
    const float *zx = em_rnn_region(&r->zx, k, T, GU), *hs = em_rnn_region(&r->hs, k, T + 1, U);
    const float *cs = em_rnn_region(&st->cs, k, T + 1, U), *ac = em_rnn_region(&st->ac, k, T, U);
    float *dz = em_rnn_region(&r->dz, k, T, GU), *dh = em_f32(&r->dh) + k->b0 * U, *dc = em_f32(&st->dc) + k->b0 * U;
    em_rnn_block_state_grad(r, k, 1, dc);
    int fast = lstm_default_activations(&r->cfg);
    float *carry_h = r->masked ? em_rnn_carry(r, k, 0) : NULL, *carry_c = r->masked ? em_rnn_carry(r, k, 1) : NULL;
    for (int64_t s = T - 1; s >= 0; s--) {
        em_rnn_add_dy(r, k, dy, s, dh);
        const float *m = em_rnn_step_mask(r, k, s);
        if (m) {
            em_rnn_mask_split(m, dh, carry_h, nb, U);
            em_rnn_mask_split(m, dc, carry_c, nb, U);
        }
        for (int64_t b = 0; b < nb; b++) {
            const float *z = zx + (s * nb + b) * GU, *cp = cs + s * BU + b * U, *a = ac + s * BU + b * U;
            if (fast) lstm_row_backward_fast(U, z, cp, a, dh + b * U, dc + b * U, dz + (s * nb + b) * GU);
            else lstm_row_backward(&r->cfg, U, z, cp, a, dh + b * U, dc + b * U, dz + (s * nb + b) * GU);
        }
        if (m) {  /* the carried parts go straight to the previous states */
            for (int64_t j = 0; j < BU; j++) dc[j] += carry_c[j];
            if (s > 0 || r->init_given) {
                memcpy(dh, carry_h, sizeof(float) * (size_t)BU);
                em_rnn_recurrent_dh(r, k, dz + s * nb * GU, GU, 0, 4, dh, 1.0f);
            }
        } else if (s > 0 || r->init_given) {  /* dL/dh0 only for given initial states */
            em_rnn_recurrent_dh(r, k, dz + s * nb * GU, GU, 0, 4, dh, 0.0f);
        }
    }
    em_rnn_block_initial_grad(r, k, 0, dh);
    em_rnn_block_initial_grad(r, k, 1, dc);
    if (l->trainable) em_rnn_recurrent_kernel_grad(r, k, hs, dz, GU, 0, 4, 1);
}

static const em_rnn_cell_ops lstm_cell = {lstm_prepare_forward, lstm_forward_block, lstm_prepare_backward,
                                          lstm_backward_block};

static int lstm_forward(em_layer *l, const em_tensor *x, int training, em_tensor *y) {
    return em_rnn_forward(l, &lstm_cell, x, training, y);
}

static int lstm_backward(em_layer *l, const em_tensor *dy, em_tensor *dx) {
    return em_rnn_backward(l, &lstm_cell, dy, dx);
}

static void lstm_destroy(em_layer *l) {
    lstm *s = l->self;
    em_rnn_release(&s->rnn);
    em_tensor_release(&s->cs);
    em_tensor_release(&s->ac);
    em_tensor_release(&s->dc);
    free(s);
}

static const em_layer_ops lstm_ops = {.type = "LSTM", .build = em_rnn_build, .forward = lstm_forward,
    .backward = lstm_backward, .destroy = lstm_destroy, .flags = EM_LAYER_RECURRENT | EM_LAYER_TAKES_MASK,
    .call = em_rnn_call, .call_backward = em_rnn_call_backward};

em_layer *em_lstm_new(const em_rnn_config *c) {
    return em_rnn_layer_new(&lstm_ops, sizeof(lstm), 4, 1, em_lstm_options, c);
}
