#include "metrics.h"
#include <math.h>

#include "../core/error.h"
#include "losses.h"

const char *const em_metric_names[] = {"binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
                                       "mae", NULL};

static int64_t argmax(const float *v, int64_t n) {
    int64_t best = 0;
    for (int64_t j = 1; j < n; j++)
        if (v[j] > v[best]) best = j;
    return best;
}

int em_metric_compute(em_metric_kind kind, const em_tensor *y_pred, const em_tensor *y_true, double *value) {
    em_tensor pbuf = {0}, tbuf = {0};
    const float *p, *t;
    int64_t rows, cols;
    int sparse = kind == EM_MET_SPARSE_CATEGORICAL_ACC;
    if (em_loss_prepare(em_metric_names[kind], sparse, y_pred, y_true, &p, &t, &rows, &cols, &pbuf, &tbuf)) {
        em_tensor_release(&pbuf);
        em_tensor_release(&tbuf);
        return -1;
    }
    double sum = 0;
    int64_t count = 0;
    switch (kind) {
    case EM_MET_BINARY_ACC:
        count = rows * cols;
        /* Keras 2: mean(equal(y_true, round(y_pred))), round half to even.
         * Differs from p > 0.5 when outputs leave [0, 1] (listing 6-46's
         * linear last layer): 1.7 rounds to 2, which is not label 1. */
        for (int64_t i = 0; i < count; i++) sum += (double)t[i] == nearbyint((double)p[i]);
        break;
    case EM_MET_CATEGORICAL_ACC:
        count = rows;
        for (int64_t r = 0; r < rows; r++) sum += argmax(p + r * cols, cols) == argmax(t + r * cols, cols);
        break;
    case EM_MET_SPARSE_CATEGORICAL_ACC:
        count = rows;
        for (int64_t r = 0; r < rows; r++) sum += (double)argmax(p + r * cols, cols) == (double)t[r];
        break;
    case EM_MET_MAE:
        count = rows * cols;
        for (int64_t i = 0; i < count; i++) sum += fabs((double)p[i] - t[i]);
        break;
    }
    *value = count ? sum / (double)count : 0.0;
    em_tensor_release(&pbuf);
    em_tensor_release(&tbuf);
    return 0;
}
