#include "numparse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const double POW10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                               1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static const char *slow_path(const char *s, const char *end, double *out) {
    char buf[128];
    size_t n = (size_t)(end - s) < sizeof buf - 1 ? (size_t)(end - s) : sizeof buf - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *stop;
    *out = strtod(buf, &stop);
    return s + (stop - buf);
}

const char *em_parse_double(const char *s, const char *end, double *out) {
    const char *start = s;
    while (s < end && *s == ' ') s++;
    const char *p = s;
    int neg = 0;
    if (p < end && (*p == '-' || *p == '+')) neg = *p++ == '-';
    uint64_t mant = 0;
    int digits = 0, exp10 = 0, any = 0;
    for (; p < end && *p >= '0' && *p <= '9'; p++, any = 1) {
        if (mant == 0 && *p == '0') continue;  /* leading zeros are not significant */
        if (digits++ >= 19) return slow_path(start, end, out);
        mant = mant * 10 + (uint64_t)(*p - '0');
    }
    if (p < end && *p == '.') {
        for (p++; p < end && *p >= '0' && *p <= '9'; p++, any = 1) {
            if (mant == 0 && *p == '0') { exp10--; continue; }
            if (digits++ >= 19) return slow_path(start, end, out);
            mant = mant * 10 + (uint64_t)(*p - '0');
            exp10--;
        }
    }
    if (!any) return slow_path(start, end, out);  /* nan, inf, or no number at all */
    if (p < end && (*p == 'e' || *p == 'E')) {
        const char *q = p + 1;
        int eneg = 0, e = 0, edigits = 0;
        if (q < end && (*q == '-' || *q == '+')) eneg = *q++ == '-';
        for (; q < end && *q >= '0' && *q <= '9' && edigits < 6; q++, edigits++) e = e * 10 + (*q - '0');
        if (edigits == 0 || (q < end && *q >= '0' && *q <= '9')) return slow_path(start, end, out);
        exp10 += eneg ? -e : e;
        p = q;
    }
    if (p < end && (*p == 'x' || *p == 'X' || *p == 'p' || *p == 'P')) return slow_path(start, end, out);
    if (mant >> 53 || exp10 < -22 || exp10 > 22) return slow_path(start, end, out);
    double v = (double)mant;
    v = exp10 < 0 ? v / POW10[-exp10] : v * POW10[exp10];
    *out = neg ? -v : v;
    return p;
}
