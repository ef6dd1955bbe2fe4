/* What SimpleRNN, LSTM and GRU share (recurrent_cell.h): build and Keras
 * initialisation, dropout masks, blocks of rows, the forward and backward
 * passes that run the blocks on the engine's threads, the input projection
 * and the end-of-backward GEMMs of each block. */
#include "recurrent_cell.h"

#include <cblas.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/parallel.h"
#include "../core/random.h"
#include "initializers.h"
#include "../ops/gemm.h"

/* ---- config --------------------------------------------------------------- */

const em_rnn_config *em_rnn_layer_config(const em_layer *l) {
    if (!(l->ops->flags & EM_LAYER_RECURRENT)) return NULL;
    return &((const em_rnn *)l->self)->cfg;
}

em_layer *em_rnn_layer_new(const em_layer_ops *ops, size_t self_size, int gates, int bias_rows,
                           const em_option *options, const em_rnn_config *c) {
    if (em_options_check(ops->type, options, c)) return NULL;
    em_rnn *r = calloc(1, self_size);
    if (!r) { em_fail("%s: out of memory", ops->type); return NULL; }
    r->cfg = *c;
    r->type = ops->type;
    r->gates = gates;
    r->bias_rows = bias_rows;
    r->nstates = gates == 4 ? 2 : 1;  /* LSTM: h and c */
    em_layer *l = em_layer_new(ops, r);
    if (!l) free(r);
    return l;
}

void em_rnn_release(em_rnn *r) {
    em_tensor *bufs[] = {&r->x_tm, &r->in_mask, &r->rec_mask, &r->zx, &r->hs, &r->dz, &r->dh, &r->dh2, &r->urec_t,
                         &r->step_tmp, &r->scratch, &r->dx_tm, &r->partials, &r->y, &r->dx, &r->mask_in,
                         &r->smask, &r->carry, &r->init_in[0], &r->init_in[1], &r->dstate_in[0],
                         &r->dstate_in[1], &r->carried[0], &r->carried[1], &r->final[0], &r->final[1],
                         &r->dinit[0], &r->dinit[1], &r->dy_zero};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) em_tensor_release(bufs[i]);
}

/* ---- build ---------------------------------------------------------------- */

int em_rnn_build(em_layer *l, int ndim, const int64_t *in, int *out_ndim, int64_t *out) {
    em_rnn *r = l->self;
    char buf[160];
    if (ndim != 3)
        return em_fail("%s: expected an input of rank 3 (batch, time, features), got shape %s", r->type,
                       em_shape_str(buf, sizeof buf, ndim, in));
    if (in[2] <= 0)
        return em_fail("%s: the features dimension of the input must be known, got shape %s", r->type,
                       em_shape_str(buf, sizeof buf, ndim, in));
    int64_t U = r->cfg.units, GU = r->gates * U;
    if (r->cfg.stateful && in[0] <= 0)
        return em_fail("%s: If a RNN is stateful, it needs to know its batch size. Specify the batch size of your "
                       "input tensors: give the first layer of the model batch_input_shape = {batch, timesteps, "
                       "features}, or batch_size = n with input_shape (got input shape %s)",
                       r->type, em_shape_str(buf, sizeof buf, ndim, in));
    if (r->cfg.stateful) {
        int64_t s_bu[2] = {in[0], U};
        for (int i = 0; i < r->nstates; i++)
            if (em_tensor_alloc(&r->carried[i], EM_FLOAT32, 2, s_bu)) return -1;  /* zero-filled */
        r->fixed_batch = in[0];
    }
    r->features = in[2];
    int64_t kshape[2] = {in[2], GU}, rshape[2] = {U, GU}, bshape[2] = {r->bias_rows, GU};
    if (em_layer_add_param(l, "kernel", 2, kshape)) return -1;
    if (em_layer_add_param(l, "recurrent_kernel", 2, rshape)) return -1;
    if (r->cfg.use_bias) {
        if (r->bias_rows == 1 ? em_layer_add_param(l, "bias", 1, &bshape[1]) : em_layer_add_param(l, "bias", 2, bshape))
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

/* ---- dropout masks ---------------------------------------------------------- */

/* m (G, B, n): element (g, b, i) is element offset + g*n + i of sample b's
 * masks in the stream (random.h), so a sample's masks do not depend on
 * the batch it is in. */
static void draw_mask(float *m, const em_mask_stream *ms, int64_t G, int64_t B, int64_t n, int64_t offset, double p) {
    float keep = (float)(1.0 / (1.0 - p));
    for (int64_t g = 0; g < G; g++)
        for (int64_t b = 0; b < B; b++) {
            float *row = m + (g * B + b) * n;
            for (int64_t i = 0; i < n; i++)
                row[i] = em_mask_uniform(ms, b, offset + g * n + i) >= (float)p ? keep : 0.0f;
        }
}

/* Keras's masks: per sample, one for the inputs and one for the state of
 * each gate, fixed over the time steps.  in_mask and rec_mask are already
 * sized for B.  Always on the calling thread, before any block runs. */
static void draw_masks(em_rnn *r, int64_t B, int training) {
    int64_t G = r->gates, F = r->features, U = r->cfg.units;
    r->in_masked = training && r->cfg.dropout > 0;
    r->rec_masked = training && r->cfg.recurrent_dropout > 0;
    if (!r->in_masked && !r->rec_masked) return;
    em_mask_stream ms = em_mask_next();
    if (r->in_masked) draw_mask(em_f32(&r->in_mask), &ms, G, B, F, 0, r->cfg.dropout);
    if (r->rec_masked) draw_mask(em_f32(&r->rec_mask), &ms, G, B, U, G * F, r->cfg.recurrent_dropout);
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

/* dst (T*nb, n) = src (T*nb, n) * mask (nb, n), the mask repeating every step. */
static void apply_step_mask(float *dst, const float *src, const float *mask, int64_t T, int64_t nb, int64_t n) {
    for (int64_t s = 0; s < T; s++) {
        const float *a = src + s * nb * n;
        float *o = dst + s * nb * n;
        for (int64_t i = 0; i < nb * n; i++) o[i] = a[i] * mask[i];
    }
}

/* ---- blocks of rows --------------------------------------------------------- */

/* 16 blocks at most (enough for 16 cores), of at least 16 rows (fewer rows make
 * the per-step GEMMs too short to pay for their calls), rounded to 8 rows
 * (a whole AVX register of floats per column). */
int64_t em_rnn_block_rows(int64_t batch) {
    int64_t rows = (batch + 15) / 16;
    rows = (rows + 7) / 8 * 8;
    return rows < 16 ? 16 : rows;
}

int64_t em_rnn_block_count(int64_t batch) {
    int64_t rows = em_rnn_block_rows(batch);
    return (batch + rows - 1) / rows;
}

static em_rnn_block block_at(const em_rnn *r, int64_t index) {
    em_rnn_block k = {index, index * r->block_rows, r->block_rows};
    if (k.b0 + k.nb > r->batch) k.nb = r->batch - k.b0;
    return k;
}

float *em_rnn_partial(const em_rnn *r, const em_rnn_block *k, int param) {
    int64_t F = r->features, U = r->cfg.units, GU = r->gates * U;
    int64_t row = param == EM_RNN_KERNEL ? 0 : param == EM_RNN_RECURRENT_KERNEL ? F : F + U;
    return em_f32(&r->partials) + (k->index * (F + U + r->bias_rows) + row) * GU;
}

static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* Runs fn over every block of the current batch on the engine's threads,
 * OpenBLAS single-threaded meanwhile; a pass too small to share runs on
 * this thread alone (waking threads would cost more than it saves). */
static void run_blocks(em_rnn *r, em_range_fn fn, void *ctx) {
    double flops = 2.0 * (double)r->time * (double)r->batch * (double)(r->gates * r->cfg.units) *
                   (double)(r->features + r->cfg.units);
    int blas = em_gemm_single_begin();
    em_parallel_dynamic(r->blocks, 1, flops, 4e6, fn, ctx);
    em_gemm_single_end(blas);
}

/* ---- forward ------------------------------------------------------------------ */

/* The initial states given for this forward (checked here: count, dtype,
 * shape), the stateful batch size, the final-state buffers. */
static int prepare_states(em_rnn *r, int64_t B) {
    int64_t U = r->cfg.units, s_bu[2] = {B, U};
    int given = 0;
    for (int i = 0; i < r->nstates; i++) given += r->init_in[i].storage != NULL;
    if (given && given != r->nstates)
        return em_fail("%s: argument 'initial_state' expected %d tensors (%s), got %d", r->type, r->nstates,
                       r->nstates == 2 ? "h and c" : "h", given);
    for (int i = 0; given && i < r->nstates; i++) {
        const em_tensor *t = &r->init_in[i];
        char got[160];
        if (t->dtype != EM_FLOAT32)
            return em_fail("%s: argument 'initial_state' entry %d expected a float32 tensor, got %s", r->type, i + 1,
                           em_dtype_name(t->dtype));
        if (t->ndim != 2 || t->shape[0] != B || t->shape[1] != U)
            return em_fail("%s: argument 'initial_state' entry %d expected shape {%lld,%lld} (batch, units), got %s",
                           r->type, i + 1, (long long)B, (long long)U, em_tensor_shape_str(t, got, sizeof got));
    }
    if (r->cfg.stateful && B != r->fixed_batch)
        return em_fail("%s: stateful with a batch size of %lld (fixed when it was built), got a batch of %lld: every "
                       "batch of a stateful layer must have that size (predict and evaluate too; drop or pad the "
                       "last partial batch)", r->type, (long long)r->fixed_batch, (long long)B);
    for (int i = 0; r->cfg.return_state && i < r->nstates; i++)
        if (em_tensor_reuse(&r->final[i], EM_FLOAT32, 2, s_bu, NULL)) return -1;
    r->init_given = given > 0;
    r->init_live = given > 0 || r->cfg.stateful;
    return 0;
}

/* Checks x, sizes every buffer of the pass, draws the masks. */
static int prepare_forward(em_rnn *r, const em_tensor *x, int training) {
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
    int64_t s_y[3] = {B, r->cfg.return_sequences ? T : U, U};
    if (em_tensor_reuse(&r->x_tm, EM_FLOAT32, 3, s_tbf, NULL) ||
        em_tensor_reuse(&r->in_mask, EM_FLOAT32, 3, s_gbf, NULL) ||
        em_tensor_reuse(&r->rec_mask, EM_FLOAT32, 3, s_gbu, NULL) ||
        em_tensor_reuse(&r->zx, EM_FLOAT32, 3, s_zx, NULL) || em_tensor_reuse(&r->hs, EM_FLOAT32, 3, s_hs, NULL) ||
        em_tensor_reuse(&r->step_tmp, EM_FLOAT32, 2, s_bu, NULL) ||
        em_tensor_reuse(&r->scratch, EM_FLOAT32, 1, s_scr, NULL) ||
        em_tensor_reuse(&r->y, EM_FLOAT32, r->cfg.return_sequences ? 3 : 2, s_y, NULL))
        return -1;
    r->masked = 0;
    if (r->mask_in.storage) {
        const em_tensor *m = &r->mask_in;
        if (m->dtype != EM_FLOAT32 || m->ndim != 2 || m->shape[0] != B || m->shape[1] != T) {
            char got[160];
            return em_fail("%s: expected a float32 mask of shape {%lld,%lld} (batch, time), got %s %s", r->type,
                           (long long)B, (long long)T, em_dtype_name(m->dtype), em_tensor_shape_str(m, got, sizeof got));
        }
        int64_t s_tb[1] = {T * B};
        if (em_tensor_reuse(&r->smask, EM_FLOAT32, 1, s_tb, NULL)) return -1;
        r->masked = 1;
    }
    if (prepare_states(r, B)) return -1;
    r->batch = B;
    r->time = T;
    r->block_rows = em_rnn_block_rows(B);
    r->blocks = em_rnn_block_count(B);
    if (r->predrawn_batch == B && r->predrawn_training == training) {
        r->predrawn_batch = 0;  /* em_rnn_predraw_masks already drew this batch's masks */
    } else {
        r->predrawn_batch = 0;
        draw_masks(r, B, training);
    }
    return 0;
}

/* The block's rows of x (B, T, F), any strides, into its time-major region
 * in processing order; its h starts at the initial state. */
static void block_copy_input(em_rnn *r, const em_rnn_block *k, const em_tensor *x) {
    int64_t T = r->time, F = r->features, nb = k->nb;
    const float *src = em_f32(x);
    float *dst = em_rnn_region(&r->x_tm, k, T, F);
    int64_t sb = x->strides[0], st = x->strides[1], sf = x->strides[2];
    for (int64_t s = 0; s < T; s++) {
        int64_t t = r->cfg.go_backwards ? T - 1 - s : s;
        for (int64_t i = 0; i < nb; i++) {
            const float *row = src + (k->b0 + i) * sb + t * st;
            float *out = dst + (s * nb + i) * F;
            if (sf == 1) memcpy(out, row, sizeof(float) * (size_t)F);
            else for (int64_t f = 0; f < F; f++) out[f] = row[f * sf];
        }
    }
    em_rnn_block_initial_state(r, k, 0, em_rnn_region(&r->hs, k, T + 1, r->cfg.units));
    if (r->masked) {  /* the block's (T, nb) step masks, 0 or 1, in processing order */
        const em_tensor *m = &r->mask_in;
        const float *mp = em_f32(m);
        float *sm = em_f32(&r->smask) + T * k->b0;
        for (int64_t s = 0; s < T; s++) {
            int64_t t = r->cfg.go_backwards ? T - 1 - s : s;
            for (int64_t i = 0; i < nb; i++) sm[s * nb + i] = mp[(k->b0 + i) * m->strides[0] + t * m->strides[1]] != 0.0f;
        }
    }
}

/* zx of the block = its inputs (per-gate masked) @ W + input bias: one GEMM
 * over all its T*nb rows (one per gate under dropout). */
static void block_project_input(em_layer *l, em_rnn *r, const em_rnn_block *k) {
    int64_t T = r->time, F = r->features, U = r->cfg.units, G = r->gates, GU = G * U, rows = T * k->nb;
    const float *w = em_f32(&l->params[EM_RNN_KERNEL]), *xt = em_rnn_region(&r->x_tm, k, T, F);
    float *zx = em_rnn_region(&r->zx, k, T, GU);
    /* Start zx as the input bias and let the GEMM accumulate (beta 1): one
     * pass less over zx than beta 0 + add. */
    float beta = 0.0f;
    if (r->cfg.use_bias) {
        const float *b = em_f32(&l->params[EM_RNN_BIAS]);
        for (int64_t i = 0; i < rows; i++) memcpy(zx + i * GU, b, sizeof(float) * (size_t)GU);
        beta = 1.0f;
    }
    if (!r->in_masked) {
        em_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)GU, (int)F, 1.0f, xt, (int)F, w,
                    (int)GU, beta, zx, (int)GU);
        return;
    }
    float *xm = em_rnn_region(&r->scratch, k, T, max64(F, U));
    for (int64_t g = 0; g < G; g++) {
        apply_step_mask(xm, xt, em_rnn_mask(r, &r->in_mask, k, (int)g, F), T, k->nb, F);
        em_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)U, (int)F, 1.0f, xm, (int)F,
                    w + g * U, (int)GU, beta, zx + g * U, (int)GU);
    }
}

/* The block's rows of y: every step's state, or the last. */
static void block_write_output(em_rnn *r, const em_rnn_block *k) {
    int64_t T = r->time, U = r->cfg.units, nb = k->nb;
    const float *hs = em_rnn_region(&r->hs, k, T + 1, U);
    float *out = em_f32(&r->y);
    if (r->cfg.return_sequences) {
        for (int64_t i = 0; i < nb; i++)
            for (int64_t s = 0; s < T; s++)
                memcpy(out + ((k->b0 + i) * T + s) * U, hs + ((s + 1) * nb + i) * U, sizeof(float) * (size_t)U);
    } else {
        memcpy(out + k->b0 * U, hs + T * nb * U, sizeof(float) * (size_t)(nb * U));
    }
}

typedef struct {
    em_layer *l;
    const em_rnn_cell_ops *cell;
    const em_tensor *in;  /* x forward, dy backward */
} pass;

static void forward_blocks(void *p, int64_t lo, int64_t hi) {
    const pass *ps = p;
    em_rnn *r = ps->l->self;
    for (int64_t i = lo; i < hi; i++) {
        em_rnn_block k = block_at(r, i);
        block_copy_input(r, &k, ps->in);
        block_project_input(ps->l, r, &k);
        ps->cell->forward_block(ps->l, &k);
        em_rnn_block_final_state(r, &k, 0, em_rnn_region(&r->hs, &k, r->time + 1, r->cfg.units) +
                                               r->time * k.nb * r->cfg.units);
        block_write_output(r, &k);
    }
}

int em_rnn_forward(em_layer *l, const em_rnn_cell_ops *cell, const em_tensor *x, int training, em_tensor *y) {
    em_rnn *r = l->self;
    if (prepare_forward(r, x, training)) return -1;
    if (cell->prepare_forward && cell->prepare_forward(l)) return -1;
    pass ps = {l, cell, x};
    run_blocks(r, forward_blocks, &ps);
    em_tensor_view(y, &r->y);
    return 0;
}

/* ---- masks ---------------------------------------------------------------------- */

int em_rnn_set_mask(em_layer *l, const em_tensor *mask) {
    if (!em_rnn_layer_config(l)) return em_fail("%s: not a recurrent cell layer; it cannot take a mask", l->ops->type);
    em_rnn *r = l->self;
    if (mask && mask->storage) em_tensor_view(&r->mask_in, mask);
    else em_tensor_release(&r->mask_in);
    return 0;
}

int em_rnn_call(em_layer *l, const em_layer_io *in, int training, em_layer_io *out) {
    em_rnn *r = l->self;
    if (in->n != 1 && in->n != 1 + r->nstates)
        return em_fail("%s: takes the input then, optionally, its %d initial state%s (initial_state: %s), got %d "
                       "tensors", l->ops->type, r->nstates, r->nstates == 2 ? "s" : "",
                       r->nstates == 2 ? "h and c" : "h", in->n);
    for (int i = 0; i < in->n - 1; i++) {
        if (!in->t[1 + i].storage)
            return em_fail("%s: argument 'initial_state' entry %d is empty", l->ops->type, i + 1);
        em_tensor_view(&r->init_in[i], &in->t[1 + i]);
    }
    em_rnn_set_mask(l, &in->mask);
    int rc = em_layer_forward(l, &in->t[0], training, &out->t[0]);
    em_rnn_set_mask(l, NULL);  /* the step masks of this forward stay in smask for backward */
    for (int i = 0; i < 2; i++) em_tensor_release(&r->init_in[i]);  /* read by the blocks, done */
    if (rc) return -1;
    out->n = 1;
    for (int i = 0; r->cfg.return_state && i < r->nstates; i++) em_tensor_view(&out->t[out->n++], &r->final[i]);
    if (in->mask.storage && r->cfg.return_sequences) em_tensor_view(&out->mask, &in->mask);
    return 0;
}

int em_rnn_call_backward(em_layer *l, const em_layer_io *dout, em_layer_io *din) {
    em_rnn *r = l->self;
    int outputs = 1 + (r->cfg.return_state ? r->nstates : 0);
    if (dout->n != 1 && dout->n != outputs)
        return em_fail("%s: expected %d gradient tensors (the output's%s), got %d", l->ops->type, outputs,
                       outputs > 1 ? " then the returned states'" : "", dout->n);
    em_tensor dy = {0};
    if (dout->t[0].storage) {
        em_tensor_view(&dy, &dout->t[0]);
    } else {  /* only the states get a gradient */
        if (!l->built || l->last_mode == 0) return em_fail("%s: backward called before forward", l->ops->type);
        if (em_tensor_reuse(&r->dy_zero, EM_FLOAT32, l->last_ndim, l->last_out, NULL)) return -1;
        em_tensor_fill(&r->dy_zero, 0.0);
        em_tensor_view(&dy, &r->dy_zero);
    }
    for (int i = 1; i < dout->n; i++)
        if (dout->t[i].storage) em_tensor_view(&r->dstate_in[i - 1], &dout->t[i]);
    int rc = em_layer_backward(l, &dy, &din->t[0]);
    em_tensor_release(&dy);
    for (int i = 0; i < 2; i++) em_tensor_release(&r->dstate_in[i]);
    if (rc) return -1;
    din->n = 1;
    for (int i = 0; r->init_given && i < r->nstates; i++) em_tensor_view(&din->t[din->n++], &r->dinit[i]);
    return 0;
}

/* ---- states ------------------------------------------------------------------ */

/* Block k's rows of a (B, U) tensor of any strides into dst (nb, U). */
static void copy_rows_out(float *dst, const em_tensor *t, const em_rnn_block *k, int64_t U) {
    const float *src = em_f32(t);
    for (int64_t i = 0; i < k->nb; i++) {
        const float *row = src + (k->b0 + i) * t->strides[0];
        if (t->strides[1] == 1) memcpy(dst + i * U, row, sizeof(float) * (size_t)U);
        else for (int64_t j = 0; j < U; j++) dst[i * U + j] = row[j * t->strides[1]];
    }
}

void em_rnn_block_initial_state(const em_rnn *r, const em_rnn_block *k, int which, float *dst) {
    int64_t U = r->cfg.units;
    if (r->init_given) copy_rows_out(dst, &r->init_in[which], k, U);
    else if (r->cfg.stateful) memcpy(dst, em_f32(&r->carried[which]) + k->b0 * U, sizeof(float) * (size_t)(k->nb * U));
    else memset(dst, 0, sizeof(float) * (size_t)(k->nb * U));
}

void em_rnn_block_final_state(em_rnn *r, const em_rnn_block *k, int which, const float *src) {
    int64_t U = r->cfg.units;
    size_t bytes = sizeof(float) * (size_t)(k->nb * U);
    if (r->cfg.return_state) memcpy(em_f32(&r->final[which]) + k->b0 * U, src, bytes);
    if (r->cfg.stateful) memcpy(em_f32(&r->carried[which]) + k->b0 * U, src, bytes);
}

void em_rnn_block_state_grad(const em_rnn *r, const em_rnn_block *k, int which, float *dst) {
    if (r->dstate_in[which].storage) copy_rows_out(dst, &r->dstate_in[which], k, r->cfg.units);
    else memset(dst, 0, sizeof(float) * (size_t)(k->nb * r->cfg.units));
}

void em_rnn_block_initial_grad(em_rnn *r, const em_rnn_block *k, int which, const float *src) {
    if (!r->init_given) return;
    int64_t U = r->cfg.units;
    memcpy(em_f32(&r->dinit[which]) + k->b0 * U, src, sizeof(float) * (size_t)(k->nb * U));
}

int em_rnn_state_count(const em_layer *l) {
    const em_rnn_config *c = em_rnn_layer_config(l);
    return c ? ((const em_rnn *)l->self)->nstates : 0;
}

/* Checks the values against the states' shapes (all before any change). */
static int check_state_values(const em_rnn *r, int n, const em_tensor *values) {
    if (!r->cfg.stateful)
        return em_fail("%s: reset_states: the layer is not stateful (create it with stateful = true)", r->type);
    if (!r->carried[0].storage)
        return em_fail("%s: reset_states: the layer is not built yet (its batch size is not known)", r->type);
    if (n == 0) return 0;
    if (n != r->nstates)
        return em_fail("%s: reset_states: argument 'states' expected %d tensors (%s), got %d", r->type, r->nstates,
                       r->nstates == 2 ? "h and c" : "h", n);
    for (int i = 0; i < n; i++) {
        char got[160];
        if (values[i].dtype != EM_FLOAT32)
            return em_fail("%s: reset_states: argument 'states' entry %d expected a float32 tensor, got %s", r->type,
                           i + 1, em_dtype_name(values[i].dtype));
        if (values[i].ndim != 2 || values[i].shape[0] != r->fixed_batch || values[i].shape[1] != r->cfg.units)
            return em_fail("%s: reset_states: argument 'states' entry %d expected shape {%lld,%lld} (batch, units), "
                           "got %s", r->type, i + 1, (long long)r->fixed_batch, (long long)r->cfg.units,
                           em_tensor_shape_str(&values[i], got, sizeof got));
    }
    return 0;
}

int em_rnn_check_states(const em_layer *l, int n, const em_tensor *values) {
    if (!em_rnn_layer_config(l)) return em_fail("%s: reset_states: not a recurrent layer", l->ops->type);
    return check_state_values(l->self, n, values);
}

int em_rnn_reset_states(em_layer *l, int n, const em_tensor *values) {
    if (!em_rnn_layer_config(l)) return em_fail("%s: reset_states: not a recurrent cell layer", l->ops->type);
    em_rnn *r = l->self;
    if (check_state_values(r, n, values)) return -1;
    for (int i = 0; i < r->nstates; i++) {
        if (n == 0) em_tensor_fill(&r->carried[i], 0.0);
        else if (em_tensor_copy(&r->carried[i], &values[i])) return -1;  /* checked: cannot fail */
    }
    return 0;
}

void em_rnn_mask_blend(const float *m, float *next, const float *prev, int64_t nb, int64_t U) {
    for (int64_t i = 0; i < nb; i++) {
        float keep = m[i], old = 1.0f - keep;
        float *n = next + i * U;
        const float *p = prev + i * U;
        for (int64_t j = 0; j < U; j++) n[j] = keep * n[j] + old * p[j];
    }
}

void em_rnn_mask_split(const float *m, float *d, float *carry, int64_t nb, int64_t U) {
    for (int64_t i = 0; i < nb; i++) {
        float keep = m[i], old = 1.0f - keep;
        float *dr = d + i * U, *c = carry + i * U;
        for (int64_t j = 0; j < U; j++) {
            c[j] = old * dr[j];
            dr[j] *= keep;
        }
    }
}

/* ---- backward ----------------------------------------------------------------- */

/* Checks dy, sizes the pass's buffers, transposes the recurrent kernel. */
static int prepare_backward(em_layer *l, em_rnn *r, const em_tensor *dy) {
    char want[160], got[160];
    int64_t B = r->batch, T = r->time, F = r->features, U = r->cfg.units;
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
    int64_t s_part[3] = {r->blocks, F + U + r->bias_rows, GU}, s_tbf[3] = {T, B, F}, s_btf[3] = {B, T, F};
    if (em_tensor_reuse(&r->dz, EM_FLOAT32, 3, s_dz, NULL) || em_tensor_reuse(&r->dh, EM_FLOAT32, 2, s_bu, NULL) ||
        em_tensor_reuse(&r->dh2, EM_FLOAT32, 2, s_bu, NULL) || em_tensor_reuse(&r->urec_t, EM_FLOAT32, 2, s_ut, NULL) ||
        em_tensor_reuse(&r->partials, EM_FLOAT32, 3, s_part, NULL) ||
        em_tensor_reuse(&r->dx_tm, EM_FLOAT32, 3, s_tbf, NULL) || em_tensor_reuse(&r->dx, EM_FLOAT32, 3, s_btf, NULL))
        return -1;
    int64_t s_carry[3] = {2, B, U};
    if (r->masked && em_tensor_reuse(&r->carry, EM_FLOAT32, 3, s_carry, NULL)) return -1;
    const float *u = em_f32(&l->params[EM_RNN_RECURRENT_KERNEL]);
    float *ut = em_f32(&r->urec_t);
    for (int64_t j = 0; j < U; j++)
        for (int64_t c = 0; c < GU; c++) ut[c * U + j] = u[j * GU + c];
    return 0;
}

void em_rnn_add_dy(const em_rnn *r, const em_rnn_block *k, const em_tensor *dy, int64_t s, float *dh) {
    int64_t U = r->cfg.units;
    const float *d = em_f32(dy);
    if (r->cfg.return_sequences) {
        int64_t sb = dy->strides[0], st = dy->strides[1], su = dy->strides[2];
        for (int64_t i = 0; i < k->nb; i++) {
            const float *row = d + (k->b0 + i) * sb + s * st;
            float *o = dh + i * U;
            for (int64_t j = 0; j < U; j++) o[j] += row[j * su];
        }
    } else if (s == r->time - 1) {
        int64_t sb = dy->strides[0], su = dy->strides[1];
        for (int64_t i = 0; i < k->nb; i++)
            for (int64_t j = 0; j < U; j++) dh[i * U + j] += d[(k->b0 + i) * sb + j * su];
    }
}

void em_rnn_colsum_add(float *out, const float *m, int64_t rows, int64_t n, int64_t ld) {
    for (int64_t i = 0; i < rows; i++) {
        const float *row = m + i * ld;
        for (int64_t j = 0; j < n; j++) out[j] += row[j];
    }
}

/* The block's kernel and input-bias partials from its dz. */
static void block_kernel_grads(em_layer *l, em_rnn *r, const em_rnn_block *k) {
    int64_t T = r->time, F = r->features, U = r->cfg.units, G = r->gates, GU = G * U, rows = T * k->nb;
    const float *dz = em_rnn_region(&r->dz, k, T, GU), *xt = em_rnn_region(&r->x_tm, k, T, F);
    float *dw = em_rnn_partial(r, k, EM_RNN_KERNEL);
    if (!r->in_masked) {
        em_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)F, (int)GU, (int)rows, 1.0f, xt, (int)F, dz,
                    (int)GU, 0.0f, dw, (int)GU);
    } else {
        float *xm = em_rnn_region(&r->scratch, k, T, max64(F, U));
        for (int64_t g = 0; g < G; g++) {
            apply_step_mask(xm, xt, em_rnn_mask(r, &r->in_mask, k, (int)g, F), T, k->nb, F);
            em_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)F, (int)U, (int)rows, 1.0f, xm, (int)F,
                        dz + g * U, (int)GU, 0.0f, dw + g * U, (int)GU);
        }
    }
    if (r->cfg.use_bias) em_rnn_colsum_add(em_rnn_partial(r, k, EM_RNN_BIAS), dz, rows, GU, GU);
}

/* dL/dx of the block's rows, back in (B, T, F) and the input's time order. */
static void block_input_grad(em_layer *l, em_rnn *r, const em_rnn_block *k) {
    int64_t T = r->time, F = r->features, U = r->cfg.units, G = r->gates, GU = G * U, nb = k->nb, rows = T * nb;
    const float *dz = em_rnn_region(&r->dz, k, T, GU), *w = em_f32(&l->params[EM_RNN_KERNEL]);
    float *dxt = em_rnn_region(&r->dx_tm, k, T, F);
    if (!r->in_masked) {
        em_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)F, (int)GU, 1.0f, dz, (int)GU, w,
                    (int)GU, 0.0f, dxt, (int)F);
    } else {
        float *tmp = em_rnn_region(&r->scratch, k, T, max64(F, U));
        memset(dxt, 0, sizeof(float) * (size_t)(rows * F));
        for (int64_t g = 0; g < G; g++) {
            em_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)F, (int)U, 1.0f, dz + g * U,
                        (int)GU, w + g * U, (int)GU, 0.0f, tmp, (int)F);
            const float *m = em_rnn_mask(r, &r->in_mask, k, (int)g, F);
            for (int64_t s = 0; s < T; s++)
                for (int64_t i = 0; i < nb * F; i++) dxt[s * nb * F + i] += tmp[s * nb * F + i] * m[i];
        }
    }
    float *out = em_f32(&r->dx);
    for (int64_t s = 0; s < T; s++) {
        int64_t t = r->cfg.go_backwards ? T - 1 - s : s;
        for (int64_t i = 0; i < nb; i++)
            memcpy(out + ((k->b0 + i) * T + t) * F, dxt + (s * nb + i) * F, sizeof(float) * (size_t)F);
    }
}

static void backward_blocks(void *p, int64_t lo, int64_t hi) {
    const pass *ps = p;
    em_layer *l = ps->l;
    em_rnn *r = l->self;
    int64_t U = r->cfg.units, GU = r->gates * U;
    for (int64_t i = lo; i < hi; i++) {
        em_rnn_block k = block_at(r, i);
        em_rnn_block_state_grad(r, &k, 0, em_f32(&r->dh) + k.b0 * U);
        if (l->trainable)  /* bias partials are sums: start them at 0 */
            memset(em_rnn_partial(r, &k, EM_RNN_BIAS), 0, sizeof(float) * (size_t)(r->bias_rows * GU));
        ps->cell->backward_block(l, &k, ps->in);
        if (l->trainable) block_kernel_grads(l, r, &k);
        block_input_grad(l, r, &k);
    }
}

/* grads += the blocks' partials, added in block order (the same bits
 * whichever threads computed them). */
static void add_partials(em_layer *l, em_rnn *r) {
    int64_t F = r->features, U = r->cfg.units, GU = r->gates * U;
    int targets = r->cfg.use_bias ? 3 : 2;
    int64_t rows[3] = {F, U, r->bias_rows};
    for (int p = 0; p < targets; p++) {
        float *g = em_f32(&l->grads[p]);
        int64_t n = rows[p] * GU;
        for (int64_t b = 0; b < r->blocks; b++) {
            em_rnn_block k = block_at(r, b);
            const float *part = em_rnn_partial(r, &k, p);
            for (int64_t j = 0; j < n; j++) g[j] += part[j];
        }
    }
}

int em_rnn_backward(em_layer *l, const em_rnn_cell_ops *cell, const em_tensor *dy, em_tensor *dx) {
    em_rnn *r = l->self;
    if (prepare_backward(l, r, dy)) return -1;
    int64_t s_bu[2] = {r->batch, r->cfg.units};
    for (int i = 0; r->init_given && i < r->nstates; i++)
        if (em_tensor_reuse(&r->dinit[i], EM_FLOAT32, 2, s_bu, NULL)) return -1;
    for (int i = 0; i < r->nstates; i++) {
        const em_tensor *d = &r->dstate_in[i];
        char got[160];
        if (d->storage && (d->dtype != EM_FLOAT32 || d->ndim != 2 || d->shape[0] != r->batch || d->shape[1] != r->cfg.units))
            return em_fail("%s: the gradient of returned state %d expected a float32 tensor of shape {%lld,%lld}, got "
                           "%s %s", r->type, i + 1, (long long)r->batch, (long long)r->cfg.units,
                           em_dtype_name(d->dtype), em_tensor_shape_str(d, got, sizeof got));
    }
    if (cell->prepare_backward && cell->prepare_backward(l)) return -1;
    pass ps = {l, cell, dy};
    run_blocks(r, backward_blocks, &ps);
    if (l->trainable) add_partials(l, r);
    em_tensor_view(dx, &r->dx);
    return 0;
}

