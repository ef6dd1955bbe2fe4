/* Losses with Keras 2 semantics.  Each returns the mean loss over all
 * samples (and over the last axis for the elementwise losses) and, when grad
 * is given, dLoss/dPredictions in a buffer shaped like the predictions.
 * Sums are accumulated in double.
 *   binary_crossentropy       p clipped to [1e-7, 1 - 1e-7] (K.epsilon), as
 *                             Keras does before taking logs; zero gradient
 *                             where the clip is active.
 *   categorical_crossentropy  p / sum(p) per row, clipped, -sum(t log p).
 *   sparse_categorical_crossentropy  targets are class ids 0..C-1 (as Keras),
 *                             int32 or integral float32, shape (N) or (N, 1);
 *                             -log(clip(p_y) / sum clip(p)) as Keras's TF backend.
 *   mse, mae                  mean of (p - t)^2, |p - t|.
 * Targets must have as many elements as the predictions (N vs (N, 1) is
 * fine) except for the sparse loss, which takes one id per row. */
#ifndef EMBER_LOSSES_H
#define EMBER_LOSSES_H

#include "../core/tensor.h"

typedef enum { EM_LOSS_BCE = 0, EM_LOSS_CCE, EM_LOSS_SCCE, EM_LOSS_MSE, EM_LOSS_MAE } em_loss_kind;

extern const char *const em_loss_names[];  /* NULL-terminated, in enum order */

/* Accepts the Keras aliases too (mean_squared_error, mean_absolute_error). */
int em_loss_parse(const char *who, const char *name, em_loss_kind *out);

/* y_pred: float32 (any layout).  grad may be NULL; else it is resized to
 * y_pred's shape (contiguous) and overwritten. */
int em_loss_compute(em_loss_kind kind, const em_tensor *y_pred, const em_tensor *y_true, double *loss, em_tensor *grad);

/* The same loss with one weight per sample (sample_weight: float32 or
 * int32, shape (N) or (N, 1), finite; NULL: unweighted), as Keras 2.2.4's
 * weighted_masked_objective: the mean over samples of w_s * loss_s, divided
 * by the fraction of nonzero weights (so all-zero weights give NaN, as
 * Keras).  The gradient is weighted the same way. */
int em_loss_compute_weighted(em_loss_kind kind, const em_tensor *y_pred, const em_tensor *y_true,
                             const em_tensor *sample_weight, double *loss, em_tensor *grad);

/* Shared with metrics: contiguous float32 copies of predictions / targets
 * in *buf when needed, checking the target count. */
int em_loss_prepare(const char *who, int sparse, const em_tensor *y_pred, const em_tensor *y_true,
                    const float **p, const float **t, int64_t *rows, int64_t *cols, em_tensor *pbuf, em_tensor *tbuf);

#endif
