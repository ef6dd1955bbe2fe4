/* Elementwise activation kernels (an ops-level building block: the tensor
 * unary ops use them, and so does every layer: Dense, recurrent gates,
 * Conv1D).  Backward passes are written in terms of the activation's OUTPUT
 * y, which every layer keeps anyway, so no pre-activation buffer is needed.
 * softmax is row-wise over the last dimension and handled separately. */
#ifndef EMBER_ACTIVATIONS_H
#define EMBER_ACTIVATIONS_H

#include <stdint.h>

typedef enum {
    EM_ACT_LINEAR = 0,
    EM_ACT_RELU,
    EM_ACT_SIGMOID,
    EM_ACT_TANH,
    EM_ACT_HARD_SIGMOID,  /* Keras 2: clip(0.2 x + 0.5, 0, 1) */
    EM_ACT_SOFTMAX,
} em_activation;

/* NULL-terminated list of the accepted names, for error messages:
 * "linear", "relu", "sigmoid", "tanh", "hard_sigmoid", "softmax". */
extern const char *const em_activation_names[];

/* Parse a Keras activation name (NULL means "linear").  On an unknown name
 * fails with "<who>: unknown activation 'x' (valid: ...)". */
int em_activation_parse(const char *who, const char *name, em_activation *out);

/* y = f(x) over n elements (y may alias x).  For softmax, n is the row
 * length and the call covers `rows` rows; other activations ignore rows
 * (pass 1) and treat n as the total count.  sigmoid, tanh and softmax's
 * exp are the vectorizable ones of core/fastmath.h (within 2.5 ulp). */
void em_act_forward(em_activation a, float *y, const float *x, int64_t rows, int64_t n);

/* dx = dy * f'(x), expressed through y = f(x) (dx may alias dy). */
void em_act_backward(em_activation a, float *dx, const float *dy, const float *y, int64_t rows, int64_t n);

#endif
