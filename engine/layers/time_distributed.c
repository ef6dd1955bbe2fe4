/* TimeDistributed (see time_distributed.h): (B, T, ...) -> (B*T, ...)
 * through the inner layer -> (B, T, ...).  The reshapes are views of
 * contiguous tensors; the inner layer keeps what its backward needs. */
#include "time_distributed.h"

#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../ops/shape.h"

typedef struct {
    em_layer *inner;  /* owned */
    int64_t batch, time;
} time_distributed;

/* *out = t with its first two dims merged (merge) or its first dim split
 * into (batch, time) (split). */
static int merge_steps(em_tensor *out, const em_tensor *t) {
    int64_t shape[EM_MAX_DIMS];
    shape[0] = t->shape[0] * t->shape[1];
    for (int d = 2; d < t->ndim; d++) shape[d - 1] = t->shape[d];
    return em_reshape(out, t, t->ndim - 1, shape);
}

static int split_steps(em_tensor *out, const em_tensor *t, int64_t batch, int64_t time) {
    if (t->ndim + 1 > EM_MAX_DIMS) return em_fail("TimeDistributed: the inner output has too many dimensions");
    int64_t shape[EM_MAX_DIMS];
    shape[0] = batch;
    shape[1] = time;
    for (int d = 1; d < t->ndim; d++) shape[d + 1] = t->shape[d];
    return em_reshape(out, t, t->ndim + 1, shape);
}

static int td_build(em_layer *l, int ndim, const int64_t *in, int *out_ndim, int64_t *out) {
    time_distributed *s = l->self;
    char buf[160];
    if (ndim < 3)
        return em_fail("TimeDistributed: expected an input of rank 3 or more (batch, time, ...), got shape %s",
                       em_shape_str(buf, sizeof buf, ndim, in));
    int64_t inner_in[EM_MAX_DIMS];
    inner_in[0] = in[0] >= 0 && in[1] >= 0 ? in[0] * in[1] : -1;
    for (int d = 2; d < ndim; d++) inner_in[d - 1] = in[d];
    if (em_layer_build(s->inner, ndim - 1, inner_in)) return -1;
    em_layer *inner = s->inner;
    if (inner->out_ndim + 1 > EM_MAX_DIMS) return em_fail("TimeDistributed: the inner output has too many dimensions");
    for (int i = 0; i < inner->nparams; i++) {
        em_tensor_view(&l->params[i], &inner->params[i]);
        em_tensor_view(&l->grads[i], &inner->grads[i]);
        l->param_names[i] = inner->param_names[i];
    }
    l->nparams = inner->nparams;
    out[0] = in[0];
    out[1] = in[1];
    for (int d = 1; d < inner->out_ndim; d++) out[d + 1] = inner->out_shape[d];
    *out_ndim = inner->out_ndim + 1;
    return 0;
}

static int td_forward(em_layer *l, const em_tensor *x, int training, em_tensor *y) {
    time_distributed *s = l->self;
    em_tensor xr = {0}, yr = {0};
    if (merge_steps(&xr, x)) return -1;
    int rc = em_layer_forward(s->inner, &xr, training, &yr);
    em_tensor_release(&xr);
    if (rc) return -1;
    rc = split_steps(y, &yr, x->shape[0], x->shape[1]);
    em_tensor_release(&yr);
    if (rc) return -1;
    s->batch = x->shape[0];
    s->time = x->shape[1];
    return 0;
}

static int td_backward(em_layer *l, const em_tensor *dy, em_tensor *dx) {
    time_distributed *s = l->self;
    em_tensor dyr = {0}, dxr = {0};
    if (merge_steps(&dyr, dy)) return -1;
    s->inner->trainable = l->trainable;
    s->inner->no_input_grad = l->no_input_grad;
    int rc = em_layer_backward(s->inner, &dyr, &dxr);
    s->inner->no_input_grad = 0;
    em_tensor_release(&dyr);
    if (rc) return -1;
    if (!dxr.storage) {  /* the inner layer gives no input gradient (Embedding, or first layer) */
        em_tensor_release(dx);
        return 0;
    }
    rc = split_steps(dx, &dxr, s->batch, s->time);
    em_tensor_release(&dxr);
    return rc;
}

static void td_destroy(em_layer *l) {
    time_distributed *s = l->self;
    em_layer_free(s->inner);
    free(s);
}

static const em_layer_ops td_ops = {.type = "TimeDistributed", .build = td_build, .forward = td_forward,
    .backward = td_backward, .destroy = td_destroy, .flags = EM_LAYER_PASSES_MASK};

em_layer *em_time_distributed_new(em_layer *inner) {
    if (!inner) return em_fail("TimeDistributed: expected a layer, got none"), NULL;
    if (inner->built) return em_fail("TimeDistributed: the wrapped layer must not be built yet"), NULL;
    if (!inner->ops->forward || !inner->ops->backward)
        return em_fail("TimeDistributed: the wrapped layer (%s) must take one tensor and give one", inner->ops->type),
               NULL;
    time_distributed *s = calloc(1, sizeof *s);
    if (!s) return em_fail("TimeDistributed: out of memory"), NULL;
    s->inner = inner;
    em_layer *l = em_layer_new(&td_ops, s);
    if (!l) free(s);
    return l;
}
