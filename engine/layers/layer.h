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
 * The forward-result contract (em_layer_forward / em_layer_backward check
 * it for every layer): backward differentiates the LAST forward, which must
 * have run in training mode and succeeded, and dy must have exactly that
 * forward's output shape (batch included).  So a forward's result is valid
 * until the next forward; a custom loop that evaluates between a training
 * forward and its backward (a validation predict) gets an error, not the
 * gradient of the wrong batch.
 *
 * Calls with several tensors and masks.  What flows between layers is an
 * em_layer_io: up to EM_LAYER_MAX_IO tensors (several inputs for a merge
 * layer, several outputs for a recurrent layer returning its states) and
 * an optional mask, a (batch, time) float32 tensor of 1 (a real step) and
 * 0 (padding).  em_layer_call / em_layer_call_backward are the entry points
 * graph models and Sequential use:
 *   - a layer with call / call_backward hooks receives the io as it is;
 *   - any other layer is one tensor in, one tensor out, through forward and
 *     backward above; its ops flags say what it does with a mask:
 *     EM_LAYER_PASSES_MASK (its output keeps the input's timesteps: Dense,
 *     Dropout, Activation) hands it on unchanged, and a layer without it
 *     refuses a mask with an error naming it (Flatten, Conv1D: Keras's
 *     supports_masking = False).  EM_LAYER_TAKES_MASK marks a layer whose
 *     call hook honours a mask itself.
 *
 * Which layers are recurrent is the ops' EM_LAYER_RECURRENT flag, not the type name:
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

#define EM_LAYER_MAX_IO 8  /* Bidirectional(LSTM): x and 4 initial states in, y and 4 states out */

typedef struct em_layer em_layer;
struct em_layer_controls;  /* controls.h */

/* The tensors of one call (views the holder releases) and their mask. */
typedef struct em_layer_io {
    int n;
    em_tensor t[EM_LAYER_MAX_IO];
    em_tensor mask;  /* (batch, time) of 0/1, or empty (storage NULL): no mask */
} em_layer_io;

enum {
    EM_LAYER_RECURRENT = 1u << 0,    /* self is an em_rnn (see above) */
    EM_LAYER_PASSES_MASK = 1u << 1,  /* one tensor in and out, same timesteps: the mask goes on unchanged */
    EM_LAYER_TAKES_MASK = 1u << 2,   /* its call hook honours a mask */
};

typedef struct em_layer_ops {
    const char *type; /* Keras class name: "Dense", "LSTM"... */
    int (*build)(em_layer *l, int ndim, const int64_t *in_shape, int *out_ndim, int64_t *out_shape);
    int (*forward)(em_layer *l, const em_tensor *x, int training, em_tensor *y);
    int (*backward)(em_layer *l, const em_tensor *dy, em_tensor *dx);
    void (*destroy)(em_layer *l); /* may be NULL */
    unsigned flags;               /* EM_LAYER_* */
    /* Optional, for several tensors or masks (NULL: forward/backward above). */
    int (*call)(em_layer *l, const em_layer_io *in, int training, em_layer_io *out);
    int (*call_backward)(em_layer *l, const em_layer_io *dout, em_layer_io *din);
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
    /* 1: a non-trainable weight (Keras's trainable=False: BatchNormalization's
     * moving statistics), changed only by the layer's own forward; optimizers
     * never see it and its gradient stays 0.  0 (the default): trainable. */
    unsigned char param_nontrainable[EM_MAX_PARAMS];
    int in_ndim, out_ndim;
    int64_t in_shape[EM_MAX_DIMS], out_shape[EM_MAX_DIMS];  /* as built, -1 = unknown */
    /* What backward will differentiate: the last successful forward (see
     * em_layer_backward).  last_mode 0: none (or it failed), 1: inference,
     * 2: training; last_out: that forward's output shape, batch included. */
    int last_mode, last_ndim;
    int64_t last_out[EM_MAX_DIMS];
    /* Initializers and regularizers chosen as layer options (controls.h);
     * NULL when none, so a plain layer costs nothing. */
    struct em_layer_controls *controls;
};

/* Allocate a layer shell with these ops and state; trainable by default. */
em_layer *em_layer_new(const em_layer_ops *ops, void *self);

/* Build (once); records in/out shapes.  Building again with a compatible
 * shape is a no-op; a different feature size is an error naming the layer. */
int em_layer_build(em_layer *l, int ndim, const int64_t *in_shape);

/* Checked calls: verify built, rank and known dims against the built shape. */
int em_layer_forward(em_layer *l, const em_tensor *x, int training, em_tensor *y);
int em_layer_backward(em_layer *l, const em_tensor *dy, em_tensor *dx);

/* The io entry points (see "Calls with several tensors and masks"): out
 * and din receive views the caller releases with em_layer_io_release. */
int em_layer_call(em_layer *l, const em_layer_io *in, int training, em_layer_io *out);
int em_layer_call_backward(em_layer *l, const em_layer_io *dout, em_layer_io *din);
void em_layer_io_release(em_layer_io *io);

/* Add a parameter of this shape (zero-filled) with a zeroed gradient. */
int em_layer_add_param(em_layer *l, const char *name, int ndim, const int64_t *shape);

void em_layer_zero_grads(em_layer *l);
void em_layer_free(em_layer *l);

/* The two controls hooks of the layer's life (defined in controls.c, where
 * struct em_layer_controls lives): em_layer_build draws the parameters that
 * have a chosen initializer again; em_layer_free frees the controls. */
int em_layer_apply_initializers(em_layer *l);
void em_layer_controls_free(struct em_layer_controls *c);

#endif
