/* Tensor arithmetic: Lua operators (+ - * / unary minus, ^ with a number)
 * with numpy broadcasting, numbers on either side; methods add/mul/div (no
 * `sub` method: a:sub(from, to) selects rows, as in Torch7; use a - b),
 * in-place add_/sub_/mul_/div_, comparisons eq/ne/gt/lt/ge/le (float32 0/1,
 * torch's names), maximum/minimum, and the unary math functions.
 *
 * dtypes (see engine/ops/elementwise.h): int32 op int32 stays int32 except
 * `/`, which gives float32; a float32 operand makes the result float32.  A
 * Lua integer next to an int32 tensor counts as int32 (t + 1 stays int32), a
 * Lua float counts as float32 (t + 0.5 and t + 1.0 are float32), as numpy
 * treats Python ints and floats.  uint8 takes part in comparisons only (the
 * result is uint8 0/1, numpy's bool); arithmetic on it is refused. */
#include <math.h>
#include <stdio.h>

#include "../engine/core/error.h"
#include "../engine/ops/elementwise.h"
#include "../engine/ops/unary.h"
#include "ember_modules.h"
#include "lua_tensor.h"

/* The operand at idx as a tensor: a tensor argument itself, or a Lua number
 * turned into a 0-d tensor (pushed, so the GC owns it). */
static const em_tensor *operand(lua_State *L, int idx, const char *fn, const char *arg, em_dtype other) {
    em_tensor *t = lt_test(L, idx);
    if (t) return lt_check_any(L, idx, fn, arg);  /* uint8: the engine takes it in comparisons only */
    if (lua_type(L, idx) != LUA_TNUMBER) {
        lt_argerror(L, idx, fn, arg, "a tensor or a number");
        return NULL;
    }
    int as_int = (other == EM_INT32 || other == EM_UINT8) && lua_isinteger(L, idx) && lua_tointeger(L, idx) >= INT32_MIN &&
                 lua_tointeger(L, idx) <= INT32_MAX;
    double v = lua_tonumber(L, idx);
    t = lt_new(L);
    if (em_tensor_alloc(t, as_int ? EM_INT32 : EM_FLOAT32, 0, NULL)) lt_raise(L);
    em_tensor_fill(t, v);
    return t;
}

static em_dtype dtype_at(lua_State *L, int idx) {
    em_tensor *t = lt_test(L, idx);
    return t ? t->dtype : EM_FLOAT32;
}

/* a op b -> new tensor (operands at 1 and 2). */
static int binary(lua_State *L, em_binop op) {
    const char *fn = em_binop_name(op);
    lua_settop(L, 2);
    if (!lt_test(L, 1) && !lt_test(L, 2)) return lt_argerror(L, 1, fn, "a", "a tensor");
    const em_tensor *a = operand(L, 1, fn, "a", dtype_at(L, 2));
    const em_tensor *b = operand(L, 2, fn, "b", dtype_at(L, 1));
    em_tensor *out = lt_new(L);
    if (em_binary(out, a, b, op)) return lt_raise(L);
    return 1;
}

static int l_add(lua_State *L) { return binary(L, EM_OP_ADD); }
static int l_sub(lua_State *L) { return binary(L, EM_OP_SUB); }
static int l_mul(lua_State *L) { return binary(L, EM_OP_MUL); }
static int l_div(lua_State *L) { return binary(L, EM_OP_DIV); }
static int l_maximum(lua_State *L) { return binary(L, EM_OP_MAXIMUM); }
static int l_minimum(lua_State *L) { return binary(L, EM_OP_MINIMUM); }
static int l_eq(lua_State *L) { return binary(L, EM_OP_EQ); }
static int l_ne(lua_State *L) { return binary(L, EM_OP_NE); }
static int l_gt(lua_State *L) { return binary(L, EM_OP_GT); }
static int l_lt(lua_State *L) { return binary(L, EM_OP_LT); }
static int l_ge(lua_State *L) { return binary(L, EM_OP_GE); }
static int l_le(lua_State *L) { return binary(L, EM_OP_LE); }

/* self op= b, b broadcast into self's shape; returns self. */
static int inplace(lua_State *L, em_binop op, const char *fn) {
    lua_settop(L, 2);
    em_tensor *self = lt_check(L, 1, fn, "self");
    const em_tensor *b = operand(L, 2, fn, "other", self->dtype);
    if (em_binary_into(self, self, b, op, fn)) return lt_raise(L);
    lua_settop(L, 1);
    return 1;
}

static int l_add_(lua_State *L) { return inplace(L, EM_OP_ADD, "add_"); }
static int l_sub_(lua_State *L) { return inplace(L, EM_OP_SUB, "sub_"); }
static int l_mul_(lua_State *L) { return inplace(L, EM_OP_MUL, "mul_"); }
static int l_div_(lua_State *L) { return inplace(L, EM_OP_DIV, "div_"); }

static int unary(lua_State *L, em_unary_fn fn, double p, double q) {
    em_tensor *a = lt_check(L, 1, em_unary_name(fn), "self");
    em_tensor *out = lt_new(L);
    if (em_unary(out, a, fn, p, q)) return lt_raise(L);
    return 1;
}

static int l_neg(lua_State *L) { return unary(L, EM_FN_NEG, 0, 0); }
static int l_abs(lua_State *L) { return unary(L, EM_FN_ABS, 0, 0); }
static int l_relu(lua_State *L) { return unary(L, EM_FN_RELU, 0, 0); }
static int l_square(lua_State *L) { return unary(L, EM_FN_SQUARE, 0, 0); }
static int l_tanh(lua_State *L) { return unary(L, EM_FN_TANH, 0, 0); }
static int l_sigmoid(lua_State *L) { return unary(L, EM_FN_SIGMOID, 0, 0); }
static int l_exp(lua_State *L) { return unary(L, EM_FN_EXP, 0, 0); }
static int l_log(lua_State *L) { return unary(L, EM_FN_LOG, 0, 0); }
static int l_sqrt(lua_State *L) { return unary(L, EM_FN_SQRT, 0, 0); }

static int l_pow(lua_State *L) {
    lt_check(L, 1, "pow", "self");
    return unary(L, EM_FN_POW, lt_check_number(L, 2, "pow", "exponent"), 0);
}

/* clamp(min, max): either bound may be nil (unbounded on that side). */
static int l_clamp(lua_State *L) {
    lt_check(L, 1, "clamp", "self");
    double lo = lua_isnoneornil(L, 2) ? -INFINITY : lt_check_number(L, 2, "clamp", "min");
    double hi = lua_isnoneornil(L, 3) ? INFINITY : lt_check_number(L, 3, "clamp", "max");
    if (lo != lo || hi != hi) return luaL_error(L, "clamp: bounds must not be NaN");
    return unary(L, EM_FN_CLAMP, lo, hi);
}

/* Operators.  Lua calls __unm with the operand twice. */
static int m_unm(lua_State *L) { lua_settop(L, 1); return l_neg(L); }

/* t ^ p (p a number): elementwise power. */
static int m_pow(lua_State *L) {
    if (!lt_test(L, 1)) return lt_argerror(L, 1, "pow", "base", "a tensor (number ^ tensor is not supported)");
    return l_pow(L);
}

static void register_operators(lua_State *L) {
    static const luaL_Reg ops[] = {{"__add", l_add}, {"__sub", l_sub}, {"__mul", l_mul}, {"__div", l_div},
                                   {"__unm", m_unm}, {"__pow", m_pow}, {NULL, NULL}};
    luaL_getmetatable(L, EMBER_TENSOR_MT);
    luaL_setfuncs(L, ops, 0);
    lua_pop(L, 1);
}

/// @api Tensor:add(b) -> Tensor
/// Elementwise a + b with numpy broadcasting (also `a + b`).
/// @arg b: a tensor or a number

/// @api Tensor:sub(b) -> Tensor
/// Elementwise a - b with broadcasting (also `a - b`); with two integers it is the row range `sub(from, to)`.
/// @arg b: a tensor or a number (or `from`, `to` row indices)

/// @api Tensor:mul(b) -> Tensor
/// Elementwise a * b with broadcasting (also `a * b`).
/// @arg b: a tensor or a number

/// @api Tensor:div(b) -> Tensor
/// Elementwise a / b with broadcasting (also `a / b`).
/// @arg b: a tensor or a number

/// @api Tensor:add_(b) -> Tensor
/// In-place a += b (b broadcast to a's shape).
/// @arg b: a tensor or a number

/// @api Tensor:sub_(b) -> Tensor
/// In-place a -= b.
/// @arg b: a tensor or a number

/// @api Tensor:mul_(b) -> Tensor
/// In-place a *= b.
/// @arg b: a tensor or a number

/// @api Tensor:div_(b) -> Tensor
/// In-place a /= b.
/// @arg b: a tensor or a number

/// @api Tensor:clamp(lo, hi) -> Tensor
/// Each element limited to [lo, hi].
/// @arg lo: lower bound (nil: none)
/// @arg hi: upper bound (nil: none)

/// @api Tensor:eq(b) -> Tensor
/// Elementwise a == b as a 0/1 tensor: float32, or uint8 (numpy's bool) when a or b is uint8.
/// @arg b: a tensor or a number
/// @alias ember.eq

/// @api Tensor:ne(b) -> Tensor
/// Elementwise a ~= b as 0/1.
/// @arg b: a tensor or a number
/// @alias ember.ne

/// @api Tensor:gt(b) -> Tensor
/// Elementwise a > b as 0/1.
/// @arg b: a tensor or a number
/// @alias ember.gt

/// @api Tensor:lt(b) -> Tensor
/// Elementwise a < b as 0/1.
/// @arg b: a tensor or a number
/// @alias ember.lt

/// @api Tensor:ge(b) -> Tensor
/// Elementwise a >= b as 0/1.
/// @arg b: a tensor or a number
/// @alias ember.ge

/// @api Tensor:le(b) -> Tensor
/// Elementwise a <= b as 0/1.
/// @arg b: a tensor or a number
/// @alias ember.le

/// @api Tensor:maximum(b) -> Tensor
/// Elementwise maximum of a and b (numpy.maximum).
/// @arg b: a tensor or a number

/// @api Tensor:minimum(b) -> Tensor
/// Elementwise minimum of a and b.
/// @arg b: a tensor or a number

/// @api Tensor:neg() -> Tensor
/// Elementwise -a (also `-a`).

/// @api Tensor:abs() -> Tensor
/// Elementwise absolute value.

/// @api Tensor:relu() -> Tensor
/// Elementwise max(a, 0).

/// @api Tensor:square() -> Tensor
/// Elementwise a * a.

/// @api Tensor:tanh() -> Tensor
/// Elementwise hyperbolic tangent.

/// @api Tensor:sigmoid() -> Tensor
/// Elementwise logistic sigmoid 1 / (1 + exp(-a)).

/// @api Tensor:exp() -> Tensor
/// Elementwise e^a.

/// @api Tensor:log() -> Tensor
/// Elementwise natural logarithm.

/// @api Tensor:sqrt() -> Tensor
/// Elementwise square root.

/// @api Tensor:pow(p) -> Tensor
/// Elementwise a^p.
/// @arg p: the exponent (a number)

void ember_open_tensor_math(lua_State *L) {
    static const luaL_Reg methods[] = {
        {"add", l_add}, {"mul", l_mul}, {"div", l_div},
        {"add_", l_add_}, {"sub_", l_sub_}, {"mul_", l_mul_}, {"div_", l_div_},
        {"maximum", l_maximum}, {"minimum", l_minimum},
        {"eq", l_eq}, {"ne", l_ne}, {"gt", l_gt}, {"lt", l_lt}, {"ge", l_ge}, {"le", l_le},
        {"neg", l_neg}, {"abs", l_abs}, {"relu", l_relu}, {"square", l_square}, {"tanh", l_tanh},
        {"sigmoid", l_sigmoid}, {"exp", l_exp}, {"log", l_log}, {"sqrt", l_sqrt}, {"pow", l_pow},
        {"clamp", l_clamp}, {NULL, NULL}};
    lt_register_methods(L, methods);
    register_operators(L);
    /* The comparisons as functions too (torch.gt(a, b)): the bare operators
     * cannot give a tensor in Lua, so these are what a < b becomes. */
    static const luaL_Reg comparisons[] = {{"eq", l_eq}, {"ne", l_ne}, {"gt", l_gt},
                                           {"lt", l_lt}, {"ge", l_ge}, {"le", l_le}, {NULL, NULL}};
    luaL_setfuncs(L, comparisons, 0);
}
