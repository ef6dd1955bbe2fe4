/* Output lengths and padding of 1-D convolutions and poolings, as Keras 2's
 * conv_utils.conv_output_length and TensorFlow's "SAME" padding compute them.
 * Shared by Conv1D and the pooling layers so all agree on the geometry. */
#ifndef EMBER_CONV_GEOMETRY_H
#define EMBER_CONV_GEOMETRY_H

#include <stdint.h>

typedef enum { EM_PAD_VALID = 0, EM_PAD_SAME, EM_PAD_CAUSAL } em_padding;

/* NULL-terminated {"valid", "same", "causal"}; index = em_padding. */
extern const char *const em_padding_names[];

/* Fails with "<who>: unknown padding 'x' (valid: ...)"; `allow_causal` = 0
 * for pooling, which Keras restricts to valid and same. */
int em_padding_parse(const char *who, const char *name, int allow_causal, em_padding *out);

/* Span of a dilated window: (k - 1) * dilation + 1. */
static inline int64_t em_conv_span(int64_t k, int64_t dilation) { return (k - 1) * dilation + 1; }

/* Keras conv_output_length: valid -> ceil((t - span + 1) / stride) (may be
 * <= 0 when the window does not fit), same/causal -> ceil(t / stride).
 * t < 0 (unknown) gives -1. */
int64_t em_conv_output_length(int64_t t, int64_t k, em_padding padding, int64_t stride, int64_t dilation);

/* Zero rows added before the sequence: TensorFlow's SAME puts the odd one
 * after (left = total / 2); causal puts the whole span - 1 before. */
int64_t em_conv_pad_left(int64_t t, int64_t k, em_padding padding, int64_t stride, int64_t dilation);

#endif
