/* Small helpers shared by the core layers (see core_layers.h). */
#include "core_layers.h"

int em_layer_contiguous(const em_tensor *t, em_tensor *buf, const em_tensor **out) {
    if (em_is_contiguous(t)) { *out = t; return 0; }
    if (em_tensor_reuse(buf, t->dtype, t->ndim, t->shape, t)) return -1;
    if (em_tensor_copy(buf, t)) return -1;
    *out = buf;
    return 0;
}

int64_t em_layer_rows(const em_tensor *t) {
    int64_t last = t->ndim ? t->shape[t->ndim - 1] : 1;
    return last ? em_numel(t) / last : 0;
}
