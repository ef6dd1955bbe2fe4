/* One-hot encoding of class ids (Keras's to_categorical): labels are
 * 0-based class ids, as Keras's sparse targets. */
#ifndef EMBER_CATEGORICAL_H
#define EMBER_CATEGORICAL_H

#include "../core/tensor.h"

/* out (empty) = one-hot rows of the labels (float32, int32 or uint8 tensor whose
 * values are integers in [0, num_classes)), shape labels.shape + {classes};
 * a trailing dimension of size 1 is dropped first (Keras: {n, 1} -> {n,
 * classes}).  num_classes <= 0: the largest label + 1.  dtype: of out
 * (uint8 one-hot takes a quarter of float32's memory).
 * On failure out is left empty and the message names the first bad label
 * (its 1-based position in the flattened labels). */
int em_to_categorical(em_tensor *out, const em_tensor *labels, int64_t num_classes, em_dtype dtype);

/* The same into a reused buffer (a training loop one-hots every batch):
 * out may hold storage, which is kept when it is large enough and not
 * shared (else replaced, em_tensor_resize); it must not be labels'.
 * On failure out keeps its shape and contents. */
int em_to_categorical_into(em_tensor *out, const em_tensor *labels, int64_t num_classes, em_dtype dtype);

#endif
