/* Masked losses and metrics (see masked_loss.h). */
#include "masked_loss.h"

#include <string.h>

#include "../core/error.h"

static int64_t count_unmasked(const em_tensor *mask) {
    int64_t n = 0;
    const float *m = em_f32(mask);
    for (int64_t b = 0; b < mask->shape[0]; b++)
        for (int64_t t = 0; t < mask->shape[1]; t++) n += m[b * mask->strides[0] + t * mask->strides[1]] != 0.0f;
    return n;
}

/* dst (count * block elements) = the unmasked blocks of src (B*T blocks). */
static void gather(char *dst, const char *src, const em_tensor *mask, int64_t block_bytes) {
    const float *m = em_f32(mask);
    int64_t T = mask->shape[1], k = 0;
    for (int64_t b = 0; b < mask->shape[0]; b++)
        for (int64_t t = 0; t < T; t++)
            if (m[b * mask->strides[0] + t * mask->strides[1]] != 0.0f)
                memcpy(dst + (k++) * block_bytes, src + (b * T + t) * block_bytes, (size_t)block_bytes);
}

/* src contiguous: itself, else a copy in tmp. */
static const em_tensor *contiguous(const em_tensor *src, em_tensor *tmp) {
    if (em_is_contiguous(src)) return src;
    em_tensor_release(tmp);
    return em_tensor_clone(tmp, src) ? NULL : tmp;
}

int em_masked_gather(em_masked_buffers *bufs, const em_tensor *y_pred, const em_tensor *y_true, const em_tensor *mask) {
    bufs->have = 0;
    if (mask->dtype != EM_FLOAT32 || mask->ndim != 2 || y_pred->ndim < 3 || y_pred->dtype != EM_FLOAT32 ||
        y_pred->shape[0] != mask->shape[0] || y_pred->shape[1] != mask->shape[1] ||
        (y_true->dtype != EM_FLOAT32 && y_true->dtype != EM_INT32))
        return 0;
    int64_t steps = mask->shape[0] * mask->shape[1];
    if (steps == 0 || em_numel(y_true) % steps != 0 || y_true->ndim < 1 || y_true->shape[0] != mask->shape[0]) return 0;
    int64_t pblock = em_numel(y_pred) / steps, tblock = em_numel(y_true) / steps, count = count_unmasked(mask);
    int64_t pshape[2] = {count, pblock}, tshape[2] = {count, tblock};
    /* sparse ids: one per row, (count) */
    if (em_tensor_reuse(&bufs->pred, EM_FLOAT32, 2, pshape, NULL) ||
        em_tensor_reuse(&bufs->truth, y_true->dtype, tblock == 1 ? 1 : 2, tshape, NULL))
        return -1;
    const em_tensor *p = contiguous(y_pred, &bufs->tmp);
    if (!p) return -1;
    gather((char *)em_f32(&bufs->pred), (const char *)em_f32(p), mask, pblock * 4);
    const em_tensor *t = contiguous(y_true, &bufs->tmp);
    if (!t) return -1;
    gather((char *)em_f32(&bufs->truth), (const char *)em_f32(t), mask, tblock * 4);
    /* a prediction block may hold several rows (rank > 3): keep its last axis */
    if (y_pred->ndim > 3) {
        int64_t c = y_pred->shape[y_pred->ndim - 1], rshape[2] = {count * pblock / c, c};
        bufs->pred.shape[0] = rshape[0];
        bufs->pred.shape[1] = rshape[1];
        em_contiguous_strides(2, bufs->pred.shape, bufs->pred.strides);
    }
    bufs->have = 1;
    return 1;
}

int em_masked_loss(em_masked_buffers *bufs, em_loss_kind kind, const em_tensor *y_pred, const em_tensor *mask,
                   double *loss, em_tensor *grad) {
    if (!bufs->have) return em_fail("masked loss: nothing gathered");
    if (bufs->pred.shape[0] == 0) {  /* every step masked */
        *loss = 0.0;
        if (grad) {
            if (em_tensor_reuse(grad, EM_FLOAT32, y_pred->ndim, y_pred->shape, y_pred)) return -1;
            em_tensor_fill(grad, 0.0);
        }
        return 0;
    }
    if (em_loss_compute(kind, &bufs->pred, &bufs->truth, loss, grad ? &bufs->grad : NULL)) return -1;
    if (!grad) return 0;
    if (em_tensor_reuse(grad, EM_FLOAT32, y_pred->ndim, y_pred->shape, y_pred)) return -1;
    int64_t T = mask->shape[1], block = em_numel(y_pred) / (mask->shape[0] * T), k = 0;
    const float *m = em_f32(mask), *g = em_f32(&bufs->grad);
    float *out = em_f32(grad);
    for (int64_t b = 0; b < mask->shape[0]; b++)
        for (int64_t t = 0; t < T; t++) {
            float *dst = out + (b * T + t) * block;
            if (m[b * mask->strides[0] + t * mask->strides[1]] != 0.0f)
                memcpy(dst, g + (k++) * block, sizeof(float) * (size_t)block);
            else
                memset(dst, 0, sizeof(float) * (size_t)block);
        }
    return 0;
}

int em_masked_metric(em_masked_buffers *bufs, em_metric_kind kind, double *value) {
    if (!bufs->have) return em_fail("masked metric: nothing gathered");
    if (bufs->pred.shape[0] == 0) {
        *value = 0.0;
        return 0;
    }
    return em_metric_compute(kind, &bufs->pred, &bufs->truth, value);
}
