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
 *   after-backward hook -> optimizer update.
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

/* The training step above on exactly (x, y), at learning rate lr. */
int em_model_train_step(em_model *m, const em_tensor *x, const em_tensor *y, double lr, em_step_result *r);

/* Forward (inference), loss and metrics. */
int em_model_eval_step(em_model *m, const em_tensor *x, const em_tensor *y, em_step_result *r);

/* Called after backward, before the update, in every train step (the
 * place for a gradient all-reduce); returns 0 or -1 with em_fail. */
typedef int (*em_model_hook)(em_model *m, void *ctx);
void em_model_set_after_backward(em_model *m, em_model_hook hook, void *ctx);

/* The phase of the last failed call (EM_PHASE_NONE after a success). */
em_model_phase em_model_failed_phase(const em_model *m);

/* Trainable parameters and their gradients, in layer order (a layer's
 * trainable flag is read again at every step); *n receives the count. */
int em_model_trainable(em_model *m, int *n, em_tensor *const **params, em_tensor *const **grads);

int em_model_layer_count(const em_model *m);
int em_model_metric_count(const em_model *m);

#endif
