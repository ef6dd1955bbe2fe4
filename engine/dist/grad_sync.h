/* The gradient all-reduce of a data-parallel training step: the model's
 * after-backward hook (engine/train/model.h) on every rank.
 *
 * Each rank trains on its share of the global batch (rows of it, possibly
 * none); its loss, metrics and gradients are means over its own rows.  The
 * hook packs, in ONE float32 buffer, every trainable gradient, the loss and
 * the metrics, each multiplied by the rank's row count, and that count;
 * one all-reduce (sum) over the ranks; then divides by the total count.
 * So the gradients and the reported loss and metrics are means over the
 * global batch, as one process with that batch would compute them, however
 * unevenly the rows were split, and every rank applies the same update.
 * A non-finite loss on any rank makes the reduced loss non-finite on all.
 * The Embedding's row gradient is dense (vocabulary x dimension) in the
 * engine, so it is reduced like any other. */
#ifndef EMBER_DIST_GRAD_SYNC_H
#define EMBER_DIST_GRAD_SYNC_H

#include "../core/tensor.h"
#include "../train/model.h"

typedef struct {
    double rows;     /* this rank's rows in the current step (set before each step) */
    em_tensor buf;   /* the fused buffer, reused across steps */
    double seconds;  /* time spent in the all-reduce, summed (for the bench) */
    int64_t calls;
} em_grad_sync;

/* The hook: ctx is an em_grad_sync. */
int em_grad_sync_hook(em_model *m, em_step_result *r, void *ctx);

void em_grad_sync_release(em_grad_sync *s);

#endif
