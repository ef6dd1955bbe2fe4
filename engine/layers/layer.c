#include "layer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"

em_layer *em_layer_new(const em_layer_ops *ops, void *self) {
    em_layer *l = calloc(1, sizeof *l);
    if (!l) { em_fail("%s: out of memory", ops->type); return NULL; }
    l->ops = ops;
    l->self = self;
    l->trainable = 1;
    return l;
}

static int check_rank_and_dims(em_layer *l, const char *what, int ndim, const int64_t *shape,
                               int want_ndim, const int64_t *want) {
    char got[160], exp[160];
    if (ndim != want_ndim)
        return em_fail("%s: expected %s of rank %d, got shape %s", l->ops->type, what, want_ndim,
                       em_shape_str(got, sizeof got, ndim, shape));
    for (int i = 1; i < ndim; i++)  /* dim 0 is the batch, always free */
        if (want[i] >= 0 && shape[i] >= 0 && want[i] != shape[i])
            return em_fail("%s: expected %s of shape %s, got %s", l->ops->type, what,
                           em_shape_str(exp, sizeof exp, want_ndim, want),
                           em_shape_str(got, sizeof got, ndim, shape));
    return 0;
}

int em_layer_build(em_layer *l, int ndim, const int64_t *in_shape) {
    if (ndim < 1 || ndim > EM_MAX_DIMS)
        return em_fail("%s: cannot build on an input of rank %d", l->ops->type, ndim);
    if (l->built) return check_rank_and_dims(l, "input", ndim, in_shape, l->in_ndim, l->in_shape);
    int out_ndim = 0;
    int64_t out_shape[EM_MAX_DIMS];
    if (l->ops->build(l, ndim, in_shape, &out_ndim, out_shape)) return -1;
    if (l->controls && em_layer_apply_initializers(l)) return -1;
    l->in_ndim = ndim;
    memcpy(l->in_shape, in_shape, sizeof(int64_t) * (size_t)ndim);
    l->out_ndim = out_ndim;
    memcpy(l->out_shape, out_shape, sizeof(int64_t) * (size_t)out_ndim);
    l->built = 1;
    return 0;
}

int em_layer_forward(em_layer *l, const em_tensor *x, int training, em_tensor *y) {
    if (!l->ops->forward) return em_fail("%s: takes several inputs or a mask; call it through em_layer_call", l->ops->type);
    l->last_mode = 0;  /* a failed forward leaves nothing to differentiate */
    if (!l->built && em_layer_build(l, x->ndim, x->shape)) return -1;
    if (check_rank_and_dims(l, "input", x->ndim, x->shape, l->in_ndim, l->in_shape)) return -1;
    if (l->ops->forward(l, x, training, y)) return -1;
    l->last_mode = training ? 2 : 1;
    l->last_ndim = y->ndim;
    memcpy(l->last_out, y->shape, sizeof(int64_t) * (size_t)y->ndim);
    return 0;
}

int em_layer_backward(em_layer *l, const em_tensor *dy, em_tensor *dx) {
    if (!l->ops->backward) return em_fail("%s: has several outputs; call it through em_layer_call_backward", l->ops->type);
    if (!l->built || l->last_mode == 0) return em_fail("%s: backward called before forward", l->ops->type);
    if (l->last_mode == 1)
        return em_fail("%s: backward after an inference-mode forward (training = false): backward differentiates the "
                       "last forward, which must run with training = true", l->ops->type);
    if (dy->ndim != l->last_ndim || memcmp(dy->shape, l->last_out, sizeof(int64_t) * (size_t)dy->ndim) != 0) {
        char want[160], got[160];
        return em_fail("%s: expected a gradient of shape %s (the last forward's output), got %s", l->ops->type,
                       em_shape_str(want, sizeof want, l->last_ndim, l->last_out),
                       em_tensor_shape_str(dy, got, sizeof got));
    }
    return l->ops->backward(l, dy, dx);
}

void em_layer_io_release(em_layer_io *io) {
    for (int i = 0; i < EM_LAYER_MAX_IO; i++) em_tensor_release(&io->t[i]);
    em_tensor_release(&io->mask);
    io->n = 0;
}

/* A layer without call hooks: exactly one tensor. */
static int check_single(em_layer *l, const em_layer_io *io, const char *what) {
    if (io->n != 1) return em_fail("%s: takes one %s tensor, got %d", l->ops->type, what, io->n);
    return 0;
}

int em_layer_call(em_layer *l, const em_layer_io *in, int training, em_layer_io *out) {
    em_layer_io empty = {0};
    *out = empty;
    if (in->n < 1 || in->n > EM_LAYER_MAX_IO)
        return em_fail("%s: expected 1 to %d input tensors, got %d", l->ops->type, EM_LAYER_MAX_IO, in->n);
    if (l->ops->call) return l->ops->call(l, in, training, out);
    if (check_single(l, in, "input")) return -1;
    if (in->mask.storage && !(l->ops->flags & EM_LAYER_PASSES_MASK))
        return em_fail("%s: cannot take a mask (a layer before it, e.g. Embedding with mask_zero, makes one)",
                       l->ops->type);
    if (em_layer_forward(l, &in->t[0], training, &out->t[0])) return -1;
    out->n = 1;
    if (in->mask.storage) em_tensor_view(&out->mask, &in->mask);
    return 0;
}

int em_layer_call_backward(em_layer *l, const em_layer_io *dout, em_layer_io *din) {
    em_layer_io empty = {0};
    *din = empty;
    if (l->ops->call_backward) return l->ops->call_backward(l, dout, din);
    if (check_single(l, dout, "gradient")) return -1;
    if (em_layer_backward(l, &dout->t[0], &din->t[0])) return -1;
    din->n = 1;
    return 0;
}

int em_layer_add_param(em_layer *l, const char *name, int ndim, const int64_t *shape) {
    if (l->nparams >= EM_MAX_PARAMS) return em_fail("%s: too many parameters", l->ops->type);
    /* A parameter costs twice its size (its gradient too): check both
     * together, and with the layer's other parameters, before allocating
     * (a per-allocation check lets 2 x 60 % of the memory through). */
    double bytes = 4.0;
    for (int d = 0; d < ndim; d++) bytes *= shape[d] > 0 ? (double)shape[d] : 0.0;
    for (int k = 0; k < l->nparams; k++) bytes += 8.0 * (double)em_numel(&l->params[k]) / 2.0;
    char what[200], s[160];
    snprintf(what, sizeof what, "the %s and its gradient %s (with the layer's other parameters)", name,
             em_shape_str(s, sizeof s, ndim, shape));
    if (em_check_memory(l->ops->type, what, 2.0 * bytes)) return -1;
    int i = l->nparams;
    if (em_tensor_alloc(&l->params[i], EM_FLOAT32, ndim, shape)) return -1;
    if (em_tensor_alloc(&l->grads[i], EM_FLOAT32, ndim, shape)) {
        em_tensor_release(&l->params[i]);
        return -1;
    }
    l->param_names[i] = name;
    l->nparams++;
    return 0;
}

void em_layer_zero_grads(em_layer *l) {
    for (int i = 0; i < l->nparams; i++) em_tensor_fill(&l->grads[i], 0.0);
}

void em_layer_free(em_layer *l) {
    if (!l) return;
    if (l->ops->destroy) l->ops->destroy(l);
    for (int i = 0; i < l->nparams; i++) {
        em_tensor_release(&l->params[i]);
        em_tensor_release(&l->grads[i]);
    }
    em_layer_controls_free(l->controls);
    free(l);
}
