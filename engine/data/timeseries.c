#include "timeseries.h"

#include <string.h>

#include "../core/error.h"
#include "../core/random.h"

#define FN "timeseries_generator"

int em_timeseries_init(em_timeseries *g, const em_tensor *data) {
    if (data->dtype != EM_FLOAT32 || data->ndim != 2)
        return em_fail(FN ": data must be a 2-D float32 tensor (rows, columns)");
    int64_t rows = data->shape[0], cols = data->shape[1];
    if (g->lookback < 1) return em_fail(FN ": lookback must be >= 1, got %lld", (long long)g->lookback);
    if (g->step < 1) return em_fail(FN ": step must be >= 1, got %lld", (long long)g->step);
    if (g->delay < 0) return em_fail(FN ": delay must be >= 0, got %lld", (long long)g->delay);
    if (g->batch_size < 1) return em_fail(FN ": batch_size must be >= 1, got %lld", (long long)g->batch_size);
    if (g->target_column < 1 || g->target_column > cols)
        return em_fail(FN ": target_column must be in [1, %lld], got %lld", (long long)cols, (long long)g->target_column);
    if (g->max_index <= 0) g->max_index = rows - g->delay - 1;
    if (g->min_index < 1) return em_fail(FN ": min_index must be >= 1, got %lld", (long long)g->min_index);
    if (g->max_index + g->delay > rows)
        return em_fail(FN ": max_index %lld + delay %lld is past the last row (%lld)", (long long)g->max_index,
                       (long long)g->delay, (long long)rows);
    if (g->min_index + g->lookback > g->max_index)
        return em_fail(FN ": min_index %lld + lookback %lld > max_index %lld leaves no rows to draw", (long long)g->min_index,
                       (long long)g->lookback, (long long)g->max_index);
    g->next_row = g->min_index + g->lookback;
    em_tensor_view(&g->data, data);
    return 0;
}

void em_timeseries_free(em_timeseries *g) {
    em_tensor_release(&g->data);
    for (int i = 0; i < EM_TS_POOL; i++) {
        em_tensor_release(&g->pool_samples[i]);
        em_tensor_release(&g->pool_targets[i]);
    }
}

/* A pool slot whose buffers nobody else holds; if the caller holds them
 * all, the oldest slot lets go of its buffers (the caller keeps them) and
 * gets fresh ones. */
static int pick_slot(em_timeseries *g) {
    for (int i = 0; i < EM_TS_POOL; i++)
        if (em_tensor_unshared(&g->pool_samples[i]) && em_tensor_unshared(&g->pool_targets[i])) return i;
    int i = g->pool_next++ % EM_TS_POOL;
    em_tensor_release(&g->pool_samples[i]);
    em_tensor_release(&g->pool_targets[i]);
    return i;
}

int64_t em_timeseries_steps(const em_timeseries *g) { return (g->lookback + g->step - 1) / g->step; }

/* Copy one sample: timesteps of row r (1-based) into out {steps, cols}. */
static void copy_sample(const em_timeseries *g, int64_t r, int64_t steps, float *out) {
    const em_tensor *d = &g->data;
    int64_t cols = d->shape[1], rs = d->strides[0], cs = d->strides[1];
    const float *base = em_f32(d);
    for (int64_t t = 0; t < steps; t++) {
        int64_t src_row = r - g->lookback + t * g->step - 1;  /* 0-based */
        float *dst = out + (g->reverse ? steps - 1 - t : t) * cols;
        const float *src = base + src_row * rs;
        if (cs == 1) memcpy(dst, src, (size_t)cols * sizeof(float));
        else for (int64_t c = 0; c < cols; c++) dst[c] = src[c * cs];
    }
}

int em_timeseries_next(em_timeseries *g, em_tensor *samples, em_tensor *targets) {
    int64_t first = g->min_index + g->lookback, n = g->batch_size, start = 0;
    if (!g->shuffle) {
        if (g->next_row + g->batch_size > g->max_index) g->next_row = first;
        start = g->next_row;
        n = g->max_index - start + 1 < g->batch_size ? g->max_index - start + 1 : g->batch_size;
    }
    int64_t steps = em_timeseries_steps(g), cols = g->data.shape[1];
    int64_t sshape[3] = {n, steps, cols};
    int slot = pick_slot(g);
    em_tensor *ps = &g->pool_samples[slot], *pt = &g->pool_targets[slot];
    if (em_tensor_resize(ps, EM_FLOAT32, 3, sshape) || em_tensor_resize(pt, EM_FLOAT32, 1, &n)) return -1;
    const em_tensor *d = &g->data;
    for (int64_t j = 0; j < n; j++) {
        int64_t r = g->shuffle ? first + (int64_t)em_rand_below((uint64_t)(g->max_index - first + 1)) : start + j;
        copy_sample(g, r, steps, em_f32(ps) + j * steps * cols);  /* every element is written */
        em_f32(pt)[j] = em_f32(d)[(r + g->delay - 1) * d->strides[0] + (g->target_column - 1) * d->strides[1]];
    }
    if (!g->shuffle) g->next_row = start + n;
    em_tensor_view(samples, ps);
    em_tensor_view(targets, pt);
    return 0;
}
