/* Conv1D backward for SPARSE output gradients.  Behind ReLU and max pooling
 * most of dZ = dL/d(pre-activation) is exactly zero: MaxPooling1D(5) passes
 * a gradient to one timestep in five, GlobalMaxPooling1D to one in the whole
 * sequence.  The dense GEMMs would multiply those zeros anyway; here the
 * nonzeros are listed once (by row and by filter) and only they are used,
 * with AVX-512 register-blocked loops.  Used for stride 1, dilation 1 when
 * the density is low enough (em_sparse_dz_worth); results equal the dense
 * path up to float summation order. */
#ifndef EMBER_CONV_SPARSE_H
#define EMBER_CONV_SPARSE_H

#include <stdint.h>

/* dZ (rows x F, row-major) as nonzero lists, filled by em_sparse_dz_fill
 * into caller-owned arrays: by row (row_ptr[rows + 1], row_f, row_v) and by
 * filter, rows ascending (col_ptr[F + 1], col_q, col_v); each list holds
 * nnz entries. */
typedef struct {
    int64_t rows, F, nnz;
    int32_t *row_ptr, *row_f, *col_ptr, *col_q;
    float *row_v, *col_v;
} em_sparse_dz;

/* Are the sparse kernels built (AVX-512)? */
int em_sparse_supported(void);

/* Is a gradient with nnz nonzeros among rows x F cheaper the sparse way,
 * for a kernel of k taps over cin channels? */
int em_sparse_dz_worth(int64_t nnz, int64_t rows, int64_t F, int64_t k, int64_t cin);

/* Fill z's lists from dz, whose rows come in groups of `group_rows` (the
 * last one clipped to z->rows), group g holding group_nnz[g] nonzeros;
 * groups are listed in parallel (the lists are the same on any number of
 * threads).  z->row_ptr etc. must hold rows+1 / nnz / F+1 entries; `table`
 * em_sparse_dz_fill_table() int32 of scratch. */
int64_t em_sparse_dz_fill_table(const em_sparse_dz *z, int64_t group_rows);
void em_sparse_dz_fill(em_sparse_dz *z, const float *dz, int64_t group_rows, const int32_t *group_nnz, int32_t *table);

/* dWt[f][kk] += sum over nonzeros (q, f) of v * A[q*lda + kk], kk < K
 * (dWt is F x K row-major: the kernel gradient transposed).  Rows are
 * shared out dynamically; threads past the first sum into `scratch`
 * (em_sparse_grad_kernel_scratch floats; fewer threads if it is smaller). */
int64_t em_sparse_grad_kernel_scratch(const em_sparse_dz *z, int64_t K);
void em_sparse_grad_kernel(const em_sparse_dz *z, const float *A, int64_t lda, int64_t K, float *dWt, float *scratch,
                           int64_t scratch_floats);

/* dX[t][c] = sum_j sum over nonzeros (t-j, f) of v * Wj[(j*F + f)*cin + c]
 * for t < out_rows, every row written once (rows ld apart); Wj is the
 * kernel rearranged as k x F x cin. */
void em_sparse_grad_input(const em_sparse_dz *z, const float *Wj, int64_t k, int64_t cin, float *dx, int64_t ld,
                          int64_t out_rows);

#endif
