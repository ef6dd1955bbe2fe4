/* Reductions over all elements or along one dim, accumulated in double.
 *
 * dtypes: sum, max, min keep int32 as int32 (a sum that leaves the int32
 * range is an error, not a wrap) and give int32 for uint8 (numpy's sum
 * upcasts uint8 too; max/min follow so one rule covers the three); mean and std give float32; argmax/argmin
 * give int32 positions, 0-based here (the bindings add 1).  std is the
 * population standard deviation (numpy's default, ddof = 0).  NaN
 * propagates through max/min like numpy's (argmax/argmin point at the first
 * NaN). */
#ifndef EMBER_OPS_REDUCE_H
#define EMBER_OPS_REDUCE_H

#include "../core/tensor.h"

typedef enum { EM_RED_SUM, EM_RED_MEAN, EM_RED_STD, EM_RED_MAX, EM_RED_MIN, EM_RED_ARGMAX, EM_RED_ARGMIN, EM_RED_COUNT } em_reduce_op;

const char *em_reduce_name(em_reduce_op op);

/* The dtype a reduction of a tensor of dtype dt produces. */
em_dtype em_reduce_dtype(em_reduce_op op, em_dtype dt);

/* Over every element: *result is the value (argmax/argmin: the 0-based flat
 * index in row-major order). */
int em_reduce_all(const em_tensor *a, em_reduce_op op, double *result);

/* Along dim: out (allocated) has a's shape without dim. */
int em_reduce_dim(em_tensor *out, const em_tensor *a, em_reduce_op op, int dim);

#endif
