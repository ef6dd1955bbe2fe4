#include "activations.h"

#include <math.h>
#include <string.h>

#include "../core/error.h"
#include "../core/fastmath.h"
#include "../core/names.h"

const char *const em_activation_names[] = {"linear", "relu", "sigmoid", "tanh", "hard_sigmoid", "softmax", NULL};

int em_activation_parse(const char *who, const char *name, em_activation *out) {
    if (!name) { *out = EM_ACT_LINEAR; return 0; }
    for (int i = 0; em_activation_names[i]; i++)
        if (strcmp(name, em_activation_names[i]) == 0) { *out = (em_activation)i; return 0; }
    char hint[96] = "";
    em_append_suggestion(hint, sizeof hint, name, em_activation_names, -1);
    return em_fail("%s: unknown activation '%s' (valid: linear, relu, sigmoid, tanh, hard_sigmoid, softmax)%s", who, name,
                   hint);
}

static void softmax_rows(float *y, const float *x, int64_t rows, int64_t n) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * n;
        float *yr = y + r * n;
        float m = -INFINITY;
        for (int64_t j = 0; j < n; j++) m = xr[j] > m ? xr[j] : m;
        for (int64_t j = 0; j < n; j++) yr[j] = em_expf_fast(xr[j] - m);
        double sum = 0;  /* double: long rows of similar values lose precision in float */
        for (int64_t j = 0; j < n; j++) sum += yr[j];
        float inv = (float)(1.0 / sum);
        for (int64_t j = 0; j < n; j++) yr[j] *= inv;
    }
}

void em_act_forward(em_activation a, float *y, const float *x, int64_t rows, int64_t n) {
    int64_t total = a == EM_ACT_SOFTMAX ? rows * n : n;
    switch (a) {
    case EM_ACT_LINEAR:
        if (y != x) memmove(y, x, (size_t)total * sizeof *y);
        break;
    case EM_ACT_RELU:
        for (int64_t i = 0; i < total; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
        break;
    case EM_ACT_SIGMOID:
        for (int64_t i = 0; i < total; i++) y[i] = em_sigmoidf_fast(x[i]);
        break;
    case EM_ACT_TANH:
        for (int64_t i = 0; i < total; i++) y[i] = em_tanhf_fast(x[i]);
        break;
    case EM_ACT_HARD_SIGMOID:
        for (int64_t i = 0; i < total; i++) {
            float v = 0.2f * x[i] + 0.5f;
            y[i] = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
        }
        break;
    case EM_ACT_SOFTMAX:
        softmax_rows(y, x, rows, n);
        break;
    }
}

void em_act_backward(em_activation a, float *dx, const float *dy, const float *y, int64_t rows, int64_t n) {
    int64_t total = a == EM_ACT_SOFTMAX ? rows * n : n;
    switch (a) {
    case EM_ACT_LINEAR:
        if (dx != dy) memmove(dx, dy, (size_t)total * sizeof *dx);
        break;
    case EM_ACT_RELU:
        for (int64_t i = 0; i < total; i++) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
        break;
    case EM_ACT_SIGMOID:
        for (int64_t i = 0; i < total; i++) dx[i] = dy[i] * y[i] * (1.0f - y[i]);
        break;
    case EM_ACT_TANH:
        for (int64_t i = 0; i < total; i++) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
        break;
    case EM_ACT_HARD_SIGMOID:
        for (int64_t i = 0; i < total; i++) dx[i] = (y[i] > 0.0f && y[i] < 1.0f) ? 0.2f * dy[i] : 0.0f;
        break;
    case EM_ACT_SOFTMAX:
        /* dx = y * (dy - sum(dy * y)) per row */
        for (int64_t r = 0; r < rows; r++) {
            const float *yr = y + r * n, *dyr = dy + r * n;
            float *dxr = dx + r * n;
            double dot = 0;
            for (int64_t j = 0; j < n; j++) dot += (double)dyr[j] * yr[j];
            for (int64_t j = 0; j < n; j++) dxr[j] = yr[j] * (dyr[j] - (float)dot);
        }
        break;
    }
}
