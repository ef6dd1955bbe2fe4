/* SimpleRNN (Keras 2): h_t = act(x_t.W + b + h_{t-1}.U), one gate. */
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "recurrent_cell.h"

typedef struct {
    em_rnn rnn;
} simple_rnn;

static void srnn_forward_block(em_layer *l, const em_rnn_block *k) {
    em_rnn *r = &((simple_rnn *)l->self)->rnn;
    int64_t nb = k->nb, T = r->time, U = r->cfg.units, BU = nb * U;
    const float *urec = em_f32(&l->params[EM_RNN_RECURRENT_KERNEL]);
    float *zx = em_rnn_region(&r->zx, k, T, U), *hs = em_rnn_region(&r->hs, k, T + 1, U);
    for (int64_t s = 0; s < T; s++) {
        float *z = zx + s * BU;
        if (s > 0 || r->init_live) em_rnn_recurrent_gemm(r, k, urec, hs + s * BU, 0, 1, z, U, 1.0f);
        em_act_forward(r->cfg.activation, hs + (s + 1) * BU, z, 1, BU);
        const float *m = em_rnn_step_mask(r, k, s);
        if (m) em_rnn_mask_blend(m, hs + (s + 1) * BU, hs + s * BU, nb, U);
    }
}

static void srnn_backward_block(em_layer *l, const em_rnn_block *k, const em_tensor *dy) {
    em_rnn *r = &((simple_rnn *)l->self)->rnn;
    int64_t nb = k->nb, T = r->time, U = r->cfg.units, BU = nb * U;
    const float *hs = em_rnn_region(&r->hs, k, T + 1, U);
    float *dz = em_rnn_region(&r->dz, k, T, U), *dh = em_f32(&r->dh) + k->b0 * U;
    float *carry = r->masked ? em_rnn_carry(r, k, 0) : NULL;
    for (int64_t s = T - 1; s >= 0; s--) {
        em_rnn_add_dy(r, k, dy, s, dh);
        const float *m = em_rnn_step_mask(r, k, s);
        if (m) em_rnn_mask_split(m, dh, carry, nb, U);
        em_act_backward(r->cfg.activation, dz + s * BU, dh, hs + (s + 1) * BU, 1, BU);
        int prev = s > 0 || r->init_given;  /* dL/dh0 only for given initial states */
        if (prev && m) {  /* dh_prev = carry + dz.U^T */
            memcpy(dh, carry, sizeof(float) * (size_t)BU);
            em_rnn_recurrent_dh(r, k, dz + s * BU, U, 0, 1, dh, 1.0f);
        } else if (prev) {
            em_rnn_recurrent_dh(r, k, dz + s * BU, U, 0, 1, dh, 0.0f);
        }
    }
    em_rnn_block_initial_grad(r, k, 0, dh);
    /* step 0's rows of hs are the initial state (0 without one) */
    if (l->trainable) em_rnn_recurrent_kernel_grad(r, k, hs, dz, U, 0, 1, 1);
}

static const em_rnn_cell_ops simple_rnn_cell = {NULL, srnn_forward_block, NULL, srnn_backward_block};

static int srnn_forward(em_layer *l, const em_tensor *x, int training, em_tensor *y) {
    return em_rnn_forward(l, &simple_rnn_cell, x, training, y);
}

static int srnn_backward(em_layer *l, const em_tensor *dy, em_tensor *dx) {
    return em_rnn_backward(l, &simple_rnn_cell, dy, dx);
}

static void srnn_destroy(em_layer *l) {
    simple_rnn *s = l->self;
    em_rnn_release(&s->rnn);
    free(s);
}

static const em_layer_ops simple_rnn_ops = {.type = "SimpleRNN", .build = em_rnn_build, .forward = srnn_forward,
    .backward = srnn_backward, .destroy = srnn_destroy, .flags = EM_LAYER_RECURRENT | EM_LAYER_TAKES_MASK,
    .call = em_rnn_call, .call_backward = em_rnn_call_backward};

em_layer *em_simple_rnn_new(const em_rnn_config *c) {
    return em_rnn_layer_new(&simple_rnn_ops, sizeof(simple_rnn), 1, 1, em_simple_rnn_options, c);
}
