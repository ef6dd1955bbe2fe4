/* TimeDistributed (Keras 2): applies an inner layer to every timestep of a
 * (batch, time, ...) input, as one call on (batch*time, ...) (a view, no
 * copy, when the input is contiguous); the output is (batch, time, ...) of
 * the inner layer's per-step output.  The weights are the inner layer's
 * (views, Keras order); a mask passes through unchanged, as Keras's
 * TimeDistributed hands it on. */
#ifndef EMBER_TIME_DISTRIBUTED_H
#define EMBER_TIME_DISTRIBUTED_H

#include "layer.h"

/* Wrap inner (one tensor in, one out; not built yet).  On success the
 * wrapper owns it (em_layer_free of the wrapper frees it); on failure the
 * caller still does. */
em_layer *em_time_distributed_new(em_layer *inner);

#endif
