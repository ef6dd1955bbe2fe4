#include "elementwise.h"

#include <string.h>

#include "../core/error.h"
#include "broadcast.h"

static const char *const binop_names[EM_OP_COUNT] = {"add", "sub", "mul", "div", "maximum", "minimum",
                                                     "eq",  "ne",  "gt",  "lt",  "ge",      "le"};

const char *em_binop_name(em_binop op) { return op >= 0 && op < EM_OP_COUNT ? binop_names[op] : "?"; }

static int is_comparison(em_binop op) { return op >= EM_OP_EQ; }

static int is_integer(em_dtype d) { return d == EM_INT32 || d == EM_UINT8; }

/* The dtype the arithmetic runs in: int32 only when both sides are integers
 * (int32, or uint8 in a comparison: arithmetic refuses uint8) and the op is
 * not true division. */
static em_dtype compute_dtype(em_binop op, em_dtype a, em_dtype b) {
    return is_integer(a) && is_integer(b) && op != EM_OP_DIV ? EM_INT32 : EM_FLOAT32;
}

em_dtype em_binop_result_dtype(em_binop op, em_dtype a, em_dtype b) {
    if (is_comparison(op)) return a == EM_UINT8 || b == EM_UINT8 ? EM_UINT8 : EM_FLOAT32;
    return compute_dtype(op, a, b);
}

/* uint8 takes part in comparisons only: arithmetic on bytes would wrap
 * (numpy's uint8) or silently change dtype, both surprises. */
static int refuse_uint8_arithmetic(const char *name, em_binop op, const em_tensor *a, const em_tensor *b) {
    if (is_comparison(op)) return 0;
    return em_refuse_uint8(name, a) || em_refuse_uint8(name, b);
}

/* One row kernel per (op, dtype): o[i] = EXPR(x = a[i], y = b[i]) over n
 * elements with strides sa, sb, so.  The common layouts (all unit strides,
 * or one side a broadcast scalar) get their own loops so the compiler
 * vectorizes them; anything else takes the strided loop. */
#define ROW_KERNEL(name, TA, TO, EXPR)                                                               \
    static void name(int64_t n, const void *pa, int64_t sa, const void *pb, int64_t sb, void *po,   \
                     int64_t so) {                                                                   \
        const TA *a = pa, *b = pb;                                                                   \
        TO *o = po;                                                                                  \
        if (so == 1 && sa == 1 && sb == 1) {                                                         \
            for (int64_t i = 0; i < n; i++) { TA x = a[i], y = b[i]; o[i] = (EXPR); }                \
        } else if (so == 1 && sa == 1 && sb == 0) {                                                  \
            TA y = b[0];                                                                             \
            for (int64_t i = 0; i < n; i++) { TA x = a[i]; o[i] = (EXPR); }                          \
        } else if (so == 1 && sa == 0 && sb == 1) {                                                  \
            TA x = a[0];                                                                             \
            for (int64_t i = 0; i < n; i++) { TA y = b[i]; o[i] = (EXPR); }                          \
        } else {                                                                                     \
            for (int64_t i = 0; i < n; i++) { TA x = a[i * sa], y = b[i * sb]; o[i * so] = (EXPR); } \
        }                                                                                            \
    }

/* int32 arithmetic wraps like numpy's (done in uint32: no signed overflow). */
#define WRAP(op) ((int32_t)((uint32_t)x op (uint32_t)y))

ROW_KERNEL(add_f32, float, float, x + y)
ROW_KERNEL(sub_f32, float, float, x - y)
ROW_KERNEL(mul_f32, float, float, x * y)
ROW_KERNEL(div_f32, float, float, x / y)
/* maximum/minimum propagate NaN, as numpy's. */
ROW_KERNEL(max_f32, float, float, (x > y || x != x) ? x : y)
ROW_KERNEL(min_f32, float, float, (x < y || x != x) ? x : y)
ROW_KERNEL(eq_f32, float, float, (float)(x == y))
ROW_KERNEL(ne_f32, float, float, (float)(x != y))
ROW_KERNEL(gt_f32, float, float, (float)(x > y))
ROW_KERNEL(lt_f32, float, float, (float)(x < y))
ROW_KERNEL(ge_f32, float, float, (float)(x >= y))
ROW_KERNEL(le_f32, float, float, (float)(x <= y))

ROW_KERNEL(add_i32, int32_t, int32_t, WRAP(+))
ROW_KERNEL(sub_i32, int32_t, int32_t, WRAP(-))
ROW_KERNEL(mul_i32, int32_t, int32_t, WRAP(*))
ROW_KERNEL(max_i32, int32_t, int32_t, x > y ? x : y)
ROW_KERNEL(min_i32, int32_t, int32_t, x < y ? x : y)
ROW_KERNEL(eq_i32, int32_t, float, (float)(x == y))
ROW_KERNEL(ne_i32, int32_t, float, (float)(x != y))
ROW_KERNEL(gt_i32, int32_t, float, (float)(x > y))
ROW_KERNEL(lt_i32, int32_t, float, (float)(x < y))
ROW_KERNEL(ge_i32, int32_t, float, (float)(x >= y))
ROW_KERNEL(le_i32, int32_t, float, (float)(x <= y))

typedef void (*row_kernel)(int64_t, const void *, int64_t, const void *, int64_t, void *, int64_t);

static const row_kernel kernels_f32[EM_OP_COUNT] = {add_f32, sub_f32, mul_f32, div_f32, max_f32, min_f32,
                                                   eq_f32,  ne_f32,  gt_f32,  lt_f32,  ge_f32,  le_f32};
static const row_kernel kernels_i32[EM_OP_COUNT] = {add_i32, sub_i32, mul_i32, NULL,  max_i32, min_i32,
                                                   eq_i32,  ne_i32,  gt_i32,  lt_i32, ge_i32,  le_i32};

/* Run the kernel over dst = a op b; a and b are in the compute dtype and
 * broadcast to dst's shape. */
static void apply(em_tensor *dst, const em_tensor *a, const em_tensor *b, em_binop op, em_dtype cd) {
    row_kernel k = cd == EM_INT32 ? kernels_i32[op] : kernels_f32[op];
    const em_tensor *ops[3] = {dst, a, b};
    em_bcast_walk w;
    em_bcast_plan(&w, dst->ndim, dst->shape, ops, 3);
    if (w.rows <= 0) return;
    char *od = dst->storage->data;
    const char *ad = a->storage->data, *bd = b->storage->data;
    int64_t n = em_bcast_row_len(&w);
    int64_t so = em_bcast_inner_stride(&w, 0), sa = em_bcast_inner_stride(&w, 1), sb = em_bcast_inner_stride(&w, 2);
    do {
        k(n, ad + w.offsets[1] * 4, sa, bd + w.offsets[2] * 4, sb, od + w.offsets[0] * 4, so);
    } while (em_bcast_next(&w));
}

static int same_view(const em_tensor *x, const em_tensor *y) {
    if (x->storage != y->storage || x->offset != y->offset || x->ndim != y->ndim) return 0;
    for (int d = 0; d < x->ndim; d++)
        if (x->shape[d] != y->shape[d] || (x->shape[d] > 1 && x->strides[d] != y->strides[d])) return 0;
    return 1;
}

/* *use points at x itself, or at a converted / de-aliased copy held in tmp. */
static int prepare_operand(const em_tensor *x, em_dtype cd, const em_tensor *dst, em_tensor *tmp, const em_tensor **use) {
    *use = x;
    if (x->dtype != cd) {
        if (em_tensor_convert(tmp, x, cd)) return -1;
        *use = tmp;
    } else if (dst && x->storage == dst->storage && !same_view(x, dst)) {
        if (em_tensor_clone(tmp, x)) return -1;
        *use = tmp;
    }
    return 0;
}

static int run(em_tensor *dst, const em_tensor *a, const em_tensor *b, em_binop op, int check_alias) {
    em_dtype cd = compute_dtype(op, a->dtype, b->dtype);
    em_tensor ta = {0}, tb = {0};
    const em_tensor *ua, *ub;
    const em_tensor *alias = check_alias ? dst : NULL;
    if (prepare_operand(a, cd, alias, &ta, &ua) || prepare_operand(b, cd, alias, &tb, &ub)) {
        em_tensor_release(&ta);
        return -1;
    }
    apply(dst, ua, ub, op, cd);
    em_tensor_release(&ta);
    em_tensor_release(&tb);
    return 0;
}

int em_binary(em_tensor *out, const em_tensor *a, const em_tensor *b, em_binop op) {
    int ndim;
    int64_t shape[EM_MAX_DIMS];
    if (op < 0 || op >= EM_OP_COUNT) return em_fail("binary: unknown op %d", (int)op);
    if (refuse_uint8_arithmetic(em_binop_name(op), op, a, b)) return -1;
    if (em_broadcast_shape(em_binop_name(op), a, b, &ndim, shape)) return -1;
    em_dtype rd = em_binop_result_dtype(op, a->dtype, b->dtype);
    if (rd == EM_UINT8) {
        /* A comparison with a uint8 side: the kernels write float32 0/1,
         * converted to uint8 (exactly) once. */
        em_tensor f = {0};
        if (em_tensor_alloc(&f, EM_FLOAT32, ndim, shape)) return -1;
        int rc = run(&f, a, b, op, 0);
        if (rc == 0) rc = em_tensor_convert(out, &f, EM_UINT8);
        em_tensor_release(&f);
        return rc;
    }
    if (em_tensor_alloc(out, rd, ndim, shape)) return -1;
    if (run(out, a, b, op, 0)) { em_tensor_release(out); return -1; }
    return 0;
}

int em_binary_into(em_tensor *dst, const em_tensor *a, const em_tensor *b, em_binop op, const char *name) {
    int ndim;
    int64_t shape[EM_MAX_DIMS];
    char s1[160], s2[160];
    if (op < 0 || op >= EM_OP_COUNT) return em_fail("binary: unknown op %d", (int)op);
    if (refuse_uint8_arithmetic(name, op, a, b) || em_refuse_uint8(name, dst)) return -1;
    if (em_broadcast_shape(name, a, b, &ndim, shape)) return -1;
    if (ndim != dst->ndim || memcmp(shape, dst->shape, (size_t)ndim * sizeof *shape) != 0)
        return em_fail("%s: the result of shape %s does not fit into a tensor of shape %s", name,
                       em_shape_str(s1, sizeof s1, ndim, shape), em_tensor_shape_str(dst, s2, sizeof s2));
    em_dtype rd = em_binop_result_dtype(op, a->dtype, b->dtype);
    if (rd != dst->dtype)
        return em_fail("%s: the result is %s and cannot be written into a tensor of dtype %s", name, em_dtype_name(rd),
                       em_dtype_name(dst->dtype));
    return run(dst, a, b, op, 1);
}
