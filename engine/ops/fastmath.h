/* exp, sigmoid and tanh for float32 that the compiler can vectorize: plain
 * arithmetic in double, no libm calls, selects instead of branches.  glibc's
 * expf/tanhf are scalar calls (tanhf costs ~30 ns), which made x:tanh() on
 * 10^7 elements compute-bound; these keep it memory-bound.
 *
 * Accuracy: e^r on |r| <= ln2/2 by its degree-7 Taylor polynomial (relative
 * error < 6e-9, far below float's 6e-8), scaled by 2^k built from the
 * exponent bits; the final rounding to float dominates (within 1 ulp of
 * libm's float results, checked in specs/tensor_math_spec.lua).  NaN
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

/* tanh via (1 - e) / (1 + e), e = e^(-2|x|); near 0, where 1 - e cancels,
 * its odd Taylor series instead. */
static inline float em_tanhf_fast(float x) {
    double xd = x, ax = xd < 0 ? -xd : xd;
    double e = em_exp_approx(-2.0 * ax);
    double big = (1.0 - e) / (1.0 + e);
    double x2 = xd * xd;
    double small = xd * (1.0 + x2 * (-1.0 / 3 + x2 * (2.0 / 15 + x2 * (-17.0 / 315 + x2 * (62.0 / 2835)))));
    double r = xd < 0 ? -big : big;
    return (float)(ax < 0.0625 ? small : (xd != xd ? xd : r));
}

#endif
