/* Reductions: sum, mean, std (population), max, min, argmax, argmin.
 * Without a dim they return a Lua number (an integer for int32 and uint8 sum/max/min
 * and for argmax/argmin); with a dim, a tensor without that dim.  argmax and
 * argmin give 1-based positions. */
#include "../engine/core/error.h"
#include "../engine/ops/reduce.h"
#include "ember_modules.h"
#include "lua_tensor.h"

static int reduce(lua_State *L, em_reduce_op op) {
    const char *fn = em_reduce_name(op);
    em_tensor *a = lt_check_any(L, 1, fn, "self");
    int is_arg = op == EM_RED_ARGMAX || op == EM_RED_ARGMIN;
    if (lua_isnoneornil(L, 2)) {
        double r;
        if (em_reduce_all(a, op, &r)) return lt_raise(L);
        if (is_arg) lua_pushinteger(L, (lua_Integer)r + 1);
        else if (em_reduce_dtype(op, a->dtype) == EM_INT32) lua_pushinteger(L, (lua_Integer)r);
        else lua_pushnumber(L, r);
        return 1;
    }
    if (a->ndim == 0) return luaL_error(L, "%s: a 0-d tensor has no dimensions", fn);
    int64_t d = lt_check_int(L, 2, fn, "dim", -a->ndim, a->ndim);
    if (d == 0) return luaL_error(L, "%s: argument 'dim' must be in [1, %d] or [-%d, -1], got 0", fn, a->ndim, a->ndim);
    em_tensor *out = lt_new(L);
    if (em_reduce_dim(out, a, op, (int)(d < 0 ? a->ndim + d : d - 1))) return lt_raise(L);
    if (is_arg) {
        int32_t *p = em_i32(out);
        for (int64_t i = 0, n = em_numel(out); i < n; i++) p[i] += 1;
    }
    return 1;
}

static int l_sum(lua_State *L) { return reduce(L, EM_RED_SUM); }
static int l_mean(lua_State *L) { return reduce(L, EM_RED_MEAN); }
static int l_std(lua_State *L) { return reduce(L, EM_RED_STD); }
static int l_max(lua_State *L) { return reduce(L, EM_RED_MAX); }
static int l_min(lua_State *L) { return reduce(L, EM_RED_MIN); }
static int l_argmax(lua_State *L) { return reduce(L, EM_RED_ARGMAX); }
static int l_argmin(lua_State *L) { return reduce(L, EM_RED_ARGMIN); }

/// @api Tensor:sum([dim]) -> Tensor|number
/// Sum over dim (kept out of the shape), or over all elements as a number.
/// int32 stays int32 (an overflow is an error); uint8 sums to int32, as numpy upcasts it.
/// @arg dim: the dimension (negative counts from the end)

/// @api Tensor:mean([dim]) -> Tensor|number
/// Mean over dim, or over all elements.
/// @arg dim: the dimension

/// @api Tensor:std([dim]) -> Tensor|number
/// Population standard deviation (numpy's ddof = 0) over dim or all elements.
/// @arg dim: the dimension

/// @api Tensor:max([dim]) -> Tensor|number
/// Maximum over dim, or over all elements.
/// @arg dim: the dimension

/// @api Tensor:min([dim]) -> Tensor|number
/// Minimum over dim, or over all elements.
/// @arg dim: the dimension

/// @api Tensor:argmax([dim]) -> Tensor|integer
/// 1-based index of the maximum along dim, or in the flattened tensor.
/// @arg dim: the dimension

/// @api Tensor:argmin([dim]) -> Tensor|integer
/// 1-based index of the minimum along dim, or in the flattened tensor.
/// @arg dim: the dimension

void ember_open_tensor_reduce(lua_State *L) {
    static const luaL_Reg methods[] = {{"sum", l_sum}, {"mean", l_mean},     {"std", l_std},
                                       {"max", l_max}, {"min", l_min},       {"argmax", l_argmax},
                                       {"argmin", l_argmin}, {NULL, NULL}};
    lt_register_methods(L, methods);
}
