#include "sample.h"

#include <math.h>

#include "../core/error.h"
#include "../core/random.h"

/* Checks one row and finds its largest log-probability (the shift that
 * keeps exp() in range for small temperatures). */
static int check_row(const char *who, const float *p, int64_t n, int64_t row, double *max_log) {
    double sum = 0;
    *max_log = -INFINITY;
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(p[i]) || p[i] < 0)
            return em_fail("%s: probabilities must be finite and >= 0, got %g at row %lld, index %lld", who,
                           (double)p[i], (long long)row + 1, (long long)i + 1);
        sum += p[i];
        if (p[i] > 0 && log(p[i]) > *max_log) *max_log = log(p[i]);
    }
    if (!(sum > 0)) return em_fail("%s: row %lld of the probabilities sums to 0", who, (long long)row + 1);
    return 0;
}

static int64_t draw(const float *p, int64_t n, double temperature, double max_log) {
    double total = 0;
    for (int64_t i = 0; i < n; i++) total += p[i] > 0 ? exp((log(p[i]) - max_log) / temperature) : 0.0;
    double u = em_rand_double() * total, acc = 0;
    int64_t last = 0;
    for (int64_t i = 0; i < n; i++) {
        if (p[i] <= 0) continue;
        acc += exp((log(p[i]) - max_log) / temperature);
        last = i;
        if (u < acc) return i;
    }
    return last;  /* u rounded up to total: the last class with weight */
}

int em_sample_rows(const char *who, const em_tensor *probs, double temperature, int64_t *out) {
    if (probs->dtype != EM_FLOAT32) return em_fail("%s: probabilities must be float32", who);
    if (probs->ndim != 1 && probs->ndim != 2)
        return em_fail("%s: probabilities must be 1-D (one distribution) or 2-D (one per row), got %d-D", who,
                       probs->ndim);
    if (!em_is_contiguous(probs)) return em_fail("%s: probabilities must be contiguous", who);
    if (!isfinite(temperature) || temperature <= 0)
        return em_fail("%s: temperature must be a finite number > 0, got %g", who, temperature);
    int64_t n = probs->shape[probs->ndim - 1], rows = probs->ndim == 2 ? probs->shape[0] : 1;
    if (n == 0) return em_fail("%s: no probabilities to sample from", who);
    const float *p = em_f32(probs);
    for (int64_t r = 0; r < rows; r++) {  /* every row checked before any draw: nothing half-drawn */
        double max_log;
        if (check_row(who, p + r * n, n, r, &max_log)) return -1;
    }
    for (int64_t r = 0; r < rows; r++) {
        double max_log;
        check_row(who, p + r * n, n, r, &max_log);
        out[r] = draw(p + r * n, n, temperature, max_log);
    }
    return 0;
}
