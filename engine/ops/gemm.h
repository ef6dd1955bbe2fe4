/* The engine's one door to GEMM: cblas_sgemm's arguments, OpenBLAS
 * underneath, and the engine's thread policy on top.
 *
 * OpenBLAS on its own splits every GEMM above 2.6e5 multiply-adds over all
 * its threads: on 16 cores a 128x32x128 recurrent step or a small Dense
 * layer is cut into slivers that cost more in wake-ups than they save.
 * em_sgemm instead gives a GEMM one OpenBLAS thread per EM_GEMM_FLOPS_PER_THREAD
 * of work, up to em_num_threads(); called from inside a pool job (where
 * the job's owner has pinned OpenBLAS to one thread, see parallel.h) or
 * between em_gemm_single_begin and _end it leaves the count alone.  OpenBLAS splits a GEMM over M and N, never over
 * K, so the thread count does not change the result's bits. */
#ifndef EMBER_OPS_GEMM_H
#define EMBER_OPS_GEMM_H

#include <cblas.h>

/* Work (2*m*n*k flops) that pays for one more thread: about 40 us on one
 * core, several times a wake-up's cost. */
#define EM_GEMM_FLOPS_PER_THREAD 4e6

void em_sgemm(enum CBLAS_ORDER order, enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb, int m, int n, int k,
              float alpha, const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);

/* From begin to end, OpenBLAS runs on one thread and em_sgemm on this
 * thread leaves the count alone: for passes whose parallel work is our own
 * (recurrent blocks, Bidirectional's halves).  Pairs nest; begin returns
 * what end needs. */
int em_gemm_single_begin(void);
void em_gemm_single_end(int saved);

/* OpenBLAS threads em_sgemm would use for m x n x k (for specs and bench). */
int em_gemm_threads(int m, int n, int k);

#endif
