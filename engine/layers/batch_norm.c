/* BatchNormalization (Keras 2.2.4; norm_layers.h says exactly what it
 * computes).  Per feature c of the last axis, over the R rows of the input:
 *   training   mean_c, var_c (biased) of the batch; y = (x - mean) * inv * gamma + beta,
 *              inv = 1 / sqrt(var + eps); then the moving statistics update;
 *   inference  the same with moving_mean / moving_variance.
 * Loops run row by row over contiguous features (the inner loop vectorizes);
 * sums are accumulated in double, one row at a time in a fixed order, so
 * results never depend on the thread count (the layer is single-threaded:
 * it is memory-bound, a few passes over its input). */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "core_layers.h"
#include "norm_layers.h"

/* Indexed by EM_NORM_INIT_*; "zero" and "one" are Keras's aliases (norm_layers.h). */
static const char *const initializer_names[] = {"zeros", "ones", "zero", "one", NULL};

#define FIELD(f) .offset = offsetof(em_batch_norm_config, f)
const em_option em_batch_norm_options[] = {
    {.name = "axis", .type = EM_OPTION_INT, FIELD(axis), .def = -1, .lo = -EM_MAX_DIMS, .hi = EM_MAX_DIMS - 1,
     .doc = "the features axis; only the last one (-1) is supported"},
    {.name = "momentum", .type = EM_OPTION_RATE, FIELD(momentum), .def = 0.99, .lo = 0, .hi = 1,
     .doc = "of the moving mean and variance (moving = momentum * moving + (1 - momentum) * batch, zero-debiased)"},
    {.name = "epsilon", .type = EM_OPTION_NUMBER, FIELD(epsilon), .def = 1e-3, .lo = 1e-12, .hi = 1e6,
     .doc = "added to the variance before its square root"},
    {.name = "center", .type = EM_OPTION_BOOL, FIELD(center), .def = 1, .doc = "whether to add the offset beta"},
    {.name = "scale", .type = EM_OPTION_BOOL, FIELD(scale), .def = 1, .doc = "whether to multiply by gamma"},
    {.name = "beta_initializer", .type = EM_OPTION_CHOICE, FIELD(beta_initializer), .def = EM_NORM_INIT_ZEROS,
     .choices = initializer_names, .doc = "beta's initial value"},
    {.name = "gamma_initializer", .type = EM_OPTION_CHOICE, FIELD(gamma_initializer), .def = EM_NORM_INIT_ONES,
     .choices = initializer_names, .doc = "gamma's initial value"},
    {.name = "moving_mean_initializer", .type = EM_OPTION_CHOICE, FIELD(moving_mean_initializer),
     .def = EM_NORM_INIT_ZEROS, .choices = initializer_names, .doc = "the moving mean's initial value"},
    {.name = "moving_variance_initializer", .type = EM_OPTION_CHOICE, FIELD(moving_variance_initializer),
     .def = EM_NORM_INIT_ONES, .choices = initializer_names, .doc = "the moving variance's initial value"},
    {.name = NULL}};
#undef FIELD

typedef struct {
    em_batch_norm_config c;
    int64_t feat;
    int igamma, ibeta, imean, ivar;  /* parameter indices, -1 when absent */
    /* Per feature (feat each, allocated at build): */
    double *biased_mean, *biased_var;  /* TF's zero-debias accumulators (not weights) */
    float *mean, *inv;                 /* the last training forward's batch statistics */
    float *a, *b;                      /* y = x * a + b of the current forward; backward's scratch */
    float *m2;                         /* backward's scratch */
    double *s1, *s2;                   /* sums */
    double *dblock;                    /* one allocation for the double arrays, one for the floats */
    float *fblock;
    int64_t steps;                     /* moving-average updates made (TF's local_step) */
    em_tensor x;                       /* view of the last training forward's input; dropped by backward */
    em_tensor xbuf, y, dx, dybuf;
} batch_norm;

void em_norm_init(em_tensor *t, int initializer) {
    em_tensor_fill(t, initializer == EM_NORM_INIT_ONES || initializer == EM_NORM_INIT_ONE ? 1.0 : 0.0);
}

int em_norm_check_axis(const char *who, int64_t axis, int ndim, const int64_t *shape) {
    char buf[160];
    if (ndim < 2)
        return em_fail("%s: expected an input of rank >= 2 (batch, ..., features), got shape %s", who,
                       em_shape_str(buf, sizeof buf, ndim, shape));
    int64_t a = axis < 0 ? axis + ndim : axis;
    if (a < 0 || a >= ndim)
        return em_fail("%s: option 'axis' = %lld is out of range for an input of rank %d (shape %s)", who,
                       (long long)axis, ndim, em_shape_str(buf, sizeof buf, ndim, shape));
    if (a != ndim - 1)
        return em_fail("%s: option 'axis' = %lld is not supported: only the last axis (-1, the features of a "
                       "(batch, ..., features) input) is normalized; got an input of shape %s", who, (long long)axis,
                       em_shape_str(buf, sizeof buf, ndim, shape));
    if (shape[ndim - 1] < 0)
        return em_fail("%s: the last dimension of the input (axis %lld) must be known, got shape %s", who,
                       (long long)axis, em_shape_str(buf, sizeof buf, ndim, shape));
    return 0;
}

static int add_weight(em_layer *l, const char *name, int64_t n, int initializer, int nontrainable, int *index) {
    if (em_layer_add_param(l, name, 1, &n)) return -1;
    *index = l->nparams - 1;
    l->param_nontrainable[*index] = (unsigned char)nontrainable;
    em_norm_init(&l->params[*index], initializer);
    return 0;
}

static int bn_build(em_layer *l, int ndim, const int64_t *in, int *out_ndim, int64_t *out) {
    batch_norm *d = l->self;
    if (em_norm_check_axis("BatchNormalization", d->c.axis, ndim, in)) return -1;
    int64_t n = d->feat = in[ndim - 1];
    if (em_check_memory("BatchNormalization", "the per-feature statistics", 56.0 * (double)n)) return -1;
    free(d->dblock);  /* a build that failed earlier may have left them */
    free(d->fblock);
    d->dblock = calloc(4 * (size_t)n + 1, sizeof(double));
    d->fblock = calloc(5 * (size_t)n + 1, sizeof(float));
    if (!d->dblock || !d->fblock) return em_fail("BatchNormalization: out of memory for %lld features", (long long)n);
    d->biased_mean = d->dblock;
    d->biased_var = d->dblock + n;
    d->s1 = d->dblock + 2 * n;
    d->s2 = d->dblock + 3 * n;
    d->mean = d->fblock;
    d->inv = d->fblock + n;
    d->a = d->fblock + 2 * n;
    d->b = d->fblock + 3 * n;
    d->m2 = d->fblock + 4 * n;
    d->igamma = d->ibeta = -1;
    if (d->c.scale && add_weight(l, "gamma", n, d->c.gamma_initializer, 0, &d->igamma)) return -1;
    if (d->c.center && add_weight(l, "beta", n, d->c.beta_initializer, 0, &d->ibeta)) return -1;
    if (add_weight(l, "moving_mean", n, d->c.moving_mean_initializer, 1, &d->imean)) return -1;
    if (add_weight(l, "moving_variance", n, d->c.moving_variance_initializer, 1, &d->ivar)) return -1;
    *out_ndim = ndim;
    memcpy(out, in, sizeof(int64_t) * (size_t)ndim);
    return 0;
}

/* Batch mean and biased variance per feature into d->mean / d->s2 (two
 * passes: the centred sum of squares keeps the variance accurate when the
 * mean is large). */
static void batch_moments(batch_norm *d, const float *X, int64_t rows, double *var) {
    int64_t n = d->feat;
    double *s = d->s1, *q = d->s2;
    for (int64_t c = 0; c < n; c++) s[c] = q[c] = 0.0;
    for (int64_t r = 0; r < rows; r++) {
        const float *x = X + r * n;
        for (int64_t c = 0; c < n; c++) s[c] += x[c];
    }
    for (int64_t c = 0; c < n; c++) d->mean[c] = (float)(s[c] / (double)rows);
    for (int64_t r = 0; r < rows; r++) {
        const float *x = X + r * n;
        const float *m = d->mean;
        for (int64_t c = 0; c < n; c++) {
            double t = (double)x[c] - (double)m[c];
            q[c] += t * t;
        }
    }
    for (int64_t c = 0; c < n; c++) var[c] = q[c] / (double)rows;
}

/* Keras 2.2.4 + TF: value = var * n / (n - (1 + eps)); TF's zero-debiased
 * assign_moving_average (norm_layers.h). */
static void update_moving(em_layer *l, batch_norm *d, const double *var, int64_t rows) {
    double m = d->c.momentum, n = (double)rows;
    double factor = n / (n - (1.0 + d->c.epsilon));
    d->steps++;
    double debias = 1.0 - pow(m, (double)d->steps);
    float *mm = em_f32(&l->params[d->imean]), *mv = em_f32(&l->params[d->ivar]);
    for (int64_t c = 0; c < d->feat; c++) {
        d->biased_mean[c] = m * d->biased_mean[c] + (1.0 - m) * (double)d->mean[c];
        d->biased_var[c] = m * d->biased_var[c] + (1.0 - m) * var[c] * factor;
        mm[c] = (float)(d->biased_mean[c] / debias);
        mv[c] = (float)(d->biased_var[c] / debias);
    }
}

static int bn_forward(em_layer *l, const em_tensor *x, int training, em_tensor *y) {
    batch_norm *d = l->self;
    if (x->dtype != EM_FLOAT32)
        return em_fail("BatchNormalization: expected a float32 input, got %s", em_dtype_name(x->dtype));
    const em_tensor *xc;
    if (em_layer_contiguous(x, &d->xbuf, &xc)) return -1;
    if (em_tensor_reuse(&d->y, EM_FLOAT32, x->ndim, x->shape, x)) return -1;
    int64_t rows = em_layer_rows(x), n = d->feat;
    const float *X = em_f32(xc);
    const float *gamma = d->igamma >= 0 ? em_f32(&l->params[d->igamma]) : NULL;
    const float *beta = d->ibeta >= 0 ? em_f32(&l->params[d->ibeta]) : NULL;
    double eps = d->c.epsilon;
    int batch_stats = training && rows > 0;  /* an empty batch has no statistics: nothing to update */
    if (batch_stats) {
        double *var = d->s2;  /* batch_moments leaves the variance here */
        batch_moments(d, X, rows, var);
        for (int64_t c = 0; c < n; c++) d->inv[c] = (float)(1.0 / sqrt(var[c] + eps));
        for (int64_t c = 0; c < n; c++) {
            double g = gamma ? gamma[c] : 1.0, bt = beta ? beta[c] : 0.0;
            d->a[c] = (float)(g * d->inv[c]);
            d->b[c] = (float)(bt - (double)d->mean[c] * g * d->inv[c]);
        }
        if (l->trainable) update_moving(l, d, var, rows);
    } else {
        const float *mm = em_f32(&l->params[d->imean]), *mv = em_f32(&l->params[d->ivar]);
        for (int64_t c = 0; c < n; c++) {
            double g = gamma ? gamma[c] : 1.0, bt = beta ? beta[c] : 0.0;
            double inv = 1.0 / sqrt((double)mv[c] + eps);
            d->a[c] = (float)(g * inv);
            d->b[c] = (float)(bt - (double)mm[c] * g * inv);
        }
    }
    float *Y = em_f32(&d->y);
    const float *a = d->a, *b = d->b;
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = X + r * n;
        float *yr = Y + r * n;
        for (int64_t c = 0; c < n; c++) yr[c] = xr[c] * a[c] + b[c];
    }
    if (training) em_tensor_view(&d->x, xc);
    else em_tensor_release(&d->x);
    em_tensor_view(y, &d->y);
    return 0;
}

/* With xh = (x - mean) * inv and g = gamma (1 without scale):
 *   dbeta = sum dy,  dgamma = sum dy * xh,
 *   dx = g * inv * (dy - mean_r(dy) - xh * mean_r(dy * xh)). */
static int bn_backward(em_layer *l, const em_tensor *dy, em_tensor *dx) {
    batch_norm *d = l->self;
    if (!d->x.storage) return em_fail("BatchNormalization: backward called twice after one forward");
    const em_tensor *dyc;
    if (em_layer_contiguous(dy, &d->dybuf, &dyc)) return -1;
    int64_t rows = em_layer_rows(&d->x), n = d->feat;
    const float *X = em_f32(&d->x), *DY = em_f32(dyc), *mean = d->mean, *inv = d->inv;
    double *s1 = d->s1, *s2 = d->s2;
    for (int64_t c = 0; c < n; c++) s1[c] = s2[c] = 0.0;
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = X + r * n, *gr = DY + r * n;
        for (int64_t c = 0; c < n; c++) {
            float xh = (xr[c] - mean[c]) * inv[c];
            s1[c] += gr[c];
            s2[c] += (double)gr[c] * xh;
        }
    }
    if (l->trainable) {
        if (d->igamma >= 0) {
            float *dg = em_f32(&l->grads[d->igamma]);
            for (int64_t c = 0; c < n; c++) dg[c] += (float)s2[c];
        }
        if (d->ibeta >= 0) {
            float *db = em_f32(&l->grads[d->ibeta]);
            for (int64_t c = 0; c < n; c++) db[c] += (float)s1[c];
        }
    }
    if (!l->no_input_grad && rows > 0) {
        if (em_tensor_reuse(&d->dx, EM_FLOAT32, d->x.ndim, d->x.shape, dy)) return -1;
        const float *gamma = d->igamma >= 0 ? em_f32(&l->params[d->igamma]) : NULL;
        float *k = d->a, *m1 = d->b, *m2 = d->m2;  /* a, b: the forward's, no longer needed */
        for (int64_t c = 0; c < n; c++) {
            k[c] = (float)((gamma ? gamma[c] : 1.0) * inv[c]);
            m1[c] = (float)(s1[c] / (double)rows);
            m2[c] = (float)(s2[c] / (double)rows);
        }
        float *DX = em_f32(&d->dx);
        for (int64_t r = 0; r < rows; r++) {
            const float *xr = X + r * n, *gr = DY + r * n;
            float *o = DX + r * n;
            for (int64_t c = 0; c < n; c++) {
                float xh = (xr[c] - mean[c]) * inv[c];
                o[c] = k[c] * (gr[c] - m1[c] - xh * m2[c]);
            }
        }
    } else if (!l->no_input_grad) {
        if (em_tensor_reuse(&d->dx, EM_FLOAT32, d->x.ndim, d->x.shape, dy)) return -1;
    }
    /* As Dense: the input view is dropped so the previous layer's buffer can
     * be reused in place by the next batch. */
    em_tensor_release(&d->x);
    if (l->no_input_grad) em_tensor_release(dx);
    else em_tensor_view(dx, &d->dx);
    return 0;
}

static void bn_destroy(em_layer *l) {
    batch_norm *d = l->self;
    em_tensor *bufs[] = {&d->x, &d->xbuf, &d->y, &d->dx, &d->dybuf};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) em_tensor_release(bufs[i]);
    free(d->dblock);
    free(d->fblock);
    free(d);
}

static const em_layer_ops batch_norm_ops = {.type = "BatchNormalization", .build = bn_build, .forward = bn_forward,
    .backward = bn_backward, .destroy = bn_destroy, .flags = EM_LAYER_PASSES_MASK};

em_layer *em_batch_norm_new(const em_batch_norm_config *c) {
    if (em_options_check("BatchNormalization", em_batch_norm_options, c)) return NULL;
    batch_norm *d = calloc(1, sizeof *d);
    if (!d) { em_fail("BatchNormalization: out of memory"); return NULL; }
    d->c = *c;
    em_layer *l = em_layer_new(&batch_norm_ops, d);
    if (!l) free(d);
    return l;
}
