/* The core Keras layers: Dense, Embedding, Flatten, Dropout, Activation.
 * Each constructor takes an already validated config (the bindings check
 * options and report them by name) and returns an unbuilt em_layer, or NULL
 * with em_fail() called.  Behaviour follows Keras 2:
 *   Dense       kernel (in, units) applied to the LAST axis of an input of
 *               rank >= 2 (rows = product of the other dims, one GEMM);
 *               glorot_uniform kernel, zero bias.
 *   Embedding   int32 (or integral float32) ids of any rank >= 2, each in
 *               [0, input_dim); embeddings U(-0.05, 0.05).  Backward is
 *               O(batch * length * output_dim): it scatter-adds into the
 *               rows that were looked up and touches no other row.
 *   Flatten     (batch, d1, d2, ...) -> (batch, d1*d2*...), a view when it can.
 *   Dropout     inverted dropout while training (keep with prob 1 - rate,
 *               scale by 1 / (1 - rate)), mask from the seeded RNG; identity
 *               at inference.
 *   Activation  any em_activation, softmax over the last axis. */
#ifndef EMBER_CORE_LAYERS_H
#define EMBER_CORE_LAYERS_H

#include "../ops/activations.h"
#include "layer.h"
#include "options.h"

/* The layers' options, declared once (options.h): the bindings read Lua
 * options tables into these configs through the tables. */
typedef struct { int64_t units; em_activation activation; int use_bias; } em_dense_config;
typedef struct { int64_t input_dim, output_dim, input_length; int mask_zero; } em_embedding_config;
typedef struct { double rate; } em_dropout_config;
typedef struct { em_activation activation; } em_activation_config;
extern const em_option em_dense_options[], em_embedding_options[], em_dropout_options[], em_activation_options[];

em_layer *em_dense_new(int64_t units, em_activation activation, int use_bias);
/* input_length 0: not given. */
em_layer *em_embedding_new(int64_t input_dim, int64_t output_dim, int64_t input_length);
/* The same from a whole config: with mask_zero the layer's em_layer_call
 * output carries the mask ids != 0 (input of rank 2 only). */
em_layer *em_embedding_from_config(const em_embedding_config *c);
em_layer *em_flatten_new(void);
em_layer *em_dropout_new(double rate);
em_layer *em_activation_layer_new(em_activation activation);

/* Shared by the core layers: *out points at t itself when t is contiguous,
 * else at buf after copying t into it (buf reused across calls). */
int em_layer_contiguous(const em_tensor *t, em_tensor *buf, const em_tensor **out);

/* Row count when the last axis is the feature axis: numel / shape[last]. */
int64_t em_layer_rows(const em_tensor *t);

#endif
