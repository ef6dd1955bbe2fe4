/* MaxPooling1D and AveragePooling1D over {batch, time, channels}, Keras 2
 * semantics: strides default to pool_size (pass strides = pool_size), padding
 * "valid" or "same" (TensorFlow SAME: windows centred with the odd padding
 * element after; max ignores padding, average divides by the number of real
 * elements in the window).  No parameters. */
#ifndef EMBER_POOLING1D_H
#define EMBER_POOLING1D_H

#include "conv_geometry.h"
#include "layer.h"

em_layer *em_max_pooling1d_new(int64_t pool_size, int64_t strides, em_padding padding);
em_layer *em_average_pooling1d_new(int64_t pool_size, int64_t strides, em_padding padding);

#endif
