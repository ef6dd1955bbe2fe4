#include "initializers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/random.h"

void em_fans(const em_tensor *w, double *fan_in, double *fan_out) {
    if (w->ndim != 2 && (w->ndim < 3 || w->ndim > 5)) {  /* Keras: "no specific assumptions" */
        *fan_in = *fan_out = sqrt((double)em_numel(w));
        return;
    }
    double receptive = 1;
    for (int i = 0; i < w->ndim - 2; i++) receptive *= (double)w->shape[i];
    *fan_in = (double)w->shape[w->ndim - 2] * receptive;
    *fan_out = (double)w->shape[w->ndim - 1] * receptive;
}

void em_init_uniform(em_tensor *w, double lo, double hi) {
    float *p = em_f32(w);
    for (int64_t i = 0, n = em_numel(w); i < n; i++) p[i] = (float)(lo + (hi - lo) * em_rand_double());
}

void em_init_glorot_uniform(em_tensor *w) {
    double fan_in, fan_out;
    em_fans(w, &fan_in, &fan_out);
    double limit = sqrt(6.0 / (fan_in + fan_out));
    em_init_uniform(w, -limit, limit);
}

/* Householder QR of the m x n (m >= n) row-major matrix a, in place.
 * On return q (m x n, row-major) holds the thin Q with columns scaled by
 * sign(R_ii), which is what Keras does with numpy's QR. */
static void thin_q_signed(double *a, double *q, int64_t m, int64_t n) {
    double *v = malloc(sizeof(double) * (size_t)m);
    double *betas = malloc(sizeof(double) * (size_t)n);
    double *vs = malloc(sizeof(double) * (size_t)(m * n));
    double *rdiag = malloc(sizeof(double) * (size_t)n);
    if (!v || !betas || !vs || !rdiag) goto done;
    for (int64_t k = 0; k < n; k++) {
        double norm = 0;
        for (int64_t i = k; i < m; i++) norm += a[i * n + k] * a[i * n + k];
        norm = sqrt(norm);
        double alpha = a[k * n + k] > 0 ? -norm : norm;
        for (int64_t i = 0; i < m; i++) v[i] = i < k ? 0 : a[i * n + k];
        v[k] -= alpha;
        double vnorm2 = 0;
        for (int64_t i = k; i < m; i++) vnorm2 += v[i] * v[i];
        betas[k] = vnorm2 > 0 ? 2.0 / vnorm2 : 0;
        for (int64_t j = k; j < n; j++) {
            double dot = 0;
            for (int64_t i = k; i < m; i++) dot += v[i] * a[i * n + j];
            dot *= betas[k];
            for (int64_t i = k; i < m; i++) a[i * n + j] -= dot * v[i];
        }
        rdiag[k] = a[k * n + k];
        for (int64_t i = 0; i < m; i++) vs[k * m + i] = v[i];
    }
    /* Q = H_0 H_1 ... H_{n-1} applied to the first n columns of I. */
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) q[i * n + j] = i == j ? 1.0 : 0.0;
    for (int64_t k = n - 1; k >= 0; k--) {
        const double *vk = vs + k * m;
        for (int64_t j = 0; j < n; j++) {
            double dot = 0;
            for (int64_t i = k; i < m; i++) dot += vk[i] * q[i * n + j];
            dot *= betas[k];
            for (int64_t i = k; i < m; i++) q[i * n + j] -= dot * vk[i];
        }
    }
    for (int64_t j = 0; j < n; j++)
        if (rdiag[j] < 0)
            for (int64_t i = 0; i < m; i++) q[i * n + j] = -q[i * n + j];
done:
    free(v); free(betas); free(vs); free(rdiag);
}

int em_init_orthogonal(em_tensor *w, double gain) {
    if (w->ndim != 2) return em_fail("orthogonal: expected a 2-D weight, got %d dims", w->ndim);
    int64_t rows = w->shape[0], cols = w->shape[1];
    /* Keras draws normal(rows, cols) and transposes it when rows < cols. */
    int64_t m = rows < cols ? cols : rows, n = rows < cols ? rows : cols;
    double *flat = malloc(sizeof(double) * (size_t)(rows * cols));
    double *a = malloc(sizeof(double) * (size_t)(m * n));
    double *q = malloc(sizeof(double) * (size_t)(m * n));
    if (!flat || !a || !q) { free(flat); free(a); free(q); return em_fail("orthogonal: out of memory"); }
    for (int64_t i = 0; i < rows * cols; i++) flat[i] = em_rand_normal();
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) a[i * n + j] = rows < cols ? flat[j * cols + i] : flat[i * cols + j];
    thin_q_signed(a, q, m, n);
    float *p = em_f32(w);
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++)
            p[i * cols + j] = (float)(gain * (rows < cols ? q[j * n + i] : q[i * n + j]));
    free(flat); free(a); free(q);
    return 0;
}

const char *const em_init_names[] = {"zeros", "ones", "constant", "random_normal", "random_uniform",
                                     "truncated_normal", "glorot_uniform", "glorot_normal", "he_normal",
                                     "he_uniform", "lecun_normal", "lecun_uniform", "orthogonal", NULL};

int em_init_parse(const char *who, const char *name, em_init_kind *out) {
    for (int i = 0; em_init_names[i]; i++)
        if (strcmp(name, em_init_names[i]) == 0) { *out = (em_init_kind)i; return 0; }
    /* Keras's aliases (keras/initializers.py: zero, one, normal, uniform) */
    static const struct { const char *alias; em_init_kind kind; } aliases[] = {
        {"zero", EM_INIT_ZEROS}, {"one", EM_INIT_ONES}, {"normal", EM_INIT_RANDOM_NORMAL},
        {"uniform", EM_INIT_RANDOM_UNIFORM}};
    for (size_t i = 0; i < sizeof aliases / sizeof *aliases; i++)
        if (strcmp(name, aliases[i].alias) == 0) { *out = aliases[i].kind; return 0; }
    return em_fail("%s: unknown initializer '%s' (valid: zeros, ones, constant, random_normal, random_uniform, "
                   "truncated_normal, glorot_uniform, glorot_normal, he_normal, he_uniform, lecun_normal, "
                   "lecun_uniform, orthogonal)", who, name);
}

em_init_spec em_init_default(em_init_kind kind) {
    em_init_spec s = {kind, 0, 0};
    switch (kind) {
    case EM_INIT_RANDOM_NORMAL:
    case EM_INIT_TRUNCATED_NORMAL: s.a = 0; s.b = 0.05; break;
    case EM_INIT_RANDOM_UNIFORM: s.a = -0.05; s.b = 0.05; break;
    case EM_INIT_ORTHOGONAL: s.a = 1; break;
    default: break;
    }
    return s;
}

int em_init_check(const char *who, const em_init_spec *s) {
    if ((int)s->kind < 0 || s->kind > EM_INIT_ORTHOGONAL) return em_fail("%s: no initializer %d", who, (int)s->kind);
    if (!isfinite(s->a) || !isfinite(s->b))
        return em_fail("%s: %s's parameters must be finite, got %g, %g", who, em_init_names[s->kind], s->a, s->b);
    if ((s->kind == EM_INIT_RANDOM_NORMAL || s->kind == EM_INIT_TRUNCATED_NORMAL) && s->b < 0)
        return em_fail("%s: %s's stddev must be >= 0, got %g", who, em_init_names[s->kind], s->b);
    if (s->kind == EM_INIT_RANDOM_UNIFORM && s->a > s->b)
        return em_fail("%s: random_uniform's minval %g is above its maxval %g", who, s->a, s->b);
    return 0;
}

static void fill_normal(em_tensor *w, double mean, double stddev, int truncated) {
    float *p = em_f32(w);
    for (int64_t i = 0, n = em_numel(w); i < n; i++) {
        double z = em_rand_normal();
        while (truncated && fabs(z) > 2.0) z = em_rand_normal();  /* TF's truncated_normal: redrawn beyond 2 stddev */
        p[i] = (float)(mean + stddev * z);
    }
}

/* Keras 2.2.4's VarianceScaling.__call__. */
static void variance_scaling(em_tensor *w, double scale, int mode /* 0 in, 1 avg */, int normal) {
    double fan_in, fan_out;
    em_fans(w, &fan_in, &fan_out);
    double fan = mode == 0 ? fan_in : (fan_in + fan_out) / 2;
    scale /= fan > 1 ? fan : 1;
    if (normal) fill_normal(w, 0, sqrt(scale) / .87962566103423978, 1);
    else em_init_uniform(w, -sqrt(3 * scale), sqrt(3 * scale));
}

int em_init_apply(const em_init_spec *s, em_tensor *w) {
    if (w->dtype != EM_FLOAT32 || !em_is_contiguous(w))
        return em_fail("%s: expected a contiguous float32 weight", em_init_names[s->kind]);
    if (em_init_check(em_init_names[s->kind], s)) return -1;
    switch (s->kind) {
    case EM_INIT_ZEROS: em_tensor_fill(w, 0); return 0;
    case EM_INIT_ONES: em_tensor_fill(w, 1); return 0;
    case EM_INIT_CONSTANT: em_tensor_fill(w, s->a); return 0;
    case EM_INIT_RANDOM_NORMAL: fill_normal(w, s->a, s->b, 0); return 0;
    case EM_INIT_RANDOM_UNIFORM: em_init_uniform(w, s->a, s->b); return 0;
    case EM_INIT_TRUNCATED_NORMAL: fill_normal(w, s->a, s->b, 1); return 0;
    case EM_INIT_GLOROT_UNIFORM: variance_scaling(w, 1, 1, 0); return 0;
    case EM_INIT_GLOROT_NORMAL: variance_scaling(w, 1, 1, 1); return 0;
    case EM_INIT_HE_NORMAL: variance_scaling(w, 2, 0, 1); return 0;
    case EM_INIT_HE_UNIFORM: variance_scaling(w, 2, 0, 0); return 0;
    case EM_INIT_LECUN_NORMAL: variance_scaling(w, 1, 0, 1); return 0;
    case EM_INIT_LECUN_UNIFORM: variance_scaling(w, 1, 0, 0); return 0;
    case EM_INIT_ORTHOGONAL: {
        if (w->ndim < 2) return em_fail("orthogonal: expected a weight of rank >= 2, got rank %d", w->ndim);
        /* Keras: flat_shape = (prod(shape[:-1]), shape[-1]) */
        em_tensor flat = *w;
        flat.ndim = 2;
        flat.shape[0] = em_numel(w) / (w->shape[w->ndim - 1] ? w->shape[w->ndim - 1] : 1);
        flat.shape[1] = w->shape[w->ndim - 1];
        if (flat.shape[0] == 0 || flat.shape[1] == 0) return 0;
        return em_init_orthogonal(&flat, s->a);
    }
    }
    return 0;
}
