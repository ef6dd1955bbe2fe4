#include "losses.h"

#include <math.h>
#include <string.h>

#include "../core/error.h"
#include "../core/names.h"

#define EPS 1e-7  /* K.epsilon() */

const char *const em_loss_names[] = {"binary_crossentropy", "categorical_crossentropy",
                                     "sparse_categorical_crossentropy", "mse", "mae", NULL};

int em_loss_parse(const char *who, const char *name, em_loss_kind *out) {
    for (int i = 0; em_loss_names[i]; i++)
        if (strcmp(name, em_loss_names[i]) == 0) { *out = (em_loss_kind)i; return 0; }
    if (strcmp(name, "mean_squared_error") == 0) { *out = EM_LOSS_MSE; return 0; }
    if (strcmp(name, "mean_absolute_error") == 0) { *out = EM_LOSS_MAE; return 0; }
    static const char *const aliases[] = {"binary_crossentropy", "categorical_crossentropy",
                                          "sparse_categorical_crossentropy", "mse", "mae", "mean_squared_error",
                                          "mean_absolute_error", NULL};
    char hint[96] = "";
    em_append_suggestion(hint, sizeof hint, name, aliases, -1);
    return em_fail("%s: unknown loss '%s' (valid: binary_crossentropy, categorical_crossentropy, "
                   "sparse_categorical_crossentropy, mse, mae, mean_squared_error, mean_absolute_error)%s", who, name,
                   hint);
}

static int as_contig_float(const em_tensor *src, em_tensor *buf, const float **out) {
    if (src->dtype == EM_FLOAT32 && em_is_contiguous(src)) { *out = em_f32(src); return 0; }
    em_tensor_release(buf);
    if (em_tensor_convert(buf, src, EM_FLOAT32)) return -1;
    *out = em_f32(buf);
    return 0;
}

int em_loss_prepare(const char *who, int sparse, const em_tensor *y_pred, const em_tensor *y_true,
                    const float **p, const float **t, int64_t *rows, int64_t *cols, em_tensor *pbuf, em_tensor *tbuf) {
    char a[160], b[160];
    if (y_pred->dtype != EM_FLOAT32) return em_fail("%s: predictions must be float32, got %s", who, em_dtype_name(y_pred->dtype));
    if (y_pred->ndim < 1) return em_fail("%s: predictions must have a batch dimension", who);
    if (y_true->ndim < 1 || y_true->shape[0] != y_pred->shape[0])
        return em_fail("%s: targets of shape %s do not match predictions of shape %s (different sample counts)", who,
                       em_tensor_shape_str(y_true, a, sizeof a), em_tensor_shape_str(y_pred, b, sizeof b));
    *cols = y_pred->ndim >= 2 ? y_pred->shape[y_pred->ndim - 1] : 1;
    *rows = *cols ? em_numel(y_pred) / *cols : 0;
    int64_t want = sparse ? *rows : em_numel(y_pred);
    if (em_numel(y_true) != want)
        return em_fail("%s: targets of shape %s do not match predictions of shape %s (%s)", who,
                       em_tensor_shape_str(y_true, a, sizeof a), em_tensor_shape_str(y_pred, b, sizeof b),
                       sparse ? "expected one class id per row" : "expected one target per prediction");
    if (as_contig_float(y_pred, pbuf, p)) return -1;
    return as_contig_float(y_true, tbuf, t);
}

static double clipd(double v) { return v < EPS ? EPS : v > 1 - EPS ? 1 - EPS : v; }

/* Each kernel below returns scale * (its sum of per-element / per-row
 * losses) and writes scale * d(sum)/dp into g: scale is 1/count for the
 * plain mean, or that times a sample's weight factor (em_loss_compute_weighted). */
static double bce(const float *p, const float *t, float *g, int64_t n, double scale) {
    double sum = 0;
    for (int64_t i = 0; i < n; i++) {
        double pc = clipd(p[i]), y = t[i];
        sum += -(y * log(pc) + (1 - y) * log(1 - pc));
        if (g) {
            int inside = p[i] > EPS && p[i] < 1 - EPS;
            g[i] = inside ? (float)(scale * (pc - y) / (pc * (1 - pc))) : 0.0f;
        }
    }
    return sum * scale;
}

/* Categorical CE over rows of length c: q = p / sum(p), clipped; the
 * gradient goes through both the normalisation and the clip:
 * with a_j = dLoss_row/dq_j (0 where clipped), dLoss/dp_k = (a_k - sum_j a_j q_j) / s. */
static double cce(const float *p, const float *t, float *g, int64_t rows, int64_t c, double scale) {
    double total = 0;
    for (int64_t r = 0; r < rows; r++) {
        const float *pr = p + r * c, *tr = t + r * c;
        double s = 0;
        for (int64_t j = 0; j < c; j++) s += pr[j];
        double dot = 0, loss_row = 0;
        for (int64_t j = 0; j < c; j++) {
            if (tr[j] == 0) continue;
            double q = pr[j] / s;
            loss_row -= tr[j] * log(clipd(q));
            if (q > EPS && q < 1 - EPS) dot -= tr[j];  /* a_j q_j = -t_j */
        }
        total += loss_row;
        if (!g) continue;
        float *gr = g + r * c;
        for (int64_t j = 0; j < c; j++) {
            double q = pr[j] / s;
            double aj = (tr[j] != 0 && q > EPS && q < 1 - EPS) ? -tr[j] / q : 0;
            gr[j] = (float)(scale * (aj - dot) / s);
        }
    }
    return total * scale;
}

/* Sparse categorical CE as Keras 2's TF backend computes it: q = clip(p),
 * logits = log q, then softmax cross-entropy, i.e. -log(q_y / sum_j q_j).
 * dLoss/dp_k = [p_k inside the clip] * (1/S - [k == y] / q_y), per row. */
static int scce(const char *who, const float *p, const float *tid, float *g, int64_t rows, int64_t c, double scale,
                int64_t row0, double *out) {
    double total = 0;
    for (int64_t r = 0; r < rows; r++) {
        const float *pr = p + r * c;
        double v = tid[r];
        if (!(v >= 0 && v < (double)c && v == floor(v)))
            return em_fail("%s: target %g in row %lld is not a class id in [0, %lld)", who, v, (long long)(row0 + r) + 1,
                           (long long)c);
        int64_t cls = (int64_t)v;
        double s = 0;
        for (int64_t j = 0; j < c; j++) s += clipd(pr[j]);
        double qy = clipd(pr[cls]);
        total += -log(qy / s);
        if (!g) continue;
        float *gr = g + r * c;
        for (int64_t j = 0; j < c; j++) {
            int inside = pr[j] > EPS && pr[j] < 1 - EPS;
            gr[j] = inside ? (float)(scale * (1.0 / s - (j == cls ? 1.0 / qy : 0.0))) : 0.0f;
        }
    }
    *out = total * scale;
    return 0;
}

static double elementwise(em_loss_kind k, const float *p, const float *t, float *g, int64_t n, double scale) {
    double sum = 0;
    for (int64_t i = 0; i < n; i++) {
        double d = (double)p[i] - t[i];
        if (k == EM_LOSS_MSE) {
            sum += d * d;
            if (g) g[i] = (float)(2 * d * scale);
        } else {
            sum += fabs(d);
            if (g) g[i] = (float)((d > 0) - (d < 0)) * (float)scale;
        }
    }
    return sum * scale;
}

/* The loss over rows [row0, row0 + rows) of length cols, at this scale. */
static int loss_rows(em_loss_kind kind, const char *who, const float *p, const float *t, float *g, int64_t row0,
                     int64_t rows, int64_t cols, double scale, double *out) {
    int64_t e0 = row0 * cols, n = rows * cols;
    float *ge = g ? g + e0 : NULL;
    switch (kind) {
    case EM_LOSS_BCE: *out = bce(p + e0, t + e0, ge, n, scale); return 0;
    case EM_LOSS_CCE: *out = cce(p + e0, t + e0, ge, rows, cols, scale); return 0;
    case EM_LOSS_SCCE: return scce(who, p + e0, t + row0, ge, rows, cols, scale, row0, out);
    case EM_LOSS_MSE:
    case EM_LOSS_MAE: *out = elementwise(kind, p + e0, t + e0, ge, n, scale); return 0;
    }
    return 0;
}

/* Keras 2.2.4's weighted_masked_objective (keras/engine/training_utils.py),
 * with one weight per sample:
 *   score_array = K.mean(score_array, axis=list(range(weight_ndim, ndim)))
 *   score_array *= weights
 *   score_array /= K.mean(K.cast(K.not_equal(weights, 0), K.floatx()))
 *   return K.mean(score_array)
 * Every sample has the same number of rows / elements, so the per-sample
 * mean followed by the mean over samples is the plain mean with sample s's
 * terms scaled by f_s = w_s / mean(w != 0): each sample's block is run with
 * scale f_s / count.  All weights 0 gives 0 / 0 = NaN, as in Keras. */
static int weighted(em_loss_kind kind, const char *who, const float *p, const float *t, float *g, int64_t rows,
                    int64_t cols, const float *w, int64_t nsamples, double *out) {
    double nonzero = 0;
    for (int64_t s = 0; s < nsamples; s++) nonzero += w[s] != 0;
    double nz_mean = nonzero / (double)nsamples, total = 0;
    int64_t per = rows / nsamples;
    double count = kind == EM_LOSS_CCE || kind == EM_LOSS_SCCE ? (double)rows : (double)(rows * cols);
    for (int64_t s = 0; s < nsamples; s++) {
        double part;
        if (loss_rows(kind, who, p, t, g, s * per, per, cols, (double)w[s] / nz_mean / count, &part)) return -1;
        total += part;
    }
    *out = total;
    return 0;
}

int em_loss_compute(em_loss_kind kind, const em_tensor *y_pred, const em_tensor *y_true, double *loss, em_tensor *grad) {
    return em_loss_compute_weighted(kind, y_pred, y_true, NULL, loss, grad);
}

static int check_weights(const char *who, const em_tensor *sw, const em_tensor *y_pred, em_tensor *wbuf,
                         const float **w) {
    char a[160], b[160];
    int64_t n = y_pred->shape[0];
    if (em_numel(sw) != n || sw->ndim < 1 || sw->shape[0] != n || (sw->ndim == 2 && sw->shape[1] != 1) || sw->ndim > 2)
        return em_fail("%s: sample weights of shape %s do not match predictions of shape %s (expected one weight "
                       "per sample, shape (%lld))", who, em_tensor_shape_str(sw, a, sizeof a),
                       em_tensor_shape_str(y_pred, b, sizeof b), (long long)n);
    if (as_contig_float(sw, wbuf, w)) return -1;
    for (int64_t s = 0; s < n; s++)
        if (!isfinite((*w)[s]))
            return em_fail("%s: sample weight %lld is %g (weights must be finite)", who, (long long)s + 1,
                           (double)(*w)[s]);
    return 0;
}

int em_loss_compute_weighted(em_loss_kind kind, const em_tensor *y_pred, const em_tensor *y_true,
                             const em_tensor *sample_weight, double *loss, em_tensor *grad) {
    const char *who = em_loss_names[kind];
    em_tensor pbuf = {0}, tbuf = {0}, wbuf = {0};
    const float *p, *t, *w = NULL;
    int64_t rows, cols;
    int rc = em_loss_prepare(who, kind == EM_LOSS_SCCE, y_pred, y_true, &p, &t, &rows, &cols, &pbuf, &tbuf);
    if (!rc && sample_weight) rc = check_weights(who, sample_weight, y_pred, &wbuf, &w);
    float *g = NULL;
    if (!rc && grad) {
        rc = em_tensor_reuse(grad, EM_FLOAT32, y_pred->ndim, y_pred->shape, y_pred);
        if (!rc) g = em_f32(grad);
    }
    if (!rc) {
        int64_t nsamples = y_pred->shape[0];
        if (w && nsamples > 0) {
            rc = weighted(kind, who, p, t, g, rows, cols, w, nsamples, loss);
        } else {
            int per_row = kind == EM_LOSS_CCE || kind == EM_LOSS_SCCE;
            int64_t count = per_row ? rows : rows * cols;
            rc = loss_rows(kind, who, p, t, g, 0, rows, cols, count ? 1.0 / (double)count : 0, loss);
        }
    }
    em_tensor_release(&pbuf);
    em_tensor_release(&tbuf);
    em_tensor_release(&wbuf);
    return rc;
}
