/* GlobalMaxPooling1D and GlobalAveragePooling1D: {batch, time, channels} ->
 * {batch, channels}, the max or the mean over all timesteps (any length). */
#ifndef EMBER_GLOBAL_POOLING1D_H
#define EMBER_GLOBAL_POOLING1D_H

#include "layer.h"

em_layer *em_global_max_pooling1d_new(void);
em_layer *em_global_average_pooling1d_new(void);

#endif
