/* Metrics with Keras 2 semantics, each the mean over the batch (sums in
 * double):
 *   binary_accuracy       mean(t == (p > 0.5))   (Keras: K.round, half to even)
 *   categorical_accuracy  argmax(p) == argmax(t) per row
 *   sparse_categorical_accuracy  argmax(p) == t per row (class ids 0..C-1)
 *   mae                   mean |p - t|
 * Which accuracy "acc" means is decided by the caller from the loss and the
 * output shape, as Keras's compile does. */
#ifndef EMBER_METRICS_H
#define EMBER_METRICS_H

#include "../core/tensor.h"

typedef enum { EM_MET_BINARY_ACC = 0, EM_MET_CATEGORICAL_ACC, EM_MET_SPARSE_CATEGORICAL_ACC, EM_MET_MAE } em_metric_kind;

extern const char *const em_metric_names[];  /* "binary_accuracy", ..., "mae", NULL */

int em_metric_compute(em_metric_kind kind, const em_tensor *y_pred, const em_tensor *y_true, double *value);

#endif
