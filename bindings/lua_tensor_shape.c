/* Views and shape ops on tensors: narrow, select, sub, transpose, t,
 * reshape, view, squeeze, unsqueeze, flip, index (methods) and ember.cat,
 * ember.stack.  Dims and indices are 1-based; a negative dim counts from the
 * end (-1 is the last dim), as in numpy and torch. */
#include <string.h>

#include "../engine/core/error.h"
#include "../engine/ops/shape.h"
#include "ember_modules.h"
#include "lua_guard.h"
#include "lua_tensor.h"

/* A dim argument in [1, ndim] or [-ndim, -1]; returns it 0-based.  extra = 1
 * allows one past the end (unsqueeze, stack). */
static int check_dim(lua_State *L, int idx, const char *fn, int ndim, int extra) {
    int n = ndim + extra;
    if (n == 0) return luaL_error(L, "%s: a 0-d tensor has no dimensions", fn);
    int64_t d = lt_check_int(L, idx, fn, "dim", -n, n);
    if (d == 0) return luaL_error(L, "%s: argument 'dim' must be in [1, %d] or [-%d, -1], got 0", fn, n, n);
    return (int)(d < 0 ? n + d : d - 1);
}

static int opt_dim(lua_State *L, int idx, const char *fn, int ndim, int extra, int def) {
    return lua_isnoneornil(L, idx) ? def : check_dim(L, idx, fn, ndim, extra);
}

/* An index argument in [1, size] or [-size, -1]; returns it 0-based. */
static int64_t check_index(lua_State *L, int idx, const char *fn, const char *arg, int64_t size) {
    int64_t i = lt_check_int(L, idx, fn, arg, INT64_MIN, INT64_MAX);
    if (i < 0) i += size + 1;
    if (i < 1 || i > size)
        return luaL_error(L, "%s: argument '%s' = %I out of range for a dimension of size %I", fn, arg,
                          (lua_Integer)lua_tointeger(L, idx), (lua_Integer)size);
    return i - 1;
}

static int l_narrow(lua_State *L) {
    const char *fn = "narrow";
    em_tensor *t = lt_check_any(L, 1, fn, "self");
    int dim = check_dim(L, 2, fn, t->ndim, 0);
    /* 1-based, negative from the end as every index (-1: the last entry);
     * start = size + 1 with length 0 is the empty view at the end */
    int64_t size = t->shape[dim];
    int64_t start = lt_check_int(L, 3, fn, "start", INT64_MIN, INT64_MAX);
    if (start == 0 || start < -size)
        return luaL_error(L, "%s: argument 'start' = %I out of range for a dimension of size %I (1-based; -1 is the last)",
                          fn, (lua_Integer)start, (lua_Integer)size);
    if (start < 0) start += size + 1;
    int64_t len = lt_check_int(L, 4, fn, "length", 0, INT64_MAX);
    em_tensor *out = lt_new(L);
    if (em_narrow(out, t, dim, start - 1, len)) return lt_raise(L);
    return 1;
}

static int l_select(lua_State *L) {
    const char *fn = "select";
    em_tensor *t = lt_check_any(L, 1, fn, "self");
    int dim = check_dim(L, 2, fn, t->ndim, 0);
    int64_t i = check_index(L, 3, fn, "index", t->shape[dim]);
    em_tensor *out = lt_new(L);
    if (em_select(out, t, dim, i)) return lt_raise(L);
    return 1;
}

/* sub(from, to): rows from..to (inclusive) along dim 1, as Torch7. */
static int l_sub(lua_State *L) {
    const char *fn = "sub";
    em_tensor *t = lt_check_any(L, 1, fn, "self");
    if (t->ndim == 0) return luaL_error(L, "sub: a 0-d tensor has no rows");
    int64_t n = t->shape[0];
    int64_t from = check_index(L, 2, fn, "from", n);
    int64_t to = check_index(L, 3, fn, "to", n);
    if (to < from) return luaL_error(L, "sub: argument 'to' (%I) is before 'from' (%I)", (lua_Integer)to + 1, (lua_Integer)from + 1);
    em_tensor *out = lt_new(L);
    if (em_narrow(out, t, 0, from, to - from + 1)) return lt_raise(L);
    return 1;
}

static int l_transpose(lua_State *L) {
    const char *fn = "transpose";
    em_tensor *t = lt_check_any(L, 1, fn, "self");
    int d1 = check_dim(L, 2, fn, t->ndim, 0);
    int d2 = check_dim(L, 3, fn, t->ndim, 0);
    em_tensor *out = lt_new(L);
    if (em_transpose(out, t, d1, d2)) return lt_raise(L);
    return 1;
}

/* t(): the transpose of a 2-D tensor. */
static int l_t(lua_State *L) {
    em_tensor *t = lt_check_any(L, 1, "t", "self");
    if (t->ndim != 2) return luaL_error(L, "t: expected a 2-D tensor, got %d dimensions", t->ndim);
    em_tensor *out = lt_new(L);
    if (em_transpose(out, t, 0, 1)) return lt_raise(L);
    return 1;
}

/* A target shape: a table {2, -1} or the numbers themselves (2, -1); one -1
 * may be inferred. */
static int read_target_shape(lua_State *L, const char *fn, int64_t *shape) {
    int top = lua_gettop(L), table = lua_istable(L, 2) && !lt_test(L, 2);
    if (!table && lua_type(L, 2) != LUA_TNUMBER) return lt_argerror(L, 2, fn, "shape", "a shape table such as {2, -1}");
    lua_Integer n = table ? luaL_len(L, 2) : top - 1;
    if (n > EM_MAX_DIMS) return luaL_error(L, "%s: argument 'shape' has %I dimensions, at most %d are supported", fn, n, EM_MAX_DIMS);
    for (lua_Integer i = 1; i <= n; i++) {
        if (table) lua_geti(L, 2, i); else lua_pushvalue(L, (int)i + 1);
        int isnum = 0;
        lua_Integer v = lua_tointegerx(L, -1, &isnum);
        if (!isnum || v < -1)
            return luaL_error(L, "%s: argument 'shape' entry %I must be a non-negative integer or -1, got %s", fn, i,
                              lua_type(L, -1) == LUA_TNUMBER || lua_type(L, -1) == LUA_TSTRING
                                  ? lua_tostring(L, -1) : luaL_typename(L, -1));
        shape[i - 1] = v;
        lua_pop(L, 1);
    }
    return (int)n;
}

static int reshape_like(lua_State *L, const char *fn, int (*op)(em_tensor *, const em_tensor *, int, const int64_t *)) {
    em_tensor *t = lt_check_any(L, 1, fn, "self");
    int64_t shape[EM_MAX_DIMS];
    int n = read_target_shape(L, fn, shape);
    em_tensor *out = lt_new(L);
    if (op(out, t, n, shape)) return lt_raise(L);
    return 1;
}
static int l_reshape(lua_State *L) { return reshape_like(L, "reshape", em_reshape); }
static int l_view(lua_State *L) { return reshape_like(L, "view", em_view); }

static int l_squeeze(lua_State *L) {
    em_tensor *t = lt_check_any(L, 1, "squeeze", "self");
    int dim = opt_dim(L, 2, "squeeze", t->ndim, 0, -1);
    em_tensor *out = lt_new(L);
    if (em_squeeze(out, t, dim)) return lt_raise(L);
    return 1;
}

static int l_unsqueeze(lua_State *L) {
    em_tensor *t = lt_check_any(L, 1, "unsqueeze", "self");
    int dim = check_dim(L, 2, "unsqueeze", t->ndim, 1);
    em_tensor *out = lt_new(L);
    if (em_unsqueeze(out, t, dim)) return lt_raise(L);
    return 1;
}

/* flip(dim): reversed copy along dim; flip() reverses every dim (numpy). */
static int l_flip(lua_State *L) {
    em_tensor *t = lt_check_any(L, 1, "flip", "self");
    int dim = opt_dim(L, 2, "flip", t->ndim, 0, -1);
    em_tensor *out = lt_new(L);
    if (em_flip(out, t, dim)) return lt_raise(L);
    return 1;
}

/* index(dim, indices): indices is a 1-D int32 tensor or a Lua list of
 * integers, 1-based. */
static int l_index(lua_State *L) {
    const char *fn = "index";
    em_tensor *t = lt_check_any(L, 1, fn, "self");
    int dim = check_dim(L, 2, fn, t->ndim, 0);
    em_tensor *idx = lt_test(L, 3);
    if (!idx && lua_istable(L, 3)) {
        int64_t n = (int64_t)luaL_len(L, 3);
        lua_settop(L, 3);
        idx = lt_new(L);  /* collected with the call's stack */
        if (em_tensor_alloc(idx, EM_INT32, 1, &n)) return lt_raise(L);
        for (int64_t i = 0; i < n; i++) {
            lua_geti(L, 3, i + 1);
            em_i32(idx)[i] = (int32_t)lt_check_int(L, -1, fn, "indices", INT32_MIN, INT32_MAX);
            lua_pop(L, 1);
        }
    } else {
        idx = lt_check_dtype(L, 3, fn, "indices", EM_INT32);
        if (idx->ndim != 1) return lt_argerror(L, 3, fn, "indices", "a 1-D int32 tensor");
    }
    em_tensor *out = lt_new(L);
    if (em_index(out, t, dim, idx, 1)) return lt_raise(L);
    return 1;
}

/* Reads a Lua list of tensors at idx into a userdata-held pointer array. */
static const em_tensor **check_list(lua_State *L, int idx, const char *fn, int *n) {
    if (!lua_istable(L, idx) || lt_test(L, idx)) { lt_argerror(L, idx, fn, "tensors", "a list of tensors"); return NULL; }
    lua_Integer len;
    int anchor = lg_anchor_list(L, idx, fn, "tensors", 1 << 20, &len);  /* holds every entry while we point at it */
    if (len < 1) { luaL_error(L, "%s: argument 'tensors' is an empty list", fn); return NULL; }
    const em_tensor **list = lua_newuserdatauv(L, sizeof(*list) * (size_t)len, 0);
    for (lua_Integer i = 1; i <= len; i++) {
        lua_rawgeti(L, anchor, i);
        em_tensor *t = lt_test(L, -1);
        if (!t || !t->storage) {
            luaL_error(L, "%s: entry %I of argument 'tensors' expected a tensor, got %s", fn, i, luaL_typename(L, -1));
            return NULL;
        }
        list[i - 1] = t;  /* kept alive by the anchor table */
        lua_pop(L, 1);
    }
    *n = (int)len;
    return list;
}

static int l_cat(lua_State *L) {
    int n;
    lua_settop(L, 2);  /* the list's pointer array goes above the arguments */
    const em_tensor **list = check_list(L, 1, "cat", &n);
    int dim = opt_dim(L, 2, "cat", list[0]->ndim, 0, 0);
    em_tensor *out = lt_new(L);
    if (em_cat(out, list, n, dim)) return lt_raise(L);
    return 1;
}

static int l_stack(lua_State *L) {
    int n;
    lua_settop(L, 2);
    const em_tensor **list = check_list(L, 1, "stack", &n);
    int dim = opt_dim(L, 2, "stack", list[0]->ndim, 1, 0);
    em_tensor *out = lt_new(L);
    if (em_stack(out, list, n, dim)) return lt_raise(L);
    return 1;
}

/// @api ember.cat(list, dim) -> Tensor
/// Concatenates tensors along an existing dimension.
/// @arg list: a list of tensors of equal shapes except along dim
/// @arg dim = 1: the dimension

/// @api ember.stack(list, dim) -> Tensor
/// Stacks tensors of one shape along a new dimension.
/// @arg list: a list of tensors of one shape
/// @arg dim = 1: where the new dimension goes

/// @api Tensor:narrow(dim, start, len) -> Tensor
/// A view of len entries of dimension dim from start.
/// @arg dim: the dimension
/// @arg start: first index (1-based; negative counts from the end, -1 the last)
/// @arg len: how many

/// @api Tensor:select(dim, index) -> Tensor
/// A view with dimension dim fixed at index (that dimension removed).
/// @arg dim: the dimension
/// @arg index: the index (negative counts from the end)

/// @api Tensor:transpose(d1, d2) -> Tensor
/// A view with dimensions d1 and d2 swapped.
/// @arg d1: a dimension
/// @arg d2: another dimension

/// @api Tensor:t() -> Tensor
/// The transpose of a 2-D tensor (a view).

/// @api Tensor:reshape(shape) -> Tensor
/// The same elements in a new shape (a view when contiguous, else a copy); one -1 is inferred.
/// @arg shape: a table or the sizes as numbers

/// @api Tensor:view(shape) -> Tensor
/// A view in a new shape; the tensor must be contiguous.
/// @arg shape: a table or the sizes as numbers

/// @api Tensor:squeeze([dim]) -> Tensor
/// Removes dimensions of size 1 (or only dim).
/// @arg dim: the dimension

/// @api Tensor:unsqueeze(dim) -> Tensor
/// Inserts a dimension of size 1 at dim.
/// @arg dim: the position

/// @api Tensor:flip(dim) -> Tensor
/// A copy with the order along dim reversed.
/// @arg dim: the dimension

/// @api Tensor:index(dim, indices) -> Tensor
/// Gathers the entries of dimension dim at the given 1-based indices.
/// @arg dim: the dimension
/// @arg indices: an int32 tensor or a list of indices

void ember_open_tensor_shape(lua_State *L) {
    static const luaL_Reg methods[] = {
        {"narrow", l_narrow}, {"select", l_select}, {"sub", l_sub}, {"transpose", l_transpose},
        {"t", l_t}, {"reshape", l_reshape}, {"view", l_view}, {"squeeze", l_squeeze},
        {"unsqueeze", l_unsqueeze}, {"flip", l_flip}, {"index", l_index}, {NULL, NULL}};
    static const luaL_Reg functions[] = {{"cat", l_cat}, {"stack", l_stack}, {NULL, NULL}};
    lt_register_methods(L, methods);
    luaL_setfuncs(L, functions, 0);
}
