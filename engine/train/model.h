/* A model and its one training step.
 *
 * An em_model is a graph of layer calls (nodes), the losses, the metrics
 * and the optimizer.  A node calls one layer (em_layer_call, layer.h) on
 * tensors that are model inputs or outputs of earlier nodes; nodes are
 * given in topological order; the model has one or more inputs and one or
 * more outputs, each output with its own loss, loss weight and metrics.
 * A chain of layers (Sequential, em_model_new) is the graph whose node i
 * takes node i-1's output: it runs exactly the same calls as before the
 * graph existed (views passed straight on, nothing copied).
 *
 * Shared layers: a layer called by several nodes (the functional API's
 * shared weights) keeps ONE cache, that of its last call (layer.h).  The
 * model therefore copies a shared node's outputs into buffers of its own
 * (the layer's buffer is overwritten by its next call), and before the
 * backward of a shared node whose call is not the layer's last it runs the
 * call again on the same inputs (same dropout keys: random.h's
 * em_mask_state_set; non-trainable weights such as BatchNormalization's
 * moving statistics restored, so they move once per call, as Keras).  A
 * layer called k times costs k - 1 extra forwards in a training step;
 * gradients of the shared parameters add up over the calls.  A tensor used
 * by several nodes (or outputs) gets the sum of their gradients.  em_model_train_step is the
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

#define EM_MODEL_MAX_METRICS 8  /* per output */
#define EM_MODEL_MAX_OUTPUTS 8
#define EM_MODEL_MAX_INPUTS 16
/* Values an em_step_result carries besides the total loss. */
#define EM_MODEL_MAX_VALUES (EM_MODEL_MAX_OUTPUTS * (1 + EM_MODEL_MAX_METRICS))

typedef struct em_model em_model;

/* Where a node's input (or a model output) comes from: output `index` of
 * node `node` (an earlier node), or model input k when node is
 * EM_MODEL_INPUT(k) (index 0). */
typedef struct {
    int node;
    int index;
} em_model_edge;
#define EM_MODEL_INPUT(k) (-(k) - 1)

/* One call of a layer; name (copied) names it in errors. */
typedef struct {
    em_layer *layer;
    const char *name;
    int nin;
    em_model_edge in[EM_LAYER_MAX_IO];
} em_model_node;

/* One output's loss, its weight in the total loss, and its metrics. */
typedef struct {
    em_loss_kind loss;
    double weight;
    int nmetrics;
    em_metric_kind metrics[EM_MODEL_MAX_METRICS];
} em_model_output_spec;

typedef enum {
    EM_PHASE_NONE = 0,
    EM_PHASE_FORWARD,   /* a layer refused the input */
    EM_PHASE_LOSS,      /* the loss refused the predictions / targets */
    EM_PHASE_METRIC,
    EM_PHASE_BACKWARD,
    EM_PHASE_HOOK,
    EM_PHASE_UPDATE,
} em_model_phase;

/* What one step measured: the total loss (Keras's: the sum of each
 * output's loss times its weight, plus the regularizers' penalties), and
 * em_model_metric_count values: with one output its metrics in compile
 * order; with several, each output's own (unweighted) loss first, then
 * output 1's metrics, output 2's, ...  (Keras 2.2.4's History order). */
typedef struct {
    double loss;
    double metrics[EM_MODEL_MAX_VALUES];
    int applied;  /* 1 when the update was made (0: the loss was not finite) */
} em_step_result;

/* A chain of n >= 1 layers, names[i] naming layer i in errors (copied). */
em_model *em_model_new(int n, em_layer *const *layers, const char *const *names);

/* A graph: ninputs model inputs, nnodes nodes in topological order (every
 * edge names a model input or an earlier node), noutputs outputs.  Checked:
 * indices in range, every model input used by some node.  A layer may
 * appear in several nodes (shared). */
em_model *em_model_new_graph(int ninputs, int nnodes, const em_model_node *nodes, int noutputs,
                             const em_model_edge *outputs);
void em_model_free(em_model *m);

/* Loss, metrics (up to EM_MODEL_MAX_METRICS) and optimizer for the steps;
 * every output gets this loss (weight 1) and these metrics. */
int em_model_compile(em_model *m, em_loss_kind loss, int nmetrics, const em_metric_kind *metrics, em_optimizer *opt);

/* One spec per output (noutputs of them). */
int em_model_compile_outputs(em_model *m, int noutputs, const em_model_output_spec *specs, em_optimizer *opt);

int em_model_input_count(const em_model *m);
int em_model_output_count(const em_model *m);

/* The chain on x; *y a view of the last layer's output (valid until the
 * next forward). */
int em_model_forward(em_model *m, const em_tensor *x, int training, em_tensor *y);

/* dy, the gradient of the last output, back through the chain: adds every
 * trainable layer's parameter gradients. */
int em_model_backward(em_model *m, const em_tensor *dy);

/* The same for several inputs and outputs: x[k] for input k, y[j]
 * receives a view of output j; dy[j] the gradient of output j. */
int em_model_forward_multi(em_model *m, const em_tensor *const *x, int training, em_tensor *y);
int em_model_backward_multi(em_model *m, const em_tensor *const *dy);

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

/* The steps with one tensor per input (x) and per output (y); the sample
 * weights (or NULL) apply to every output. */
int em_model_train_step_multi(em_model *m, const em_tensor *const *x, const em_tensor *const *y,
                              const em_tensor *sample_weight, double lr, em_step_result *r);
int em_model_eval_step_multi(em_model *m, const em_tensor *const *x, const em_tensor *const *y, em_step_result *r);

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
 * restores it.  It cannot be combined with sample weights, nor with a model
 * of several outputs. */
typedef int (*em_model_loss_fn)(const em_tensor *y_pred, const em_tensor *y_true, double *loss, em_tensor *grad,
                                void *ctx);
void em_model_set_loss_fn(em_model *m, em_model_loss_fn fn, void *ctx);

/* The predictions of the last step's forward (a view valid until the next
 * forward; empty before any step): what metrics computed outside the
 * engine read. */
const em_tensor *em_model_last_prediction(const em_model *m);
/* Output j's (0 <= j < em_model_output_count). */
const em_tensor *em_model_last_prediction_at(const em_model *m, int j);

/* The phase of the last failed call (EM_PHASE_NONE after a success). */
em_model_phase em_model_failed_phase(const em_model *m);

/* Trainable parameters and their gradients, in layer order (each layer
 * once, in the order of its first node; a layer's
 * trainable flag is read again at every step; its non-trainable weights,
 * param_nontrainable, never appear); *n receives the count. */
int em_model_trainable(em_model *m, int *n, em_tensor *const **params, em_tensor *const **grads);

int em_model_layer_count(const em_model *m);  /* distinct layers */
int em_model_metric_count(const em_model *m);  /* values in em_step_result.metrics */

#endif
