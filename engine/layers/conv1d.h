/* Conv1D: 1-D convolution over {batch, time, channels} (channels last, as
 * Keras), with Keras's paddings (valid, same, causal), strides and dilation.
 * Parameters in Keras order and layout: kernel {kernel_size, in_channels,
 * filters} (glorot_uniform), bias {filters} (zeros). */
#ifndef EMBER_CONV1D_H
#define EMBER_CONV1D_H

#include "../ops/activations.h"
#include "conv_geometry.h"
#include "layer.h"
#include "options.h"

typedef struct {
    int64_t filters, kernel_size, strides, dilation_rate;
    em_padding padding;
    em_activation activation;
    int use_bias;
} em_conv1d_config;

/* Conv1D's options, declared once (options.h). */
extern const em_option em_conv1d_options[];

/* Checks the config (positive sizes, strides > 1 together with
 * dilation_rate > 1 refused as Keras does); NULL with em_fail() on error. */
em_layer *em_conv1d_new(const em_conv1d_config *config);

#endif
