#include "shape.h"

#include <string.h>

#include "../core/error.h"

#define SHAPE_BUF 160

static int check_dim(const char *op, const em_tensor *t, int dim) {
    if (dim < 0 || dim >= t->ndim)
        return em_fail("%s: dimension %d out of range for a tensor of %d dimensions", op, dim + 1, t->ndim);
    return 0;
}

/* The layout `*layout` shares src's storage: make out a retained view of it. */
static int finish_view(em_tensor *out, const em_tensor *layout) {
    em_tensor_view(out, layout);
    return 0;
}

int em_narrow(em_tensor *out, const em_tensor *src, int dim, int64_t start, int64_t len) {
    if (check_dim("narrow", src, dim)) return -1;
    int64_t size = src->shape[dim];
    if (start < 0 || start > size || len < 0 || len > size - start)
        return em_fail("narrow: start %lld and length %lld out of range for dimension %d of size %lld",
                       (long long)start + 1, (long long)len, dim + 1, (long long)size);
    em_tensor v = *src;
    v.offset += start * src->strides[dim];
    v.shape[dim] = len;
    return finish_view(out, &v);
}

static void remove_dim(em_tensor *t, int dim) {
    for (int d = dim; d < t->ndim - 1; d++) {
        t->shape[d] = t->shape[d + 1];
        t->strides[d] = t->strides[d + 1];
    }
    t->ndim--;
}

int em_select(em_tensor *out, const em_tensor *src, int dim, int64_t index) {
    if (check_dim("select", src, dim)) return -1;
    if (index < 0 || index >= src->shape[dim])
        return em_fail("select: index %lld out of range for dimension %d of size %lld", (long long)index + 1,
                       dim + 1, (long long)src->shape[dim]);
    em_tensor v = *src;
    v.offset += index * src->strides[dim];
    remove_dim(&v, dim);
    return finish_view(out, &v);
}

int em_transpose(em_tensor *out, const em_tensor *src, int d1, int d2) {
    if (check_dim("transpose", src, d1) || check_dim("transpose", src, d2)) return -1;
    em_tensor v = *src;
    v.shape[d1] = src->shape[d2];
    v.strides[d1] = src->strides[d2];
    v.shape[d2] = src->shape[d1];
    v.strides[d2] = src->strides[d1];
    return finish_view(out, &v);
}

int em_squeeze(em_tensor *out, const em_tensor *src, int dim) {
    em_tensor v = *src;
    if (dim >= 0) {
        if (check_dim("squeeze", src, dim)) return -1;
        if (src->shape[dim] != 1)
            return em_fail("squeeze: dimension %d has size %lld, not 1", dim + 1, (long long)src->shape[dim]);
        remove_dim(&v, dim);
        return finish_view(out, &v);
    }
    for (int d = v.ndim - 1; d >= 0; d--)
        if (v.shape[d] == 1) remove_dim(&v, d);
    return finish_view(out, &v);
}

int em_unsqueeze(em_tensor *out, const em_tensor *src, int dim) {
    if (dim < 0 || dim > src->ndim)
        return em_fail("unsqueeze: dimension %d out of range for a tensor of %d dimensions (1 .. %d allowed)", dim + 1,
                       src->ndim, src->ndim + 1);
    if (src->ndim >= EM_MAX_DIMS) return em_fail("unsqueeze: tensor already has %d dimensions", EM_MAX_DIMS);
    em_tensor v = *src;
    for (int d = v.ndim; d > dim; d--) {
        v.shape[d] = v.shape[d - 1];
        v.strides[d] = v.strides[d - 1];
    }
    v.shape[dim] = 1;
    /* Any stride works for a size-1 dim; this one keeps contiguity checks simple. */
    v.strides[dim] = dim < src->ndim ? src->strides[dim] * src->shape[dim] : 1;
    v.ndim++;
    return finish_view(out, &v);
}

int em_resolve_shape(const char *op, int64_t numel, int ndim, const int64_t *shape, int64_t *resolved) {
    char a[SHAPE_BUF];
    if (ndim < 0 || ndim > EM_MAX_DIMS)
        return em_fail("%s: %d dimensions requested, at most %d are supported", op, ndim, EM_MAX_DIMS);
    int infer = -1;
    int64_t known = 1;
    for (int d = 0; d < ndim; d++) {
        resolved[d] = shape[d];
        if (shape[d] == -1) {
            if (infer >= 0) return em_fail("%s: shape %s has more than one -1", op, em_shape_str(a, sizeof a, ndim, shape));
            infer = d;
        } else if (shape[d] < 0) {
            return em_fail("%s: negative size in shape %s", op, em_shape_str(a, sizeof a, ndim, shape));
        } else {
            if (shape[d] > 0 && known > EM_MAX_NUMEL / shape[d])
                return em_fail("%s: shape %s is too large", op, em_shape_str(a, sizeof a, ndim, shape));
            known *= shape[d];
        }
    }
    if (infer >= 0) {
        if (known == 0 || numel % known != 0)
            return em_fail("%s: cannot infer the -1 in shape %s for %lld elements", op,
                           em_shape_str(a, sizeof a, ndim, shape), (long long)numel);
        resolved[infer] = numel / known;
    } else if (known != numel) {
        return em_fail("%s: shape %s has %lld elements, the tensor has %lld", op,
                       em_shape_str(a, sizeof a, ndim, shape), (long long)known, (long long)numel);
    }
    return 0;
}

static void set_contiguous_shape(em_tensor *t, int ndim, const int64_t *shape) {
    t->ndim = ndim;
    for (int d = 0; d < ndim; d++) t->shape[d] = shape[d];
    em_contiguous_strides(ndim, shape, t->strides);
}

int em_view(em_tensor *out, const em_tensor *src, int ndim, const int64_t *shape) {
    int64_t resolved[EM_MAX_DIMS];
    if (em_resolve_shape("view", em_numel(src), ndim, shape, resolved)) return -1;
    if (!em_is_contiguous(src)) {
        char a[SHAPE_BUF];
        return em_fail("view: the tensor of shape %s is not contiguous; use reshape() or contiguous()",
                       em_tensor_shape_str(src, a, sizeof a));
    }
    em_tensor v = *src;
    set_contiguous_shape(&v, ndim, resolved);
    return finish_view(out, &v);
}

int em_reshape(em_tensor *out, const em_tensor *src, int ndim, const int64_t *shape) {
    int64_t resolved[EM_MAX_DIMS];
    if (em_resolve_shape("reshape", em_numel(src), ndim, shape, resolved)) return -1;
    if (em_is_contiguous(src)) {
        em_tensor v = *src;
        set_contiguous_shape(&v, ndim, resolved);
        return finish_view(out, &v);
    }
    if (em_tensor_clone(out, src)) return -1;
    set_contiguous_shape(out, ndim, resolved);
    return 0;
}

int em_flip(em_tensor *out, const em_tensor *src, int dim) {
    if (dim >= 0 && check_dim("flip", src, dim)) return -1;
    /* A negative-stride view of src, copied into fresh contiguous storage:
     * the result never aliases src, as torch.flip. */
    em_tensor v = *src;
    for (int d = 0; d < src->ndim; d++) {
        if ((dim >= 0 && d != dim) || src->shape[d] == 0) continue;
        v.offset += (src->shape[d] - 1) * src->strides[d];
        v.strides[d] = -src->strides[d];
    }
    return em_tensor_clone(out, &v);
}

int em_index(em_tensor *out, const em_tensor *src, int dim, const em_tensor *indices, int base) {
    if (check_dim("index", src, dim)) return -1;
    if (indices->dtype != EM_INT32 || indices->ndim != 1) {
        char a[SHAPE_BUF];
        return em_fail("index: indices must be a 1-D int32 tensor, got %s %s", em_dtype_name(indices->dtype),
                       em_tensor_shape_str(indices, a, sizeof a));
    }
    int64_t n = indices->shape[0], size = src->shape[dim];
    for (int64_t i = 0; i < n; i++) {
        int64_t k = (int64_t)em_i32(indices)[i * indices->strides[0]] - base;
        if (k < 0 || k >= size)
            return em_fail("index: index %lld out of range for dimension %d of size %lld", (long long)(k + base),
                           dim + 1, (long long)size);
    }
    int64_t shape[EM_MAX_DIMS];
    memcpy(shape, src->shape, sizeof shape);
    shape[dim] = n;
    if (em_tensor_alloc(out, src->dtype, src->ndim, shape)) return -1;
    for (int64_t i = 0; i < n; i++) {
        em_tensor from = *src, to = *out;
        from.offset += ((int64_t)em_i32(indices)[i * indices->strides[0]] - base) * src->strides[dim];
        to.offset += i * out->strides[dim];
        remove_dim(&from, dim);
        remove_dim(&to, dim);
        if (em_tensor_copy(&to, &from)) { em_tensor_release(out); return -1; }
    }
    return 0;
}

/* Checks that list[i] agrees with list[0] in dtype, ndim and every dim but skip. */
static int check_compatible(const char *op, const em_tensor *const *list, int i, int skip) {
    const em_tensor *a = list[0], *b = list[i];
    char sa[SHAPE_BUF], sb[SHAPE_BUF];
    if (a->dtype != b->dtype)
        return em_fail("%s: tensor 1 is %s but tensor %d is %s", op, em_dtype_name(a->dtype), i + 1,
                       em_dtype_name(b->dtype));
    int bad = a->ndim != b->ndim;
    for (int d = 0; !bad && d < a->ndim; d++) bad = d != skip && a->shape[d] != b->shape[d];
    if (bad)
        return em_fail("%s: shapes %s (tensor 1) and %s (tensor %d) do not match", op,
                       em_tensor_shape_str(a, sa, sizeof sa), em_tensor_shape_str(b, sb, sizeof sb), i + 1);
    return 0;
}

int em_cat(em_tensor *out, const em_tensor *const *list, int n, int dim) {
    if (n < 1) return em_fail("cat: no tensors to concatenate");
    if (check_dim("cat", list[0], dim)) return -1;
    int64_t shape[EM_MAX_DIMS];
    memcpy(shape, list[0]->shape, sizeof shape);
    shape[dim] = 0;
    for (int i = 0; i < n; i++) {
        if (check_compatible("cat", list, i, dim)) return -1;
        shape[dim] += list[i]->shape[dim];
    }
    if (em_tensor_alloc(out, list[0]->dtype, list[0]->ndim, shape)) return -1;
    int64_t at = 0;
    for (int i = 0; i < n; i++) {
        em_tensor part = *out;
        part.offset += at * out->strides[dim];
        part.shape[dim] = list[i]->shape[dim];
        at += list[i]->shape[dim];
        if (em_tensor_copy(&part, list[i])) { em_tensor_release(out); return -1; }
    }
    return 0;
}

int em_stack(em_tensor *out, const em_tensor *const *list, int n, int dim) {
    if (n < 1) return em_fail("stack: no tensors to stack");
    if (dim < 0 || dim > list[0]->ndim)
        return em_fail("stack: dimension %d out of range for tensors of %d dimensions (1 .. %d allowed)", dim + 1,
                       list[0]->ndim, list[0]->ndim + 1);
    for (int i = 0; i < n; i++)
        if (check_compatible("stack", list, i, -1)) return -1;
    if (list[0]->ndim >= EM_MAX_DIMS) return em_fail("stack: tensors already have %d dimensions", EM_MAX_DIMS);
    int64_t shape[EM_MAX_DIMS];
    for (int d = 0, s = 0; d <= list[0]->ndim; d++) shape[d] = d == dim ? n : list[0]->shape[s++];
    if (em_tensor_alloc(out, list[0]->dtype, list[0]->ndim + 1, shape)) return -1;
    for (int i = 0; i < n; i++) {
        em_tensor slot = *out;
        slot.offset += i * out->strides[dim];
        remove_dim(&slot, dim);
        if (em_tensor_copy(&slot, list[i])) { em_tensor_release(out); return -1; }
    }
    return 0;
}
