#include "unary.h"

#include <math.h>

#include "../core/error.h"
#include "../core/fastmath.h"
#include "activations.h"

static const char *const names[EM_FN_COUNT] = {"neg",     "abs", "relu", "clamp", "square", "tanh",
                                               "sigmoid", "exp", "log",  "sqrt",  "pow"};

const char *em_unary_name(em_unary_fn fn) { return fn >= 0 && fn < EM_FN_COUNT ? names[fn] : "?"; }

static int keeps_int(em_unary_fn fn) { return fn <= EM_FN_SQUARE; }

/* One tight loop per function over contiguous float32 data (o may alias a). */
static void apply_f32(float *o, const float *a, int64_t n, em_unary_fn fn, float p, float q) {
    switch (fn) {
    case EM_FN_NEG: for (int64_t i = 0; i < n; i++) o[i] = -a[i]; break;
    case EM_FN_ABS: for (int64_t i = 0; i < n; i++) o[i] = fabsf(a[i]); break;
    case EM_FN_SQUARE: for (int64_t i = 0; i < n; i++) o[i] = a[i] * a[i]; break;
    /* clamp keeps NaN as NaN (numpy's clip does too). */
    case EM_FN_CLAMP: for (int64_t i = 0; i < n; i++) o[i] = a[i] < p ? p : a[i] > q ? q : a[i]; break;
    case EM_FN_RELU: em_act_forward(EM_ACT_RELU, o, a, 1, n); break;
    /* Vectorizable versions (core/fastmath.h): libm's are scalar calls. */
    case EM_FN_TANH: for (int64_t i = 0; i < n; i++) o[i] = em_tanhf_fast(a[i]); break;
    case EM_FN_SIGMOID: for (int64_t i = 0; i < n; i++) o[i] = em_sigmoidf_fast(a[i]); break;
    case EM_FN_EXP: for (int64_t i = 0; i < n; i++) o[i] = em_expf_fast(a[i]); break;
    case EM_FN_LOG: for (int64_t i = 0; i < n; i++) o[i] = logf(a[i]); break;
    case EM_FN_SQRT: for (int64_t i = 0; i < n; i++) o[i] = sqrtf(a[i]); break;
    case EM_FN_POW:
        if (p == 2.0f) for (int64_t i = 0; i < n; i++) o[i] = a[i] * a[i];
        else if (p == 0.5f) for (int64_t i = 0; i < n; i++) o[i] = sqrtf(a[i]);
        else for (int64_t i = 0; i < n; i++) o[i] = powf(a[i], p);
        break;
    default: break;
    }
}

/* int32 versions of the dtype-preserving functions; negation and abs of
 * INT32_MIN wrap as in numpy (computed in uint32: no signed overflow). */
static void apply_i32(int32_t *o, const int32_t *a, int64_t n, em_unary_fn fn, int32_t p, int32_t q) {
    switch (fn) {
    case EM_FN_NEG: for (int64_t i = 0; i < n; i++) o[i] = (int32_t)(0u - (uint32_t)a[i]); break;
    case EM_FN_ABS: for (int64_t i = 0; i < n; i++) o[i] = a[i] < 0 ? (int32_t)(0u - (uint32_t)a[i]) : a[i]; break;
    case EM_FN_SQUARE: for (int64_t i = 0; i < n; i++) o[i] = (int32_t)((uint32_t)a[i] * (uint32_t)a[i]); break;
    case EM_FN_CLAMP: for (int64_t i = 0; i < n; i++) o[i] = a[i] < p ? p : a[i] > q ? q : a[i]; break;
    case EM_FN_RELU: for (int64_t i = 0; i < n; i++) o[i] = a[i] > 0 ? a[i] : 0; break;
    default: break;
    }
}

static int32_t clamp_to_i32(double v) { return v <= INT32_MIN ? INT32_MIN : v >= INT32_MAX ? INT32_MAX : (int32_t)v; }

int em_unary(em_tensor *out, const em_tensor *a, em_unary_fn fn, double p, double q) {
    if (fn < 0 || fn >= EM_FN_COUNT) return em_fail("unary: unknown function %d", (int)fn);
    if (fn == EM_FN_CLAMP && p > q) return em_fail("clamp: min %g is greater than max %g", p, q);
    if (em_refuse_uint8(em_unary_name(fn), a)) return -1;
    em_dtype dt = a->dtype == EM_INT32 && keeps_int(fn) ? EM_INT32 : EM_FLOAT32;
    int64_t n = em_numel(a);
    if (dt == EM_FLOAT32 && a->dtype == EM_FLOAT32 && em_is_contiguous(a)) {
        /* The common case: one pass from a into fresh storage. */
        if (em_tensor_alloc(out, dt, a->ndim, a->shape)) return -1;
        apply_f32(em_f32(out), em_f32(a), n, fn, (float)p, (float)q);
        return 0;
    }
    /* Otherwise a contiguous copy in the result dtype, transformed in place. */
    if (em_tensor_convert(out, a, dt)) return -1;
    if (dt == EM_INT32) apply_i32(em_i32(out), em_i32(out), n, fn, clamp_to_i32(ceil(p)), clamp_to_i32(floor(q)));
    else apply_f32(em_f32(out), em_f32(out), n, fn, (float)p, (float)q);
    return 0;
}
