/* Keras 2 weight initializers, all drawing from the one seeded RNG.
 * Shapes follow Keras: a kernel is (fan_in, fan_out) for Dense and recurrent
 * layers, (kernel_size, in_channels, filters) for Conv1D; fans are computed
 * as Keras's _compute_fans does (receptive field = product of leading dims). */
#ifndef EMBER_INITIALIZERS_H
#define EMBER_INITIALIZERS_H

#include "../core/tensor.h"

/* fan_in, fan_out as Keras 2.2.4's _compute_fans (channels_last): 2-D
 * (in, out); 3-D to 5-D (k..., in, out) times the receptive field (product
 * of all but the last two dims); any other rank (a 1-D bias) sqrt(numel)
 * for both. */
void em_fans(const em_tensor *w, double *fan_in, double *fan_out);

/* U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out)). */
void em_init_glorot_uniform(em_tensor *w);

/* U(lo, hi): Embedding uses U(-0.05, 0.05). */
void em_init_uniform(em_tensor *w, double lo, double hi);

/* Orthogonal, as Keras's Orthogonal(gain): QR of a standard normal matrix
 * of shape (rows, cols) = (prod of leading dims, last dim), transposed when
 * rows < cols, with the signs of R's diagonal folded into Q.  w is 2-D. */
int em_init_orthogonal(em_tensor *w, double gain);

/* A Keras initializer chosen by name (kernel_initializer = "he_normal"...),
 * with Keras 2.2.4's formulas (keras/initializers.py):
 *   zeros, ones, constant(value = a)
 *   random_normal(mean = a, stddev = b)        defaults 0, 0.05
 *   random_uniform(minval = a, maxval = b)     defaults -0.05, 0.05
 *   truncated_normal(mean = a, stddev = b)     defaults 0, 0.05; values beyond
 *                                              2 stddev from the mean are drawn again
 *   VarianceScaling(scale, mode, distribution), scale /= max(1, fan):
 *     normal:  truncated normal, stddev = sqrt(scale) / 0.87962566103423978
 *              (the std of a standard normal truncated to [-2, 2])
 *     uniform: U(-limit, limit), limit = sqrt(3 scale)
 *     glorot_uniform / glorot_normal  scale 1, fan_avg
 *     he_uniform / he_normal          scale 2, fan_in
 *     lecun_uniform / lecun_normal    scale 1, fan_in
 *   orthogonal(gain = a)                       default 1: the weight as a
 *                                              (prod(leading dims), last dim) matrix.
 * Every draw comes from the one seeded generator (core/random.h). */
typedef enum {
    EM_INIT_ZEROS = 0, EM_INIT_ONES, EM_INIT_CONSTANT, EM_INIT_RANDOM_NORMAL, EM_INIT_RANDOM_UNIFORM,
    EM_INIT_TRUNCATED_NORMAL, EM_INIT_GLOROT_UNIFORM, EM_INIT_GLOROT_NORMAL, EM_INIT_HE_NORMAL, EM_INIT_HE_UNIFORM,
    EM_INIT_LECUN_NORMAL, EM_INIT_LECUN_UNIFORM, EM_INIT_ORTHOGONAL
} em_init_kind;

typedef struct {
    em_init_kind kind;
    double a, b;  /* the parameters listed above (unused ones ignored) */
} em_init_spec;

extern const char *const em_init_names[];  /* in enum order, NULL-terminated */

/* kind from a Keras name ("he_normal"); an error naming who otherwise. */
int em_init_parse(const char *who, const char *name, em_init_kind *out);

/* The spec with Keras's default parameters for kind. */
em_init_spec em_init_default(em_init_kind kind);

/* Checks the spec's parameters (finite; stddev >= 0; minval <= maxval). */
int em_init_check(const char *who, const em_init_spec *s);

/* Fills the float32 contiguous tensor w. */
int em_init_apply(const em_init_spec *s, em_tensor *w);

#endif
