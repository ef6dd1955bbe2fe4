/* One fused gradient all-reduce per step (see grad_sync.h). */
#include "grad_sync.h"

#include <math.h>
#include <time.h>

#include "../core/error.h"
#include "dist.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int em_grad_sync_hook(em_model *m, em_step_result *r, void *ctx) {
    em_grad_sync *s = ctx;
    int n, nmetrics = em_model_metric_count(m);
    em_tensor *const *params, *const *grads;
    em_model_trainable(m, &n, &params, &grads);
    int64_t total = 0;
    for (int i = 0; i < n; i++) total += em_numel(grads[i]);
    int64_t shape[1] = {total + 2 + nmetrics};
    if (em_tensor_resize(&s->buf, EM_FLOAT32, 1, shape)) return -1;
    float *b = em_f32(&s->buf);
    float w = (float)s->rows;
    int64_t k = 0;
    for (int i = 0; i < n; i++) {
        const float *g = em_f32(grads[i]);
        for (int64_t j = 0, c = em_numel(grads[i]); j < c; j++) b[k++] = w * g[j];
    }
    b[k++] = s->rows > 0 ? (float)(r->loss * s->rows) : 0.0f;
    for (int i = 0; i < nmetrics; i++) b[k++] = s->rows > 0 ? (float)(r->metrics[i] * s->rows) : 0.0f;
    b[k] = w;
    double t0 = now();
    int rc = em_dist_allreduce_f32(b, shape[0], EM_DIST_SUM);
    s->seconds += now() - t0;
    s->calls++;
    if (rc) return -1;
    float rows = b[k];
    if (!(rows > 0)) return em_fail("allreduce: the global batch has no rows on any rank");
    float inv = 1.0f / rows;
    k = 0;
    for (int i = 0; i < n; i++) {
        float *g = em_f32(grads[i]);
        for (int64_t j = 0, c = em_numel(grads[i]); j < c; j++) g[j] = b[k++] * inv;
    }
    r->loss = (double)b[k++] / rows;
    for (int i = 0; i < nmetrics; i++) r->metrics[i] = (double)b[k++] / rows;
    return 0;
}

void em_grad_sync_release(em_grad_sync *s) { em_tensor_release(&s->buf); }
