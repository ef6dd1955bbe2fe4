/* Unary elementwise math on tensors.
 *
 * neg, abs, relu, clamp and square keep int32 as int32 (like numpy's
 * negative/abs/clip on integers); every other function returns float32
 * (numpy returns floats for tanh, exp, sqrt... of integers). */
#ifndef EMBER_OPS_UNARY_H
#define EMBER_OPS_UNARY_H

#include "../core/tensor.h"

typedef enum {
    EM_FN_NEG, EM_FN_ABS, EM_FN_RELU, EM_FN_CLAMP, EM_FN_SQUARE,  /* dtype-preserving */
    EM_FN_TANH, EM_FN_SIGMOID, EM_FN_EXP, EM_FN_LOG, EM_FN_SQRT, EM_FN_POW,
    EM_FN_COUNT
} em_unary_fn;

const char *em_unary_name(em_unary_fn fn);

/* out = fn(a) (allocated).  p is pow's exponent or clamp's lower bound,
 * q clamp's upper bound (ignored otherwise). */
int em_unary(em_tensor *out, const em_tensor *a, em_unary_fn fn, double p, double q);

#endif
