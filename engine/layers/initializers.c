#include "initializers.h"

#include <math.h>
#include <stdlib.h>

#include "../core/error.h"
#include "../core/random.h"

void em_fans(const em_tensor *w, double *fan_in, double *fan_out) {
    if (w->ndim < 1) { *fan_in = *fan_out = 1; return; }
    if (w->ndim == 1) { *fan_in = *fan_out = (double)w->shape[0]; return; }
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
