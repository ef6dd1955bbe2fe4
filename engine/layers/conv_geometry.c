#include "conv_geometry.h"

#include <string.h>

#include "../core/error.h"

const char *const em_padding_names[] = {"valid", "same", "causal", NULL};

int em_padding_parse(const char *who, const char *name, int allow_causal, em_padding *out) {
    int n = allow_causal ? 3 : 2;
    for (int i = 0; i < n; i++)
        if (strcmp(name, em_padding_names[i]) == 0) { *out = (em_padding)i; return 0; }
    return em_fail("%s: unknown padding '%s' (valid: \"valid\", \"same\"%s)", who, name,
                   allow_causal ? ", \"causal\"" : "");
}

int64_t em_conv_output_length(int64_t t, int64_t k, em_padding padding, int64_t stride, int64_t dilation) {
    if (t < 0) return -1;
    int64_t len = padding == EM_PAD_VALID ? t - em_conv_span(k, dilation) + 1 : t;
    if (len <= 0) return len;
    return (len + stride - 1) / stride;
}

int64_t em_conv_pad_left(int64_t t, int64_t k, em_padding padding, int64_t stride, int64_t dilation) {
    int64_t span = em_conv_span(k, dilation);
    if (padding == EM_PAD_CAUSAL) return span - 1;
    if (padding == EM_PAD_VALID) return 0;
    int64_t out = (t + stride - 1) / stride;
    int64_t total = (out - 1) * stride + span - t;
    return total > 0 ? total / 2 : 0;
}
