/* Global 1-D pooling: one pass over the timesteps with the channel loop
 * innermost (vectorizable); max records the argmax timestep per channel.
 * Each sample is a single window of pooling1d.c's kernels. */
#include "global_pooling1d.h"

#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "pooling1d.h"

typedef struct {
    const char *type;
    int is_max;
    int have_forward;
    int64_t batch, t_in, chans;
    em_pool_buffers buf; /* y and argmax {batch, chans} */
    em_tensor mask_in;   /* average: the (batch, time) mask of this call (a view), or empty */
    int masked;          /* the last forward averaged over unmasked steps only */
    em_tensor wts;       /* (batch, time) m / count of unmasked steps: each step's weight in the mean */
} gpool1d;

static int gpool_build(em_layer *l, int ndim, const int64_t *in, int *out_ndim, int64_t *out) {
    gpool1d *s = l->self;
    char buf[160];
    if (ndim != 3)
        return em_fail("%s: expected a 3-D input {batch, time, channels}, got shape %s", s->type,
                       em_shape_str(buf, sizeof buf, ndim, in));
    if (in[1] == 0) return em_fail("%s: the input has no timesteps (shape %s)", s->type, em_shape_str(buf, sizeof buf, ndim, in));
    *out_ndim = 2;
    out[0] = in[0];
    out[1] = in[2];
    return 0;
}

/* Keras 2.2 GlobalAveragePooling1D with a mask: sum(x * m) / sum(m) over
 * time.  A sample with every step masked gives 0 (Keras divides 0 by 0). */
static int masked_weights(gpool1d *s, const em_tensor *mask) {
    int64_t B = s->batch, T = s->t_in, shape[2] = {B, T};
    if (mask->dtype != EM_FLOAT32 || mask->ndim != 2 || mask->shape[0] != B || mask->shape[1] != T) {
        char got[160];
        return em_fail("%s: expected a float32 mask of shape {%lld,%lld} (batch, time), got %s %s", s->type,
                       (long long)B, (long long)T, em_dtype_name(mask->dtype),
                       em_tensor_shape_str(mask, got, sizeof got));
    }
    if (em_tensor_reuse(&s->wts, EM_FLOAT32, 2, shape, NULL)) return -1;
    const float *m = em_f32(mask);
    float *w = em_f32(&s->wts);
    for (int64_t b = 0; b < B; b++) {
        float count = 0.0f;
        for (int64_t t = 0; t < T; t++) count += m[b * mask->strides[0] + t * mask->strides[1]] != 0.0f;
        float inv = count > 0.0f ? 1.0f / count : 0.0f;
        for (int64_t t = 0; t < T; t++) w[b * T + t] = (m[b * mask->strides[0] + t * mask->strides[1]] != 0.0f) * inv;
    }
    return 0;
}

static void masked_average(gpool1d *s, const float *x, float *y) {
    int64_t C = s->chans, T = s->t_in;
    const float *w = em_f32(&s->wts);
    for (int64_t b = 0; b < s->batch; b++) {
        float *o = y + b * C;
        memset(o, 0, sizeof(float) * (size_t)C);
        for (int64_t t = 0; t < T; t++) {
            const float *row = x + (b * T + t) * C;
            float wt = w[b * T + t];
            for (int64_t c = 0; c < C; c++) o[c] += wt * row[c];
        }
    }
}

/* Each sample is one window over all its timesteps. */
static void pool_samples(gpool1d *s, const float *x, float *y, int32_t *arg) {
    int64_t C = s->chans, T = s->t_in;
    for (int64_t b = 0; b < s->batch; b++) {
        if (s->is_max) em_pool_max_window(x + b * T * C, C, 0, T, y + b * C, arg + b * C);
        else em_pool_avg_window(x + b * T * C, C, 0, T, y + b * C);
    }
}

static int gpool_forward(em_layer *l, const em_tensor *x, int training, em_tensor *y) {
    gpool1d *s = l->self;
    char buf[160];
    if (x->dtype != EM_FLOAT32) return em_fail("%s: expected a float32 input, got %s", s->type, em_dtype_name(x->dtype));
    if (x->shape[1] == 0) return em_fail("%s: the input has no timesteps (shape %s)", s->type, em_tensor_shape_str(x, buf, sizeof buf));
    s->batch = x->shape[0];
    s->t_in = x->shape[1];
    s->chans = x->shape[2];
    int64_t shape[2] = {s->batch, s->chans};
    if (em_tensor_reuse(&s->buf.y, EM_FLOAT32, 2, shape, x)) return -1;
    if (s->is_max && em_tensor_reuse(&s->buf.argmax, EM_INT32, 2, shape, x)) return -1;
    const float *xp = em_pool_contiguous(&s->buf.xbuf, x);
    if (!xp) return -1;
    s->masked = s->mask_in.storage != NULL;
    if (s->masked && masked_weights(s, &s->mask_in)) return -1;
    if (s->masked) masked_average(s, xp, em_f32(&s->buf.y));
    else pool_samples(s, xp, em_f32(&s->buf.y), s->is_max ? em_i32(&s->buf.argmax) : NULL);
    s->have_forward = 1;
    em_tensor_view(y, &s->buf.y);
    return 0;
}

static int gpool_backward(em_layer *l, const em_tensor *dy, em_tensor *dx) {
    gpool1d *s = l->self;
    char got[160], want[160];
    if (!s->have_forward) return em_fail("%s: backward called before forward", s->type);
    int64_t yshape[2] = {s->batch, s->chans};
    if (dy->ndim != 2 || dy->shape[0] != yshape[0] || dy->shape[1] != yshape[1])
        return em_fail("%s: gradient of shape %s does not match the last output %s", s->type,
                       em_tensor_shape_str(dy, got, sizeof got), em_shape_str(want, sizeof want, 2, yshape));
    if (l->no_input_grad) {  /* first layer of a model: no parameters, nothing to do */
        em_tensor_release(dx);
        return 0;
    }
    const float *g = em_pool_contiguous(&s->buf.dybuf, dy);
    if (!g) return -1;
    int64_t xshape[3] = {s->batch, s->t_in, s->chans}, C = s->chans, T = s->t_in;
    if (em_tensor_reuse(&s->buf.dx, EM_FLOAT32, 3, xshape, dy)) return -1;
    float *d = em_f32(&s->buf.dx);
    if (s->is_max) {
        memset(d, 0, sizeof(float) * (size_t)em_numel(&s->buf.dx));
        const int32_t *arg = em_i32(&s->buf.argmax);
        for (int64_t b = 0; b < s->batch; b++)
            for (int64_t c = 0; c < C; c++) d[(b * T + arg[b * C + c]) * C + c] = g[b * C + c];
    } else if (s->masked) {
        const float *w = em_f32(&s->wts);
        for (int64_t b = 0; b < s->batch; b++)
            for (int64_t t = 0; t < T; t++)
                for (int64_t c = 0; c < C; c++) d[(b * T + t) * C + c] = g[b * C + c] * w[b * T + t];
    } else {
        float inv = 1.0f / (float)T;
        for (int64_t b = 0; b < s->batch; b++)
            for (int64_t t = 0; t < T; t++)
                for (int64_t c = 0; c < C; c++) d[(b * T + t) * C + c] = g[b * C + c] * inv;
    }
    em_tensor_view(dx, &s->buf.dx);
    return 0;
}

static void gpool_destroy(em_layer *l) {
    gpool1d *s = l->self;
    em_pool_buffers_release(&s->buf);
    em_tensor_release(&s->mask_in);
    em_tensor_release(&s->wts);
    free(s);
}

/* The average honours a mask and consumes it (Keras: no output mask). */
static int gavg_call(em_layer *l, const em_layer_io *in, int training, em_layer_io *out) {
    gpool1d *s = l->self;
    if (in->n != 1) return em_fail("%s: takes one input tensor, got %d", s->type, in->n);
    if (in->mask.storage) em_tensor_view(&s->mask_in, &in->mask);
    int rc = em_layer_forward(l, &in->t[0], training, &out->t[0]);
    em_tensor_release(&s->mask_in);
    if (rc) return -1;
    out->n = 1;
    return 0;
}

static const em_layer_ops gmax_ops = {.type = "GlobalMaxPooling1D", .build = gpool_build, .forward = gpool_forward,
    .backward = gpool_backward, .destroy = gpool_destroy, .flags = 0};
static const em_layer_ops gavg_ops = {.type = "GlobalAveragePooling1D", .build = gpool_build, .forward = gpool_forward,
    .backward = gpool_backward, .destroy = gpool_destroy, .flags = EM_LAYER_TAKES_MASK, .call = gavg_call};

static em_layer *gpool_new(const em_layer_ops *ops, int is_max) {
    gpool1d *s = calloc(1, sizeof *s);
    if (!s) { em_fail("%s: out of memory", ops->type); return NULL; }
    s->type = ops->type;
    s->is_max = is_max;
    em_layer *l = em_layer_new(ops, s);
    if (!l) free(s);
    return l;
}

em_layer *em_global_max_pooling1d_new(void) { return gpool_new(&gmax_ops, 1); }
em_layer *em_global_average_pooling1d_new(void) { return gpool_new(&gavg_ops, 0); }
