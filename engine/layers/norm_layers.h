/* The normalization layers: BatchNormalization (Keras 2.2.4) and
 * LayerNormalization (tf.keras's; Keras 2.2.4 had none).  Both normalize
 * over the LAST axis's features of an input of rank >= 2 (rows = product of
 * the other dims, so a (batch, time, features) input is batch*time rows),
 * then scale by gamma and shift by beta.
 *
 *   BatchNormalization  per feature, over all rows.  Training: the batch's
 *       mean and biased variance normalize; the moving statistics are then
 *       updated as Keras 2.2.4's TensorFlow backend does:
 *         variance used for the update = batch variance * n / (n - (1 + eps))
 *           (n = rows; Keras's "sample variance", with its eps),
 *         K.moving_average_update = TF's assign_moving_average with
 *           zero_debias = True: biased_t = momentum * biased_{t-1}
 *           + (1 - momentum) * value with biased_0 = 0, and
 *           moving = biased_t / (1 - momentum^t).
 *       So after the first training step the moving statistics are that
 *       batch's, whatever their initial values (Keras 2.2.4 issue #13214);
 *       the accumulators and t live in the layer, as TF's hidden variables,
 *       and are not weights.  A non-trainable layer still normalizes with the
 *       batch's statistics in training but does not update them (Keras
 *       2.2.4's Layer.updates is empty when trainable is False).
 *       Inference: the moving statistics normalize.
 *       Weights, Keras's order: gamma (scale), beta (center), moving_mean,
 *       moving_variance; the last two are non-trainable (param_nontrainable).
 *   LayerNormalization  per row, over its features (mean and biased
 *       variance), the same in training and inference; weights gamma, beta.
 *
 * axis: only the last axis (-1, or rank - 1) is supported; anything else is
 * an error at build naming the layer and the option. */
#ifndef EMBER_NORM_LAYERS_H
#define EMBER_NORM_LAYERS_H

#include "layer.h"
#include "options.h"

/* Initializers of the normalization weights (Keras's names, with its
 * aliases "zero" and "one"). */
enum { EM_NORM_INIT_ZEROS = 0, EM_NORM_INIT_ONES = 1, EM_NORM_INIT_ZERO = 2, EM_NORM_INIT_ONE = 3 };

typedef struct {
    int64_t axis;
    double momentum, epsilon;
    int center, scale;
    int beta_initializer, gamma_initializer, moving_mean_initializer, moving_variance_initializer;
} em_batch_norm_config;

typedef struct {
    int64_t axis;
    double epsilon;
    int center, scale;
    int beta_initializer, gamma_initializer;
} em_layer_norm_config;

extern const em_option em_batch_norm_options[], em_layer_norm_options[];

/* From a config (checked again here against the tables); NULL with em_fail. */
em_layer *em_batch_norm_new(const em_batch_norm_config *c);
em_layer *em_layer_norm_new(const em_layer_norm_config *c);

/* Shared by both: the feature axis of an input of rank ndim, checked
 * (who names the layer in the message); 0 or -1 with em_fail. */
int em_norm_check_axis(const char *who, int64_t axis, int ndim, const int64_t *shape);

/* Fill a weight from its initializer choice. */
void em_norm_init(em_tensor *t, int initializer);

#endif
