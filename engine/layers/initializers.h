/* Keras 2 weight initializers, all drawing from the one seeded RNG.
 * Shapes follow Keras: a kernel is (fan_in, fan_out) for Dense and recurrent
 * layers, (kernel_size, in_channels, filters) for Conv1D; fans are computed
 * as Keras's _compute_fans does (receptive field = product of leading dims). */
#ifndef EMBER_INITIALIZERS_H
#define EMBER_INITIALIZERS_H

#include "../core/tensor.h"

/* fan_in, fan_out as Keras: 2-D (in, out); n-D (k..., in, out) times the
 * receptive field (product of all but the last two dims). */
void em_fans(const em_tensor *w, double *fan_in, double *fan_out);

/* U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out)). */
void em_init_glorot_uniform(em_tensor *w);

/* U(lo, hi): Embedding uses U(-0.05, 0.05). */
void em_init_uniform(em_tensor *w, double lo, double hi);

/* Orthogonal, as Keras's Orthogonal(gain): QR of a standard normal matrix
 * of shape (rows, cols) = (prod of leading dims, last dim), transposed when
 * rows < cols, with the signs of R's diagonal folded into Q.  w is 2-D. */
int em_init_orthogonal(em_tensor *w, double gain);

#endif
