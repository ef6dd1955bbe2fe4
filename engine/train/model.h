/* A model and its one training step.
 *
 * An em_model is a chain of layers (the simple case of the graph the
 * functional API will need), the loss, the metrics and the optimizer, with
 * the list of trainable parameters built once.  em_model_train_step is the
 * only place a training step is written: fit, train_on_batch, fit_generator
 * (and later an MPI run, through the after-backward hook) all call it, once
 * per batch:
 *
 *   zero grads -> forward (training) -> loss and dLoss/dPredictions ->
 *   metrics -> [loss not finite: stop, nothing applied] -> backward ->
 *   regularizers' gradients -> after-backward hook -> optimizer update.
 *
 * Regularizers (layers/controls.h) add their penalties to the loss (both in
 * training and evaluation, as Keras's total_loss) and their gradients to
 * the parameters' (weights) or to the gradient flowing into a layer's output
 * (activity); the model notes at creation whether any layer has them, so a
 * model without them does none of this.  A custom loop calling
 * em_model_forward / em_model_backward itself gets the activity gradients
 * (they belong to the chain) but neither the penalties' values nor the
 * weight penalties' gradients, which are the step's.
 *
 * When the chain's output carries a mask (Embedding mask_zero or Masking,
 * then return_sequences layers), the loss and the metrics cover the
 * unmasked timesteps only, as Keras 2.2 (masked_loss.h).
 *
 * Ownership: the model does not own its layers or its optimizer (the caller
 * keeps them alive longer than the model: the Lua binding anchors them in
 * the model's userdata); it owns its buffers and copies of the layer names.
 *
 * Errors: every call returns 0 or -1 with em_fail's message; a layer's
 * failure reads "<name> (<Type>): <message>", and em_model_failed_phase
 * says which phase failed, so a front end can say which argument was at
 * fault (the input for forward, the targets for the loss). */
#ifndef EMBER_TRAIN_MODEL_H
#define EMBER_TRAIN_MODEL_H

#include "../layers/layer.h"
#include "losses.h"
#include "metrics.h"
#include "optimizers.h"

#define EM_MODEL_MAX_METRICS 8

typedef struct em_model em_model;

typedef enum {
    EM_PHASE_NONE = 0,
    EM_PHASE_FORWARD,   /* a layer refused the input */
    EM_PHASE_LOSS,      /* the loss refused the predictions / targets */
    EM_PHASE_METRIC,
    EM_PHASE_BACKWARD,
    EM_PHASE_HOOK,
    EM_PHASE_UPDATE,
} em_model_phase;

/* What one step measured. */
typedef struct {
    double loss;
    double metrics[EM_MODEL_MAX_METRICS];
    int applied;  /* 1 when the update was made (0: the loss was not finite) */
} em_step_result;

/* A chain of n >= 1 layers, names[i] naming layer i in errors (copied). */
em_model *em_model_new(int n, em_layer *const *layers, const char *const *names);
void em_model_free(em_model *m);

/* Loss, metrics (up to EM_MODEL_MAX_METRICS) and optimizer for the steps. */
int em_model_compile(em_model *m, em_loss_kind loss, int nmetrics, const em_metric_kind *metrics, em_optimizer *opt);

/* The chain on x; *y a view of the last layer's output (valid until the
 * next forward). */
int em_model_forward(em_model *m, const em_tensor *x, int training, em_tensor *y);

/* dy, the gradient of the last output, back through the chain: adds every
 * trainable layer's parameter gradients. */
int em_model_backward(em_model *m, const em_tensor *dy);

void em_model_zero_grads(em_model *m);

/* One update of the trainable parameters from their gradients, at lr. */
int em_model_apply(em_model *m, em_optimizer *opt, double lr);

/* The training step above on exactly (x, y), at learning rate lr.  The
 * step's dropout masks come from the mask stream (core/random.h): x's
 * first row is global row first_row (em_model_set_first_row; 0 unless
 * MPI ranks share the batch). */
int em_model_train_step(em_model *m, const em_tensor *x, const em_tensor *y, double lr, em_step_result *r);
void em_model_set_first_row(em_model *m, int64_t first_row);

/* A step with no rows of its own (a rank whose share of a small batch is
 * empty): zero gradients, a zero result, the hook, then the update when
 * the hook's loss is finite.  Without a hook it only zeroes the result. */
int em_model_empty_step(em_model *m, double lr, em_step_result *r);

/* The same step with one weight per sample (losses.h's
 * em_loss_compute_weighted; NULL: unweighted). */
int em_model_train_step_weighted(em_model *m, const em_tensor *x, const em_tensor *y, const em_tensor *sample_weight,
                                 double lr, em_step_result *r);

/* Forward (inference), loss and metrics. */
int em_model_eval_step(em_model *m, const em_tensor *x, const em_tensor *y, em_step_result *r);

/* Called after backward, before the update, in every train step (the
 * place for a gradient all-reduce); returns 0 or -1 with em_fail.  It sees
 * the step's result r and may change it (a reduced loss and metrics).
 * With a hook, a step whose local loss is not finite still calls it (its
 * backward skipped, its gradients zero), so that every rank of a
 * distributed step joins the same collective; the update is then made
 * only when r->loss is finite after the hook. */
typedef int (*em_model_hook)(em_model *m, em_step_result *r, void *ctx);
void em_model_set_after_backward(em_model *m, em_model_hook hook, void *ctx);

/* A loss computed outside the engine (the Lua binding's compile{loss =
 * {fn = f, grad = g}}): sets *loss and, when grad is not NULL, writes
 * dLoss/dPredictions into grad (resized to y_pred's shape); 0 or -1 with
 * em_fail.  Set, it replaces the compiled loss kind in every step; NULL
 * restores it.  It cannot be combined with sample weights. */
typedef int (*em_model_loss_fn)(const em_tensor *y_pred, const em_tensor *y_true, double *loss, em_tensor *grad,
                                void *ctx);
void em_model_set_loss_fn(em_model *m, em_model_loss_fn fn, void *ctx);

/* The predictions of the last step's forward (a view valid until the next
 * forward; empty before any step): what metrics computed outside the
 * engine read. */
const em_tensor *em_model_last_prediction(const em_model *m);

/* The phase of the last failed call (EM_PHASE_NONE after a success). */
em_model_phase em_model_failed_phase(const em_model *m);

/* Trainable parameters and their gradients, in layer order (a layer's
 * trainable flag is read again at every step; its non-trainable weights,
 * param_nontrainable, never appear); *n receives the count. */
int em_model_trainable(em_model *m, int *n, em_tensor *const **params, em_tensor *const **grads);

int em_model_layer_count(const em_model *m);
int em_model_metric_count(const em_model *m);

#endif
