/* The tensor: an n-dimensional strided view over reference-counted storage.
 *
 * A tensor value (em_tensor) is small and lives wherever its owner wants it:
 * inside a Lua userdata, inside a layer, on the C stack.  Its storage is
 * shared: views (narrow, select, transpose, reshape of contiguous data) copy
 * the struct and retain the storage; em_tensor_release() drops the reference.
 * Strides and offset are counted in elements, not bytes. */
#ifndef EMBER_TENSOR_H
#define EMBER_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#define EM_MAX_DIMS 8
/* Largest element count a constructor accepts (2^40, about 4 TiB of floats):
 * beyond it a request is refused before any allocation is tried. */
#define EM_MAX_NUMEL ((int64_t)1 << 40)

/* EM_UINT8 holds bytes 0..255: one-hot data and other 0/1 masks at a
 * quarter of float32's memory (the Lua "bool" dtype is an alias creating
 * uint8 tensors of 0 and 1).  It is a storage dtype: creation, conversion,
 * element access, copies and views, printing, .npy/.npz, comparisons and
 * reductions take it; arithmetic and layers do not (the bindings convert
 * layer and model inputs to float32, the training loop per batch).  Code
 * that branches on dtype must name all three: never treat "not float32"
 * as int32. */
typedef enum { EM_FLOAT32 = 0, EM_INT32 = 1, EM_UINT8 = 2 } em_dtype;

typedef struct em_storage {
    void *data;
    size_t nbytes;
    /* Views are retained and released from several threads at once (the
     * recurrent layers' pool threads): atomic, changed only by
     * em_tensor_view / em_tensor_release, read through em_tensor_unshared. */
    _Atomic int refcount;
} em_storage;

typedef struct em_tensor {
    em_dtype dtype;
    int ndim;                      /* 0 .. EM_MAX_DIMS; 0 is a scalar */
    int64_t shape[EM_MAX_DIMS];
    int64_t strides[EM_MAX_DIMS];  /* in elements */
    int64_t offset;                /* in elements, into storage->data */
    em_storage *storage;           /* NULL for an empty (unallocated) tensor */
} em_tensor;

const char *em_dtype_name(em_dtype dtype);

/* Refuse an allocation of nbytes that cannot fit in this machine's physical
 * memory (sysconf), before trying it: with Linux's overcommit a large malloc
 * may succeed and the process is OOM-killed later while filling it.  `what`
 * names the request in the message ("tensor float32 {1000000,1000000}"). */
int em_check_memory(const char *op, const char *what, double nbytes);

/* Physical memory in bytes (0 when unknown). */
double em_physical_memory(void);
size_t em_dtype_size(em_dtype dtype);

/* Allocate fresh zero-filled contiguous storage for *t (which must be empty
 * or released).  Fails on a negative dim, too many dims or too many elements. */
int em_tensor_alloc(em_tensor *t, em_dtype dtype, int ndim, const int64_t *shape);

/* Make *t have this dtype and shape, contiguous, reusing its storage when it
 * is not shared and is large enough (contents are then unspecified).  A
 * shared storage is left to its other holders and *t gets a fresh one.  For
 * buffers handed out as views (layer outputs), use em_tensor_reuse below:
 * their storage is shared by design, so this would allocate every batch. */
int em_tensor_resize(em_tensor *t, em_dtype dtype, int ndim, const int64_t *shape);

/* Make *t a contiguous tensor of this dtype and shape for a buffer that its
 * owner hands out as views valid until the owner's next call: layer outputs
 * and gradients (layer.h), the training loop's batch buffers.  Unlike
 * em_tensor_resize it keeps t's storage whenever it is large enough EVEN IF
 * views of it are still alive (a Lua userdata not yet collected, the next
 * layer's saved input), so steady state allocates nothing.
 *
 * Contract for a holder of an old view: its memory stays valid (the storage
 * lives while any view retains it), but its CONTENTS are whatever the owner
 * writes next; a caller that needs the values past the owner's next call
 * copies them first (predict copies each batch's output out).  Reused
 * contents are unspecified; a fresh buffer is zero-filled.
 *
 * `input` (may be NULL) is the tensor the owner is about to read while
 * writing t: if it shares t's storage (layer:forward(layer:forward(x)) on the
 * same layer), t gets a fresh buffer instead, so the input is never
 * overwritten while it is read.  On failure *t is unchanged. */
int em_tensor_reuse(em_tensor *t, em_dtype dtype, int ndim, const int64_t *shape, const em_tensor *input);

/* Bytes of tensor storage allocated since the last call (then reset).
 * The Lua bindings feed this to Lua's garbage collector, which otherwise
 * sees only the small userdata and would let big dead tensors pile up. */
size_t em_storage_take_allocated(void);

/* How many storages have been allocated since the process started (never
 * reset).  A diagnostic: specs difference it around a loop to check that
 * steady-state training and inference allocate nothing per batch. */
uint64_t em_storage_allocations(void);

/* 1 when *t is empty or holds the only reference to its storage (no view
 * of it is alive elsewhere), so its contents may be overwritten. */
int em_tensor_unshared(const em_tensor *t);

/* Drop *t's reference to its storage and leave *t empty. */
void em_tensor_release(em_tensor *t);

/* *dst becomes a view of src (same storage, retained).  *dst is released first. */
void em_tensor_view(em_tensor *dst, const em_tensor *src);

int64_t em_numel(const em_tensor *t);
int em_is_contiguous(const em_tensor *t);
int em_same_shape(const em_tensor *a, const em_tensor *b);
void em_contiguous_strides(int ndim, const int64_t *shape, int64_t *strides);

/* Pointers to the first element of the view (storage data + offset). */
static inline float *em_f32(const em_tensor *t) {
    return (float *)t->storage->data + t->offset;
}
static inline int32_t *em_i32(const em_tensor *t) {
    return (int32_t *)t->storage->data + t->offset;
}
static inline uint8_t *em_u8(const em_tensor *t) {
    return (uint8_t *)t->storage->data + t->offset;
}

/* Fail with "<op>: uint8 tensors are not supported; convert with :float()"
 * when t is uint8 (ops that compute on numbers call it first). */
int em_refuse_uint8(const char *op, const em_tensor *t);

/* "{2,3}" for t's shape, into buf. */
const char *em_tensor_shape_str(const em_tensor *t, char *buf, size_t size);

/* A contiguous copy of src into *out (allocated).  *out must be empty. */
int em_tensor_clone(em_tensor *out, const em_tensor *src);

/* Copy src's elements into dst (same number of elements, same dtype; any
 * strides), converting nothing. */
int em_tensor_copy(em_tensor *dst, const em_tensor *src);

/* Copy with dtype conversion into a freshly allocated *out.  Into int32 and
 * uint8 values truncate toward zero and saturate at the type's range (NaN
 * gives 0), as in numpy's astype for in-range values. */
int em_tensor_convert(em_tensor *out, const em_tensor *src, em_dtype dtype);

/* 1 when some element of t is NaN, not an integer or outside [lo, hi]
 * (*pos = its 0-based row-major position, *value = it), else 0: the check
 * before a conversion into uint8, which must not wrap or clamp in silence. */
int em_tensor_find_outside(const em_tensor *t, double lo, double hi, int64_t *pos, double *value);

/* Fill every element of the view with value. */
void em_tensor_fill(em_tensor *t, double value);

/* Element access by a flat list of 0-based indices (one per dim). */
double em_tensor_get(const em_tensor *t, const int64_t *index);
void em_tensor_set(em_tensor *t, const int64_t *index, double value);

#endif
