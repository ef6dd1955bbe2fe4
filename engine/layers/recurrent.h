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

/* Blocks of batch rows a recurrent layer splits a batch of B into (the
 * unit of parallel work; depends on B only, see recurrent_cell.h). */
int64_t em_rnn_block_count(int64_t batch);

#endif
