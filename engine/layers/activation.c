/* Activation: y = f(x) elementwise (softmax over the last axis). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "core_layers.h"

#define FIELD(f) .offset = offsetof(em_activation_config, f)
const em_option em_activation_options[] = {
    {.name = "activation", .type = EM_OPTION_ANY_ACTIVATION, FIELD(activation), .required = 1,
     .doc = "the function applied"},
    {.name = NULL}};
#undef FIELD

typedef struct {
    em_activation act;
    em_tensor y, dx, buf;
    int ran;
} activation_layer;

static int act_build(em_layer *l, int ndim, const int64_t *in, int *out_ndim, int64_t *out) {
    activation_layer *a = l->self;
    char buf[160];
    if (a->act == EM_ACT_SOFTMAX && (ndim < 2 || in[ndim - 1] < 0))
        return em_fail("Activation: softmax needs an input of rank >= 2 with a known last dimension, got %s",
                       em_shape_str(buf, sizeof buf, ndim, in));
    *out_ndim = ndim;
    memcpy(out, in, sizeof(int64_t) * (size_t)ndim);
    return 0;
}

static void apply(em_activation act, float *y, const float *x, const em_tensor *shape_of, int forward, const float *yy) {
    int64_t n = em_numel(shape_of);
    int64_t rows = act == EM_ACT_SOFTMAX ? em_layer_rows(shape_of) : 1;
    int64_t len = act == EM_ACT_SOFTMAX ? shape_of->shape[shape_of->ndim - 1] : n;
    if (forward) em_act_forward(act, y, x, rows, len);
    else em_act_backward(act, y, x, yy, rows, len);
}

static int act_forward(em_layer *l, const em_tensor *x, int training, em_tensor *y) {
    activation_layer *a = l->self;
    if (x->dtype != EM_FLOAT32) return em_fail("Activation: expected a float32 input, got %s", em_dtype_name(x->dtype));
    const em_tensor *xc;
    if (em_layer_contiguous(x, &a->buf, &xc)) return -1;
    if (em_tensor_reuse(&a->y, EM_FLOAT32, x->ndim, x->shape, x)) return -1;
    apply(a->act, em_f32(&a->y), em_f32(xc), x, 1, NULL);
    a->ran = 1;
    em_tensor_view(y, &a->y);
    return 0;
}

static int act_backward(em_layer *l, const em_tensor *dy, em_tensor *dx) {
    activation_layer *a = l->self;
    if (!a->ran) return em_fail("Activation: backward called before forward");
    if (!em_same_shape(dy, &a->y)) {
        char s1[160], s2[160];
        return em_fail("Activation: gradient of shape %s does not match the last output %s",
                       em_tensor_shape_str(dy, s1, sizeof s1), em_tensor_shape_str(&a->y, s2, sizeof s2));
    }
    const em_tensor *dyc;
    if (em_layer_contiguous(dy, &a->buf, &dyc)) return -1;
    if (em_tensor_reuse(&a->dx, EM_FLOAT32, dy->ndim, dy->shape, dy)) return -1;
    apply(a->act, em_f32(&a->dx), em_f32(dyc), dy, 0, em_f32(&a->y));
    em_tensor_view(dx, &a->dx);
    return 0;
}

static void act_destroy(em_layer *l) {
    activation_layer *a = l->self;
    em_tensor_release(&a->y);
    em_tensor_release(&a->dx);
    em_tensor_release(&a->buf);
    free(a);
}

static const em_layer_ops activation_ops = {.type = "Activation", .build = act_build, .forward = act_forward,
    .backward = act_backward, .destroy = act_destroy, .flags = EM_LAYER_PASSES_MASK};

em_layer *em_activation_layer_new(em_activation activation) {
    activation_layer *a = calloc(1, sizeof *a);
    if (!a) { em_fail("Activation: out of memory"); return NULL; }
    a->act = activation;
    em_layer *l = em_layer_new(&activation_ops, a);
    if (!l) free(a);
    return l;
}
