/* Dense: y = act(x W + b) over the last axis of x, as Keras 2 does for
 * inputs of any rank >= 2.  The batch (and time) dims are folded into the
 * GEMM's rows, so a rank-3 input costs one sgemm, not one per timestep. */
#include <stddef.h>
#include <stdint.h>
#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "core_layers.h"
#include "initializers.h"
#include "../ops/gemm.h"

#define FIELD(f) .offset = offsetof(em_dense_config, f)
const em_option em_dense_options[] = {
    {.name = "units", .type = EM_OPTION_INT, FIELD(units), .lo = 1, .hi = INT32_MAX, .required = 1,
     .doc = "the size of the output's last axis"},
    {.name = "activation", .type = EM_OPTION_ANY_ACTIVATION, FIELD(activation), .def = EM_ACT_LINEAR,
     .doc = "applied to the output"},
    {.name = "use_bias", .type = EM_OPTION_BOOL, FIELD(use_bias), .def = 1, .doc = "whether the layer has a bias"},
    {.name = NULL}};
#undef FIELD

typedef struct {
    int64_t units, in_dim;
    em_activation act;
    int use_bias;
    em_tensor x;       /* view of the last forward's (contiguous) input; dropped by backward */
    em_tensor xbuf;    /* contiguous copy of a strided input */
    em_tensor y, dz, dx, dybuf;
} dense;

static int dense_build(em_layer *l, int ndim, const int64_t *in, int *out_ndim, int64_t *out) {
    dense *d = l->self;
    char buf[160];
    if (ndim < 2)
        return em_fail("Dense: expected an input of rank >= 2 (batch, ..., features), got shape %s",
                       em_shape_str(buf, sizeof buf, ndim, in));
    if (in[ndim - 1] < 0)
        return em_fail("Dense: the last dimension of the input must be known, got shape %s",
                       em_shape_str(buf, sizeof buf, ndim, in));
    d->in_dim = in[ndim - 1];
    int64_t kshape[2] = {d->in_dim, d->units};
    if (em_layer_add_param(l, "kernel", 2, kshape)) return -1;
    em_init_glorot_uniform(&l->params[0]);
    if (d->use_bias && em_layer_add_param(l, "bias", 1, &d->units)) return -1;
    *out_ndim = ndim;
    memcpy(out, in, sizeof(int64_t) * (size_t)ndim);
    out[ndim - 1] = d->units;
    return 0;
}

static int dense_forward(em_layer *l, const em_tensor *x, int training, em_tensor *y) {
    dense *d = l->self;
    if (x->dtype != EM_FLOAT32) return em_fail("Dense: expected a float32 input, got %s", em_dtype_name(x->dtype));
    const em_tensor *xc;
    if (em_layer_contiguous(x, &d->xbuf, &xc)) return -1;
    int64_t shape[EM_MAX_DIMS];
    memcpy(shape, x->shape, sizeof shape);
    shape[x->ndim - 1] = d->units;
    if (em_tensor_reuse(&d->y, EM_FLOAT32, x->ndim, shape, x)) return -1;
    int64_t rows = em_layer_rows(x), n = d->units, k = d->in_dim;
    float *Y = em_f32(&d->y);
    float beta = 0.0f;
    if (d->use_bias) {
        const float *b = em_f32(&l->params[1]);
        for (int64_t r = 0; r < rows; r++) memcpy(Y + r * n, b, sizeof(float) * (size_t)n);
        beta = 1.0f;
    }
    if (rows > 0)
        em_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)n, (int)k, 1.0f, em_f32(xc),
                    (int)k, em_f32(&l->params[0]), (int)n, beta, Y, (int)n);
    if (d->act == EM_ACT_SOFTMAX) em_act_forward(d->act, Y, Y, rows, n);
    else em_act_forward(d->act, Y, Y, 1, rows * n);
    em_tensor_view(&d->x, xc);
    em_tensor_view(y, &d->y);
    return 0;
}

static int dense_backward(em_layer *l, const em_tensor *dy, em_tensor *dx) {
    dense *d = l->self;
    if (!d->x.storage) return em_fail("Dense: backward called twice after one forward");
    if (!em_same_shape(dy, &d->y)) {
        char a[160], b[160];
        return em_fail("Dense: gradient of shape %s does not match the last output %s",
                       em_tensor_shape_str(dy, a, sizeof a), em_tensor_shape_str(&d->y, b, sizeof b));
    }
    const em_tensor *dyc;
    if (em_layer_contiguous(dy, &d->dybuf, &dyc)) return -1;
    if (em_tensor_reuse(&d->dz, EM_FLOAT32, d->y.ndim, d->y.shape, dy)) return -1;
    if (em_tensor_reuse(&d->dx, EM_FLOAT32, d->x.ndim, d->x.shape, dy)) return -1;
    int64_t rows = em_layer_rows(&d->y), n = d->units, k = d->in_dim;
    float *DZ = em_f32(&d->dz);
    if (d->act == EM_ACT_SOFTMAX) em_act_backward(d->act, DZ, em_f32(dyc), em_f32(&d->y), rows, n);
    else em_act_backward(d->act, DZ, em_f32(dyc), em_f32(&d->y), 1, rows * n);
    if (rows > 0) {
        if (l->trainable) {
            /* dW += x^T dz ; db += column sums of dz */
            em_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k, (int)n, (int)rows, 1.0f, em_f32(&d->x),
                        (int)k, DZ, (int)n, 1.0f, em_f32(&l->grads[0]), (int)n);
            if (d->use_bias) {
                float *db = em_f32(&l->grads[1]);
                for (int64_t r = 0; r < rows; r++) {
                    const float *z = DZ + r * n;
                    for (int64_t j = 0; j < n; j++) db[j] += z[j];
                }
            }
        }
        if (!l->no_input_grad)
            em_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)k, (int)n, 1.0f, DZ, (int)n,
                        em_f32(&l->params[0]), (int)n, 0.0f, em_f32(&d->dx), (int)k);
    }
    /* The input view is dropped so the previous layer's buffer can be reused
     * in place by the next batch. */
    em_tensor_release(&d->x);
    if (l->no_input_grad) em_tensor_release(dx);
    else em_tensor_view(dx, &d->dx);
    return 0;
}

static void dense_destroy(em_layer *l) {
    dense *d = l->self;
    em_tensor *bufs[] = {&d->x, &d->xbuf, &d->y, &d->dz, &d->dx, &d->dybuf};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) em_tensor_release(bufs[i]);
    free(d);
}

static const em_layer_ops dense_ops = {.type = "Dense", .build = dense_build, .forward = dense_forward,
    .backward = dense_backward, .destroy = dense_destroy, .flags = EM_LAYER_PASSES_MASK};

em_layer *em_dense_new(int64_t units, em_activation activation, int use_bias) {
    if (units < 1) { em_fail("Dense: units must be >= 1, got %lld", (long long)units); return NULL; }
    if (units > INT32_MAX) { em_fail("Dense: units %lld is too large", (long long)units); return NULL; }
    dense *d = calloc(1, sizeof *d);
    if (!d) { em_fail("Dense: out of memory"); return NULL; }
    d->units = units;
    d->act = activation;
    d->use_bias = use_bias;
    em_layer *l = em_layer_new(&dense_ops, d);
    if (!l) free(d);
    return l;
}
