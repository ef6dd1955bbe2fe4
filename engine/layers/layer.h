/* The layer protocol every engine layer implements.
 *
 * Life of a layer:
 *   1. Created by its constructor (em_dense_new(...), em_lstm_new(...)) from a
 *      validated config; not built yet.
 *   2. build(input shape incl. batch dim, -1 for an unknown dim) checks the
 *      shape, computes the output shape and allocates the parameters with
 *      Keras's initializers (drawing from em_rand_*).
 *   3. forward(x, training, &y): computes y into a layer-owned buffer and sets
 *      *y to a view of it (the caller releases the view).  Keeps in the layer
 *      whatever backward needs.  The buffer is reused by the next forward
 *      (em_tensor_reuse): a view still held then sees the new output.
 *   4. backward(dy, &dx): given dL/dy for the last forward, ADDS parameter
 *      gradients into grads[] and sets *dx to a view of dL/dx (layer-owned
 *      buffer).  Layers whose input is not differentiable (Embedding) set *dx
 *      to an empty tensor.
 *   5. destroy() frees the layer's own state; em_layer_free() does the rest.
 *
 * Which layers are recurrent is the ops' `recurrent` flag, not the type name:
 * 1 for the layers made by em_rnn_layer_new (SimpleRNN, LSTM, GRU: their
 * self is an em_rnn, recurrent_cell.h), which em_rnn_layer_config reads and
 * Bidirectional wraps; 0 for every other layer (Bidirectional included).  A
 * new recurrent layer sets it in its ops; no C code compares type names.
 *
 * Parameters are listed in Keras's get_weights() order with Keras names and
 * shapes, so weights exchange with Keras directly.  All hooks return 0 or -1
 * with em_fail() called; on failure nothing the caller sees has changed. */
#ifndef EMBER_LAYER_H
#define EMBER_LAYER_H

#include "../core/tensor.h"

#define EM_MAX_PARAMS 8

typedef struct em_layer em_layer;

typedef struct em_layer_ops {
    const char *type; /* Keras class name: "Dense", "LSTM"... */
    int (*build)(em_layer *l, int ndim, const int64_t *in_shape, int *out_ndim, int64_t *out_shape);
    int (*forward)(em_layer *l, const em_tensor *x, int training, em_tensor *y);
    int (*backward)(em_layer *l, const em_tensor *dy, em_tensor *dx);
    void (*destroy)(em_layer *l); /* may be NULL */
    int recurrent;                /* 1: self is an em_rnn (see above) */
} em_layer_ops;

struct em_layer {
    const em_layer_ops *ops;
    void *self;  /* the layer type's own state */
    int built;
    int trainable;  /* 0: backward still returns dx but adds no gradients */
    int no_input_grad;  /* 1: the caller will not use dx (first layer of a model); a layer
                           may then skip computing it and set *dx empty.  0 by default. */
    int nparams;
    em_tensor params[EM_MAX_PARAMS];
    em_tensor grads[EM_MAX_PARAMS];   /* same shapes as params */
    const char *param_names[EM_MAX_PARAMS];  /* "kernel", "recurrent_kernel", "bias", "embeddings" */
    int in_ndim, out_ndim;
    int64_t in_shape[EM_MAX_DIMS], out_shape[EM_MAX_DIMS];  /* as built, -1 = unknown */
};

/* Allocate a layer shell with these ops and state; trainable by default. */
em_layer *em_layer_new(const em_layer_ops *ops, void *self);

/* Build (once); records in/out shapes.  Building again with a compatible
 * shape is a no-op; a different feature size is an error naming the layer. */
int em_layer_build(em_layer *l, int ndim, const int64_t *in_shape);

/* Checked calls: verify built, rank and known dims against the built shape. */
int em_layer_forward(em_layer *l, const em_tensor *x, int training, em_tensor *y);
int em_layer_backward(em_layer *l, const em_tensor *dy, em_tensor *dx);

/* Add a parameter of this shape (zero-filled) with a zeroed gradient. */
int em_layer_add_param(em_layer *l, const char *name, int ndim, const int64_t *shape);

void em_layer_zero_grads(em_layer *l);
void em_layer_free(em_layer *l);

#endif
