/* Per-layer training controls Keras users set as layer options:
 * initializers (kernel_initializer = "he_normal", ...), weight
 * regularizers (kernel_regularizer = l2(0.01), ...) and an activity
 * regularizer (a penalty on the layer's output).
 *
 * A layer without any has l->controls == NULL, and the model step skips
 * all of this (nothing computed, nothing allocated).  Controls name a
 * parameter by its Keras name ("kernel", "recurrent_kernel", "bias",
 * "embeddings"); one that the layer turns out not to have (a bias with
 * use_bias = false) is ignored, as Keras ignores bias_initializer then.
 *
 * Initializers are applied by em_layer_build right after the layer's own
 * build, so the layer's default draw happens first and the parameter is
 * then drawn again from the chosen initializer (one generator, so a seed
 * still gives the same weights).
 *
 * Regularizers use Keras 2.2.4's L1L2 (keras/regularizers.py):
 *   penalty = l1 * sum(|x|) + l2 * sum(x^2)   over the whole tensor
 * (for the activity regularizer x is the layer's output for the whole
 * batch, not a mean), added to the loss the model reports, as Keras adds
 * model.losses to total_loss; the gradient l1 * sign(x) + 2 l2 x is added
 * to the parameter gradients (trainable layers only) or to the gradient
 * flowing into the layer's output. */
#ifndef EMBER_LAYERS_CONTROLS_H
#define EMBER_LAYERS_CONTROLS_H

#include "initializers.h"
#include "layer.h"

typedef struct em_param_control {
    char param[32];        /* the parameter's Keras name */
    int has_init;
    em_init_spec init;
    double l1, l2;         /* 0, 0: no penalty */
} em_param_control;

struct em_layer_controls {
    int n;
    em_param_control p[EM_MAX_PARAMS];
    double act_l1, act_l2; /* activity regularizer; 0, 0: none */
    em_tensor act_grad;    /* d(activity penalty)/d(output) of the last training forward */
};

/* Sets (replaces) the initializer of the parameter called param. */
int em_layer_set_initializer(em_layer *l, const char *param, const em_init_spec *spec);

/* Sets (replaces) the L1/L2 penalty of param (both >= 0, finite). */
int em_layer_set_regularizer(em_layer *l, const char *param, double l1, double l2);

/* The L1/L2 penalty on the layer's output. */
int em_layer_set_activity_regularizer(em_layer *l, double l1, double l2);

/* em_layer_apply_initializers and em_layer_controls_free are declared in
 * layer.h (the layer's life calls them). */

/* l1 * sum|x| + l2 * sum x^2 over n values (sums in double). */
double em_l1l2_penalty(const float *x, int64_t n, double l1, double l2);

/* g += l1 * sign(x) + 2 * l2 * x (sign(0) = 0, as TF's). */
void em_l1l2_add_grad(const float *x, float *g, int64_t n, double l1, double l2);

/* The sum of the weight penalties of layers[0..n) (0 without controls). */
double em_layers_weight_penalty(int n, em_layer *const *layers);

/* Adds the weight penalties' gradients into the trainable layers' grads. */
void em_layers_add_weight_penalty_grads(int n, em_layer *const *layers);

/* After layer l's forward gave y: the activity penalty (0 without one) into
 * *penalty and, when training, its gradient kept for em_layer_activity_grad. */
int em_layer_activity_forward(em_layer *l, const em_tensor *y, int training, double *penalty);

/* dy + the kept activity gradient, into buf (contiguous); *out a view of
 * buf.  Only for a layer with an activity regularizer. */
int em_layer_activity_backward(em_layer *l, const em_tensor *dy, em_tensor *buf, em_tensor *out);

#endif
