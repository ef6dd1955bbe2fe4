#include "tensor.h"

#include <math.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bigalloc.h"
#include "error.h"

const char *em_dtype_name(em_dtype dtype) {
    switch (dtype) {
    case EM_FLOAT32: return "float32";
    case EM_INT32: return "int32";
    case EM_UINT8: return "uint8";
    }
    return "?";
}

size_t em_dtype_size(em_dtype dtype) { return dtype == EM_UINT8 ? 1 : 4; }

int em_refuse_uint8(const char *op, const em_tensor *t) {
    if (t->dtype != EM_UINT8) return 0;
    return em_fail("%s: uint8 tensors are not supported; convert with :float()", op);
}

void em_contiguous_strides(int ndim, const int64_t *shape, int64_t *strides) {
    int64_t s = 1;
    for (int i = ndim - 1; i >= 0; i--) {
        strides[i] = s;
        s *= shape[i] > 0 ? shape[i] : 1;
    }
}

double em_physical_memory(void) {
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? (double)pages * (double)page : 0;
}

static void human_bytes(char *buf, size_t n, double bytes) {
    static const char *units[] = {"bytes", "KB", "MB", "GB", "TB", "PB", "EB"};
    int u = 0;
    while (bytes >= 1024 && u < 6) { bytes /= 1024; u++; }
    snprintf(buf, n, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
}

int em_check_memory(const char *op, const char *what, double nbytes) {
    double phys = em_physical_memory();
    if (phys <= 0 || nbytes <= phys) return 0;
    char need[32], have[32];
    human_bytes(need, sizeof need, nbytes);
    human_bytes(have, sizeof have, phys);
    return em_fail("%s: %s needs %s, more than this machine's %s of physical memory", op, what, need, have);
}

static int check_shape(const char *op, int ndim, const int64_t *shape, int64_t *numel) {
    char buf[160];
    if (ndim < 0 || ndim > EM_MAX_DIMS)
        return em_fail("%s: %d dimensions requested, at most %d are supported", op, ndim, EM_MAX_DIMS);
    /* Bound the product of the non-zero dims, not only the element count:
     * a shape like {0, 2^40, 2^40} holds no elements, but its strides are
     * still products of the other dims and must not overflow. */
    int64_t n = 1, strided = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0)
            return em_fail("%s: negative size in shape %s", op, em_shape_str(buf, sizeof buf, ndim, shape));
        if (shape[i] > 0 && strided > EM_MAX_NUMEL / shape[i])
            return em_fail("%s: shape %s has more than %lld elements", op,
                           em_shape_str(buf, sizeof buf, ndim, shape), (long long)EM_MAX_NUMEL);
        if (shape[i] > 0) strided *= shape[i];
        n *= shape[i];
    }
    *numel = n;
    return 0;
}

static int check_alloc(const char *op, em_dtype dtype, int ndim, const int64_t *shape, int64_t numel) {
    char what[200], buf[160];
    snprintf(what, sizeof what, "%s %s", em_dtype_name(dtype), em_shape_str(buf, sizeof buf, ndim, shape));
    return em_check_memory(op, what, (double)numel * (double)em_dtype_size(dtype));
}

/* Atomic: Bidirectional's two halves allocate from two threads at once.
 * Relaxed order is enough for counters nobody synchronizes on. */
static _Atomic size_t allocated_since_query;
static _Atomic uint64_t storage_allocations;

uint64_t em_storage_allocations(void) {
    return atomic_load_explicit(&storage_allocations, memory_order_relaxed);
}

size_t em_storage_take_allocated(void) {
    return atomic_exchange_explicit(&allocated_since_query, 0, memory_order_relaxed);
}

static em_storage *storage_new(size_t nbytes, int zero) {
    em_storage *s = malloc(sizeof *s);
    if (!s) return NULL;
    size_t alloc = nbytes ? nbytes : 4;
    /* 64-byte alignment keeps vector loads aligned for contiguous data. */
    alloc = (alloc + 63) & ~(size_t)63;
    if (alloc >= EM_BIG_MIN) {
        /* Big buffers: mmap'd and recycled (bigalloc.h says why). */
        s->data = em_big_alloc(alloc, zero);
        alloc = em_big_size(alloc);
    } else {
        s->data = aligned_alloc(64, alloc);
        if (s->data && zero) memset(s->data, 0, alloc);
    }
    if (!s->data) { free(s); return NULL; }
    s->nbytes = nbytes;
    atomic_init(&s->refcount, 1);
    atomic_fetch_add_explicit(&allocated_since_query, alloc, memory_order_relaxed);
    atomic_fetch_add_explicit(&storage_allocations, 1, memory_order_relaxed);
    return s;
}

static void set_layout(em_tensor *t, em_dtype dtype, int ndim, const int64_t *shape) {
    t->dtype = dtype;
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++) t->shape[i] = shape[i];
    em_contiguous_strides(ndim, shape, t->strides);
    t->offset = 0;
}

int em_tensor_alloc(em_tensor *t, em_dtype dtype, int ndim, const int64_t *shape) {
    int64_t n;
    if (check_shape("tensor", ndim, shape, &n) || check_alloc("tensor", dtype, ndim, shape, n)) return -1;
    em_storage *s = storage_new((size_t)n * em_dtype_size(dtype), 1);
    if (!s) {
        char buf[160];
        return em_fail("tensor: out of memory allocating %s %s",
                       em_dtype_name(dtype), em_shape_str(buf, sizeof buf, ndim, shape));
    }
    memset(t, 0, sizeof *t);
    set_layout(t, dtype, ndim, shape);
    t->storage = s;
    return 0;
}

int em_tensor_resize(em_tensor *t, em_dtype dtype, int ndim, const int64_t *shape) {
    int64_t n;
    if (check_shape("tensor", ndim, shape, &n)) return -1;
    size_t need = (size_t)n * em_dtype_size(dtype);
    if (t->storage && em_tensor_unshared(t) && t->storage->nbytes >= need) {
        set_layout(t, dtype, ndim, shape);
        return 0;
    }
    em_tensor fresh;
    memset(&fresh, 0, sizeof fresh);
    if (em_tensor_alloc(&fresh, dtype, ndim, shape)) return -1;
    em_tensor_release(t);
    *t = fresh;
    return 0;
}

int em_tensor_reuse(em_tensor *t, em_dtype dtype, int ndim, const int64_t *shape, const em_tensor *input) {
    int64_t n;
    if (check_shape("tensor", ndim, shape, &n)) return -1;
    int aliased = input && input->storage && input->storage == t->storage;
    if (t->storage && !aliased && t->storage->nbytes >= (size_t)n * em_dtype_size(dtype)) {
        set_layout(t, dtype, ndim, shape);
        return 0;
    }
    em_tensor fresh;
    memset(&fresh, 0, sizeof fresh);
    if (em_tensor_alloc(&fresh, dtype, ndim, shape)) return -1;
    em_tensor_release(t);
    *t = fresh;
    return 0;
}

/* Acquire pairs with the release in em_tensor_release: once the other
 * holders are seen gone, their last reads of the data happened before. */
int em_tensor_unshared(const em_tensor *t) {
    return !t->storage || atomic_load_explicit(&t->storage->refcount, memory_order_acquire) == 1;
}

/* The usual reference counting: a new reference is taken from one already
 * held, so the increment needs no ordering; each release publishes the
 * holder's accesses (release) and the last one synchronizes with all of
 * them (acquire fence) before freeing. */
void em_tensor_release(em_tensor *t) {
    if (t->storage && atomic_fetch_sub_explicit(&t->storage->refcount, 1, memory_order_release) == 1) {
        atomic_thread_fence(memory_order_acquire);
        size_t alloc = ((t->storage->nbytes ? t->storage->nbytes : 4) + 63) & ~(size_t)63;
        if (alloc >= EM_BIG_MIN) em_big_free(t->storage->data, alloc);
        else free(t->storage->data);
        free(t->storage);
    }
    memset(t, 0, sizeof *t);
}

void em_tensor_view(em_tensor *dst, const em_tensor *src) {
    if (dst == src) return;
    if (src->storage) atomic_fetch_add_explicit(&src->storage->refcount, 1, memory_order_relaxed);
    em_tensor_release(dst);
    *dst = *src;
}

int64_t em_numel(const em_tensor *t) {
    int64_t n = 1;
    for (int i = 0; i < t->ndim; i++) n *= t->shape[i];
    return n;
}

int em_is_contiguous(const em_tensor *t) {
    int64_t s = 1;
    for (int i = t->ndim - 1; i >= 0; i--) {
        if (t->shape[i] != 1 && t->strides[i] != s) return 0;
        s *= t->shape[i];
    }
    return 1;
}

int em_same_shape(const em_tensor *a, const em_tensor *b) {
    if (a->ndim != b->ndim) return 0;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i]) return 0;
    return 1;
}

const char *em_tensor_shape_str(const em_tensor *t, char *buf, size_t size) {
    return em_shape_str(buf, size, t->ndim, t->shape);
}

/* Walks the elements of a strided view in row-major order, yielding each
 * element's offset.  The innermost dimension is left to the caller's loop so
 * contiguous rows stay vectorizable. */
typedef struct {
    int ndim;
    int64_t idx[EM_MAX_DIMS];
    int64_t pos;
} row_iter;

static int64_t row_count(const em_tensor *t) {
    int64_t n = 1;
    for (int i = 0; i < t->ndim - 1; i++) n *= t->shape[i];
    return n;
}

static void row_next(row_iter *it, const em_tensor *t) {
    for (int d = t->ndim - 2; d >= 0; d--) {
        it->pos += t->strides[d];
        if (++it->idx[d] < t->shape[d]) return;
        it->pos -= t->strides[d] * t->shape[d];
        it->idx[d] = 0;
    }
}

/* The element moves of em_tensor_copy, once per element size (T: uint32_t
 * for float32 and int32, uint8_t for uint8); n > 0 and the checks done. */
#define DEFINE_COPY(SUF, T)                                                                           \
    static int copy_##SUF(em_tensor *dst, const em_tensor *src, int64_t n) {                          \
        T *d = (T *)dst->storage->data + dst->offset;                                                 \
        const T *s = (const T *)src->storage->data + src->offset;                                     \
        if (em_is_contiguous(dst) && em_is_contiguous(src)) {                                         \
            memmove(d, s, (size_t)n * sizeof(T));                                                     \
            return 0;                                                                                 \
        }                                                                                             \
        /* Gather rows of src into contiguous dst, unless they share storage: a                       \
         * strided source may overlap the destination (x[3] = x:t()[1]), and the                      \
         * result must be as if src were copied first, so that case takes the                        \
         * general path below (through a snapshot of src). */                                        \
        if (em_is_contiguous(dst) && src->ndim > 0 && src->storage != dst->storage) {                 \
            row_iter it = {0};                                                                        \
            int64_t inner = src->shape[src->ndim - 1], is = src->strides[src->ndim - 1];              \
            int64_t rows = row_count(src);                                                            \
            for (int64_t r = 0; r < rows; r++, row_next(&it, src)) {                                  \
                const T *sp = s + it.pos;                                                             \
                for (int64_t j = 0; j < inner; j++) d[r * inner + j] = sp[j * is];                    \
            }                                                                                         \
            return 0;                                                                                 \
        }                                                                                             \
        /* General case: go through a contiguous copy (a snapshot) of src, then                       \
         * scatter; safe whatever the overlap. */                                                     \
        em_tensor tmp = {0};                                                                          \
        if (em_tensor_clone(&tmp, src)) return -1;                                                    \
        const T *tp = (const T *)tmp.storage->data;                                                   \
        row_iter it = {0};                                                                            \
        int64_t inner = dst->ndim ? dst->shape[dst->ndim - 1] : 1;                                    \
        int64_t ds = dst->ndim ? dst->strides[dst->ndim - 1] : 1;                                     \
        int64_t rows = dst->ndim ? row_count(dst) : 1;                                                \
        for (int64_t r = 0; r < rows; r++, row_next(&it, dst))                                        \
            for (int64_t j = 0; j < inner; j++) d[it.pos + j * ds] = tp[r * inner + j];               \
        em_tensor_release(&tmp);                                                                      \
        return 0;                                                                                     \
    }

DEFINE_COPY(w4, uint32_t)
DEFINE_COPY(w1, uint8_t)

int em_tensor_copy(em_tensor *dst, const em_tensor *src) {
    if (dst->dtype != src->dtype)
        return em_fail("copy: dtype %s into %s", em_dtype_name(src->dtype), em_dtype_name(dst->dtype));
    int64_t n = em_numel(src);
    if (n != em_numel(dst))
        return em_fail("copy: %lld elements into %lld", (long long)n, (long long)em_numel(dst));
    if (n == 0) return 0;
    return em_dtype_size(src->dtype) == 1 ? copy_w1(dst, src, n) : copy_w4(dst, src, n);
}

int em_tensor_clone(em_tensor *out, const em_tensor *src) {
    if (em_tensor_alloc(out, src->dtype, src->ndim, src->shape)) return -1;
    if (em_numel(src) == 0) return 0;
    if (em_is_contiguous(src)) {
        size_t esz = em_dtype_size(src->dtype);
        memcpy(out->storage->data, (const char *)src->storage->data + src->offset * (int64_t)esz,
               (size_t)em_numel(src) * esz);
        return 0;
    }
    return em_tensor_copy(out, src);
}

/* Element i of contiguous c as a double (any dtype). */
static double value_at(const em_tensor *c, int64_t i) {
    switch (c->dtype) {
    case EM_FLOAT32: return em_f32(c)[i];
    case EM_INT32: return em_i32(c)[i];
    case EM_UINT8: return em_u8(c)[i];
    }
    return 0;
}

/* Truncation toward zero, as numpy's astype; out-of-range values saturate
 * instead of being undefined behaviour, NaN gives 0. */
static int32_t to_i32(double v) {
    return v != v ? 0 : v >= 2147483647.0 ? INT32_MAX : v <= -2147483648.0 ? INT32_MIN : (int32_t)v;
}
static uint8_t to_u8(double v) { return v != v || v <= 0 ? 0 : v >= 255.0 ? 255 : (uint8_t)v; }

int em_tensor_convert(em_tensor *out, const em_tensor *src, em_dtype dtype) {
    em_tensor c = {0};
    if (em_tensor_clone(&c, src)) return -1;
    if (dtype == src->dtype) { *out = c; return 0; }
    if (em_tensor_alloc(out, dtype, src->ndim, src->shape)) { em_tensor_release(&c); return -1; }
    int64_t n = em_numel(src);
    if (dtype == EM_FLOAT32 && src->dtype == EM_INT32) {  /* the common cases keep their own loops */
        const int32_t *s = em_i32(&c);
        float *d = em_f32(out);
        for (int64_t i = 0; i < n; i++) d[i] = (float)s[i];
    } else if (dtype == EM_FLOAT32 && src->dtype == EM_UINT8) {
        const uint8_t *s = em_u8(&c);
        float *d = em_f32(out);
        for (int64_t i = 0; i < n; i++) d[i] = (float)s[i];
    } else if (dtype == EM_FLOAT32) {
        float *d = em_f32(out);
        for (int64_t i = 0; i < n; i++) d[i] = (float)value_at(&c, i);
    } else if (dtype == EM_INT32) {
        int32_t *d = em_i32(out);
        for (int64_t i = 0; i < n; i++) d[i] = to_i32(value_at(&c, i));
    } else {
        uint8_t *d = em_u8(out);
        for (int64_t i = 0; i < n; i++) d[i] = to_u8(value_at(&c, i));
    }
    em_tensor_release(&c);
    return 0;
}

int em_tensor_find_outside(const em_tensor *t, double lo, double hi, int64_t *pos, double *value) {
    int64_t n = em_numel(t), idx[EM_MAX_DIMS] = {0};
    for (int64_t i = 0; i < n; i++) {
        double v = em_tensor_get(t, idx);
        if (!(v >= lo && v <= hi) || v != floor(v)) {
            *pos = i;
            *value = v;
            return 1;
        }
        for (int d = t->ndim - 1; d >= 0 && ++idx[d] == t->shape[d]; d--) idx[d] = 0;
    }
    return 0;
}

void em_tensor_fill(em_tensor *t, double value) {
    int64_t n = em_numel(t);
    if (n == 0) return;
    if (t->ndim == 0) { int64_t z = 0; em_tensor_set(t, &z, value); return; }
    row_iter it = {0};
    int64_t inner = t->shape[t->ndim - 1], s = t->strides[t->ndim - 1];
    int64_t rows = row_count(t);
    for (int64_t r = 0; r < rows; r++, row_next(&it, t)) {
        if (t->dtype == EM_FLOAT32) {
            float *p = em_f32(t) + it.pos, v = (float)value;
            for (int64_t j = 0; j < inner; j++) p[j * s] = v;
        } else if (t->dtype == EM_INT32) {
            int32_t *p = em_i32(t) + it.pos, v = to_i32(value);
            for (int64_t j = 0; j < inner; j++) p[j * s] = v;
        } else {
            uint8_t *p = em_u8(t) + it.pos, v = to_u8(value);
            for (int64_t j = 0; j < inner; j++) p[j * s] = v;
        }
    }
}

static int64_t flat_offset(const em_tensor *t, const int64_t *index) {
    int64_t off = t->offset;
    for (int i = 0; i < t->ndim; i++) off += index[i] * t->strides[i];
    return off;
}

double em_tensor_get(const em_tensor *t, const int64_t *index) {
    int64_t off = flat_offset(t, index);
    switch (t->dtype) {
    case EM_FLOAT32: return ((const float *)t->storage->data)[off];
    case EM_INT32: return ((const int32_t *)t->storage->data)[off];
    case EM_UINT8: return ((const uint8_t *)t->storage->data)[off];
    }
    return 0;
}

void em_tensor_set(em_tensor *t, const int64_t *index, double value) {
    int64_t off = flat_offset(t, index);
    switch (t->dtype) {
    case EM_FLOAT32: ((float *)t->storage->data)[off] = (float)value; break;
    case EM_INT32: ((int32_t *)t->storage->data)[off] = to_i32(value); break;
    case EM_UINT8: ((uint8_t *)t->storage->data)[off] = to_u8(value); break;
    }
}
