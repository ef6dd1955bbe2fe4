/* Bidirectional (Keras 2): a forward and a backward (go_backwards) copy of a
 * recurrent layer over the same input, outputs merged by concat, sum, mul or
 * ave.  With return_sequences the backward output is flipped back in time so
 * step t of both halves refers to input step t; without it the backward
 * half's output is its last step (it has read the whole sequence reversed).
 * Weights: forward's, then backward's (views of the inner layers' params).
 *
 * The halves run one after the other, each spreading its blocks of rows
 * over the engine's threads (see run_both for small batches).  Dropout masks are drawn
 * beforehand on this thread (forward half first, as Keras), so seeded runs
 * repeat whichever thread runs which half. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/parallel.h"
#include "../ops/gemm.h"
#include "recurrent.h"

const char *const em_merge_mode_names[] = {"concat", "sum", "mul", "ave", NULL};

typedef struct {
    em_layer *fwd, *bwd;  /* owned: freed with the wrapper */
    em_merge_mode mode;
    int seq;              /* return_sequences */
    int64_t batch, time, units;
    em_tensor yf, yb;     /* (B, [T,] U) copies of the halves, yb in input time order */
    em_tensor y;          /* merged output */
    em_tensor dyf, dyb;   /* gradients for each half (dyb in the backward layer's order) */
    em_tensor dx;
} bidir;

/* ---- running the two halves -------------------------------------------------- */

typedef struct {
    em_layer *layer;
    const em_tensor *in;  /* x for forward, dy for backward */
    int training, backward;
    em_tensor out;
    int rc;
    char err[512];  /* em_fail messages are per thread: carried back here */
} half_job;

static void run_half(void *p) {
    half_job *j = p;
    j->rc = j->backward ? em_layer_backward(j->layer, j->in, &j->out)
                        : em_layer_forward(j->layer, j->in, j->training, &j->out);
    if (j->rc) snprintf(j->err, sizeof j->err, "%s", em_error());
}

/* Run both halves; on failure releases both outputs and reports the first
 * error.  Each half splits its batch into blocks of rows run on the pool's
 * threads; only when a half is a single block (a batch of 16 or fewer)
 * would that leave threads idle, and then the two halves run as two tasks
 * at once instead (OpenBLAS pinned to one thread, so they do not fight its
 * threads for the cores).  Both ways compute the same bits. */
static int run_both(half_job *a, half_job *b, int64_t batch) {
    if (em_num_threads() >= 2 && em_rnn_block_count(batch) < 2) {
        int blas = em_gemm_single_begin();
        em_parallel_two(run_half, a, run_half, b);
        em_gemm_single_end(blas);
    } else {
        run_half(a);
        run_half(b);
    }
    if (a->rc == 0 && b->rc == 0) return 0;
    em_tensor_release(&a->out);
    em_tensor_release(&b->out);
    return em_fail("%s", a->rc ? a->err : b->err);
}

static int bidir_build(em_layer *l, int ndim, const int64_t *in, int *out_ndim, int64_t *out) {
    bidir *b = l->self;
    if (em_layer_build(b->fwd, ndim, in) || em_layer_build(b->bwd, ndim, in)) return -1;
    if (b->fwd->nparams + b->bwd->nparams > EM_MAX_PARAMS) return em_fail("Bidirectional: too many parameters");
    for (int k = 0; k < 2; k++) {
        em_layer *inner = k == 0 ? b->fwd : b->bwd;
        for (int i = 0; i < inner->nparams; i++) {
            int j = l->nparams++;
            em_tensor_view(&l->params[j], &inner->params[i]);
            em_tensor_view(&l->grads[j], &inner->grads[i]);
            l->param_names[j] = inner->param_names[i];
        }
    }
    *out_ndim = b->fwd->out_ndim;
    memcpy(out, b->fwd->out_shape, sizeof(int64_t) * (size_t)*out_ndim);
    if (b->mode == EM_MERGE_CONCAT) out[*out_ndim - 1] *= 2;
    return 0;
}

/* dst (B, T, U) = src with the time axis reversed; any strides in src. */
static void copy_reversed(float *dst, const em_tensor *src, int64_t B, int64_t T, int64_t U) {
    const float *s = em_f32(src);
    for (int64_t b = 0; b < B; b++)
        for (int64_t t = 0; t < T; t++) {
            const float *row = s + b * src->strides[0] + (T - 1 - t) * src->strides[1];
            float *o = dst + (b * T + t) * U;
            for (int64_t j = 0; j < U; j++) o[j] = row[j * src->strides[2]];
        }
}

static int keep_half(em_tensor *dst, const em_tensor *src, int reverse, int64_t B, int64_t T, int64_t U, int seq) {
    int64_t shape[3] = {B, seq ? T : U, U};
    if (em_tensor_reuse(dst, EM_FLOAT32, seq ? 3 : 2, shape, NULL)) return -1;
    if (seq && reverse) {
        copy_reversed(em_f32(dst), src, B, T, U);
        return 0;
    }
    return em_tensor_copy(dst, src);
}

static int bidir_forward(em_layer *l, const em_tensor *x, int training, em_tensor *y) {
    bidir *b = l->self;
    int64_t batch = x->ndim == 3 ? x->shape[0] : 0;
    if (x->ndim == 3 && x->shape[0] > 0)
        if (em_rnn_predraw_masks(b->fwd, x->shape[0], training) || em_rnn_predraw_masks(b->bwd, x->shape[0], training))
            return -1;
    half_job jf = {.layer = b->fwd, .in = x, .training = training}, jb = {.layer = b->bwd, .in = x, .training = training};
    if (run_both(&jf, &jb, batch)) return -1;
    em_tensor yf = jf.out, yb = jb.out;
    int64_t B = x->shape[0], T = x->shape[1], U = yf.shape[yf.ndim - 1];
    b->batch = B; b->time = T; b->units = U;
    int rc = keep_half(&b->yf, &yf, 0, B, T, U, b->seq) || keep_half(&b->yb, &yb, 1, B, T, U, b->seq);
    em_tensor_release(&yf);
    em_tensor_release(&yb);
    if (rc) return -1;
    int64_t rows = b->seq ? B * T : B, out_u = b->mode == EM_MERGE_CONCAT ? 2 * U : U;
    int64_t shape[3] = {B, b->seq ? T : out_u, out_u};
    /* x is not read any more (both halves have copied it): no self-feeding guard needed */
    if (em_tensor_reuse(&b->y, EM_FLOAT32, b->seq ? 3 : 2, shape, NULL)) return -1;
    const float *f = em_f32(&b->yf), *k = em_f32(&b->yb);
    float *o = em_f32(&b->y);
    for (int64_t i = 0; i < rows; i++) {
        const float *fr = f + i * U, *kr = k + i * U;
        float *orow = o + i * out_u;
        switch (b->mode) {
        case EM_MERGE_CONCAT:
            memcpy(orow, fr, sizeof(float) * (size_t)U);
            memcpy(orow + U, kr, sizeof(float) * (size_t)U);
            break;
        case EM_MERGE_SUM: for (int64_t j = 0; j < U; j++) orow[j] = fr[j] + kr[j]; break;
        case EM_MERGE_MUL: for (int64_t j = 0; j < U; j++) orow[j] = fr[j] * kr[j]; break;
        case EM_MERGE_AVE: for (int64_t j = 0; j < U; j++) orow[j] = 0.5f * (fr[j] + kr[j]); break;
        }
    }
    em_tensor_view(y, &b->y);
    return 0;
}

/* Split dy (B, [T,] out_u) into the two halves' gradients: df in input
 * time order, dk in the backward layer's own order (time reversed with
 * return_sequences, as that layer read the input reversed). */
static void split_grad(bidir *b, const em_tensor *dy, float *df, float *dk) {
    int64_t B = b->batch, T = b->time, U = b->units, steps = b->seq ? T : 1;
    const float *f = em_f32(&b->yf), *k = em_f32(&b->yb), *d = em_f32(dy);
    int64_t sb = dy->strides[0], st = b->seq ? dy->strides[1] : 0, su = dy->strides[dy->ndim - 1];
    for (int64_t bb = 0; bb < B; bb++)
        for (int64_t t = 0; t < steps; t++) {
            const float *drow = d + bb * sb + t * st;
            int64_t i = (bb * steps + t) * U, ik = (bb * steps + steps - 1 - t) * U;
            for (int64_t j = 0; j < U; j++) {
                float g = drow[j * su];
                switch (b->mode) {
                case EM_MERGE_CONCAT: df[i + j] = g; dk[ik + j] = drow[(U + j) * su]; break;
                case EM_MERGE_SUM: df[i + j] = g; dk[ik + j] = g; break;
                case EM_MERGE_MUL: df[i + j] = g * k[i + j]; dk[ik + j] = g * f[i + j]; break;
                case EM_MERGE_AVE: df[i + j] = 0.5f * g; dk[ik + j] = 0.5f * g; break;
                }
            }
        }
}

static int bidir_backward(em_layer *l, const em_tensor *dy, em_tensor *dx) {
    bidir *b = l->self;
    int64_t B = b->batch, T = b->time, U = b->units;
    if (!b->yf.storage) return em_fail("Bidirectional: backward called before forward");
    int64_t shape[3] = {B, b->seq ? T : U, U};
    int nd = b->seq ? 3 : 2;
    if (em_tensor_reuse(&b->dyf, EM_FLOAT32, nd, shape, NULL) || em_tensor_reuse(&b->dyb, EM_FLOAT32, nd, shape, NULL))
        return -1;
    split_grad(b, dy, em_f32(&b->dyf), em_f32(&b->dyb));
    b->fwd->trainable = l->trainable;
    b->bwd->trainable = l->trainable;
    half_job jf = {.layer = b->fwd, .in = &b->dyf, .backward = 1}, jb = {.layer = b->bwd, .in = &b->dyb, .backward = 1};
    if (run_both(&jf, &jb, b->batch)) return -1;
    /* dy was consumed by split_grad: no self-feeding guard needed */
    int rc = em_tensor_reuse(&b->dx, EM_FLOAT32, jf.out.ndim, jf.out.shape, NULL);
    if (!rc) {
        float *o = em_f32(&b->dx);
        const float *f = em_f32(&jf.out), *k = em_f32(&jb.out);  /* inner dx buffers are contiguous */
        for (int64_t i = 0, n = em_numel(&b->dx); i < n; i++) o[i] = f[i] + k[i];
    }
    em_tensor_release(&jf.out);
    em_tensor_release(&jb.out);
    if (rc) return -1;
    em_tensor_view(dx, &b->dx);
    return 0;
}

static void bidir_destroy(em_layer *l) {
    bidir *b = l->self;
    em_layer_free(b->fwd);
    em_layer_free(b->bwd);
    em_tensor *bufs[] = {&b->yf, &b->yb, &b->y, &b->dyf, &b->dyb, &b->dx};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) em_tensor_release(bufs[i]);
    free(b);
}

/* With a mask both halves honour it (the backward half reads it reversed,
 * with its input: Keras hands the same mask to both); the output keeps it
 * with return_sequences, as Keras's Bidirectional.compute_mask. */
static int bidir_call(em_layer *l, const em_layer_io *in, int training, em_layer_io *out) {
    bidir *b = l->self;
    if (in->n != 1) return em_fail("Bidirectional: takes one input tensor, got %d", in->n);
    em_rnn_set_mask(b->fwd, &in->mask);
    em_rnn_set_mask(b->bwd, &in->mask);
    int rc = em_layer_forward(l, &in->t[0], training, &out->t[0]);
    em_rnn_set_mask(b->fwd, NULL);
    em_rnn_set_mask(b->bwd, NULL);
    if (rc) return -1;
    out->n = 1;
    if (in->mask.storage && b->seq) em_tensor_view(&out->mask, &in->mask);
    return 0;
}

static const em_layer_ops bidir_ops = {.type = "Bidirectional", .build = bidir_build, .forward = bidir_forward,
    .backward = bidir_backward, .destroy = bidir_destroy, .flags = EM_LAYER_TAKES_MASK, .call = bidir_call};

em_layer *em_bidirectional_new(em_layer *forward, em_layer *backward, em_merge_mode mode) {
    const em_rnn_config *cf = em_rnn_layer_config(forward), *cb = em_rnn_layer_config(backward);
    if (!cf || !cb || strcmp(forward->ops->type, backward->ops->type) != 0)
        return em_fail("Bidirectional: expected two recurrent layers (SimpleRNN, LSTM, GRU) of the same type"), NULL;
    if (forward->built || backward->built)
        return em_fail("Bidirectional: the wrapped layer must not be built yet"), NULL;
    if (cf->go_backwards == cb->go_backwards || cf->return_sequences != cb->return_sequences ||
        cf->units != cb->units)
        return em_fail("Bidirectional: the backward copy must have the same config with go_backwards flipped"), NULL;
    bidir *b = calloc(1, sizeof *b);
    if (!b) return em_fail("Bidirectional: out of memory"), NULL;
    b->fwd = forward;
    b->bwd = backward;
    b->mode = mode;
    b->seq = cf->return_sequences;
    em_layer *l = em_layer_new(&bidir_ops, b);
    if (!l) free(b);
    return l;
}
