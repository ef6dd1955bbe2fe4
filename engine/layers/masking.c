/* Masking (see masking.h). */
#include "masking.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "core_layers.h"

#define FIELD(f) .offset = offsetof(em_masking_config, f)
const em_option em_masking_options[] = {
    {.name = "mask_value", .type = EM_OPTION_NUMBER, FIELD(mask_value), .def = 0, .lo = -HUGE_VAL, .hi = HUGE_VAL,
     .doc = "a timestep whose features all equal this value is padding"},
    {.name = NULL}};
#undef FIELD

typedef struct {
    float mask_value;
    int ran;
    int64_t batch, time, features;
    em_tensor mask;   /* (batch, time) 0/1 of the last forward */
    em_tensor y, dx, buf;
} masking;

static int masking_build(em_layer *l, int ndim, const int64_t *in, int *out_ndim, int64_t *out) {
    (void)l;
    char buf[160];
    if (ndim != 3)
        return em_fail("Masking: expected an input of rank 3 (batch, time, features), got shape %s",
                       em_shape_str(buf, sizeof buf, ndim, in));
    *out_ndim = ndim;
    memcpy(out, in, sizeof(int64_t) * (size_t)ndim);
    return 0;
}

static int masking_forward(em_layer *l, const em_tensor *x, int training, em_tensor *y) {
    (void)training;
    masking *s = l->self;
    s->ran = 0;
    if (x->dtype != EM_FLOAT32) return em_fail("Masking: expected a float32 input, got %s", em_dtype_name(x->dtype));
    const em_tensor *xc;
    if (em_layer_contiguous(x, &s->buf, &xc)) return -1;
    int64_t B = x->shape[0], T = x->shape[1], F = x->shape[2], s_bt[2] = {B, T};
    if (em_tensor_reuse(&s->mask, EM_FLOAT32, 2, s_bt, NULL) || em_tensor_reuse(&s->y, EM_FLOAT32, 3, x->shape, x))
        return -1;
    const float *xp = em_f32(xc);
    float *m = em_f32(&s->mask), *yp = em_f32(&s->y), v = s->mask_value;
    for (int64_t i = 0; i < B * T; i++) {
        const float *row = xp + i * F;
        int any = 0;
        for (int64_t f = 0; f < F; f++) any |= row[f] != v;
        m[i] = (float)any;
        float *o = yp + i * F;
        for (int64_t f = 0; f < F; f++) o[f] = row[f] * m[i];
    }
    s->batch = B;
    s->time = T;
    s->features = F;
    s->ran = 1;
    em_tensor_view(y, &s->y);
    return 0;
}

static int masking_backward(em_layer *l, const em_tensor *dy, em_tensor *dx) {
    masking *s = l->self;
    if (!s->ran) return em_fail("Masking: backward called before forward");
    if (l->no_input_grad) {
        em_tensor_release(dx);
        return 0;
    }
    const em_tensor *g;
    if (em_layer_contiguous(dy, &s->buf, &g)) return -1;
    if (em_tensor_reuse(&s->dx, EM_FLOAT32, 3, dy->shape, dy)) return -1;
    const float *gp = em_f32(g), *m = em_f32(&s->mask);
    float *d = em_f32(&s->dx);
    int64_t F = s->features;
    for (int64_t i = 0; i < s->batch * s->time; i++)
        for (int64_t f = 0; f < F; f++) d[i * F + f] = gp[i * F + f] * m[i];
    em_tensor_view(dx, &s->dx);
    return 0;
}

/* Makes the mask; one coming in is replaced, as in Keras. */
static int masking_call(em_layer *l, const em_layer_io *in, int training, em_layer_io *out) {
    masking *s = l->self;
    if (in->n != 1) return em_fail("Masking: takes one input tensor, got %d", in->n);
    if (em_layer_forward(l, &in->t[0], training, &out->t[0])) return -1;
    out->n = 1;
    em_tensor_view(&out->mask, &s->mask);
    return 0;
}

static void masking_destroy(em_layer *l) {
    masking *s = l->self;
    em_tensor *bufs[] = {&s->mask, &s->y, &s->dx, &s->buf};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) em_tensor_release(bufs[i]);
    free(s);
}

static const em_layer_ops masking_ops = {.type = "Masking", .build = masking_build, .forward = masking_forward,
    .backward = masking_backward, .destroy = masking_destroy, .flags = EM_LAYER_TAKES_MASK, .call = masking_call};

em_layer *em_masking_new(double mask_value) {
    if (!isfinite(mask_value)) return em_fail("Masking: mask_value must be a finite number, got %g", mask_value), NULL;
    masking *s = calloc(1, sizeof *s);
    if (!s) return em_fail("Masking: out of memory"), NULL;
    s->mask_value = (float)mask_value;
    em_layer *l = em_layer_new(&masking_ops, s);
    if (!l) free(s);
    return l;
}
