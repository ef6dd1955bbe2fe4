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
    /* Masks and states through the io hooks (recurrent.h "states"): views
     * set by bidir_call / bidir_call_backward for the pass they start, the
     * forward half's states first, then the backward half's. */
    int nhalf;              /* states per half: 1, or 2 for LSTM */
    em_tensor mask;         /* the next forward's mask, or empty */
    em_tensor init[4];      /* the next forward's initial states, or empty */
    em_tensor dstate[4];    /* the next backward's gradients of the returned states, or empty */
    em_tensor states[4];    /* the last forward's final states (return_state) */
    em_tensor dinit[4];     /* the last backward's initial-state gradients */
    int init_given;         /* the last forward got initial states */
    em_tensor dy_zero;      /* a zero output gradient, when only the states get one */
} bidir;

/* ---- running the two halves -------------------------------------------------- */

typedef struct {
    em_layer *layer;
    em_layer_io in;   /* x, mask, initial states forward; dy, state gradients backward (views) */
    int training, backward;
    em_layer_io out;  /* y, final states forward; dx, initial-state gradients backward */
    int rc;
    char err[512];  /* em_fail messages are per thread: carried back here */
} half_job;

/* Through the halves' io hooks, which honour the mask and the states. */
static void run_half(void *p) {
    half_job *j = p;
    j->rc = j->backward ? em_layer_call_backward(j->layer, &j->in, &j->out)
                        : em_layer_call(j->layer, &j->in, j->training, &j->out);
    em_layer_io_release(&j->in);
    if (j->rc) snprintf(j->err, sizeof j->err, "%s", em_error());
}

/* A half's io: t0, then its `n` tensors of extra[] (empty ones allowed). */
static void half_io(em_layer_io *io, const em_tensor *t0, const em_tensor *extra, int n, const em_tensor *mask) {
    em_layer_io empty = {0};
    *io = empty;
    em_tensor_view(&io->t[0], t0);
    io->n = 1;
    for (int i = 0; i < n; i++) {
        if (extra[i].storage) em_tensor_view(&io->t[io->n], &extra[i]);
        io->n++;
    }
    if (mask && mask->storage) em_tensor_view(&io->mask, mask);
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
    em_layer_io_release(&a->out);
    em_layer_io_release(&b->out);
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
    half_job jf = {.layer = b->fwd, .training = training}, jb = {.layer = b->bwd, .training = training};
    int given = b->init[0].storage != NULL, n = given ? b->nhalf : 0;
    half_io(&jf.in, x, b->init, n, &b->mask);
    half_io(&jb.in, x, b->init + b->nhalf, n, &b->mask);
    if (run_both(&jf, &jb, batch)) return -1;
    em_tensor *yf = &jf.out.t[0], *yb = &jb.out.t[0];
    int64_t B = x->shape[0], T = x->shape[1], U = yf->shape[yf->ndim - 1];
    b->batch = B; b->time = T; b->units = U;
    b->init_given = given;
    for (int i = 0; i < 4; i++) em_tensor_release(&b->states[i]);
    for (int i = 1; i < jf.out.n && i <= b->nhalf; i++) {  /* return_state: the halves' final states */
        em_tensor_view(&b->states[i - 1], &jf.out.t[i]);
        em_tensor_view(&b->states[b->nhalf + i - 1], &jb.out.t[i]);
    }
    int rc = keep_half(&b->yf, yf, 0, B, T, U, b->seq) || keep_half(&b->yb, yb, 1, B, T, U, b->seq);
    em_layer_io_release(&jf.out);
    em_layer_io_release(&jb.out);
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
    half_job jf = {.layer = b->fwd, .backward = 1}, jb = {.layer = b->bwd, .backward = 1};
    int ns = em_rnn_layer_config(b->fwd)->return_state ? b->nhalf : 0;
    half_io(&jf.in, &b->dyf, b->dstate, ns, NULL);
    half_io(&jb.in, &b->dyb, b->dstate + b->nhalf, ns, NULL);
    if (run_both(&jf, &jb, b->batch)) return -1;
    /* dy was consumed by split_grad: no self-feeding guard needed */
    em_tensor *df = &jf.out.t[0], *dk = &jb.out.t[0];
    int rc = em_tensor_reuse(&b->dx, EM_FLOAT32, df->ndim, df->shape, NULL);
    if (!rc) {
        float *o = em_f32(&b->dx);
        const float *f = em_f32(df), *k = em_f32(dk);  /* inner dx buffers are contiguous */
        for (int64_t i = 0, n = em_numel(&b->dx); i < n; i++) o[i] = f[i] + k[i];
    }
    for (int i = 0; i < 4; i++) em_tensor_release(&b->dinit[i]);
    for (int i = 1; !rc && i < jf.out.n && i <= b->nhalf; i++) {  /* the initial states' gradients */
        em_tensor_view(&b->dinit[i - 1], &jf.out.t[i]);
        em_tensor_view(&b->dinit[b->nhalf + i - 1], &jb.out.t[i]);
    }
    em_layer_io_release(&jf.out);
    em_layer_io_release(&jb.out);
    if (rc) return -1;
    em_tensor_view(dx, &b->dx);
    return 0;
}

static void bidir_destroy(em_layer *l) {
    bidir *b = l->self;
    em_layer_free(b->fwd);
    em_layer_free(b->bwd);
    em_tensor *bufs[] = {&b->yf, &b->yb, &b->y, &b->dyf, &b->dyb, &b->dx, &b->mask, &b->dy_zero};
    for (int i = 0; i < 4; i++) {
        em_tensor_release(&b->init[i]);
        em_tensor_release(&b->dstate[i]);
        em_tensor_release(&b->states[i]);
        em_tensor_release(&b->dinit[i]);
    }
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) em_tensor_release(bufs[i]);
    free(b);
}

/* With a mask both halves honour it (the backward half reads it reversed,
 * with its input: Keras hands the same mask to both); the output keeps it
 * with return_sequences, as Keras's Bidirectional.compute_mask. */
static int bidir_call(em_layer *l, const em_layer_io *in, int training, em_layer_io *out) {
    bidir *b = l->self;
    int ns = 2 * b->nhalf;
    if (in->n != 1 && in->n != 1 + ns)
        return em_fail("Bidirectional: takes the input then, optionally, its %d initial states (initial_state: the "
                       "forward layer's %s, then the backward layer's), got %d tensors", ns,
                       b->nhalf == 2 ? "h and c" : "h", in->n);
    for (int i = 0; i < in->n - 1; i++) {
        if (!in->t[1 + i].storage) return em_fail("Bidirectional: argument 'initial_state' entry %d is empty", i + 1);
        em_tensor_view(&b->init[i], &in->t[1 + i]);
    }
    if (in->mask.storage) em_tensor_view(&b->mask, &in->mask);
    int rc = em_layer_forward(l, &in->t[0], training, &out->t[0]);
    em_tensor_release(&b->mask);
    for (int i = 0; i < 4; i++) em_tensor_release(&b->init[i]);
    if (rc) return -1;
    out->n = 1;
    for (int i = 0; b->states[0].storage && i < ns; i++) em_tensor_view(&out->t[out->n++], &b->states[i]);
    if (in->mask.storage && b->seq) em_tensor_view(&out->mask, &in->mask);
    return 0;
}

static int bidir_call_backward(em_layer *l, const em_layer_io *dout, em_layer_io *din) {
    bidir *b = l->self;
    int outputs = 1 + (em_rnn_layer_config(b->fwd)->return_state ? 2 * b->nhalf : 0);
    if (dout->n != 1 && dout->n != outputs)
        return em_fail("Bidirectional: expected %d gradient tensors (the output's%s), got %d", outputs,
                       outputs > 1 ? " then the returned states'" : "", dout->n);
    em_tensor dy = {0};
    if (dout->t[0].storage) {
        em_tensor_view(&dy, &dout->t[0]);
    } else {  /* only the states get a gradient */
        if (!l->built || l->last_mode == 0) return em_fail("Bidirectional: backward called before forward");
        if (em_tensor_reuse(&b->dy_zero, EM_FLOAT32, l->last_ndim, l->last_out, NULL)) return -1;
        em_tensor_fill(&b->dy_zero, 0.0);
        em_tensor_view(&dy, &b->dy_zero);
    }
    for (int i = 1; i < dout->n; i++)
        if (dout->t[i].storage) em_tensor_view(&b->dstate[i - 1], &dout->t[i]);
    int rc = em_layer_backward(l, &dy, &din->t[0]);
    em_tensor_release(&dy);
    for (int i = 0; i < 4; i++) em_tensor_release(&b->dstate[i]);
    if (rc) return -1;
    din->n = 1;
    for (int i = 0; b->init_given && i < 2 * b->nhalf; i++) em_tensor_view(&din->t[din->n++], &b->dinit[i]);
    return 0;
}

int em_bidirectional_state_count(const em_layer *l) {
    return l->ops->call == bidir_call ? 2 * ((const bidir *)l->self)->nhalf : 0;
}

/* Both halves' values checked before either changes. */
int em_bidirectional_reset_states(em_layer *l, int n, const em_tensor *values) {
    if (l->ops->call != bidir_call) return em_fail("%s: reset_states: not a recurrent layer", l->ops->type);
    bidir *b = l->self;
    if (n != 0 && n != 2 * b->nhalf)
        return em_fail("Bidirectional: reset_states: argument 'states' expected %d tensors (the forward layer's "
                       "states, then the backward layer's), got %d", 2 * b->nhalf, n);
    int half = n / 2;
    if (em_rnn_check_states(b->fwd, half, values) || em_rnn_check_states(b->bwd, half, values + half)) return -1;
    return em_rnn_reset_states(b->fwd, half, values) || em_rnn_reset_states(b->bwd, half, values + half);
}

static const em_layer_ops bidir_ops = {.type = "Bidirectional", .build = bidir_build, .forward = bidir_forward,
    .backward = bidir_backward, .destroy = bidir_destroy, .flags = EM_LAYER_TAKES_MASK, .call = bidir_call,
    .call_backward = bidir_call_backward};

em_layer *em_bidirectional_new(em_layer *forward, em_layer *backward, em_merge_mode mode) {
    const em_rnn_config *cf = em_rnn_layer_config(forward), *cb = em_rnn_layer_config(backward);
    if (!cf || !cb || strcmp(forward->ops->type, backward->ops->type) != 0)
        return em_fail("Bidirectional: expected two recurrent layers (SimpleRNN, LSTM, GRU) of the same type"), NULL;
    if (forward->built || backward->built)
        return em_fail("Bidirectional: the wrapped layer must not be built yet"), NULL;
    if (cf->go_backwards == cb->go_backwards || cf->return_sequences != cb->return_sequences ||
        cf->units != cb->units || cf->stateful != cb->stateful || cf->return_state != cb->return_state)
        return em_fail("Bidirectional: the backward copy must have the same config with go_backwards flipped"), NULL;
    bidir *b = calloc(1, sizeof *b);
    if (!b) return em_fail("Bidirectional: out of memory"), NULL;
    b->fwd = forward;
    b->bwd = backward;
    b->mode = mode;
    b->seq = cf->return_sequences;
    b->nhalf = em_rnn_state_count(forward);
    em_layer *l = em_layer_new(&bidir_ops, b);
    if (!l) free(b);
    return l;
}
