/* Optimizers as C kernels over parameter tensors, with Keras 2.0-2.2 update
 * rules (lr decays as lr / (1 + decay * iterations) when decay > 0):
 *   SGD      v = momentum v - lr g;  p += v            (nesterov: p += momentum v - lr g)
 *   RMSprop  a = rho a + (1 - rho) g^2;  p -= lr g / (sqrt(a) + epsilon)
 *   Adam     t = iterations + 1; lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)
 *            m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  p -= lr_t m / (sqrt(v) + epsilon)
 * State buffers (velocity / accumulators / moments) are made on the first
 * step, one per parameter slot, and checked against the parameter shapes on
 * every later step, so an optimizer cannot silently be reused on another model.
 * Updates are dense over every element, as Keras's are.
 *
 * Gradient clipping, before the update, as Keras 2.2.4's
 * Optimizer.get_gradients (keras/optimizers.py): with clipnorm > 0 every
 * gradient is scaled by clipnorm / norm when the GLOBAL norm
 * norm = sqrt(sum over all gradients of sum(g^2)) is >= clipnorm (clip_norm
 * with n = that one norm); then with clipvalue > 0 every element is clipped
 * to [-clipvalue, clipvalue].  The gradients are clipped in place.  With both
 * 0 (the default) nothing is computed. */
#ifndef EMBER_OPTIMIZERS_H
#define EMBER_OPTIMIZERS_H

#include "../core/tensor.h"
#include "../layers/options.h"

typedef enum { EM_OPT_SGD = 0, EM_OPT_RMSPROP, EM_OPT_ADAM } em_opt_kind;

extern const char *const em_optimizer_names[];  /* "sgd", "rmsprop", "adam", NULL */
extern const char *const em_optimizer_class_names[];  /* Keras's: "SGD", "RMSprop", "Adam" (for messages) */

typedef struct {
    double lr, decay;
    double momentum; int nesterov;       /* SGD */
    double rho;                          /* RMSprop */
    double beta_1, beta_2;               /* Adam */
    double epsilon;                      /* RMSprop, Adam */
    double clipnorm, clipvalue;          /* every kind; 0: off (Keras 2.2.4's get_gradients) */
} em_opt_config;

typedef struct em_optimizer {
    em_opt_kind kind;
    em_opt_config cfg;
    int64_t iterations;
    int nslots;
    em_tensor *s1, *s2;  /* per-slot state: SGD velocity / RMSprop a / Adam m; Adam v */
} em_optimizer;

/* Each kind's options, declared once (engine/layers/options.h): names,
 * Keras's defaults (lr 0.01 for SGD, 0.001 otherwise; rho 0.9; betas
 * 0.9 / 0.999; epsilon 1e-7 = K.epsilon(); decay 0) and ranges.  The
 * bindings read a Lua options table through them. */
const em_option *em_optimizer_options(em_opt_kind kind);

/* Keras defaults for kind, from its options. */
em_opt_config em_optimizer_defaults(em_opt_kind kind);

/* Checks the config against the kind's options. */
em_optimizer *em_optimizer_new(em_opt_kind kind, const em_opt_config *cfg);
void em_optimizer_free(em_optimizer *o);

/* Drops the per-parameter state (velocities, moments), keeping the
 * iteration count: what Keras does when a model is compiled again with the
 * same optimizer (its accumulators belong to the training function). */
void em_optimizer_reset_state(em_optimizer *o);

/* Replaces the whole state: the iteration count and n slots (s2 only for
 * Adam; n == 0 leaves no slots, as a fresh optimizer).  The tensors are
 * copied (float32, contiguous); on any failure the state is unchanged.
 * Used to resume training from a saved model (ember.load_model). */
int em_optimizer_set_state(em_optimizer *o, int64_t iterations, int n, const em_tensor *const *s1,
                           const em_tensor *const *s2);

/* The learning rate of the next steps (>= 0, finite). */
int em_optimizer_set_lr(em_optimizer *o, double lr);

/* One update of n parameters from their gradients (float32, contiguous,
 * same shapes).  Nothing is changed if any check fails. */
int em_optimizer_step(em_optimizer *o, int n, em_tensor *const *params, em_tensor *const *grads);

#endif
