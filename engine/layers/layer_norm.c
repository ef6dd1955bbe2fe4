/* LayerNormalization, as tf.keras's (Keras 2.2.4 had none): each row (one
 * sample, or one timestep of a (batch, time, features) input) is normalized
 * over its features with its own mean and biased variance,
 *   y = (x - mean_r) / sqrt(var_r + eps) * gamma + beta,
 * the same in training and inference.  Weights gamma, beta (tf.keras's
 * order), per feature.  Row statistics are sums in double over contiguous
 * features, in fixed lanes (row_sum); single-threaded and deterministic. */
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

#define FIELD(f) .offset = offsetof(em_layer_norm_config, f)
const em_option em_layer_norm_options[] = {
    {.name = "axis", .type = EM_OPTION_INT, FIELD(axis), .def = -1, .lo = -EM_MAX_DIMS, .hi = EM_MAX_DIMS - 1,
     .doc = "the features axis; only the last one (-1) is supported"},
    {.name = "epsilon", .type = EM_OPTION_NUMBER, FIELD(epsilon), .def = 1e-3, .lo = 1e-12, .hi = 1e6,
     .doc = "added to the variance before its square root"},
    {.name = "center", .type = EM_OPTION_BOOL, FIELD(center), .def = 1, .doc = "whether to add the offset beta"},
    {.name = "scale", .type = EM_OPTION_BOOL, FIELD(scale), .def = 1, .doc = "whether to multiply by gamma"},
    {.name = "beta_initializer", .type = EM_OPTION_CHOICE, FIELD(beta_initializer), .def = EM_NORM_INIT_ZEROS,
     .choices = initializer_names, .doc = "beta's initial value"},
    {.name = "gamma_initializer", .type = EM_OPTION_CHOICE, FIELD(gamma_initializer), .def = EM_NORM_INIT_ONES,
     .choices = initializer_names, .doc = "gamma's initial value"},
    {.name = NULL}};
#undef FIELD

typedef struct {
    em_layer_norm_config c;
    int64_t feat;
    int igamma, ibeta;      /* parameter indices, -1 when absent */
    em_tensor mean, inv;    /* per row of the last forward (private, resized per batch) */
    em_tensor x;            /* view of the last training forward's input; dropped by backward */
    em_tensor xbuf, y, dx, dybuf;
} layer_norm;

static int ln_build(em_layer *l, int ndim, const int64_t *in, int *out_ndim, int64_t *out) {
    layer_norm *d = l->self;
    if (em_norm_check_axis("LayerNormalization", d->c.axis, ndim, in)) return -1;
    int64_t n = d->feat = in[ndim - 1];
    d->igamma = d->ibeta = -1;
    if (d->c.scale) {
        if (em_layer_add_param(l, "gamma", 1, &n)) return -1;
        d->igamma = l->nparams - 1;
        em_norm_init(&l->params[d->igamma], d->c.gamma_initializer);
    }
    if (d->c.center) {
        if (em_layer_add_param(l, "beta", 1, &n)) return -1;
        d->ibeta = l->nparams - 1;
        em_norm_init(&l->params[d->ibeta], d->c.beta_initializer);
    }
    *out_ndim = ndim;
    memcpy(out, in, sizeof(int64_t) * (size_t)ndim);
    return 0;
}

/* Row sums in 8 independent double lanes, added in a fixed order: the
 * compiler vectorizes the lanes (a single accumulator is a serial chain it
 * may not reorder), and the result does not depend on anything but n. */
enum { LANES = 8 };

static double lanes_total(const double *acc) {
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

static double row_sum(const float *x, int64_t n) {
    double acc[LANES] = {0};
    int64_t c = 0;
    for (; c + LANES <= n; c += LANES)
        for (int k = 0; k < LANES; k++) acc[k] += x[c + k];
    for (; c < n; c++) acc[0] += x[c];
    return lanes_total(acc);
}

static double row_sq_dev(const float *x, int64_t n, double m) {
    double acc[LANES] = {0};
    int64_t c = 0;
    for (; c + LANES <= n; c += LANES)
        for (int k = 0; k < LANES; k++) {
            double t = (double)x[c + k] - m;
            acc[k] += t * t;
        }
    for (; c < n; c++) {
        double t = (double)x[c] - m;
        acc[0] += t * t;
    }
    return lanes_total(acc);
}

/* sum of g and of g * xh over a row, g = dy * gamma (dy without scale),
 * xh = (x - m) * inv. */
static void row_grad_sums(const float *x, const float *dy, const float *gamma, int64_t n, float m, float inv,
                          double *s1, double *s2) {
    double a1[LANES] = {0}, a2[LANES] = {0};
    int64_t c = 0;
    for (; c + LANES <= n; c += LANES)
        for (int k = 0; k < LANES; k++) {
            float g = gamma ? dy[c + k] * gamma[c + k] : dy[c + k];
            a1[k] += g;
            a2[k] += (double)g * ((x[c + k] - m) * inv);
        }
    for (; c < n; c++) {
        float g = gamma ? dy[c] * gamma[c] : dy[c];
        a1[0] += g;
        a2[0] += (double)g * ((x[c] - m) * inv);
    }
    *s1 = lanes_total(a1);
    *s2 = lanes_total(a2);
}

static int ln_forward(em_layer *l, const em_tensor *x, int training, em_tensor *y) {
    layer_norm *d = l->self;
    if (x->dtype != EM_FLOAT32)
        return em_fail("LayerNormalization: expected a float32 input, got %s", em_dtype_name(x->dtype));
    const em_tensor *xc;
    if (em_layer_contiguous(x, &d->xbuf, &xc)) return -1;
    int64_t rows = em_layer_rows(x), n = d->feat;
    if (em_tensor_reuse(&d->y, EM_FLOAT32, x->ndim, x->shape, x)) return -1;
    if (em_tensor_resize(&d->mean, EM_FLOAT32, 1, &rows) || em_tensor_resize(&d->inv, EM_FLOAT32, 1, &rows))
        return -1;
    const float *X = em_f32(xc);
    const float *gamma = d->igamma >= 0 ? em_f32(&l->params[d->igamma]) : NULL;
    const float *beta = d->ibeta >= 0 ? em_f32(&l->params[d->ibeta]) : NULL;
    float *Y = em_f32(&d->y), *M = em_f32(&d->mean), *I = em_f32(&d->inv);
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = X + r * n;
        float *yr = Y + r * n;
        float m = (float)(row_sum(xr, n) / (double)n);
        double q = row_sq_dev(xr, n, (double)m);
        float inv = (float)(1.0 / sqrt(q / (double)n + d->c.epsilon));
        M[r] = m;
        I[r] = inv;
        for (int64_t c = 0; c < n; c++) yr[c] = (xr[c] - m) * inv;
        if (gamma)
            for (int64_t c = 0; c < n; c++) yr[c] *= gamma[c];
        if (beta)
            for (int64_t c = 0; c < n; c++) yr[c] += beta[c];
    }
    if (training) em_tensor_view(&d->x, xc);
    else em_tensor_release(&d->x);
    em_tensor_view(y, &d->y);
    return 0;
}

/* Per row, with xh = (x - mean) * inv and g = dy * gamma:
 *   dx = inv * (g - mean_c(g) - xh * mean_c(g * xh));
 * over the rows: dgamma += dy * xh, dbeta += dy. */
static int ln_backward(em_layer *l, const em_tensor *dy, em_tensor *dx) {
    layer_norm *d = l->self;
    if (!d->x.storage) return em_fail("LayerNormalization: backward called twice after one forward");
    const em_tensor *dyc;
    if (em_layer_contiguous(dy, &d->dybuf, &dyc)) return -1;
    int64_t rows = em_layer_rows(&d->x), n = d->feat;
    int want_dx = !l->no_input_grad;
    if (want_dx && em_tensor_reuse(&d->dx, EM_FLOAT32, d->x.ndim, d->x.shape, dy)) return -1;
    const float *X = em_f32(&d->x), *DY = em_f32(dyc), *M = em_f32(&d->mean), *I = em_f32(&d->inv);
    const float *gamma = d->igamma >= 0 ? em_f32(&l->params[d->igamma]) : NULL;
    float *dgamma = l->trainable && d->igamma >= 0 ? em_f32(&l->grads[d->igamma]) : NULL;
    float *dbeta = l->trainable && d->ibeta >= 0 ? em_f32(&l->grads[d->ibeta]) : NULL;
    float *DX = want_dx ? em_f32(&d->dx) : NULL;
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = X + r * n, *gr = DY + r * n;
        float m = M[r], inv = I[r];
        if (dgamma)
            for (int64_t c = 0; c < n; c++) dgamma[c] += gr[c] * ((xr[c] - m) * inv);
        if (dbeta)
            for (int64_t c = 0; c < n; c++) dbeta[c] += gr[c];
        if (!DX) continue;
        double s1, s2;
        row_grad_sums(xr, gr, gamma, n, m, inv, &s1, &s2);
        float m1 = (float)(s1 / (double)n), m2 = (float)(s2 / (double)n);
        float *o = DX + r * n;
        for (int64_t c = 0; c < n; c++) {
            float g = gamma ? gr[c] * gamma[c] : gr[c];
            o[c] = inv * (g - m1 - ((xr[c] - m) * inv) * m2);
        }
    }
    em_tensor_release(&d->x);
    if (want_dx) em_tensor_view(dx, &d->dx);
    else em_tensor_release(dx);
    return 0;
}

static void ln_destroy(em_layer *l) {
    layer_norm *d = l->self;
    em_tensor *bufs[] = {&d->mean, &d->inv, &d->x, &d->xbuf, &d->y, &d->dx, &d->dybuf};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) em_tensor_release(bufs[i]);
    free(d);
}

static const em_layer_ops layer_norm_ops = {.type = "LayerNormalization", .build = ln_build, .forward = ln_forward,
    .backward = ln_backward, .destroy = ln_destroy, .flags = EM_LAYER_PASSES_MASK};

em_layer *em_layer_norm_new(const em_layer_norm_config *c) {
    if (em_options_check("LayerNormalization", em_layer_norm_options, c)) return NULL;
    layer_norm *d = calloc(1, sizeof *d);
    if (!d) { em_fail("LayerNormalization: out of memory"); return NULL; }
    d->c = *c;
    em_layer *l = em_layer_new(&layer_norm_ops, d);
    if (!l) free(d);
    return l;
}
