/* MaxPooling1D and AveragePooling1D over {batch, time, channels}, Keras 2
 * semantics: strides default to pool_size (pass strides = pool_size), padding
 * "valid" or "same" (TensorFlow SAME: windows centred with the odd padding
 * element after; max ignores padding, average divides by the number of real
 * elements in the window).  No parameters. */
#ifndef EMBER_POOLING1D_H
#define EMBER_POOLING1D_H

#include "conv_geometry.h"
#include "layer.h"
#include "options.h"

/* The pooling layers' options, declared once (options.h); strides 0 means
 * pool_size (Keras's strides=None). */
typedef struct { int64_t pool_size, strides; int padding; } em_pooling1d_config;
extern const em_option em_pooling1d_options[];

em_layer *em_max_pooling1d_new(int64_t pool_size, int64_t strides, em_padding padding);
em_layer *em_average_pooling1d_new(int64_t pool_size, int64_t strides, em_padding padding);

/* Shared with global_pooling1d.c (a global pooling is one window spanning
 * the whole sequence). */

/* One window over rows [lo, hi) of xb (C channels per row, lo < hi): the
 * max with the row of the first max in `arg` (as TensorFlow), or the mean. */
void em_pool_max_window(const float *xb, int64_t C, int64_t lo, int64_t hi, float *y, int32_t *arg);
void em_pool_avg_window(const float *xb, int64_t C, int64_t lo, int64_t hi, float *y);

/* The reusable buffers of a pooling layer. */
typedef struct {
    em_tensor xbuf;   /* contiguous copy of a strided input */
    em_tensor y;      /* output */
    em_tensor argmax; /* int32, shaped as y: row of each max */
    em_tensor dybuf;  /* contiguous copy of a strided gradient */
    em_tensor dx;     /* input gradient */
} em_pool_buffers;

void em_pool_buffers_release(em_pool_buffers *b);

/* t's data, through a contiguous copy in `buf` when t is strided; NULL
 * with em_fail() when the copy cannot be made. */
const float *em_pool_contiguous(em_tensor *buf, const em_tensor *t);

#endif
