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
 * The cells' shared machinery (buffers, blocks of rows, threads) is in
 * recurrent_cell.h, which only the cell implementations include. */
#ifndef EMBER_RECURRENT_H
#define EMBER_RECURRENT_H

#include "../ops/activations.h"
#include "layer.h"
#include "options.h"

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
    int unroll;                          /* Keras's unroll: accepted, no effect */
    int stateful;                        /* each batch starts from the last batch's final states (row i from row i) */
    int return_state;                    /* the io call also returns the final states (h, and c for LSTM) */
} em_rnn_config;

/* Each cell's options, declared once (options.h): names, defaults, ranges.
 * The bindings read a Lua options table through them; em_*_new checks a
 * config against them. */
extern const em_option em_simple_rnn_options[], em_lstm_options[], em_gru_options[];

em_layer *em_simple_rnn_new(const em_rnn_config *c);
em_layer *em_lstm_new(const em_rnn_config *c);
em_layer *em_gru_new(const em_rnn_config *c);

typedef enum { EM_MERGE_CONCAT = 0, EM_MERGE_SUM, EM_MERGE_MUL, EM_MERGE_AVE } em_merge_mode;
extern const char *const em_merge_mode_names[];  /* NULL-terminated, in enum order (the binding's choice list) */

/* Wrap two recurrent layers of the same config, the second with
 * go_backwards flipped.  On success the wrapper owns them (em_layer_free of
 * the wrapper frees them; the caller must not); on failure the caller
 * still does.  Its params/grads are views of forward's then backward's. */
em_layer *em_bidirectional_new(em_layer *forward, em_layer *backward, em_merge_mode mode);

/* The config of a layer made by one of the constructors above (NULL for any
 * other layer), so Bidirectional can check what it wraps. */
const em_rnn_config *em_rnn_layer_config(const em_layer *l);

/* Draw the dropout masks of the next forward now (batch size B), so that
 * layers run on several threads still draw from the one RNG in a fixed
 * order.  l must be a built SimpleRNN, LSTM or GRU. */
int em_rnn_predraw_masks(em_layer *l, int64_t batch, int training);

/* The mask the NEXT forward of l (a SimpleRNN, LSTM or GRU) honours: a
 * (batch, time) float32 tensor, nonzero = a real step (Keras 2.2: a masked
 * step keeps the previous state and repeats the previous output); NULL or
 * an empty tensor: none.  l keeps a view until em_rnn_set_mask(l, NULL);
 * Bidirectional sets it on both halves (the go_backwards half reads it
 * reversed, as its input). */
int em_rnn_set_mask(em_layer *l, const em_tensor *mask);

/* ---- states (Keras 2.2's return_state, initial_state, stateful) ----------
 *
 * A cell has 1 state (h) or 2 (LSTM: h, c), each (batch, units).  Through
 * the io protocol (layer.h) its call takes the input then, optionally, one
 * tensor per state (initial_state) and returns the output then, with
 * return_state, the final states; call_backward takes the output's
 * gradient then, optionally, one per returned state (an empty tensor: no
 * gradient, also accepted for the output itself) and returns dx then, when
 * the forward got initial states, their gradients.  Bidirectional does the
 * same with the forward half's states then the backward half's (Keras).
 *
 * stateful: the layer keeps its final states and the next forward starts
 * from them, row i from row i (given initial states win, as in Keras); the
 * batch size is fixed when the layer is built (an unknown batch dimension
 * is an error) and every batch must have it.  Nothing is differentiated
 * across batches (truncated BPTT, as Keras).  The states change only at a
 * forward and at em_rnn_reset_states. */

/* How many states a cell has: 1, or 2 for LSTM; 0 for any other layer. */
int em_rnn_state_count(const em_layer *l);

/* Set the states of a stateful cell: n = 0 sets them to 0, else n must be
 * the state count and each value a float32 (batch, units) tensor;
 * everything is checked before anything changes.  Fails when the layer is
 * not a stateful cell or not built. */
int em_rnn_reset_states(em_layer *l, int n, const em_tensor *values);

/* The checks of em_rnn_reset_states alone, changing nothing (a cell). */
int em_rnn_check_states(const em_layer *l, int n, const em_tensor *values);

/* The two above for Bidirectional (both halves' states, the forward
 * half's first; 0 / an error for any other layer). */
int em_bidirectional_state_count(const em_layer *l);
int em_bidirectional_reset_states(em_layer *l, int n, const em_tensor *values);

/* Blocks of batch rows a recurrent layer splits a batch of B into (the
 * unit of parallel work; depends on B only, see recurrent_cell.h). */
int64_t em_rnn_block_count(int64_t batch);

#endif
