/* Matrix products through OpenBLAS (cblas_sgemm), float32 only.
 *
 * Transposed views (strides {1, ld}) go to BLAS as transposes, without a
 * copy; only views BLAS cannot describe (e.g. both strides > 1) are copied
 * to contiguous first. */
#ifndef EMBER_OPS_MATMUL_H
#define EMBER_OPS_MATMUL_H

#include "../core/tensor.h"

/* out = a @ b (allocated).  Shapes: {m,k} x {k,n} -> {m,n};
 * {B,m,k} x {B,k,n} -> {B,m,n} (a batch of 1 on either side broadcasts);
 * {B,m,k} x {k,n} -> {B,m,n}. */
int em_matmul(em_tensor *out, const em_tensor *a, const em_tensor *b);

/* numpy.dot for 1-D and 2-D operands: 1-D . 1-D is a 0-d tensor; {m,k} . {k}
 * -> {m}; {k} . {k,n} -> {n}; 2-D . 2-D as em_matmul. */
int em_dot(em_tensor *out, const em_tensor *a, const em_tensor *b);

/* Threads OpenBLAS may use (n >= 1). */
void em_set_num_threads(int n);
int em_get_num_threads(void);

#endif
