/* Binary elementwise ops with numpy broadcasting.
 *
 * dtype rules (numpy's, restricted to our two dtypes):
 *   int32 op int32   -> int32 for add, sub, mul, maximum, minimum (wrapping
 *                       on overflow, as numpy's int32 does);
 *                       float32 for div (true division, as numpy's `/`);
 *   anything with a float32 operand -> float32 (the int32 side is converted);
 *   comparisons (eq ne gt lt ge le) -> float32 0/1, comparing int32 operands
 *                       exactly as integers; uint8 0/1 when either side is
 *                       uint8 (numpy's bool result, as Ember's uint8);
 *   arithmetic with a uint8 operand is refused (convert with :float()).
 * A scalar operand is a 0-d tensor (the bindings make one per Lua number). */
#ifndef EMBER_OPS_ELEMENTWISE_H
#define EMBER_OPS_ELEMENTWISE_H

#include "../core/tensor.h"

typedef enum {
    EM_OP_ADD, EM_OP_SUB, EM_OP_MUL, EM_OP_DIV, EM_OP_MAXIMUM, EM_OP_MINIMUM,
    EM_OP_EQ, EM_OP_NE, EM_OP_GT, EM_OP_LT, EM_OP_GE, EM_OP_LE,
    EM_OP_COUNT
} em_binop;

/* "add", "sub", ... for messages. */
const char *em_binop_name(em_binop op);

/* The dtype of a op b under the rules above. */
em_dtype em_binop_result_dtype(em_binop op, em_dtype a, em_dtype b);

/* out = a op b, broadcast; out must be empty and is allocated. */
int em_binary(em_tensor *out, const em_tensor *a, const em_tensor *b, em_binop op);

/* dst = a op b written into an existing dst (any strides) whose shape must
 * be the broadcast shape and whose dtype must be the result dtype.  a and b
 * may be dst itself (in-place ops: em_binary_into(x, x, y, EM_OP_ADD)); an
 * operand that overlaps dst in any other way is copied first.  `name` is the
 * op's name in messages ("add_"). */
int em_binary_into(em_tensor *dst, const em_tensor *a, const em_tensor *b, em_binop op, const char *name);

#endif
