/* Recurrent layers (SimpleRNN, LSTM, GRU, Bidirectional) and what the three
 * cells share.
 *
 * Semantics are Keras 2's (implementation=1): weights kernel (features,
 * G*units), recurrent_kernel (units, G*units), bias (G*units) — GRU with
 * reset_after: (2, 3*units), input bias then recurrent bias — with gates in
 * Keras order (LSTM i, f, c, o; GRU z, r, h).  Dropout follows Gal &
 * Ghahramani as Keras does it: one mask per gate, drawn once per batch and
 * reused at every timestep, scaled by 1/(1-p), only in training.
 *
 * Speed layout (see recurrent.c): inputs are copied time-major (T, B, F) in
 * processing order (reversed for go_backwards), all timesteps are projected
 * by one GEMM (T*B x F by F x G*U), then each step does one recurrent GEMM
 * (B x U by U x G*U) and a fused elementwise gate kernel.  Backward runs the
 * same loop in reverse with one GEMM per step for dh, and the kernel,
 * recurrent-kernel and input gradients are each one big GEMM at the end.
 * Every buffer is sized at the start of forward/backward: nothing is
 * allocated inside the time loop.  All buffers, private ones and the
 * outputs y, dx handed out as views, are sized with em_tensor_reuse, so
 * steady state allocates nothing even while callers hold old views; the
 * self-feeding guard is not needed (input NULL) because x and dy are fully
 * consumed (copied time-major / added into dh) before y or dx is written. */
#ifndef EMBER_RECURRENT_H
#define EMBER_RECURRENT_H

#include "activations.h"
#include "layer.h"

/* ---- public constructors ------------------------------------------------ */

typedef struct em_rnn_config {
    int64_t units;
    em_activation activation;            /* tanh */
    em_activation recurrent_activation;  /* sigmoid (LSTM, GRU) */
    int return_sequences, go_backwards;
    double dropout, recurrent_dropout;   /* each in [0, 1) */
    int use_bias;                        /* 1 */
    int unit_forget_bias;                /* LSTM: forget-gate bias starts at 1 */
    int reset_after;                     /* GRU: cuDNN/PyTorch variant */
} em_rnn_config;

/* Keras defaults with units = 0 (the caller sets units). */
void em_rnn_config_default(em_rnn_config *c);

/* Checks units > 0, dropouts in [0, 1), activations not softmax. */
int em_rnn_config_check(const char *who, const em_rnn_config *c);

em_layer *em_simple_rnn_new(const em_rnn_config *c);
em_layer *em_lstm_new(const em_rnn_config *c);
em_layer *em_gru_new(const em_rnn_config *c);

typedef enum { EM_MERGE_CONCAT = 0, EM_MERGE_SUM, EM_MERGE_MUL, EM_MERGE_AVE } em_merge_mode;
extern const char *const em_merge_mode_names[];  /* NULL-terminated, in enum order (the binding's choice list) */

/* Wrap two recurrent layers of the same config, the second with
 * go_backwards flipped.  The wrapper does NOT own them (the caller keeps
 * them alive longer than the wrapper); its params/grads are views of
 * forward's then backward's. */
em_layer *em_bidirectional_new(em_layer *forward, em_layer *backward, em_merge_mode mode);

/* The config of a layer made by one of the constructors above (NULL for any
 * other layer), so Bidirectional can check what it wraps. */
const em_rnn_config *em_rnn_layer_config(const em_layer *l);

/* ---- shared by the cell implementations ---------------------------------- */

enum { EM_RNN_KERNEL = 0, EM_RNN_RECURRENT_KERNEL = 1, EM_RNN_BIAS = 2 };

/* The state every cell starts with (cells embed it as their first member). */
typedef struct em_rnn {
    em_rnn_config cfg;
    const char *type;
    int gates;                  /* G: 1 SimpleRNN, 4 LSTM, 3 GRU */
    int64_t features;           /* F, as built */
    int64_t batch, time;        /* B, T of the last forward */
    int in_masked, rec_masked;  /* dropout masks active in the last forward */
    int64_t predrawn_batch;     /* > 0: masks for this batch size already drawn */
    int predrawn_training;
    em_tensor x_tm;      /* (T, B, F) input in processing order */
    em_tensor in_mask;   /* (G, B, F) */
    em_tensor rec_mask;  /* (G, B, U) */
    em_tensor zx;        /* (T, B, G*U) x.W + b, then gate activations */
    em_tensor hs;        /* (T+1, B, U) states, hs[0] = 0 */
    em_tensor dz;        /* (T, B, G*U) gradients of the gate pre-activations */
    em_tensor dh, dh2;   /* (B, U) running state gradients */
    em_tensor urec_t;    /* (G*U, U) recurrent kernel transposed: the per-step dh GEMMs run NN */
    em_tensor step_tmp;  /* (B, U) masked state for one gate / one GEMM result */
    em_tensor scratch;   /* (T*B*max(F, U)) masked operand copies */
    em_tensor dx_tm;     /* (T, B, F) */
    em_tensor y, dx;     /* outputs handed back as views */
} em_rnn;

/* Draw the dropout masks of the next forward now (batch size B), so that
 * layers run on several threads still draw from the one RNG in a fixed
 * order.  l must be a built SimpleRNN, LSTM or GRU. */
int em_rnn_predraw_masks(em_layer *l, int64_t batch, int training);

/* A new cell layer: checks c, allocates the cell's state (self_size bytes,
 * zeroed, an em_rnn first) and fills the common part; gates per cell type,
 * the type name from ops. */
em_layer *em_rnn_layer_new(const em_layer_ops *ops, size_t self_size, int gates, const em_rnn_config *c);
void em_rnn_release(em_rnn *r);

/* Build: checks a rank-3 input with known features, adds kernel,
 * recurrent_kernel and (if use_bias) bias of bias_rows x G*U (bias_rows 2
 * for GRU reset_after, stored flat as a 1-D param when 1) and initialises
 * them as Keras does. */
int em_rnn_build(em_layer *l, em_rnn *r, int bias_rows, int ndim, const int64_t *in, int *out_ndim,
                 int64_t *out);

/* Forward prologue: checks x, sizes the shared buffers, draws the masks,
 * copies x time-major and fills zx with the input projections + input bias. */
int em_rnn_begin_forward(em_layer *l, em_rnn *r, const em_tensor *x, int training);

/* Forward epilogue: y from hs (all steps or the last), *y a view of it. */
int em_rnn_finish_forward(em_rnn *r, em_tensor *y);

/* Backward prologue: checks dy, sizes dz, dh, dh2, zeroes dh, transposes
 * the recurrent kernel into urec_t. */
int em_rnn_begin_backward(em_layer *l, em_rnn *r, const em_tensor *dy);

/* dh += dL/dy at processing step s (all of dy's step, or only the last). */
void em_rnn_add_dy(const em_rnn *r, const em_tensor *dy, int64_t s, float *dh);

/* out[:, k*U..] = beta*out + (h * mask_g) @ Urec[:, g*U..], g = g0+k, for
 * gates g0..g1-1 (one GEMM without recurrent dropout).  ldo: out's row
 * stride. */
void em_rnn_recurrent_gemm(em_rnn *r, const float *urec, const float *h, int g0, int g1, float *out,
                           int64_t ldo, float beta);

/* dh = beta*dh + sum_g (dr[:, k*U..] @ Urec[:, g*U..]^T) * mask_g, with
 * Urec^T from urec_t (set up by em_rnn_begin_backward). */
void em_rnn_recurrent_dh(em_rnn *r, const float *dr, int64_t ldr, int g0, int g1, float *dh, float beta);

/* dUrec[:, g*U..] += (H * mask_g)^T @ dr[:, k*U..] over all T*B rows, where
 * H is (T*B, U); masked = 0 when H already carries its mask. */
void em_rnn_recurrent_kernel_grad(em_rnn *r, float *durec, const float *h, const float *dr, int64_t ldr,
                                  int g0, int g1, int masked);

/* From dz (T, B, G*U): kernel and input-bias gradients (if trainable) and
 * dx (B, T, F) in the input's time order; *dx a view of it. */
int em_rnn_finish_backward(em_layer *l, em_rnn *r, em_tensor *dx);

/* Column sums of m (rows x n, row stride ld) added into out. */
void em_rnn_colsum_add(float *out, const float *m, int64_t rows, int64_t n, int64_t ld);

/* Run OpenBLAS single-threaded for a whole forward or backward pass (see
 * recurrent.c for the measurements); returns the previous thread count for
 * em_rnn_threads_end. */
int em_rnn_threads_begin(void);
void em_rnn_threads_end(int previous);

/* A cell's forward / backward pass run between em_rnn_threads_begin and
 * em_rnn_threads_end: the cells' ops call their bodies through these. */
int em_rnn_forward_single_threaded(int (*body)(em_layer *, const em_tensor *, int, em_tensor *), em_layer *l,
                                   const em_tensor *x, int training, em_tensor *y);
int em_rnn_backward_single_threaded(int (*body)(em_layer *, const em_tensor *, em_tensor *), em_layer *l,
                                    const em_tensor *dy, em_tensor *dx);

#endif
