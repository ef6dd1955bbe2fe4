/* 1-D max and average pooling.  Each pass walks the input once, window by
 * window, with the channel loop innermost: contiguous, branch-free (selects),
 * so the compiler vectorizes it.  Max pooling records the argmax timestep of
 * every output element, so backward is a plain scatter-add of dy.  Both
 * passes go sample by sample, split over the engine pool (samples are
 * independent: the same bits on any number of threads); backward clears
 * and fills one sample's gradient while it is in cache. */
#include <stddef.h>
#include "pooling1d.h"

#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/parallel.h"

static const char *const pooling_paddings[] = {"valid", "same", NULL};  /* em_padding's first two */

#define FIELD(f) .offset = offsetof(em_pooling1d_config, f)
const em_option em_pooling1d_options[] = {
    {.name = "pool_size", .type = EM_OPTION_SIZE, FIELD(pool_size), .def = 2, .lo = 1, .hi = INT32_MAX,
     .doc = "the length of the pooling window"},
    {.name = "strides", .type = EM_OPTION_SIZE, FIELD(strides), .def = 0, .lo = 1, .hi = INT32_MAX,
     .doc = "the step between windows (default: pool_size)"},
    {.name = "padding", .type = EM_OPTION_CHOICE, FIELD(padding), .choices = pooling_paddings,
     .doc = "\"valid\" or \"same\""},
    {.name = NULL}};
#undef FIELD

typedef struct {
    const char *type;
    int is_max;
    int64_t pool, stride;
    em_padding padding;
    /* last forward */
    int have_forward;
    int64_t batch, t_in, t_out, chans, pad_left;
    em_pool_buffers buf; /* y and argmax {batch, t_out, chans} */
} pool1d;

static int64_t pooled_length(const pool1d *s, int64_t t) {
    return em_conv_output_length(t, s->pool, s->padding, s->stride, 1);
}

static int no_timesteps(const pool1d *s, int64_t t) {
    return em_fail("%s: pool_size %lld leaves no timesteps of an input of length %lld (padding 'valid')", s->type,
                   (long long)s->pool, (long long)t);
}

static int pool_build(em_layer *l, int ndim, const int64_t *in, int *out_ndim, int64_t *out) {
    pool1d *s = l->self;
    char buf[160];
    if (ndim != 3)
        return em_fail("%s: expected a 3-D input {batch, time, channels}, got shape %s", s->type,
                       em_shape_str(buf, sizeof buf, ndim, in));
    int64_t t_out = pooled_length(s, in[1]);
    if (in[1] >= 0 && t_out <= 0) return no_timesteps(s, in[1]);
    *out_ndim = 3;
    out[0] = in[0];
    out[1] = t_out;
    out[2] = in[2];
    return 0;
}

/* Window of output t, clipped to the real timesteps [lo, hi). */
static void window(const pool1d *s, int64_t t, int64_t *lo, int64_t *hi) {
    int64_t a = t * s->stride - s->pad_left, b = a + s->pool;
    *lo = a < 0 ? 0 : a;
    *hi = b > s->t_in ? s->t_in : b;
}

void em_pool_max_window(const float *xb, int64_t C, int64_t lo, int64_t hi, float *y, int32_t *arg) {
    for (int64_t c = 0; c < C; c++) { y[c] = xb[lo * C + c]; arg[c] = (int32_t)lo; }
    for (int64_t i = lo + 1; i < hi; i++) {
        const float *xi = xb + i * C;
        for (int64_t c = 0; c < C; c++) {
            int better = xi[c] > y[c];  /* first max wins, as TensorFlow */
            arg[c] = better ? (int32_t)i : arg[c];
            y[c] = better ? xi[c] : y[c];
        }
    }
}

void em_pool_avg_window(const float *xb, int64_t C, int64_t lo, int64_t hi, float *y) {
    memset(y, 0, sizeof(float) * (size_t)C);
    for (int64_t i = lo; i < hi; i++)
        for (int64_t c = 0; c < C; c++) y[c] += xb[i * C + c];
    float inv = 1.0f / (float)(hi - lo);  /* real elements only, as Keras with "same" */
    for (int64_t c = 0; c < C; c++) y[c] *= inv;
}

void em_pool_buffers_release(em_pool_buffers *b) {
    em_tensor *all[] = {&b->xbuf, &b->y, &b->argmax, &b->dybuf, &b->dx};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) em_tensor_release(all[i]);
}

const float *em_pool_contiguous(em_tensor *buf, const em_tensor *t) {
    if (em_is_contiguous(t)) return em_f32(t);
    if (em_tensor_reuse(buf, EM_FLOAT32, t->ndim, t->shape, t) || em_tensor_copy(buf, t)) return NULL;
    return em_f32(buf);
}

/* Samples per pool piece, and the element count below which one thread
 * does the whole pass (a pool job costs a few microseconds). */
#define SAMPLES_PER_PIECE 4
#define MIN_PARALLEL_ELEMENTS 65536.0

typedef struct {
    const pool1d *s;
    const float *x; /* forward: input; backward: dy */
    float *out;     /* forward: y; backward: dx */
    int32_t *arg;
} pass_job;

static void forward_samples(void *ctx, int64_t b0, int64_t b1) {
    const pass_job *j = ctx;
    const pool1d *s = j->s;
    int64_t C = s->chans;
    for (int64_t b = b0; b < b1; b++) {
        const float *xb = j->x + b * s->t_in * C;
        for (int64_t t = 0; t < s->t_out; t++) {
            int64_t lo, hi, row = (b * s->t_out + t) * C;
            window(s, t, &lo, &hi);
            if (s->is_max) em_pool_max_window(xb, C, lo, hi, j->out + row, j->arg + row);
            else em_pool_avg_window(xb, C, lo, hi, j->out + row);
        }
    }
}

/* dx of samples [b0, b1): max scatters dy to each window's argmax, average
 * spreads it evenly over the window's real timesteps. */
static void backward_samples(void *ctx, int64_t b0, int64_t b1) {
    const pass_job *j = ctx;
    const pool1d *s = j->s;
    int64_t C = s->chans;
    for (int64_t b = b0; b < b1; b++) {
        float *dxb = j->out + b * s->t_in * C;
        memset(dxb, 0, sizeof(float) * (size_t)(s->t_in * C));
        for (int64_t t = 0; t < s->t_out; t++) {
            const float *g = j->x + (b * s->t_out + t) * C;
            if (s->is_max) {
                const int32_t *a = j->arg + (b * s->t_out + t) * C;
                for (int64_t c = 0; c < C; c++) dxb[a[c] * C + c] += g[c];
                continue;
            }
            int64_t lo, hi;
            window(s, t, &lo, &hi);
            float inv = 1.0f / (float)(hi - lo);
            for (int64_t i = lo; i < hi; i++)
                for (int64_t c = 0; c < C; c++) dxb[i * C + c] += g[c] * inv;
        }
    }
}

static void run_pass(const pool1d *s, em_range_fn fn, const float *x, float *out) {
    pass_job j = {s, x, out, s->is_max ? em_i32(&s->buf.argmax) : NULL};
    double elements = (double)(s->batch * s->t_in * s->chans);
    em_parallel_dynamic(s->batch, SAMPLES_PER_PIECE, elements, MIN_PARALLEL_ELEMENTS, fn, &j);
}

static int pool_forward(em_layer *l, const em_tensor *x, int training, em_tensor *y) {
    pool1d *s = l->self;
    if (x->dtype != EM_FLOAT32) return em_fail("%s: expected a float32 input, got %s", s->type, em_dtype_name(x->dtype));
    int64_t t_out = pooled_length(s, x->shape[1]);
    if (t_out <= 0) return no_timesteps(s, x->shape[1]);
    s->batch = x->shape[0];
    s->t_in = x->shape[1];
    s->chans = x->shape[2];
    s->t_out = t_out;
    s->pad_left = em_conv_pad_left(s->t_in, s->pool, s->padding, s->stride, 1);
    int64_t shape[3] = {s->batch, t_out, s->chans};
    if (em_tensor_reuse(&s->buf.y, EM_FLOAT32, 3, shape, x)) return -1;
    if (s->is_max && em_tensor_reuse(&s->buf.argmax, EM_INT32, 3, shape, x)) return -1;
    const float *xp = em_pool_contiguous(&s->buf.xbuf, x);
    if (!xp) return -1;
    run_pass(s, forward_samples, xp, em_f32(&s->buf.y));
    s->have_forward = 1;
    em_tensor_view(y, &s->buf.y);
    return 0;
}

static int pool_backward(em_layer *l, const em_tensor *dy, em_tensor *dx) {
    pool1d *s = l->self;
    char got[160], want[160];
    if (!s->have_forward) return em_fail("%s: backward called before forward", s->type);
    int64_t yshape[3] = {s->batch, s->t_out, s->chans};
    if (dy->ndim != 3 || dy->shape[0] != yshape[0] || dy->shape[1] != yshape[1] || dy->shape[2] != yshape[2])
        return em_fail("%s: gradient of shape %s does not match the last output %s", s->type,
                       em_tensor_shape_str(dy, got, sizeof got), em_shape_str(want, sizeof want, 3, yshape));
    if (l->no_input_grad) {  /* first layer of a model: no parameters, nothing to do */
        em_tensor_release(dx);
        return 0;
    }
    const float *g = em_pool_contiguous(&s->buf.dybuf, dy);
    if (!g) return -1;
    int64_t xshape[3] = {s->batch, s->t_in, s->chans};
    if (em_tensor_reuse(&s->buf.dx, EM_FLOAT32, 3, xshape, dy)) return -1;
    run_pass(s, backward_samples, g, em_f32(&s->buf.dx));
    em_tensor_view(dx, &s->buf.dx);
    return 0;
}

static void pool_destroy(em_layer *l) {
    pool1d *s = l->self;
    em_pool_buffers_release(&s->buf);
    free(s);
}

static const em_layer_ops max_ops = {.type = "MaxPooling1D", .build = pool_build, .forward = pool_forward,
    .backward = pool_backward, .destroy = pool_destroy, .flags = 0};
static const em_layer_ops avg_ops = {.type = "AveragePooling1D", .build = pool_build, .forward = pool_forward,
    .backward = pool_backward, .destroy = pool_destroy, .flags = 0};

static em_layer *pool_new(const em_layer_ops *ops, int is_max, int64_t pool, int64_t stride, em_padding padding) {
    if (pool <= 0 || stride <= 0) {
        em_fail("%s: pool_size and strides must be positive, got pool_size %lld, strides %lld", ops->type,
                (long long)pool, (long long)stride);
        return NULL;
    }
    if (padding == EM_PAD_CAUSAL) {
        em_fail("%s: padding 'causal' is not supported for pooling (valid: \"valid\", \"same\")", ops->type);
        return NULL;
    }
    pool1d *s = calloc(1, sizeof *s);
    if (!s) { em_fail("%s: out of memory", ops->type); return NULL; }
    s->type = ops->type;
    s->is_max = is_max;
    s->pool = pool;
    s->stride = stride;
    s->padding = padding;
    em_layer *l = em_layer_new(ops, s);
    if (!l) free(s);
    return l;
}

em_layer *em_max_pooling1d_new(int64_t pool_size, int64_t strides, em_padding padding) {
    return pool_new(&max_ops, 1, pool_size, strides, padding);
}

em_layer *em_average_pooling1d_new(int64_t pool_size, int64_t strides, em_padding padding) {
    return pool_new(&avg_ops, 0, pool_size, strides, padding);
}
