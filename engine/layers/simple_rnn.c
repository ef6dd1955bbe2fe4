/* SimpleRNN (Keras 2): h_t = act(x_t.W + b + h_{t-1}.U), one gate. */
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "recurrent.h"

typedef struct {
    em_rnn rnn;
} simple_rnn;

static int srnn_build(em_layer *l, int ndim, const int64_t *in, int *out_ndim, int64_t *out) {
    simple_rnn *s = l->self;
    return em_rnn_build(l, &s->rnn, 1, ndim, in, out_ndim, out);
}

static int srnn_forward_body(em_layer *l, const em_tensor *x, int training, em_tensor *y) {
    em_rnn *r = &((simple_rnn *)l->self)->rnn;
    if (em_rnn_begin_forward(l, r, x, training)) return -1;
    int64_t B = r->batch, T = r->time, U = r->cfg.units;
    const float *urec = em_f32(&l->params[EM_RNN_RECURRENT_KERNEL]);
    float *zx = em_f32(&r->zx), *hs = em_f32(&r->hs);
    for (int64_t s = 0; s < T; s++) {
        float *z = zx + s * B * U;
        em_rnn_recurrent_gemm(r, urec, hs + s * B * U, 0, 1, z, U, 1.0f);
        em_rnn_act(r->cfg.activation, hs + (s + 1) * B * U, z, B * U);
    }
    return em_rnn_finish_forward(r, y);
}

/* OpenBLAS single-threaded for the whole pass (see em_rnn_threads_begin). */
static int srnn_forward(em_layer *l, const em_tensor *x, int training, em_tensor *y) {
    int threads = em_rnn_threads_begin();
    int rc = srnn_forward_body(l, x, training, y);
    em_rnn_threads_end(threads);
    return rc;
}

static int srnn_backward_body(em_layer *l, const em_tensor *dy, em_tensor *dx) {
    em_rnn *r = &((simple_rnn *)l->self)->rnn;
    if (em_rnn_begin_backward(l, r, dy)) return -1;
    int64_t B = r->batch, T = r->time, U = r->cfg.units, BU = B * U;
    const float *hs = em_f32(&r->hs);
    float *dz = em_f32(&r->dz), *dh = em_f32(&r->dh);
    for (int64_t s = T - 1; s >= 0; s--) {
        em_rnn_add_dy(r, dy, s, dh);
        em_act_backward(r->cfg.activation, dz + s * BU, dh, hs + (s + 1) * BU, 1, BU);
        if (s > 0) em_rnn_recurrent_dh(r, dz + s * BU, U, 0, 1, dh, 0.0f);
    }
    if (l->trainable) {
        float *durec = em_f32(&l->grads[EM_RNN_RECURRENT_KERNEL]);
        /* step 0 sees h = 0: rows 0..B-1 of hs contribute nothing but are harmless */
        em_rnn_recurrent_kernel_grad(r, durec, hs, dz, U, 0, 1, 1);
    }
    return em_rnn_finish_backward(l, r, dx);
}

/* OpenBLAS single-threaded for the whole pass (see em_rnn_threads_begin). */
static int srnn_backward(em_layer *l, const em_tensor *dy, em_tensor *dx) {
    int threads = em_rnn_threads_begin();
    int rc = srnn_backward_body(l, dy, dx);
    em_rnn_threads_end(threads);
    return rc;
}

static void srnn_destroy(em_layer *l) {
    simple_rnn *s = l->self;
    em_rnn_release(&s->rnn);
    free(s);
}

static const em_layer_ops simple_rnn_ops = {"SimpleRNN", srnn_build, srnn_forward, srnn_backward, srnn_destroy};

em_layer *em_simple_rnn_new(const em_rnn_config *c) {
    if (em_rnn_config_check("SimpleRNN", c)) return NULL;
    simple_rnn *s = calloc(1, sizeof *s);
    if (!s) { em_fail("SimpleRNN: out of memory"); return NULL; }
    em_rnn_init(&s->rnn, "SimpleRNN", 1, c);
    em_layer *l = em_layer_new(&simple_rnn_ops, s);
    if (!l) free(s);
    return l;
}
