/* Masking (Keras 2): marks the timesteps whose features all equal
 * mask_value as padding.  Input (batch, time, features), float32; output
 * the input with the masked steps' features set to 0 (Keras multiplies by
 * the mask), and, through em_layer_call, the (batch, time) mask
 * any(x[b, t, :] != mask_value) for the layers after it.  An incoming mask
 * is replaced (Keras's Masking.compute_mask ignores it).  Backward: dy
 * times the mask. */
#ifndef EMBER_MASKING_H
#define EMBER_MASKING_H

#include "layer.h"
#include "options.h"

typedef struct { double mask_value; } em_masking_config;
extern const em_option em_masking_options[];

em_layer *em_masking_new(double mask_value);

#endif
