#include "gemm.h"

#include "../core/parallel.h"

static _Thread_local int single_depth;

int em_gemm_single_begin(void) {
    int previous = openblas_get_num_threads();
    if (previous != 1) openblas_set_num_threads(1);
    single_depth++;
    return previous;
}

void em_gemm_single_end(int saved) {
    single_depth--;
    if (saved != 1) openblas_set_num_threads(saved);
}

int em_gemm_threads(int m, int n, int k) {
    double flops = 2.0 * (double)m * (double)n * (double)k;
    int cap = em_num_threads();
    double want = flops / EM_GEMM_FLOPS_PER_THREAD;
    if (want < 2.0) return 1;
    return want >= (double)cap ? cap : (int)want;
}

void em_sgemm(enum CBLAS_ORDER order, enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb, int m, int n, int k,
              float alpha, const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc) {
    if (!single_depth && !em_parallel_in_job()) {
        int nt = em_gemm_threads(m, n, k);
        if (openblas_get_num_threads() != nt) openblas_set_num_threads(nt);
    }
    cblas_sgemm(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
