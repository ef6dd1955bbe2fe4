/* numpy broadcasting and the row walk shared by the elementwise kernels.
 *
 * Shapes are aligned on their last dims; a dim of size 1 (or a missing one)
 * stretches to the other's size with stride 0.  em_bcast_plan then drops
 * size-1 dims and merges dims that are laid out back to back in every
 * operand, so two contiguous tensors of one shape become a single flat row
 * and a {N,M} + {M} bias add becomes N rows of M. */
#ifndef EMBER_OPS_BROADCAST_H
#define EMBER_OPS_BROADCAST_H

#include "../core/tensor.h"

#define EM_BCAST_MAX_OPS 3

/* The broadcast shape of a and b into shape/ndim, or em_fail
 * "<op>: shapes {2,3} and {4} cannot broadcast". */
int em_broadcast_shape(const char *op, const em_tensor *a, const em_tensor *b, int *ndim, int64_t *shape);

/* A walk over nops operands of one (broadcast) shape, row by row. */
typedef struct {
    int nops;
    int ndim;                                   /* >= 1 after planning */
    int64_t shape[EM_MAX_DIMS];
    int64_t strides[EM_BCAST_MAX_OPS][EM_MAX_DIMS];
    int64_t offsets[EM_BCAST_MAX_OPS];          /* current row start of each operand */
    int64_t index[EM_MAX_DIMS];
    int64_t rows;                               /* rows left, including the current one */
} em_bcast_walk;

/* Plan a walk over ops[0..nops-1] broadcast to (ndim, shape).  ops[i] must
 * broadcast to that shape (checked by the caller). */
void em_bcast_plan(em_bcast_walk *w, int ndim, const int64_t *shape, const em_tensor *const *ops, int nops);

/* Length of every row and the inner stride of operand i. */
static inline int64_t em_bcast_row_len(const em_bcast_walk *w) { return w->shape[w->ndim - 1]; }
static inline int64_t em_bcast_inner_stride(const em_bcast_walk *w, int i) { return w->strides[i][w->ndim - 1]; }

/* Advance to the next row; returns 0 when the walk is over. */
int em_bcast_next(em_bcast_walk *w);

#endif
