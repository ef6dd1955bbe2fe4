/* Global 1-D pooling: one pass over the timesteps with the channel loop
 * innermost (vectorizable); max records the argmax timestep per channel. */
#include "global_pooling1d.h"

#include <stdlib.h>
#include <string.h>

#include "../core/error.h"

typedef struct {
    const char *type;
    int is_max;
    int have_forward;
    int64_t batch, t_in, chans;
    em_tensor xbuf, y, argmax, dybuf, dx;
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

static const float *contiguous(em_tensor *buf, const em_tensor *t) {
    if (em_is_contiguous(t)) return em_f32(t);
    if (em_tensor_reuse(buf, EM_FLOAT32, t->ndim, t->shape, t) || em_tensor_copy(buf, t)) return NULL;
    return em_f32(buf);
}

static void max_forward(gpool1d *s, const float *x, float *y, int32_t *arg) {
    int64_t C = s->chans, T = s->t_in;
    for (int64_t b = 0; b < s->batch; b++) {
        const float *xb = x + b * T * C;
        float *yr = y + b * C;
        int32_t *ar = arg + b * C;
        for (int64_t c = 0; c < C; c++) { yr[c] = xb[c]; ar[c] = 0; }
        for (int64_t t = 1; t < T; t++)
            for (int64_t c = 0; c < C; c++) {
                int better = xb[t * C + c] > yr[c];  /* first max wins */
                ar[c] = better ? (int32_t)t : ar[c];
                yr[c] = better ? xb[t * C + c] : yr[c];
            }
    }
}

static void avg_forward(gpool1d *s, const float *x, float *y) {
    int64_t C = s->chans, T = s->t_in;
    float inv = 1.0f / (float)T;
    for (int64_t b = 0; b < s->batch; b++) {
        const float *xb = x + b * T * C;
        float *yr = y + b * C;
        memset(yr, 0, sizeof(float) * (size_t)C);
        for (int64_t t = 0; t < T; t++)
            for (int64_t c = 0; c < C; c++) yr[c] += xb[t * C + c];
        for (int64_t c = 0; c < C; c++) yr[c] *= inv;
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
    if (em_tensor_reuse(&s->y, EM_FLOAT32, 2, shape, x)) return -1;
    if (s->is_max && em_tensor_reuse(&s->argmax, EM_INT32, 2, shape, x)) return -1;
    const float *xp = contiguous(&s->xbuf, x);
    if (!xp) return -1;
    if (s->is_max) max_forward(s, xp, em_f32(&s->y), em_i32(&s->argmax));
    else avg_forward(s, xp, em_f32(&s->y));
    s->have_forward = 1;
    em_tensor_view(y, &s->y);
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
    const float *g = contiguous(&s->dybuf, dy);
    if (!g) return -1;
    int64_t xshape[3] = {s->batch, s->t_in, s->chans}, C = s->chans, T = s->t_in;
    if (em_tensor_reuse(&s->dx, EM_FLOAT32, 3, xshape, dy)) return -1;
    float *d = em_f32(&s->dx);
    if (s->is_max) {
        memset(d, 0, sizeof(float) * (size_t)em_numel(&s->dx));
        const int32_t *arg = em_i32(&s->argmax);
        for (int64_t b = 0; b < s->batch; b++)
            for (int64_t c = 0; c < C; c++) d[(b * T + arg[b * C + c]) * C + c] = g[b * C + c];
    } else {
        float inv = 1.0f / (float)T;
        for (int64_t b = 0; b < s->batch; b++)
            for (int64_t t = 0; t < T; t++)
                for (int64_t c = 0; c < C; c++) d[(b * T + t) * C + c] = g[b * C + c] * inv;
    }
    em_tensor_view(dx, &s->dx);
    return 0;
}

static void gpool_destroy(em_layer *l) {
    gpool1d *s = l->self;
    em_tensor_release(&s->xbuf);
    em_tensor_release(&s->y);
    em_tensor_release(&s->argmax);
    em_tensor_release(&s->dybuf);
    em_tensor_release(&s->dx);
    free(s);
}

static const em_layer_ops gmax_ops = {"GlobalMaxPooling1D", gpool_build, gpool_forward, gpool_backward, gpool_destroy};
static const em_layer_ops gavg_ops = {"GlobalAveragePooling1D", gpool_build, gpool_forward, gpool_backward,
                                      gpool_destroy};

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
