/* Dropout, inverted as in Keras: while training each element is kept with
 * probability 1 - rate (uniform draw u >= rate, from the seeded RNG) and
 * scaled by 1 / (1 - rate); at inference the layer is the identity. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/random.h"
#include "core_layers.h"

#define FIELD(f) .offset = offsetof(em_dropout_config, f)
const em_option em_dropout_options[] = {
    {.name = "rate", .type = EM_OPTION_RATE, FIELD(rate), .lo = 0, .hi = 1, .required = 1,
     .doc = "the fraction of the inputs dropped while training"},
    {.name = NULL}};
#undef FIELD

typedef struct {
    double rate;
    int masked;       /* did the last forward apply a mask? */
    int ran;          /* has forward run? */
    em_tensor mask;   /* 0 or 1/(1-rate) per element */
    em_tensor y, dx, buf;
} dropout;

static int dropout_build(em_layer *l, int ndim, const int64_t *in, int *out_ndim, int64_t *out) {
    *out_ndim = ndim;
    memcpy(out, in, sizeof(int64_t) * (size_t)ndim);
    return 0;
}

static int dropout_forward(em_layer *l, const em_tensor *x, int training, em_tensor *y) {
    dropout *d = l->self;
    if (x->dtype != EM_FLOAT32) return em_fail("Dropout: expected a float32 input, got %s", em_dtype_name(x->dtype));
    d->ran = 1;
    d->masked = training && d->rate > 0;
    if (!d->masked) { em_tensor_view(y, x); return 0; }
    const em_tensor *xc;
    if (em_layer_contiguous(x, &d->buf, &xc)) return -1;
    if (em_tensor_reuse(&d->mask, EM_FLOAT32, x->ndim, x->shape, x)) return -1;
    if (em_tensor_reuse(&d->y, EM_FLOAT32, x->ndim, x->shape, x)) return -1;
    float *m = em_f32(&d->mask), *Y = em_f32(&d->y);
    const float *X = em_f32(xc);
    float rate = (float)d->rate, scale = (float)(1.0 / (1.0 - d->rate));
    int64_t n = em_numel(x);
    /* Each sample's mask from its global row (random.h): the same however
     * the batch is cut, over MPI ranks too. */
    int64_t rows = x->ndim > 0 ? x->shape[0] : 1, per = rows > 0 ? n / rows : 0;
    em_mask_stream ms = em_mask_next();
    for (int64_t b = 0; b < rows; b++)
        for (int64_t j = 0; j < per; j++) m[b * per + j] = em_mask_uniform(&ms, b, j) >= rate ? scale : 0.0f;
    for (int64_t i = 0; i < n; i++) Y[i] = X[i] * m[i];
    em_tensor_view(y, &d->y);
    return 0;
}

static int dropout_backward(em_layer *l, const em_tensor *dy, em_tensor *dx) {
    dropout *d = l->self;
    if (!d->ran) return em_fail("Dropout: backward called before forward");
    if (!d->masked) { em_tensor_view(dx, dy); return 0; }
    if (!em_same_shape(dy, &d->mask)) {
        char a[160], b[160];
        return em_fail("Dropout: gradient of shape %s does not match the last output %s",
                       em_tensor_shape_str(dy, a, sizeof a), em_tensor_shape_str(&d->mask, b, sizeof b));
    }
    const em_tensor *dyc;
    if (em_layer_contiguous(dy, &d->buf, &dyc)) return -1;
    if (em_tensor_reuse(&d->dx, EM_FLOAT32, dy->ndim, dy->shape, dy)) return -1;
    float *DX = em_f32(&d->dx);
    const float *DY = em_f32(dyc), *m = em_f32(&d->mask);
    for (int64_t i = 0, n = em_numel(dy); i < n; i++) DX[i] = DY[i] * m[i];
    em_tensor_view(dx, &d->dx);
    return 0;
}

static void dropout_destroy(em_layer *l) {
    dropout *d = l->self;
    em_tensor_release(&d->mask);
    em_tensor_release(&d->y);
    em_tensor_release(&d->dx);
    em_tensor_release(&d->buf);
    free(d);
}

static const em_layer_ops dropout_ops = {.type = "Dropout", .build = dropout_build, .forward = dropout_forward,
    .backward = dropout_backward, .destroy = dropout_destroy, .flags = EM_LAYER_PASSES_MASK};

em_layer *em_dropout_new(double rate) {
    if (!(rate >= 0.0 && rate < 1.0)) { em_fail("Dropout: rate must be in [0, 1), got %g", rate); return NULL; }
    dropout *d = calloc(1, sizeof *d);
    if (!d) { em_fail("Dropout: out of memory"); return NULL; }
    d->rate = rate;
    em_layer *l = em_layer_new(&dropout_ops, d);
    if (!l) free(d);
    return l;
}
