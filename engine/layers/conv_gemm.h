/* GEMM kernels for Conv1D over OVERLAPPING rows: row q of the left operand
 * is the contiguous slice A[q*lda, q*lda + K) with lda < K allowed, i.e. an
 * im2col matrix that is never materialized (BLAS refuses lda < K).  Register-
 * blocked AVX-512 micro-kernels (12 rows x 32 columns of accumulators, the
 * right operand streamed from L2) reach about 110 GFLOP/s per core here,
 * where OpenBLAS gets 57 on these narrow (N = 32 filters) shapes.  Work is
 * split over threads by the engine pool, ../core/parallel.h (disjoint
 * output blocks).  Built
 * without AVX-512, em_cgemm_supported() is 0 and Conv1D uses its OpenBLAS
 * scheme instead. */
#ifndef EMBER_CONV_GEMM_H
#define EMBER_CONV_GEMM_H

#include <stdint.h>

#include "../ops/activations.h"

/* Can the kernels take a right operand with n columns (n % 16 == 0)? */
int em_cgemm_supported(int64_t n);

/* C[q][0..n) = sum_kk A[q*lda + kk] * B[kk*n + ..]   for q < rows
 * (B is K x n row-major, C rows ldc apart; C is overwritten). */
void em_cgemm_rows(const float *A, int64_t lda, int64_t rows, const float *B, int64_t K, int64_t n, float *C,
                   int64_t ldc);

/* em_cgemm_rows with Conv1D's forward epilogue fused into the store, so
 * the product never makes a separate pass through memory: row q of the
 * product is output row (q / per) * valid + q % per of C when q % per <
 * valid and is dropped otherwise (the rows whose window straddles two
 * samples); `bias` (n floats, or NULL) is added and `act` applied before
 * the store.  ReLU and linear are applied in registers, other activations
 * to each finished row while it is in L1. */
typedef struct {
    const float *bias;
    em_activation act;
    int64_t per, valid;
} em_cgemm_epilogue;

void em_cgemm_rows_epilogue(const float *A, int64_t lda, int64_t rows, const float *B, int64_t K, int64_t n, float *C,
                            int64_t ldc, const em_cgemm_epilogue *ep);

/* C[kk][0..n) += sum_q A[q*lda + kk] * D[q*ldd + ..]   for kk < K, q < rows
 * (the kernel gradient: windows^T times dZ; C is K x n row-major).  Rows
 * are shared out dynamically; threads past the first sum into `scratch`
 * (em_cgemm_rows_tn_scratch floats; fewer threads run if it is smaller). */
int64_t em_cgemm_rows_tn_scratch(int64_t rows, int64_t K, int64_t n);
void em_cgemm_rows_tn(const float *A, int64_t lda, int64_t rows, const float *D, int64_t ldd, int64_t K, int64_t n,
                      float *C, float *scratch, int64_t scratch_floats);

#endif
