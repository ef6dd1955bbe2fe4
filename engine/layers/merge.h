/* The merge layers of Keras 2.2.4 (keras/layers/merge.py): Add, Multiply,
 * Average and Concatenate, each called on a list of 2 to EM_LAYER_MAX_IO
 * tensors through em_layer_call (layer.h) and giving one tensor.
 *   Add, Multiply, Average  the inputs must have one shape (batch
 *               included); out = x1 + x2 + ..., x1 * x2 * ..., the mean.
 *               (Keras also broadcasts dims of size 1; Ember refuses them
 *               with the shapes in the message.)
 *   Concatenate joins along `axis` (-1: the last; negative counts from
 *               the end; never the batch axis); every other dim must agree.
 * Their weights: none.  A mask is refused by node assembly when the
 * inputs' masks differ (engine/train/model.c); one mask shared by every
 * input passes on, as Keras's merge layers hand on the inputs' mask. */
#ifndef EMBER_MERGE_H
#define EMBER_MERGE_H

#include "layer.h"
#include "options.h"

typedef enum { EM_MERGE_ADD, EM_MERGE_MULTIPLY, EM_MERGE_AVERAGE, EM_MERGE_CONCATENATE } em_merge_kind;

typedef struct { int64_t axis; } em_concatenate_config;
extern const em_option em_concatenate_options[];

em_layer *em_merge_new(em_merge_kind kind);
em_layer *em_concatenate_new(int64_t axis);

/* Build on n input shapes (batch dim included, -1 unknown): checks them as
 * Keras's build does and sets the output shape (out_ndim, out_shape).  A
 * built layer checks new shapes against the ones it was built on. */
int em_merge_build(em_layer *l, int n, const int *ndims, const int64_t (*shapes)[EM_MAX_DIMS]);

#endif
