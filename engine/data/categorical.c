#include "categorical.h"

#include <math.h>
#include <string.h>

#include "../core/error.h"

/* Label i (0-based, in row-major order) of a contiguous tensor, as a double. */
static double label_at(const em_tensor *t, int64_t i) {
    switch (t->dtype) {
    case EM_FLOAT32: return em_f32(t)[i];
    case EM_INT32: return em_i32(t)[i];
    case EM_UINT8: return em_u8(t)[i];
    }
    return NAN;
}

/* Every label an integer >= 0 (and < num_classes when that is given);
 * *max = the largest. */
static int check_labels(const em_tensor *t, int64_t n, int64_t num_classes, int64_t *max) {
    *max = -1;
    for (int64_t i = 0; i < n; i++) {
        double v = label_at(t, i);
        if (v != floor(v))
            return em_fail("to_categorical: argument 'y' holds %g at position %lld, not a class id (an integer >= 0)", v,
                           (long long)i + 1);
        if (v < 0)
            return em_fail("to_categorical: argument 'y' holds %g at position %lld; class ids are 0-based (0 .. "
                           "num_classes - 1), as Keras's",
                           v, (long long)i + 1);
        if (num_classes > 0 && v >= (double)num_classes)
            return em_fail("to_categorical: argument 'y' holds %g at position %lld, outside 0 .. %lld (num_classes = "
                           "%lld; class ids are 0-based)",
                           v, (long long)i + 1, (long long)num_classes - 1, (long long)num_classes);
        if (v > 1e9) return em_fail("to_categorical: argument 'y' holds %g at position %lld, too large a class id", v,
                                    (long long)i + 1);
        if ((int64_t)v > *max) *max = (int64_t)v;
    }
    return 0;
}

/* The one-hot shape of labels: labels.shape + {classes}, a trailing 1 dropped. */
static int one_hot_shape(const em_tensor *labels, int64_t classes, int64_t *shape, int *ndim_out) {
    int ndim = labels->ndim;
    if (ndim > 1 && labels->shape[ndim - 1] == 1) ndim--;  /* {n, 1} -> {n, classes}, as Keras */
    if (ndim + 1 > EM_MAX_DIMS) return em_fail("to_categorical: argument 'y' has too many dimensions");
    for (int d = 0; d < ndim; d++) shape[d] = labels->shape[d];
    shape[ndim] = classes;
    *ndim_out = ndim + 1;
    return 0;
}

/* Checks, sizes out (fresh, or reusing its storage when reuse is set) and
 * sets the ones. */
static int to_categorical(em_tensor *out, const em_tensor *labels, int64_t num_classes, em_dtype dtype, int reuse) {
    if (labels->dtype != EM_FLOAT32 && labels->dtype != EM_INT32 && labels->dtype != EM_UINT8)
        return em_fail("to_categorical: argument 'y' must be float32, int32 or uint8");
    if (!em_is_contiguous(labels)) return em_fail("to_categorical: argument 'y' must be contiguous");
    if (reuse && out->storage && out->storage == labels->storage)
        return em_fail("to_categorical: argument 'out' shares its storage with argument 'y'");
    int64_t n = em_numel(labels), max;
    if (check_labels(labels, n, num_classes, &max)) return -1;
    int64_t classes = num_classes > 0 ? num_classes : max + 1;
    if (classes < 1) return em_fail("to_categorical: argument 'y' holds no labels, so num_classes must be given");
    int64_t shape[EM_MAX_DIMS];
    int ndim = 0;
    if (one_hot_shape(labels, classes, shape, &ndim)) return -1;
    if (reuse) {
        if (em_tensor_resize(out, dtype, ndim, shape)) return -1;
        if (em_numel(out) > 0)
            memset((char *)out->storage->data + out->offset * (int64_t)em_dtype_size(dtype), 0,
               (size_t)em_numel(out) * em_dtype_size(dtype));
    } else if (em_tensor_alloc(out, dtype, ndim, shape)) {  /* zero-filled */
        return -1;
    }
    for (int64_t i = 0; i < n; i++) {
        int64_t at = i * classes + (int64_t)label_at(labels, i);
        switch (dtype) {
        case EM_FLOAT32: em_f32(out)[at] = 1.0f; break;
        case EM_INT32: em_i32(out)[at] = 1; break;
        case EM_UINT8: em_u8(out)[at] = 1; break;
        }
    }
    return 0;
}

int em_to_categorical(em_tensor *out, const em_tensor *labels, int64_t num_classes, em_dtype dtype) {
    return to_categorical(out, labels, num_classes, dtype, 0);
}

int em_to_categorical_into(em_tensor *out, const em_tensor *labels, int64_t num_classes, em_dtype dtype) {
    return to_categorical(out, labels, num_classes, dtype, 1);
}
