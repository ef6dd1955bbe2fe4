#include "matmul.h"

#include <cblas.h>
#include <limits.h>
#include <stdio.h>

#include "../core/error.h"
#include "gemm.h"

void em_set_num_threads(int n) { openblas_set_num_threads(n < 1 ? 1 : n); }
int em_get_num_threads(void) { return openblas_get_num_threads(); }

/* How BLAS sees one 2-D operand: a base pointer, a transpose flag and a
 * leading dimension.  rows x cols with element strides rs, cs. */
typedef struct {
    enum CBLAS_TRANSPOSE trans;
    int ld;
} blas_view;

static int as_blas(int64_t rows, int64_t cols, int64_t rs, int64_t cs, blas_view *v) {
    /* Row-major: element (i,j) at i*ld + j; a size-1 dim's stride is free. */
    if ((cs == 1 || cols == 1) && (rows == 1 || (rs >= cols && rs <= INT_MAX))) {
        v->trans = CblasNoTrans;
        v->ld = (int)(rows == 1 ? (cols > 1 ? cols : 1) : rs);
        return 1;
    }
    /* A transposed view: element (i,j) at j*ld + i. */
    if ((rs == 1 || rows == 1) && (cols == 1 || (cs >= rows && cs <= INT_MAX))) {
        v->trans = CblasTrans;
        v->ld = (int)(cols == 1 ? (rows > 1 ? rows : 1) : cs);
        return 1;
    }
    return 0;
}

static const char *shapes(const em_tensor *a, const em_tensor *b, char *buf, size_t n) {
    char x[160], y[160];
    snprintf(buf, n, "%s and %s", em_tensor_shape_str(a, x, sizeof x), em_tensor_shape_str(b, y, sizeof y));
    return buf;
}

/* A (possibly copied) operand that BLAS can read as a batch of matrices. */
typedef struct {
    em_tensor copy;       /* holds the contiguous copy if one was needed */
    const em_tensor *t;   /* the tensor to read */
    blas_view v;
} operand;

static int prepare(operand *op, const em_tensor *t) {
    int nd = t->ndim;
    op->copy = (em_tensor){0};
    op->t = t;
    if (as_blas(t->shape[nd - 2], t->shape[nd - 1], t->strides[nd - 2], t->strides[nd - 1], &op->v)) return 0;
    if (em_tensor_clone(&op->copy, t)) return -1;
    op->t = &op->copy;
    as_blas(t->shape[nd - 2], t->shape[nd - 1], op->copy.strides[nd - 2], op->copy.strides[nd - 1], &op->v);
    return 0;
}

/* out[bi] = a[ai] @ b[bi'] for each batch entry, one sgemm each. */
static void gemm_batches(em_tensor *out, const operand *a, const operand *b, int64_t batch, int64_t m, int64_t k,
                         int64_t n) {
    int64_t as = a->t->ndim == 3 && a->t->shape[0] > 1 ? a->t->strides[0] : 0;
    int64_t bs = b->t->ndim == 3 && b->t->shape[0] > 1 ? b->t->strides[0] : 0;
    for (int64_t i = 0; i < batch; i++)
        em_sgemm(CblasRowMajor, a->v.trans, b->v.trans, (int)m, (int)n, (int)k, 1.0f, em_f32(a->t) + i * as,
                    a->v.ld, em_f32(b->t) + i * bs, b->v.ld, 0.0f, em_f32(out) + i * m * n, (int)(n > 1 ? n : 1));
}

static int check_operands(const em_tensor *a, const em_tensor *b) {
    char buf[400];
    if (a->dtype != EM_FLOAT32 || b->dtype != EM_FLOAT32)
        return em_fail("matmul: expected float32 tensors, got %s and %s (convert with :float())",
                       em_dtype_name(a->dtype), em_dtype_name(b->dtype));
    if (a->ndim < 2 || a->ndim > 3 || b->ndim < 2 || b->ndim > 3 || (a->ndim == 2 && b->ndim == 3))
        return em_fail("matmul: expected 2-D or 3-D tensors ({m,k} x {k,n}, {B,m,k} x {B,k,n} or {B,m,k} x {k,n}), got %s",
                       shapes(a, b, buf, sizeof buf));
    if (a->shape[a->ndim - 1] != b->shape[b->ndim - 2] ||
        (a->ndim == 3 && b->ndim == 3 && a->shape[0] != b->shape[0] && a->shape[0] != 1 && b->shape[0] != 1))
        return em_fail("matmul: shapes %s do not align", shapes(a, b, buf, sizeof buf));
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] > INT_MAX) return em_fail("matmul: dimension too large for BLAS in %s", shapes(a, b, buf, sizeof buf));
    for (int d = 0; d < b->ndim; d++)
        if (b->shape[d] > INT_MAX) return em_fail("matmul: dimension too large for BLAS in %s", shapes(a, b, buf, sizeof buf));
    return 0;
}

int em_matmul(em_tensor *out, const em_tensor *a, const em_tensor *b) {
    if (check_operands(a, b)) return -1;
    int64_t m = a->shape[a->ndim - 2], k = a->shape[a->ndim - 1], n = b->shape[b->ndim - 1];
    int64_t batch = a->ndim == 3 ? (a->shape[0] == 1 && b->ndim == 3 ? b->shape[0] : a->shape[0]) : 1;
    em_tensor fold = *a;
    if (a->ndim == 3 && b->ndim == 2 && a->strides[0] == a->strides[1] * m && a->strides[2] == 1) {
        /* {B,m,k} x {k,n} with rows back to back: one GEMM of (B*m) x k. */
        fold.ndim = 2;
        fold.shape[0] = batch * m;
        fold.shape[1] = k;
        fold.strides[0] = a->strides[1];
        fold.strides[1] = 1;
        if (fold.shape[0] > INT_MAX) fold = *a;
    }
    int64_t shape[3] = {batch, m, n};
    int rank = a->ndim > b->ndim ? a->ndim : b->ndim;
    if (em_tensor_alloc(out, EM_FLOAT32, rank, rank == 3 ? shape : shape + 1)) return -1;
    if (batch == 0 || m == 0 || n == 0 || k == 0) return 0;  /* zeros; BLAS is not called with empty dims */
    operand pa, pb;
    if (prepare(&pa, &fold)) { em_tensor_release(out); return -1; }
    if (prepare(&pb, b)) { em_tensor_release(&pa.copy); em_tensor_release(out); return -1; }
    if (fold.ndim == 2 && a->ndim == 3) gemm_batches(out, &pa, &pb, 1, batch * m, k, n);
    else gemm_batches(out, &pa, &pb, batch, m, k, n);
    em_tensor_release(&pa.copy);
    em_tensor_release(&pb.copy);
    return 0;
}

/* v as a {1,k} row or {k,1} column view (no copy). */
static em_tensor as_matrix(const em_tensor *v, int row) {
    em_tensor m = *v;
    m.ndim = 2;
    m.shape[row ? 0 : 1] = 1;
    m.strides[row ? 0 : 1] = 1;
    m.shape[row ? 1 : 0] = v->shape[0];
    m.strides[row ? 1 : 0] = v->strides[0];
    return m;
}

int em_dot(em_tensor *out, const em_tensor *a, const em_tensor *b) {
    char buf[400];
    if (a->ndim < 1 || a->ndim > 2 || b->ndim < 1 || b->ndim > 2)
        return em_fail("dot: expected 1-D or 2-D tensors, got %s", shapes(a, b, buf, sizeof buf));
    if (a->dtype != EM_FLOAT32 || b->dtype != EM_FLOAT32)
        return em_fail("dot: expected float32 tensors, got %s and %s (convert with :float())",
                       em_dtype_name(a->dtype), em_dtype_name(b->dtype));
    if (a->shape[a->ndim - 1] != b->shape[0]) return em_fail("dot: shapes %s do not align", shapes(a, b, buf, sizeof buf));
    if (a->ndim == 2 && b->ndim == 2) return em_matmul(out, a, b);
    em_tensor ma = a->ndim == 1 ? as_matrix(a, 1) : *a;
    em_tensor mb = b->ndim == 1 ? as_matrix(b, 0) : *b;
    if (em_matmul(out, &ma, &mb)) return -1;
    /* Drop the unit dims the 1-D operands became. */
    int64_t rows = out->shape[0], cols = out->shape[1];
    if (a->ndim == 1 && b->ndim == 1) out->ndim = 0;
    else {
        out->ndim = 1;
        out->shape[0] = a->ndim == 2 ? rows : cols;
        out->strides[0] = 1;
    }
    return 0;
}
