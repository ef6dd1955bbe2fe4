/* Flatten: (batch, d1, d2, ...) -> (batch, d1*d2*...).  A contiguous input
 * is reshaped as a view (no copy); a strided one is copied once. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "core_layers.h"

typedef struct {
    em_tensor buf;    /* copy of a strided input */
    em_tensor dybuf;  /* copy of a strided gradient */
    int in_ndim;
    int64_t in_shape[EM_MAX_DIMS];  /* last forward's input shape, for backward */
} flatten;

static int flatten_build(em_layer *l, int ndim, const int64_t *in, int *out_ndim, int64_t *out) {
    char buf[160];
    if (ndim < 2) return em_fail("Flatten: expected an input of rank >= 2, got shape %s", em_shape_str(buf, sizeof buf, ndim, in));
    int64_t n = 1;
    for (int d = 1; d < ndim; d++) {
        if (in[d] < 0)
            return em_fail("Flatten: the input shape %s is not fully defined (give the first layer an "
                           "input_length or input_shape)", em_shape_str(buf, sizeof buf, ndim, in));
        n *= in[d];
    }
    *out_ndim = 2;
    out[0] = in[0];
    out[1] = n;
    return 0;
}

/* *dst = view of src (made contiguous via buf) with shape (ndim, shape). */
static int reshaped_view(em_tensor *dst, const em_tensor *src, em_tensor *buf, int ndim, const int64_t *shape) {
    const em_tensor *c;
    if (em_layer_contiguous(src, buf, &c)) return -1;
    em_tensor_view(dst, c);
    dst->ndim = ndim;
    memcpy(dst->shape, shape, sizeof(int64_t) * (size_t)ndim);
    em_contiguous_strides(ndim, dst->shape, dst->strides);
    return 0;
}

static int flatten_forward(em_layer *l, const em_tensor *x, int training, em_tensor *y) {
    flatten *f = l->self;
    f->in_ndim = x->ndim;
    memcpy(f->in_shape, x->shape, sizeof(int64_t) * (size_t)x->ndim);
    int64_t shape[2] = {x->shape[0], 1};
    for (int d = 1; d < x->ndim; d++) shape[1] *= x->shape[d];
    return reshaped_view(y, x, &f->buf, 2, shape);
}

static int flatten_backward(em_layer *l, const em_tensor *dy, em_tensor *dx) {
    flatten *f = l->self;
    if (f->in_ndim == 0) return em_fail("Flatten: backward called before forward");
    int64_t n = 1;
    for (int d = 0; d < f->in_ndim; d++) n *= f->in_shape[d];
    if (em_numel(dy) != n || dy->shape[0] != f->in_shape[0]) {
        char a[160];
        return em_fail("Flatten: gradient of shape %s does not match the last output", em_tensor_shape_str(dy, a, sizeof a));
    }
    return reshaped_view(dx, dy, &f->dybuf, f->in_ndim, f->in_shape);
}

static void flatten_destroy(em_layer *l) {
    flatten *f = l->self;
    em_tensor_release(&f->buf);
    em_tensor_release(&f->dybuf);
    free(f);
}

static const em_layer_ops flatten_ops = {.type = "Flatten", .build = flatten_build, .forward = flatten_forward,
    .backward = flatten_backward, .destroy = flatten_destroy, .flags = 0};

em_layer *em_flatten_new(void) {
    flatten *f = calloc(1, sizeof *f);
    if (!f) { em_fail("Flatten: out of memory"); return NULL; }
    em_layer *l = em_layer_new(&flatten_ops, f);
    if (!l) free(f);
    return l;
}
