/* exp, sigmoid and tanh for float32 that the compiler can vectorize: plain
 * arithmetic in double, no libm calls, selects instead of branches.  glibc's
 * expf/tanhf are scalar calls (tanhf costs ~30 ns), which made x:tanh() on
 * 10^7 elements compute-bound; these keep it memory-bound.
 *
 * Accuracy: e^r on |r| <= ln2/2 by its degree-7 Taylor polynomial (relative
 * error < 6e-9, far below float's 6e-8), scaled by 2^k built from the
 * exponent bits; the final rounding to float dominates: exp and sigmoid
 * are within 1 ulp of the correctly rounded results, tanh (computed in
 * float, below) within 2 (checked exhaustively over every 97th float32
 * bit pattern, and over -40..40 in specs/tensor_math_spec.lua).  NaN
 * propagates; overflow gives inf and underflow 0 or a subnormal, through the
 * double-to-float conversion. */
#ifndef EMBER_OPS_FASTMATH_H
#define EMBER_OPS_FASTMATH_H

#include <stdint.h>
#include <string.h>

/* e^x in double for x in about [-700, 700] (clamped to [-200, 200], which
 * is beyond float's range either way). */
static inline double em_exp_approx(double x) {
    const double log2e = 1.4426950408889634, ln2_hi = 0.6931471803691238, ln2_lo = 1.9082149292705877e-10;
    const double shifter = 6755399441055744.0; /* 1.5 * 2^52: adding it rounds to an integer */
    x = x < -200.0 ? -200.0 : x > 200.0 ? 200.0 : x;
    double kd = x * log2e + shifter;
    double k = kd - shifter;
    double r = (x - k * ln2_hi) - k * ln2_lo;
    double p = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * (1.0 / 720 + r * (1.0 / 5040)))))));
    uint64_t bits;
    memcpy(&bits, &kd, sizeof bits);        /* low bits hold k + 2^51 */
    bits = (bits + 1023) << 52;             /* exponent field of 2^k */
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

static inline float em_expf_fast(float x) { return (float)em_exp_approx((double)x); }

static inline float em_sigmoidf_fast(float x) { return (float)(1.0 / (1.0 + em_exp_approx(-(double)x))); }

/* e^x in float for x in [-20, 0] (all tanh needs): degree-7 Taylor on
 * |r| <= ln2/2, 2^k from the exponent bits; within 2 ulp. */
static inline float em_exp_neg_f(float x) {
    const float log2e = 1.44269504f, ln2_hi = 0.693359375f, ln2_lo = -2.12194440e-4f;
    const float shifter = 12582912.0f; /* 1.5 * 2^23 */
    float kd = x * log2e + shifter;
    float k = kd - shifter;
    float r = (x - k * ln2_hi) - k * ln2_lo;
    float p = 1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 + r * (1.0f / 720 + r * (1.0f / 5040)))))));
    uint32_t bits;
    memcpy(&bits, &kd, sizeof bits);  /* low bits hold k + 2^22 */
    bits = (bits + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* tanh in float (16 lanes per AVX-512 vector instead of 8 in double):
 * (1 - e) / (1 + e) with e = e^(-2|x|) for |x| >= 0.5, where e <= 0.37 so
 * its error barely reaches the result; below, the odd Taylor series (to
 * x^15, exact to float precision there).  Within 2 ulp of tanh. */
static inline float em_tanhf_fast(float x) {
    float ax = x < 0 ? -x : x;
    float axc = ax < 10.0f ? ax : 10.0f; /* tanh is 1.0f beyond 9.1; NaN -> 10, patched below */
    float e = em_exp_neg_f(-2.0f * axc);
    float big = (1.0f - e) / (1.0f + e);
    float x2 = x * x;
    float small = x * (1.0f + x2 * (-1.0f / 3 + x2 * (2.0f / 15 + x2 * (-17.0f / 315 + x2 * (62.0f / 2835 +
                  x2 * (-1382.0f / 155925 + x2 * (21844.0f / 6081075 + x2 * (-929569.0f / 638512875))))))));
    float r = x < 0 ? -big : big;
    return ax < 0.5f ? small : (x != x ? x : r);
}

#endif
