/* Add, Multiply, Average, Concatenate (see merge.h). */
#include "merge.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "core_layers.h"

#define FIELD(f) .offset = offsetof(em_concatenate_config, f)
const em_option em_concatenate_options[] = {
    {.name = "axis", .type = EM_OPTION_INT, FIELD(axis), .def = -1, .lo = -EM_MAX_DIMS, .hi = EM_MAX_DIMS - 1,
     .doc = "the axis to join along (-1: the last; never 0, the batch)"},
    {.name = NULL}};
#undef FIELD

static const char *const kind_names[] = {"Add", "Multiply", "Average", "Concatenate"};

typedef struct {
    em_merge_kind kind;
    int64_t axis;          /* as given; resolved against the rank at build */
    int n;                 /* inputs of the built shapes */
    int ndim;
    int64_t shapes[EM_LAYER_MAX_IO][EM_MAX_DIMS];
    int ran;               /* a training call succeeded: backward may run */
    int64_t last_shape[EM_MAX_DIMS];  /* the last call's output shape */
    int64_t last_in_axis[EM_LAYER_MAX_IO];  /* Concatenate: each input's size on the axis */
    em_tensor x[EM_LAYER_MAX_IO];   /* Multiply: contiguous copies of the inputs */
    em_tensor y, dx[EM_LAYER_MAX_IO], buf;
} merge;

static const char *shape_of(char *buf, size_t size, int ndim, const int64_t *shape) {
    return em_shape_str(buf, size, ndim, shape);
}

/* The concatenation axis for this rank, or -1 when out of range. */
static int resolve_axis(const merge *s, int ndim) {
    int64_t a = s->axis < 0 ? ndim + s->axis : s->axis;
    return a >= 1 && a < ndim ? (int)a : -1;
}

/* Keras's checks of a list of input shapes; -1 dims match anything. */
static int check_shapes(const merge *s, int n, const int *ndims, const int64_t (*shapes)[EM_MAX_DIMS], int *out_ndim,
                        int64_t *out) {
    const char *type = kind_names[s->kind];
    char a[160], b[160];
    if (n < 2 || n > EM_LAYER_MAX_IO)
        return em_fail("%s: a merge layer takes a list of 2 to %d inputs, got %d", type, EM_LAYER_MAX_IO, n);
    int axis = s->kind == EM_MERGE_CONCATENATE ? resolve_axis(s, ndims[0]) : -1;
    if (s->kind == EM_MERGE_CONCATENATE && axis < 0)
        return em_fail("Concatenate: axis %lld is out of range for inputs of rank %d (the batch axis 0 cannot be joined)",
                       (long long)s->axis, ndims[0]);
    *out_ndim = ndims[0];
    memcpy(out, shapes[0], sizeof(int64_t) * (size_t)ndims[0]);
    for (int i = 1; i < n; i++) {
        if (ndims[i] != ndims[0])
            return em_fail("%s: input %d has shape %s but input 1 has %s (ranks differ)", type, i + 1,
                           shape_of(a, sizeof a, ndims[i], shapes[i]), shape_of(b, sizeof b, ndims[0], shapes[0]));
        for (int d = 1; d < ndims[0]; d++) {
            int64_t u = shapes[0][d], v = shapes[i][d];
            if (d == axis) {
                out[d] = out[d] < 0 || v < 0 ? -1 : out[d] + v;
                continue;
            }
            if (u >= 0 && v >= 0 && u != v)
                return em_fail(s->kind == EM_MERGE_CONCATENATE
                                   ? "%s: input %d has shape %s but input 1 has %s (all dims but the axis must match)"
                                   : "%s: input %d has shape %s but input 1 has %s (the shapes must be equal)",
                               type, i + 1, shape_of(a, sizeof a, ndims[i], shapes[i]),
                               shape_of(b, sizeof b, ndims[0], shapes[0]));
            if (out[d] < 0) out[d] = v;
        }
    }
    return 0;
}

int em_merge_build(em_layer *l, int n, const int *ndims, const int64_t (*shapes)[EM_MAX_DIMS]) {
    merge *s = l->self;
    int out_ndim;
    int64_t out[EM_MAX_DIMS];
    for (int i = 0; i < n && i < EM_LAYER_MAX_IO; i++)
        if (ndims[i] < 2 || ndims[i] > EM_MAX_DIMS)
            return em_fail("%s: input %d has rank %d; a merge layer takes (batch, ...) inputs of rank 2 to %d",
                           kind_names[s->kind], i + 1, ndims[i], EM_MAX_DIMS);
    if (check_shapes(s, n, ndims, shapes, &out_ndim, out)) return -1;
    if (l->built) {
        if (n != s->n) return em_fail("%s: built on %d inputs, called on %d", kind_names[s->kind], s->n, n);
        for (int i = 0; i < n; i++)
            for (int d = 1; d < ndims[i]; d++)
                if (ndims[i] != s->ndim || (s->shapes[i][d] >= 0 && shapes[i][d] >= 0 && s->shapes[i][d] != shapes[i][d])) {
                    char a[160], b[160];
                    return em_fail("%s: input %d has shape %s, but the layer was built on %s", kind_names[s->kind],
                                   i + 1, shape_of(a, sizeof a, ndims[i], shapes[i]),
                                   shape_of(b, sizeof b, s->ndim, s->shapes[i]));
                }
        return 0;
    }
    s->n = n;
    s->ndim = ndims[0];
    for (int i = 0; i < n; i++) memcpy(s->shapes[i], shapes[i], sizeof(int64_t) * (size_t)ndims[i]);
    l->in_ndim = ndims[0];
    memcpy(l->in_shape, shapes[0], sizeof(int64_t) * (size_t)ndims[0]);
    l->out_ndim = out_ndim;
    memcpy(l->out_shape, out, sizeof(int64_t) * (size_t)out_ndim);
    l->built = 1;
    return 0;
}

static int merge_build_one(em_layer *l, int ndim, const int64_t *in, int *out_ndim, int64_t *out) {
    (void)ndim; (void)in; (void)out_ndim; (void)out;
    return em_fail("%s: a merge layer is called on a list of inputs, not built on one shape", kind_names[((merge *)l->self)->kind]);
}

/* Sizes of the concatenation: rows before the axis, and each input's
 * contiguous block per row. */
static void concat_geometry(const em_tensor *const *x, int n, int axis, int64_t *outer, int64_t *block) {
    *outer = 1;
    for (int d = 0; d < axis; d++) *outer *= x[0]->shape[d];
    for (int i = 0; i < n; i++) {
        block[i] = 1;
        for (int d = axis; d < x[i]->ndim; d++) block[i] *= x[i]->shape[d];
    }
}

static int merge_forward(em_layer *l, const em_tensor *const *xin, int n, int training, em_tensor *y) {
    merge *s = l->self;
    const char *type = kind_names[s->kind];
    int ndims[EM_LAYER_MAX_IO] = {0};
    int64_t shapes[EM_LAYER_MAX_IO][EM_MAX_DIMS] = {{0}};
    for (int i = 0; i < n; i++) {
        if (xin[i]->dtype != EM_FLOAT32)
            return em_fail("%s: input %d expected float32, got %s", type, i + 1, em_dtype_name(xin[i]->dtype));
        ndims[i] = xin[i]->ndim;
        memcpy(shapes[i], xin[i]->shape, sizeof(int64_t) * (size_t)xin[i]->ndim);
        if (i > 0 && xin[i]->shape[0] != xin[0]->shape[0])
            return em_fail("%s: input %d has %lld samples but input 1 has %lld", type, i + 1,
                           (long long)xin[i]->shape[0], (long long)xin[0]->shape[0]);
    }
    if (!l->built) {
        int64_t free_shapes[EM_LAYER_MAX_IO][EM_MAX_DIMS];
        memcpy(free_shapes, shapes, sizeof shapes);
        for (int i = 0; i < n; i++) free_shapes[i][0] = -1;
        if (em_merge_build(l, n, ndims, (const int64_t (*)[EM_MAX_DIMS])free_shapes)) return -1;
    } else if (em_merge_build(l, n, ndims, (const int64_t (*)[EM_MAX_DIMS])shapes)) {
        return -1;
    }
    int out_ndim;
    int64_t out[EM_MAX_DIMS];
    if (check_shapes(s, n, ndims, (const int64_t (*)[EM_MAX_DIMS])shapes, &out_ndim, out)) return -1;
    const em_tensor *x[EM_LAYER_MAX_IO];
    for (int i = 0; i < n; i++) {  /* contiguous copies: Multiply's backward reads them */
        if (em_tensor_reuse(&s->x[i], EM_FLOAT32, xin[i]->ndim, xin[i]->shape, NULL) || em_tensor_copy(&s->x[i], xin[i]))
            return -1;
        x[i] = &s->x[i];
    }
    if (em_tensor_reuse(&s->y, EM_FLOAT32, out_ndim, out, NULL)) return -1;
    float *yp = em_f32(&s->y);
    int64_t count = em_numel(&s->y);
    if (s->kind == EM_MERGE_CONCATENATE) {
        int axis = resolve_axis(s, out_ndim);
        int64_t outer, block[EM_LAYER_MAX_IO];
        concat_geometry(x, n, axis, &outer, block);
        for (int64_t r = 0; r < outer; r++)
            for (int i = 0; i < n; i++) {
                memcpy(yp, em_f32(x[i]) + r * block[i], sizeof(float) * (size_t)block[i]);
                yp += block[i];
            }
        for (int i = 0; i < n; i++) s->last_in_axis[i] = x[i]->shape[axis];
    } else {
        memcpy(yp, em_f32(x[0]), sizeof(float) * (size_t)count);
        for (int i = 1; i < n; i++) {
            const float *xp = em_f32(x[i]);
            if (s->kind == EM_MERGE_MULTIPLY)
                for (int64_t k = 0; k < count; k++) yp[k] *= xp[k];
            else
                for (int64_t k = 0; k < count; k++) yp[k] += xp[k];
        }
        if (s->kind == EM_MERGE_AVERAGE) {
            float inv = 1.0f / (float)n;
            for (int64_t k = 0; k < count; k++) yp[k] *= inv;
        }
    }
    s->n = n;
    memcpy(s->last_shape, out, sizeof(int64_t) * (size_t)out_ndim);
    s->ran = training ? 2 : 1;
    em_tensor_view(y, &s->y);
    return 0;
}

static int merge_call(em_layer *l, const em_layer_io *in, int training, em_layer_io *out) {
    merge *s = l->self;
    s->ran = 0;
    if (in->n < 2)
        return em_fail("%s: a merge layer takes a list of 2 to %d inputs, got %d", kind_names[s->kind],
                       EM_LAYER_MAX_IO, in->n);
    const em_tensor *x[EM_LAYER_MAX_IO];
    for (int i = 0; i < in->n; i++) x[i] = &in->t[i];
    if (merge_forward(l, x, in->n, training, &out->t[0])) return -1;
    out->n = 1;
    if (in->mask.storage) em_tensor_view(&out->mask, &in->mask);
    return 0;
}

static int merge_call_backward(em_layer *l, const em_layer_io *dout, em_layer_io *din) {
    merge *s = l->self;
    const char *type = kind_names[s->kind];
    if (!s->ran) return em_fail("%s: backward called before forward", type);
    if (s->ran == 1)
        return em_fail("%s: backward after an inference-mode forward (training = false): backward differentiates the "
                       "last forward, which must run with training = true", type);
    if (dout->n != 1) return em_fail("%s: takes one gradient tensor, got %d", type, dout->n);
    const em_tensor *dy = &dout->t[0];
    if (dy->dtype != EM_FLOAT32 || dy->ndim != s->y.ndim || memcmp(dy->shape, s->last_shape, sizeof(int64_t) * (size_t)dy->ndim)) {
        char want[160], got[160];
        return em_fail("%s: expected a gradient of shape %s (the last forward's output), got %s", type,
                       em_shape_str(want, sizeof want, s->y.ndim, s->last_shape), em_tensor_shape_str(dy, got, sizeof got));
    }
    if (l->no_input_grad) return 0;  /* din stays empty: nobody reads it */
    const em_tensor *g;
    if (em_layer_contiguous(dy, &s->buf, &g)) return -1;
    const float *gp = em_f32(g);
    int n = s->n;
    for (int i = 0; i < n; i++)
        if (em_tensor_reuse(&s->dx[i], EM_FLOAT32, s->x[i].ndim, s->x[i].shape, NULL)) return -1;
    int64_t count = em_numel(g);
    if (s->kind == EM_MERGE_CONCATENATE) {
        const em_tensor *x[EM_LAYER_MAX_IO];
        for (int i = 0; i < n; i++) x[i] = &s->x[i];
        int64_t outer, block[EM_LAYER_MAX_IO];
        concat_geometry(x, n, resolve_axis(s, g->ndim), &outer, block);
        for (int64_t r = 0; r < outer; r++)
            for (int i = 0; i < n; i++) {
                memcpy(em_f32(&s->dx[i]) + r * block[i], gp, sizeof(float) * (size_t)block[i]);
                gp += block[i];
            }
    } else {
        for (int i = 0; i < n; i++) {
            float *d = em_f32(&s->dx[i]);
            if (s->kind == EM_MERGE_ADD) {
                memcpy(d, gp, sizeof(float) * (size_t)count);
            } else if (s->kind == EM_MERGE_AVERAGE) {
                float inv = 1.0f / (float)n;
                for (int64_t k = 0; k < count; k++) d[k] = gp[k] * inv;
            } else {  /* d(x1*...*xn)/dxi: the product of the others */
                memcpy(d, gp, sizeof(float) * (size_t)count);
                for (int j = 0; j < n; j++) {
                    if (j == i) continue;
                    const float *xp = em_f32(&s->x[j]);
                    for (int64_t k = 0; k < count; k++) d[k] *= xp[k];
                }
            }
        }
    }
    for (int i = 0; i < n; i++) em_tensor_view(&din->t[i], &s->dx[i]);
    din->n = n;
    return 0;
}

static void merge_destroy(em_layer *l) {
    merge *s = l->self;
    for (int i = 0; i < EM_LAYER_MAX_IO; i++) {
        em_tensor_release(&s->x[i]);
        em_tensor_release(&s->dx[i]);
    }
    em_tensor_release(&s->y);
    em_tensor_release(&s->buf);
    free(s);
}

#define MERGE_OPS(name, str)                                                                                    \
    static const em_layer_ops name = {.type = str, .build = merge_build_one, .destroy = merge_destroy,          \
                                      .flags = EM_LAYER_TAKES_MASK, .call = merge_call,                          \
                                      .call_backward = merge_call_backward}
MERGE_OPS(add_ops, "Add");
MERGE_OPS(multiply_ops, "Multiply");
MERGE_OPS(average_ops, "Average");
MERGE_OPS(concatenate_ops, "Concatenate");

static em_layer *make(em_merge_kind kind, int64_t axis) {
    static const em_layer_ops *const ops[] = {&add_ops, &multiply_ops, &average_ops, &concatenate_ops};
    merge *s = calloc(1, sizeof *s);
    if (!s) return em_fail("%s: out of memory", kind_names[kind]), NULL;
    s->kind = kind;
    s->axis = axis;
    em_layer *l = em_layer_new(ops[kind], s);
    if (!l) free(s);
    return l;
}

em_layer *em_merge_new(em_merge_kind kind) {
    if (kind < EM_MERGE_ADD || kind > EM_MERGE_AVERAGE) return em_fail("merge: unknown kind %d", (int)kind), NULL;
    return make(kind, -1);
}

em_layer *em_concatenate_new(int64_t axis) {
    if (axis == 0) return em_fail("Concatenate: option 'axis' cannot be 0 (the batch axis)"), NULL;
    return make(EM_MERGE_CONCATENATE, axis);
}
