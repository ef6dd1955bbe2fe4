/* Layer-owned buffers that are reused across batches even while views of
 * them are alive.  em_tensor_resize allocates afresh when the storage is
 * shared, but a layer's output is SHARED by design: the caller (and the Lua
 * userdata wrapping it, until garbage collection) holds a view, and layer.h
 * documents that the next forward overwrites it.  Reallocating there would
 * cost a zero-filled allocation and page faults every batch (measured: 8 MB
 * buffers made a Conv1D training step ~2x slower).  Views stay valid memory:
 * the storage lives as long as any view retains it; only its contents change. */
#ifndef EMBER_REUSE_BUFFER_H
#define EMBER_REUSE_BUFFER_H

#include "../core/tensor.h"

static inline int em_buffer_reuse(em_tensor *t, em_dtype dtype, int ndim, const int64_t *shape) {
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) n *= shape[i] < 0 ? 0 : shape[i];
    if (t->storage && ndim <= EM_MAX_DIMS && (size_t)n * em_dtype_size(dtype) <= t->storage->nbytes) {
        int ok = 1;
        for (int i = 0; i < ndim; i++) ok &= shape[i] >= 0;
        if (ok) {
            t->dtype = dtype;
            t->ndim = ndim;
            for (int i = 0; i < ndim; i++) t->shape[i] = shape[i];
            em_contiguous_strides(ndim, shape, t->strides);
            t->offset = 0;
            return 0;
        }
    }
    return em_tensor_resize(t, dtype, ndim, shape);
}

#endif
