/* exp, sigmoid and tanh for float32 that the compiler vectorizes: plain
 * float arithmetic, no libm calls, selects instead of branches, integers
 * handled as uint32 bits (no UB for NaN inputs).  glibc's expf/tanhf are
 * scalar calls (tanhf costs ~15-30 ns); these run at 0.3-0.5 ns per element
 * (16 lanes per AVX-512 vector), so x:tanh() on 10^7 elements stays
 * memory-bound and the recurrent gate kernels stay cheap next to their GEMMs.
 * They vectorize with or without -fno-trapping-math, with AVX-512, AVX2
 * or SSE4 (see em_select).
 *
 * One set serves the tensor ops (x:exp(), x:sigmoid(), x:tanh()), the
 * recurrent gate kernels and em_act_forward.  Accuracy, measured against
 * double-precision libm over every 29th float32 bit pattern in the ranges
 * that matter (exp -110..90, sigmoid -110..40, tanh -20..20):
 *   em_expf_fast      max 1.0 ulp, relative error < 8.4e-8, subnormal
 *                     results and overflow to inf as expf gives them;
 *   em_sigmoidf_fast  max 2.5 ulp, relative error < 1.5e-7; returns
 *                     subnormals for x in about [-88.7, -87.3] (0 under
 *                     FTZ, see core/fpmode.h) and 0 below (an exhaustive
 *                     scan of all float inputs, 2026-12-04);
 *   em_tanhf_fast     max 1.3 ulp, relative error < 1.4e-7.
 * NaN propagates through all three; specs/tensor_math_spec.lua checks them
 * over -40..40 and at the special values. */
#ifndef EMBER_CORE_FASTMATH_H
#define EMBER_CORE_FASTMATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* cond ? a : b as a bit blend.  A plain ?: lets GCC move the arithmetic
 * that follows (or precedes) it into the two arms, and under the default
 * -ftrapping-math it then refuses to if-convert them: without AVX-512
 * masking the whole loop stays scalar.  The blend compiles to one
 * vpblendvb / vblendmps. */
static inline float em_select(int cond, float a, float b) {
    uint32_t ua, ub;
    memcpy(&ua, &a, sizeof ua);
    memcpy(&ub, &b, sizeof ub);
    uint32_t mask = 0u - (uint32_t)(cond != 0);
    uint32_t r = (ua & mask) | (ub & ~mask);
    float out;
    memcpy(&out, &r, sizeof out);
    return out;
}

/* Cody-Waite reduction x = n ln2 + f, |f| <= ln2/2, and e^f by the Cephes
 * expf polynomial.  Returns e^f; *n_bits receives n as a uint32 (two's
 * complement).  Rounding to nearest uses the 1.5*2^23 trick: floorf or an
 * int conversion would not vectorize (or would be UB for NaN). */
static inline float em_exp_reduced(float x, uint32_t *n_bits) {
    const float shifter = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
    float kd = x * 1.44269504088896341f + shifter;
    float n = kd - shifter;
    float f = x - n * 0.693359375f + n * 2.12194440e-4f;  /* ln2 in two parts */
    float z = f * f;
    float p = ((((1.9875691500e-4f * f + 1.3981999507e-3f) * f + 8.3334519073e-3f) * f + 4.1665795894e-2f) * f +
               1.6666665459e-1f) * f + 5.0000001201e-1f;
    uint32_t bits;
    memcpy(&bits, &kd, sizeof bits);  /* low bits hold n + 2^22 (memcpy, not a union: vectorizes) */
    *n_bits = bits - 0x4B400000u;
    return p * z + f + 1.0f;
}

/* 2^n for n in [-126, 127], straight into the exponent field. */
static inline float em_pow2i(uint32_t n_bits) {
    uint32_t bits = (n_bits + 127u) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return scale;
}

/* e^x over the whole float range: 2^n applied as two halves, so results
 * near overflow (n = 128) stay finite and subnormal results (n down to
 * -150) are not flushed.  Beyond the clamp the result is inf or 0 anyway. */
static inline float em_expf_fast(float x) {
    x = em_select(x < -104.0f, -104.0f, x);  /* NaN fails both tests and stays NaN */
    x = em_select(x > 89.0f, 89.0f, x);
    uint32_t n;
    float p = em_exp_reduced(x, &n);
    uint32_t half = (uint32_t)((int32_t)n >> 1);
    return p * em_pow2i(half) * em_pow2i(n - half);
}

/* 1 / (1 + e^-x) with e^-x from one 2^n scale (cheaper than em_expf_fast;
 * the gate kernels call it most): -x clamped to [-87, 89], so e^-x is
 * e^-87 (1 + it rounds to 1) for x >= 87 and 2^128 = inf (result 0) for
 * x < -88.03. */
static inline float em_sigmoidf_fast(float x) {
    float t = -x;
    t = em_select(t < -87.0f, -87.0f, t);
    t = em_select(t > 89.0f, 89.0f, t);
    uint32_t n;
    float p = em_exp_reduced(t, &n);
    return 1.0f / (1.0f + p * em_pow2i(n));
}

/* tanh: the Cephes odd polynomial below 0.625 (keeps relative accuracy for
 * tiny x), 1 - 2/(e^{2|x|} + 1) above, both computed and one selected.
 * e^{2|x|} saturates at e^88, where the result is already 1.0f.  The
 * polynomial's correction term is written 0 - x^2 q (q > 0) so that it is
 * +0 at x = +-0 and tanh(-0) stays -0 (a select would cost 15%). */
static inline float em_tanhf_fast(float x) {
    float a = fabsf(x);
    float s = x * x;
    float q = (((5.70498872745e-3f * s - 2.06390887954e-2f) * s + 5.37397155531e-2f) * s - 1.33314422036e-1f) * s +
              3.33332819422e-1f;
    float small = x * (0.0f - s * q) + x;
    float t = 2.0f * a;
    t = em_select(t > 88.0f, 88.0f, t);
    uint32_t n;
    float e = em_exp_reduced(t, &n) * em_pow2i(n);
    float big = 1.0f - 2.0f / (e + 1.0f);
    big = em_select(x < 0, -big, big);
    return em_select(a < 0.625f, small, big);
}

#endif
