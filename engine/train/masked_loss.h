/* Losses and metrics over the unmasked timesteps of a masked output, as
 * Keras 2.2's weighted_masked_objective: when the model's output carries a
 * (batch, time) mask (sequence labelling after Embedding(mask_zero) or
 * Masking, with return_sequences layers and TimeDistributed), the loss is
 * sum(loss_bt * m_bt) / sum(m_bt) and the metrics likewise.  Each loss is a
 * mean over rows, so this is the loss of the unmasked (b, t) blocks alone:
 * they are gathered into compact buffers, measured with em_loss_compute /
 * em_metric_compute, and the gradient is scattered back (0 at the masked
 * steps).  A batch with every step masked gives 0 (Keras: 0/0). */
#ifndef EMBER_MASKED_LOSS_H
#define EMBER_MASKED_LOSS_H

#include "losses.h"
#include "metrics.h"

/* Reused buffers (the caller zero-initialises and releases them). */
typedef struct {
    em_tensor pred, truth, grad, tmp;
    int have;        /* pred/truth hold the gathered blocks of the last em_masked_gather */
} em_masked_buffers;

/* Gather the unmasked (b, t) blocks of y_pred (B, T, ...) and y_true
 * (B*T blocks of equal size) into bufs.  Returns 1 when gathered, 0 when
 * the shapes do not fit the mask (the caller measures unmasked, and the
 * loss reports the mismatch), -1 on failure. */
int em_masked_gather(em_masked_buffers *bufs, const em_tensor *y_pred, const em_tensor *y_true, const em_tensor *mask);

/* The loss of the gathered blocks and, when grad is given, dLoss/dy_pred in
 * grad (y_pred's shape, 0 at the masked steps). */
int em_masked_loss(em_masked_buffers *bufs, em_loss_kind kind, const em_tensor *y_pred, const em_tensor *mask,
                   double *loss, em_tensor *grad);

int em_masked_metric(em_masked_buffers *bufs, em_metric_kind kind, double *value);

#endif
