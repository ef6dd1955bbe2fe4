#include "broadcast.h"

#include <string.h>

#include "../core/error.h"

int em_broadcast_shape(const char *op, const em_tensor *a, const em_tensor *b, int *ndim, int64_t *shape) {
    int n = a->ndim > b->ndim ? a->ndim : b->ndim;
    for (int i = 0; i < n; i++) {
        int da = a->ndim - n + i, db = b->ndim - n + i;
        int64_t sa = da >= 0 ? a->shape[da] : 1, sb = db >= 0 ? b->shape[db] : 1;
        if (sa != sb && sa != 1 && sb != 1) {
            char x[160], y[160];
            return em_fail("%s: shapes %s and %s cannot broadcast", op, em_tensor_shape_str(a, x, sizeof x),
                           em_tensor_shape_str(b, y, sizeof y));
        }
        shape[i] = sa == 1 ? sb : sa;
    }
    *ndim = n;
    return 0;
}

/* Operand t's stride for dim i of an n-dim broadcast shape (0 when stretched). */
static int64_t bcast_stride(const em_tensor *t, int n, int i) {
    int d = t->ndim - n + i;
    return d >= 0 && t->shape[d] != 1 ? t->strides[d] : 0;
}

void em_bcast_plan(em_bcast_walk *w, int ndim, const int64_t *shape, const em_tensor *const *ops, int nops) {
    memset(w, 0, sizeof *w);
    w->nops = nops;
    int64_t total = 1;
    for (int i = 0; i < ndim; i++) total *= shape[i];
    /* Keep dims of size > 1, merging each into the previous one when every
     * operand steps over it exactly as over the merged block. */
    int m = 0;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] == 1) continue;
        int merge = m > 0;
        for (int k = 0; merge && k < nops; k++)
            merge = w->strides[k][m - 1] == bcast_stride(ops[k], ndim, i) * shape[i];
        if (merge) {
            w->shape[m - 1] *= shape[i];
            for (int k = 0; k < nops; k++) w->strides[k][m - 1] = bcast_stride(ops[k], ndim, i);
            continue;
        }
        w->shape[m] = shape[i];
        for (int k = 0; k < nops; k++) w->strides[k][m] = bcast_stride(ops[k], ndim, i);
        m++;
    }
    if (m == 0) {  /* a single element */
        w->shape[0] = 1;
        m = 1;
    }
    w->ndim = m;
    for (int k = 0; k < nops; k++) w->offsets[k] = ops[k]->offset;
    w->rows = total == 0 ? 0 : total / w->shape[m - 1];
}

int em_bcast_next(em_bcast_walk *w) {
    if (--w->rows <= 0) return 0;
    for (int d = w->ndim - 2; d >= 0; d--) {
        for (int k = 0; k < w->nops; k++) w->offsets[k] += w->strides[k][d];
        if (++w->index[d] < w->shape[d]) return 1;
        for (int k = 0; k < w->nops; k++) w->offsets[k] -= w->strides[k][d] * w->shape[d];
        w->index[d] = 0;
    }
    return 1;
}
