/* What SimpleRNN, LSTM and GRU share: the buffers, the split of a batch
 * into blocks of rows, the driver that runs the blocks on the engine's
 * threads, and the per-step GEMM helpers.  Only the cells include this.
 *
 * Blocks of rows.  The rows of a batch never interact in a recurrent layer:
 * row b's states depend on row b's inputs and the weights only.  So a batch
 * of B is cut into blocks of rows (em_rnn_block_rows: 16 rows for B = 128,
 * a function of B alone), and each block runs the whole sequence, forward or
 * backward, as an independent sub-batch: no synchronisation between threads
 * inside the time loop, one job per pass.  Block boundaries never depend on
 * the thread count, every block computes the same thing on whichever thread
 * runs it, and the blocks' weight-gradient partials are added in block
 * order: the same seed gives the same bits on 1, 2 or 16 threads.
 *
 * Layout.  Every per-step buffer (x_tm, zx, hs, dz, dx_tm and the cells'
 * own) is block-major: block k, of nb rows starting at row b0, owns the
 * contiguous region at steps * b0 * width, holding (steps, nb, width) with
 * step s in processing order (reversed for go_backwards).  So a block's
 * input projection, its kernel gradients and its dx are each one GEMM over
 * T*nb rows, and each step's recurrent GEMM reads nb contiguous rows.  The
 * (B, width) buffers (dh, dh2, step_tmp, the cells' running gradients) and
 * the dropout masks (G, B, width) hold block k's rows at b0 * width.
 *
 * Each block's GEMMs call OpenBLAS single-threaded (em_gemm_single_begin):
 * the threads are ours, one per block at a time.  Every buffer is sized
 * before a pass starts (em_tensor_reuse: steady state allocates nothing);
 * nothing is allocated inside the time loop or on a worker thread. */
#ifndef EMBER_RECURRENT_CELL_H
#define EMBER_RECURRENT_CELL_H

#include "recurrent.h"

enum { EM_RNN_KERNEL = 0, EM_RNN_RECURRENT_KERNEL = 1, EM_RNN_BIAS = 2 };

/* The state every cell starts with (cells embed it as their first member). */
typedef struct em_rnn {
    em_rnn_config cfg;
    const char *type;
    int gates;                  /* G: 1 SimpleRNN, 4 LSTM, 3 GRU */
    int bias_rows;              /* 2 for GRU reset_after (input + recurrent bias), else 1 */
    int64_t features;           /* F, as built */
    int64_t batch, time;        /* B, T of the last forward */
    int64_t block_rows, blocks; /* rows per block and blocks of the last forward */
    int in_masked, rec_masked;  /* dropout masks active in the last forward */
    int64_t predrawn_batch;     /* > 0: masks for this batch size already drawn */
    int predrawn_training;
    em_tensor x_tm;      /* (T, B, F) input in processing order, block-major */
    em_tensor in_mask;   /* (G, B, F) */
    em_tensor rec_mask;  /* (G, B, U) */
    em_tensor zx;        /* (T, B, G*U) x.W + b, then gate activations */
    em_tensor hs;        /* (T+1, B, U) states, step 0 = 0 */
    em_tensor dz;        /* (T, B, G*U) gradients of the gate pre-activations */
    em_tensor dh, dh2;   /* (B, U) running state gradients */
    em_tensor urec_t;    /* (G*U, U) recurrent kernel transposed: the per-step dh GEMMs run NN */
    em_tensor step_tmp;  /* (B, U) masked state for one gate / one GEMM result */
    em_tensor scratch;   /* (T*B*max(F, U)) masked operand copies */
    em_tensor dx_tm;     /* (T, B, F) */
    em_tensor partials;  /* (blocks, F + U + bias_rows, G*U) each block's weight gradients */
    em_tensor y, dx;     /* outputs handed back as views */
    /* Masking (see "Masks" below). */
    em_tensor mask_in;   /* (B, T) mask for the next forward (a view, set by em_rnn_set_mask), or empty */
    int masked;          /* the last forward honoured a mask */
    em_tensor smask;     /* (T, B) 0/1 per step and row in processing order, block-major */
    em_tensor carry;     /* (2, B, U) the running gradients that skip masked steps (h, then c) */
    /* States (recurrent.h, and "States" below).  Index 0 is h, 1 is c (LSTM). */
    int nstates;             /* 1, or 2 for LSTM */
    int64_t fixed_batch;     /* stateful: the batch size fixed at build */
    em_tensor init_in[2];    /* views: the next forward's initial states, or empty */
    em_tensor dstate_in[2];  /* views: the next backward's gradients of the final states, or empty */
    em_tensor carried[2];    /* stateful: (B, U) where the next batch starts */
    em_tensor final[2];      /* return_state: (B, U) the last forward's final states, handed out as views */
    em_tensor dinit[2];      /* (B, U) gradients of the given initial states, handed out as views */
    em_tensor dy_zero;       /* a zero output gradient, when only the states get one */
    int init_given;          /* the last forward started from init_in: backward fills dinit */
    int init_live;           /* its initial states may be nonzero: step 0 runs the recurrent product */
} em_rnn;

/* One block of rows of the current batch. */
typedef struct em_rnn_block {
    int64_t index, b0, nb;  /* block number, first row, rows */
} em_rnn_block;

/* What a cell adds to the shared passes.  The prepare hooks size the cell's
 * own buffers (serially, before the blocks run) and may be NULL; the block
 * hooks run one block's time loop and must not fail or allocate. */
typedef struct em_rnn_cell_ops {
    int (*prepare_forward)(em_layer *l);
    /* zx holds the block's input projections (+ input bias): run the steps,
     * leaving the states in hs */
    void (*forward_block)(em_layer *l, const em_rnn_block *k);
    int (*prepare_backward)(em_layer *l);
    /* dz for every step of the block (dy added with em_rnn_add_dy), and,
     * when the layer is trainable, the block's recurrent-kernel gradient
     * (and recurrent bias for GRU reset_after) into its partials */
    void (*backward_block)(em_layer *l, const em_rnn_block *k, const em_tensor *dy);
} em_rnn_cell_ops;

/* A new cell layer: checks c against the cell's options, allocates the
 * cell's state (self_size bytes, zeroed, an em_rnn first) and fills the
 * common part. */
em_layer *em_rnn_layer_new(const em_layer_ops *ops, size_t self_size, int gates, int bias_rows,
                           const em_option *options, const em_rnn_config *c);
void em_rnn_release(em_rnn *r);

/* Build: checks a rank-3 input with known features, adds kernel,
 * recurrent_kernel and (if use_bias) bias of bias_rows x G*U (stored flat as
 * a 1-D param when 1) and initialises them as Keras does. */
int em_rnn_build(em_layer *l, int ndim, const int64_t *in, int *out_ndim, int64_t *out);

/* The whole forward / backward pass of a cell layer (l->self an em_rnn
 * first), blocks on the engine's threads. */
int em_rnn_forward(em_layer *l, const em_rnn_cell_ops *cell, const em_tensor *x, int training, em_tensor *y);
int em_rnn_backward(em_layer *l, const em_rnn_cell_ops *cell, const em_tensor *dy, em_tensor *dx);

/* Rows per block for a batch of B: a function of B alone. */
int64_t em_rnn_block_rows(int64_t batch);

/* Block k's region of a block-major buffer of `steps` steps of `width`. */
static inline float *em_rnn_region(const em_tensor *t, const em_rnn_block *k, int64_t steps, int64_t width) {
    return em_f32(t) + steps * k->b0 * width;
}

/* Block k's rows of gate g's dropout mask (rows of width F or U). */
static inline const float *em_rnn_mask(const em_rnn *r, const em_tensor *mask, const em_rnn_block *k, int g,
                                       int64_t width) {
    return em_f32(mask) + (g * r->batch + k->b0) * width;
}

/* Block k's gradient partials: rows 0..F-1 kernel, F..F+U-1 recurrent
 * kernel, then bias_rows bias rows, each G*U wide. */
float *em_rnn_partial(const em_rnn *r, const em_rnn_block *k, int param);

/* dh (block rows) += dL/dy at processing step s (all of dy's step, or only
 * the last). */
void em_rnn_add_dy(const em_rnn *r, const em_rnn_block *k, const em_tensor *dy, int64_t s, float *dh);

/* out[:, j*U..] = beta*out + (h * mask_g) @ Urec[:, g*U..], g = g0+j, for
 * gates g0..g1-1 over the block's nb rows (one GEMM without recurrent
 * dropout).  ldo: out's row stride. */
void em_rnn_recurrent_gemm(em_rnn *r, const em_rnn_block *k, const float *urec, const float *h, int g0, int g1,
                           float *out, int64_t ldo, float beta);

/* dh = beta*dh + sum_g (dr[:, j*U..] @ Urec[:, g*U..]^T) * mask_g over the
 * block's rows, with Urec^T from urec_t. */
void em_rnn_recurrent_dh(em_rnn *r, const em_rnn_block *k, const float *dr, int64_t ldr, int g0, int g1, float *dh,
                         float beta);

/* The block's recurrent-kernel partial, columns of gates g0..g1-1:
 * (H * mask_g)^T @ dr[:, j*U..] over the block's T*nb rows, where H is
 * (T*nb, U); masked = 0 when H already carries its mask. */
void em_rnn_recurrent_kernel_grad(em_rnn *r, const em_rnn_block *k, const float *h, const float *dr, int64_t ldr,
                                  int g0, int g1, int masked);

/* Masks (Keras 2.2's K.rnn).  A masked step keeps the previous states and
 * outputs the previous output: each cell computes the step for every row,
 * then blends state = m*new + (1-m)*old with the row's 0/1 mask m (one
 * multiply-add per element, no per-row branch).  Backward splits each
 * running state gradient d into m*d (what flows through the step's
 * update) and (1-m)*d (the carry, straight to the previous state), so a
 * masked step's gates get no gradient and its input a zero one.  Without
 * a mask em_rnn_step_mask is NULL and the cells skip all of it. */

/* Block k's 0/1 mask of processing step s (nb floats), NULL without a mask. */
static inline const float *em_rnn_step_mask(const em_rnn *r, const em_rnn_block *k, int64_t s) {
    return r->masked ? em_f32(&r->smask) + r->time * k->b0 + s * k->nb : NULL;
}

/* next (nb, U) = m*next + (1-m)*prev, row by row. */
void em_rnn_mask_blend(const float *m, float *next, const float *prev, int64_t nb, int64_t U);

/* carry (nb, U) = (1-m)*d, then d *= m. */
void em_rnn_mask_split(const float *m, float *d, float *carry, int64_t nb, int64_t U);

/* Block k's rows of the carry buffer for the state of index which (0 h, 1 c). */
static inline float *em_rnn_carry(const em_rnn *r, const em_rnn_block *k, int which) {
    return em_f32(&r->carry) + (which * r->batch + k->b0) * r->cfg.units;
}

/* The call hook of the cells (layer.h): honours the io's mask and hands it
 * on with return_sequences (Keras: the output mask is the input mask). */
int em_rnn_call(em_layer *l, const em_layer_io *in, int training, em_layer_io *out);

/* States.  Each block reads its rows of the initial states when it starts
 * and writes its rows of the final states when it ends, so a stateful
 * layer's rows follow the rows exactly whatever the threads (a block reads
 * and writes only its own rows).  Without initial states (init_live 0)
 * step 0 skips its recurrent product, as h is 0 there. */

/* dst (nb, U) = block k's rows of the initial state `which`: the given one,
 * else the carried one (stateful), else 0. */
void em_rnn_block_initial_state(const em_rnn *r, const em_rnn_block *k, int which, float *dst);

/* Block k's rows of the final state `which` (src, nb x U) into final[which]
 * (return_state) and carried[which] (stateful). */
void em_rnn_block_final_state(em_rnn *r, const em_rnn_block *k, int which, const float *src);

/* dst (nb, U) = block k's rows of the gradient reaching final state `which`
 * (0 when none was given). */
void em_rnn_block_state_grad(const em_rnn *r, const em_rnn_block *k, int which, float *dst);

/* Block k's rows of dL/d(initial state `which`) (src, nb x U) into dinit,
 * when the forward got initial states. */
void em_rnn_block_initial_grad(em_rnn *r, const em_rnn_block *k, int which, const float *src);

/* The cells' call_backward hook (layer.h). */
int em_rnn_call_backward(em_layer *l, const em_layer_io *dout, em_layer_io *din);

/* Column sums of m (rows x n, row stride ld) added into out. */
void em_rnn_colsum_add(float *out, const float *m, int64_t rows, int64_t n, int64_t ld);

#endif
