/* Shape operations: views (narrow, select, transpose, squeeze, unsqueeze,
 * reshape/view of contiguous data) and the copying ones (flip, index, cat,
 * stack, reshape of strided data).
 *
 * Conventions: dims and indices are 0-based here; messages count them from 1,
 * as the Lua user wrote them.  `out` must be an empty tensor (storage NULL);
 * on success it holds the result (a view retaining src's storage, or fresh
 * storage), on failure it is left empty. */
#ifndef EMBER_OPS_SHAPE_H
#define EMBER_OPS_SHAPE_H

#include "../core/tensor.h"

/* View of elements start .. start+len-1 along dim. */
int em_narrow(em_tensor *out, const em_tensor *src, int dim, int64_t start, int64_t len);

/* View with dim removed, fixed at index. */
int em_select(em_tensor *out, const em_tensor *src, int dim, int64_t index);

/* View with dims d1 and d2 swapped. */
int em_transpose(em_tensor *out, const em_tensor *src, int d1, int d2);

/* View without size-1 dims (dim < 0: all of them; else only dim, which must be 1). */
int em_squeeze(em_tensor *out, const em_tensor *src, int dim);

/* View with a size-1 dim inserted at position dim (0 .. ndim). */
int em_unsqueeze(em_tensor *out, const em_tensor *src, int dim);

/* Resolve a requested shape for numel elements: at most one -1 entry, which
 * is inferred.  Writes the resolved shape into resolved. */
int em_resolve_shape(const char *op, int64_t numel, int ndim, const int64_t *shape, int64_t *resolved);

/* Same elements in a new shape: a view when src is contiguous, else a copy. */
int em_reshape(em_tensor *out, const em_tensor *src, int ndim, const int64_t *shape);

/* Like em_reshape but never copies: fails if src is not contiguous. */
int em_view(em_tensor *out, const em_tensor *src, int ndim, const int64_t *shape);

/* Copy with the order of elements reversed along dim (dim < 0: every dim). */
int em_flip(em_tensor *out, const em_tensor *src, int dim);

/* Gather: out has src's shape with dim's size replaced by numel(indices);
 * slice i of out along dim is slice (indices[i] - base) of src.  indices is a
 * 1-D int32 tensor; base is 1 for Lua's 1-based indices. */
int em_index(em_tensor *out, const em_tensor *src, int dim, const em_tensor *indices, int base);

/* Concatenate n tensors (same dtype and ndim, same shape except dim). */
int em_cat(em_tensor *out, const em_tensor *const *list, int n, int dim);

/* Stack n tensors of one shape along a new dim inserted at position dim. */
int em_stack(em_tensor *out, const em_tensor *const *list, int n, int dim);

#endif
