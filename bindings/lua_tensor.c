/* Tensor userdata: creation, argument checking helpers, element access,
 * indexing and conversion to and from Lua tables.  Math, shape ops and
 * file I/O register their methods from their own binding files. */
#include "lua_tensor.h"
#include "lua_guard.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../engine/core/error.h"
#include "../engine/core/random.h"
#include "../engine/ops/sample.h"
#include "../engine/ops/shape.h"

/* ---- helpers shared by every binding file ---- */

static int tensor_gc(lua_State *L) {
    em_tensor *t = luaL_checkudata(L, 1, EMBER_TENSOR_MT);
    em_tensor_release(t);
    return 0;
}

/* Lua's collector only sees the small userdata; tell it about the storage
 * allocated since the last call (at least 1 MiB at a time), so loops that
 * make big temporaries collect them instead of growing without bound (100
 * iterations of y = x + x on 40 MB tensors reached 4 GB without this, and
 * stay at about 130 MB with it). */
static void account_storage(lua_State *L) {
    static size_t pending;
    pending += em_storage_take_allocated();
    if (pending < ((size_t)1 << 20)) return;
    size_t kb = pending >> 10;
    pending = 0;
    lua_gc(L, LUA_GCSTEP, kb > INT32_MAX ? INT32_MAX : (int)kb);
}

em_tensor *lt_new(lua_State *L) {
    account_storage(L);
    em_tensor *t = lua_newuserdatauv(L, sizeof(em_tensor), 0);
    memset(t, 0, sizeof *t);
    luaL_setmetatable(L, EMBER_TENSOR_MT);
    return t;
}

em_tensor *lt_push_view(lua_State *L, const em_tensor *src) {
    em_tensor *t = lt_new(L);
    em_tensor_view(t, src);
    return t;
}

em_tensor *lt_test(lua_State *L, int idx) { return luaL_testudata(L, idx, EMBER_TENSOR_MT); }

static const char *describe(lua_State *L, int idx) {
    if (lt_test(L, idx)) {
        em_tensor *t = lt_test(L, idx);
        char buf[160];
        return lua_pushfstring(L, "%s tensor %s", em_dtype_name(t->dtype), em_tensor_shape_str(t, buf, sizeof buf));
    }
    if (lua_type(L, idx) == LUA_TNUMBER) {
        lua_Number v = lua_tonumber(L, idx);
        if (v != v) return "NaN";
        return lua_pushfstring(L, "%s", lua_tostring(L, idx));  /* number as written */
    }
    return luaL_typename(L, idx);
}

int lt_argerror(lua_State *L, int idx, const char *fn, const char *arg, const char *expected) {
    return luaL_error(L, "%s: argument '%s' expected %s, got %s", fn, arg, expected, describe(L, idx));
}

em_tensor *lt_check_any(lua_State *L, int idx, const char *fn, const char *arg) {
    em_tensor *t = lt_test(L, idx);
    if (!t) lt_argerror(L, idx, fn, arg, "a tensor");
    if (!t->storage) luaL_error(L, "%s: argument '%s' is an empty tensor", fn, arg);
    return t;
}

em_tensor *lt_check(lua_State *L, int idx, const char *fn, const char *arg) {
    em_tensor *t = lt_check_any(L, idx, fn, arg);
    if (t->dtype == EM_UINT8)
        luaL_error(L, "%s: uint8 tensors are not supported (argument '%s'); convert with :float()", fn, arg);
    return t;
}

em_tensor *lt_check_input(lua_State *L, int idx, const char *fn, const char *arg) {
    em_tensor *t = lt_check_any(L, idx, fn, arg);
    if (t->dtype != EM_UINT8) return t;
    idx = lua_absindex(L, idx);
    em_tensor *f = lt_new(L);
    if (em_tensor_convert(f, t, EM_FLOAT32)) lt_raise(L);
    lua_replace(L, idx);  /* the float32 copy takes the argument's place (and stays alive there) */
    return f;
}

em_tensor *lt_check_dtype(lua_State *L, int idx, const char *fn, const char *arg, em_dtype dtype) {
    em_tensor *t = lt_test(L, idx);
    if (!t || t->dtype != dtype)
        lt_argerror(L, idx, fn, arg, dtype == EM_INT32 ? "an int32 tensor" : dtype == EM_UINT8 ? "a uint8 tensor" : "a float32 tensor");
    return lt_check_any(L, idx, fn, arg);
}

int lt_raise(lua_State *L) { return luaL_error(L, "%s", em_error()); }

int64_t lt_check_int(lua_State *L, int idx, const char *fn, const char *arg, int64_t lo, int64_t hi) {
    int isnum = 0;
    lua_Integer v = lua_tointegerx(L, idx, &isnum);
    if (!isnum) {
        if (lua_type(L, idx) == LUA_TNUMBER) {
            double d = lua_tonumber(L, idx);
            if (d != d) return luaL_error(L, "%s: argument '%s' expected an integer, got NaN", fn, arg);
        }
        return lt_argerror(L, idx, fn, arg, "an integer");
    }
    if (v < lo || v > hi) {
        if (hi == INT64_MAX)
            return luaL_error(L, "%s: argument '%s' must be >= %I, got %I", fn, arg, (lua_Integer)lo, v);
        return luaL_error(L, "%s: argument '%s' must be in [%I, %I], got %I", fn, arg, (lua_Integer)lo,
                          (lua_Integer)hi, v);
    }
    return v;
}

/* The one rule for a Lua number going into an int32 tensor, on every path
 * (ember.tensor, full, arange, set, fill_, t[i] = v): an integer in int32's
 * range, else an error naming the function (NaN and 3e9 included). */
int32_t lt_check_int32(lua_State *L, const char *fn, double v) {
    if (!(v >= -2147483648.0 && v <= 2147483647.0)) luaL_error(L, "%s: value %f does not fit in int32", fn, v);
    if (v != floor(v)) luaL_error(L, "%s: value %f is not an integer (an int32 tensor holds integers)", fn, v);
    return (int32_t)v;
}

/* The one rule for a Lua number going into a uint8 tensor (ember.tensor,
 * full, set, fill_, t[i] = v): an integer in 0 .. 255 (NaN, -1, 256 and 0.5
 * refused); with only_01 (dtype "bool") 0 or 1. */
uint8_t lt_check_uint8(lua_State *L, const char *fn, double v, int only_01) {
    if (only_01 && v != 0 && v != 1) luaL_error(L, "%s: value %f is not 0 or 1 (a bool tensor holds 0 and 1)", fn, v);
    if (!(v >= 0 && v <= 255)) luaL_error(L, "%s: value %f does not fit in uint8 (integers 0 .. 255)", fn, v);
    if (v != floor(v)) luaL_error(L, "%s: value %f is not an integer (a uint8 tensor holds integers 0 .. 255)", fn, v);
    return (uint8_t)v;
}

static void check_value(lua_State *L, const char *fn, const em_tensor *t, double v) {
    switch (t->dtype) {
    case EM_INT32: lt_check_int32(L, fn, v); break;
    case EM_UINT8: lt_check_uint8(L, fn, v, 0); break;
    case EM_FLOAT32: break;
    }
}

const char *lt_check_path(lua_State *L, int idx, const char *fn, const char *arg) {
    if (lua_type(L, idx) != LUA_TSTRING) lt_argerror(L, idx, fn, arg, "a string");
    size_t len;
    const char *path = lua_tolstring(L, idx, &len);
    const char *nul = memchr(path, '\0', len);
    if (nul)
        luaL_error(L, "%s: argument '%s' contains a NUL byte (at byte %d); a path cannot", fn, arg, (int)(nul - path) + 1);
    return path;
}

double lt_check_number(lua_State *L, int idx, const char *fn, const char *arg) {
    if (lua_type(L, idx) != LUA_TNUMBER) lt_argerror(L, idx, fn, arg, "a number");
    return lua_tonumber(L, idx);
}

int lt_check_shape(lua_State *L, int idx, const char *fn, const char *arg, int *ndim, int64_t *shape) {
    if (!lua_istable(L, idx) || lt_test(L, idx)) return lt_argerror(L, idx, fn, arg, "a shape table such as {2, 3}");
    lua_Integer n = luaL_len(L, idx);
    if (n > EM_MAX_DIMS)
        return luaL_error(L, "%s: argument '%s' has %I dimensions, at most %d are supported", fn, arg, n, EM_MAX_DIMS);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, idx, i);
        int isnum = 0;
        lua_Integer v = lua_tointegerx(L, -1, &isnum);
        if (!isnum || v < 0)
            return luaL_error(L, "%s: argument '%s' entry %I must be a non-negative integer, got %s", fn, arg, i,
                              describe(L, -1));
        shape[i - 1] = v;
        lua_pop(L, 1);
    }
    *ndim = (int)n;
    /* Refuse impossible sizes here, naming the function and the argument
     * (the engine would refuse them too, as "tensor: ..."). */
    double numel = 1, strided = 1;  /* strided: the non-zero dims, as the engine bounds them */
    for (int i = 0; i < *ndim; i++) {
        numel *= (double)shape[i];
        if (shape[i] > 0) strided *= (double)shape[i];
    }
    char buf[160];
    em_shape_str(buf, sizeof buf, *ndim, shape);
    if (strided > (double)EM_MAX_NUMEL)
        return luaL_error(L, "%s: argument '%s' %s has more than %I elements", fn, arg, buf, (lua_Integer)EM_MAX_NUMEL);
    char what[200];
    snprintf(what, sizeof what, "argument '%s' %s", arg, buf);
    if (em_check_memory(fn, what, numel * 4)) return lt_raise(L);
    return 0;
}

/* Pushes opts[key] (or nil) and returns its type. */
static int opt_field(lua_State *L, int idx, const char *fn, const char *key) {
    if (lua_isnoneornil(L, idx)) { lua_pushnil(L); return LUA_TNIL; }
    if (!lua_istable(L, idx) || lt_test(L, idx))
        luaL_error(L, "%s: options must be a table such as {%s = ...}, got %s", fn, key, describe(L, idx));
    return lua_getfield(L, idx, key);
}

int64_t lt_opt_int(lua_State *L, int idx, const char *fn, const char *key, int64_t def, int64_t lo, int64_t hi) {
    idx = lua_absindex(L, idx);
    if (opt_field(L, idx, fn, key) == LUA_TNIL) { lua_pop(L, 1); return def; }
    int isnum = 0;
    lua_Integer v = lua_tointegerx(L, -1, &isnum);
    if (!isnum) luaL_error(L, "%s: option '%s' expected an integer, got %s", fn, key, describe(L, -1));
    if (v < lo || v > hi)
        luaL_error(L, "%s: option '%s' must be in [%I, %I], got %I", fn, key, (lua_Integer)lo, (lua_Integer)hi, v);
    lua_pop(L, 1);
    return v;
}

double lt_opt_number(lua_State *L, int idx, const char *fn, const char *key, double def) {
    idx = lua_absindex(L, idx);
    if (opt_field(L, idx, fn, key) == LUA_TNIL) { lua_pop(L, 1); return def; }
    if (lua_type(L, -1) != LUA_TNUMBER) luaL_error(L, "%s: option '%s' expected a number, got %s", fn, key, describe(L, -1));
    double v = lua_tonumber(L, -1);
    if (v != v) luaL_error(L, "%s: option '%s' expected a number, got NaN", fn, key);
    lua_pop(L, 1);
    return v;
}

int lt_opt_bool(lua_State *L, int idx, const char *fn, const char *key, int def) {
    idx = lua_absindex(L, idx);
    if (opt_field(L, idx, fn, key) == LUA_TNIL) { lua_pop(L, 1); return def; }
    if (!lua_isboolean(L, -1)) luaL_error(L, "%s: option '%s' expected a boolean, got %s", fn, key, describe(L, -1));
    int v = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

const char *lt_opt_string(lua_State *L, int idx, const char *fn, const char *key, const char *def) {
    idx = lua_absindex(L, idx);
    if (opt_field(L, idx, fn, key) == LUA_TNIL) { lua_pop(L, 1); return def; }
    if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "%s: option '%s' expected a string, got %s", fn, key, describe(L, -1));
    const char *s = lua_tostring(L, -1);
    lua_pop(L, 1);  /* the string stays alive: it is anchored in the options table */
    return s;
}

int lt_opt_choice(lua_State *L, int idx, const char *fn, const char *key, const char *def,
                  const char *const choices[]) {
    const char *s = lt_opt_string(L, idx, fn, key, def);
    for (int i = 0; choices[i]; i++)
        if (strcmp(s, choices[i]) == 0) return i;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 0; choices[i]; i++) {
        if (i) luaL_addstring(&b, ", ");
        luaL_addchar(&b, '"');
        luaL_addstring(&b, choices[i]);
        luaL_addchar(&b, '"');
    }
    luaL_pushresult(&b);
    return luaL_error(L, "%s: option '%s' must be one of %s, got \"%s\"", fn, key, lua_tostring(L, -1), s);
}

em_dtype lt_opt_dtype(lua_State *L, int idx, const char *fn, em_dtype def) {
    static const char *const names[] = {"float32", "int32", NULL};
    return (em_dtype)lt_opt_choice(L, idx, fn, "dtype", def == EM_INT32 ? "int32" : "float32", names);
}

em_dtype lt_opt_dtype_u8(lua_State *L, int idx, const char *fn, em_dtype def, int *is_bool) {
    static const char *const names[] = {"float32", "int32", "uint8", "bool", NULL};
    int k = lt_opt_choice(L, idx, fn, "dtype", em_dtype_name(def), names);
    if (is_bool) *is_bool = k == 3;
    return k == 3 ? EM_UINT8 : (em_dtype)k;
}

/* ---- construction ---- */

/* Walk a nested Lua table once to find its shape; every row must agree. */
static void table_shape(lua_State *L, int idx, const char *fn, int depth, int *ndim, int64_t *shape) {
    lua_Integer n = luaL_len(L, idx);
    if (depth >= EM_MAX_DIMS) luaL_error(L, "%s: nested tables deeper than %d", fn, EM_MAX_DIMS);
    if (depth == *ndim) {
        shape[depth] = n;
        (*ndim)++;
    } else if (shape[depth] != n) {
        luaL_error(L, "%s: ragged nested table: a row of length %I where %I was expected", fn, n, (lua_Integer)shape[depth]);
    }
    if (n == 0) return;
    lua_geti(L, idx, 1);
    if (lua_istable(L, -1)) table_shape(L, lua_gettop(L), fn, depth + 1, ndim, shape);
    lua_pop(L, 1);
}

static void table_fill(lua_State *L, int idx, const char *fn, em_tensor *t, int depth, int64_t *pos, int only_01) {
    lua_Integer n = luaL_len(L, idx);
    if (n != t->shape[depth])
        luaL_error(L, "%s: ragged nested table: a row of length %I where %I was expected", fn, n, (lua_Integer)t->shape[depth]);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, idx, i);
        if (depth + 1 < t->ndim) {
            if (!lua_istable(L, -1)) luaL_error(L, "%s: ragged nested table: expected a row, got %s", fn, luaL_typename(L, -1));
            table_fill(L, lua_gettop(L), fn, t, depth + 1, pos, only_01);
        } else {
            if (lua_type(L, -1) != LUA_TNUMBER && lua_type(L, -1) != LUA_TBOOLEAN)
                luaL_error(L, "%s: table entries must be numbers, got %s", fn, luaL_typename(L, -1));
            double v = lua_isboolean(L, -1) ? lua_toboolean(L, -1) : lua_tonumber(L, -1);
            switch (t->dtype) {
            case EM_FLOAT32: em_f32(t)[*pos] = (float)v; break;
            case EM_INT32: em_i32(t)[*pos] = lt_check_int32(L, fn, v); break;
            case EM_UINT8: em_u8(t)[*pos] = lt_check_uint8(L, fn, v, only_01); break;
            }
            (*pos)++;
        }
        lua_pop(L, 1);
    }
}

/* Push src converted to dt.  Into uint8 every value must already be an
 * integer in 0 .. 255 (0 or 1 with only_01, the "bool" dtype): the first
 * one that is not is named, rather than wrapped or clamped in silence. */
static int push_converted(lua_State *L, const char *fn, const em_tensor *src, em_dtype dt, int only_01) {
    if (dt == EM_UINT8 && (src->dtype != EM_UINT8 || only_01)) {
        int64_t at;
        double bad;
        if (em_tensor_find_outside(src, 0, only_01 ? 1 : 255, &at, &bad))
            return luaL_error(L, "%s: value %f at flat position %I is not %s", fn, bad, (lua_Integer)at + 1,
                              only_01 ? "0 or 1 (a bool tensor holds 0 and 1)" : "an integer in 0 .. 255 (uint8)");
    }
    em_tensor *t = lt_new(L);
    if (em_tensor_convert(t, src, dt)) return lt_raise(L);
    return 1;
}

/* ember.tensor(nested_table | number | tensor, {dtype = ...}) */
static int l_tensor(lua_State *L) {
    const char *fn = "tensor";
    em_tensor *src = lt_test(L, 1);
    int only_01 = 0;
    if (src) {
        em_dtype dt = lt_opt_dtype_u8(L, 2, fn, src->dtype, &only_01);
        return push_converted(L, fn, lt_check_any(L, 1, fn, "data"), dt, only_01);
    }
    em_dtype dt = lt_opt_dtype_u8(L, 2, fn, EM_FLOAT32, &only_01);
    if (lua_type(L, 1) == LUA_TNUMBER) {
        em_tensor *t = lt_new(L);
        if (em_tensor_alloc(t, dt, 0, NULL)) return lt_raise(L);
        check_value(L, fn, t, lua_tonumber(L, 1));
        if (only_01) lt_check_uint8(L, fn, lua_tonumber(L, 1), 1);
        em_tensor_fill(t, lua_tonumber(L, 1));
        return 1;
    }
    if (!lua_istable(L, 1)) return lt_argerror(L, 1, fn, "data", "a nested table of numbers, a number or a tensor");
    int ndim = 0;
    int64_t shape[EM_MAX_DIMS];
    table_shape(L, 1, fn, 0, &ndim, shape);
    em_tensor *t = lt_new(L);
    if (em_tensor_alloc(t, dt, ndim, shape)) return lt_raise(L);
    int64_t pos = 0;
    table_fill(L, 1, fn, t, 0, &pos, only_01);
    return 1;
}

/* Shared front of zeros/ones/full/rand/randn: shape at idx, options at idx+1. */
static em_tensor *new_shaped(lua_State *L, const char *fn, int idx, em_dtype def, int *only_01) {
    int ndim;
    int64_t shape[EM_MAX_DIMS];
    lt_check_shape(L, idx, fn, "shape", &ndim, shape);
    em_dtype dt = lt_opt_dtype_u8(L, idx + 1, fn, def, only_01);
    em_tensor *t = lt_new(L);
    if (em_tensor_alloc(t, dt, ndim, shape)) lt_raise(L);
    return t;
}

static int l_zeros(lua_State *L) { new_shaped(L, "zeros", 1, EM_FLOAT32, NULL); return 1; }

static int l_ones(lua_State *L) {
    em_tensor *t = new_shaped(L, "ones", 1, EM_FLOAT32, NULL);
    em_tensor_fill(t, 1.0);
    return 1;
}

static int l_full(lua_State *L) {
    double v = lt_check_number(L, 2, "full", "value");
    lua_pushvalue(L, 3);
    lua_replace(L, 2);  /* options move next to the shape */
    int only_01 = 0;
    em_tensor *t = new_shaped(L, "full", 1, EM_FLOAT32, &only_01);
    check_value(L, "full", t, v);
    if (only_01) lt_check_uint8(L, "full", v, 1);
    em_tensor_fill(t, v);
    return 1;
}

static int l_rand(lua_State *L) {
    em_tensor *t = new_shaped(L, "rand", 1, EM_FLOAT32, NULL);
    if (t->dtype != EM_FLOAT32) return luaL_error(L, "rand: option 'dtype' must be float32");
    float *p = em_f32(t);
    for (int64_t i = 0, n = em_numel(t); i < n; i++) p[i] = em_rand_uniform();
    return 1;
}

static int l_randn(lua_State *L) {
    em_tensor *t = new_shaped(L, "randn", 1, EM_FLOAT32, NULL);
    if (t->dtype != EM_FLOAT32) return luaL_error(L, "randn: option 'dtype' must be float32");
    float *p = em_f32(t);
    for (int64_t i = 0, n = em_numel(t); i < n; i++) p[i] = (float)em_rand_normal();
    return 1;
}

/* ember.randint(low, high, shape): inclusive bounds, int32. */
static int l_randint(lua_State *L) {
    int64_t lo = lt_check_int(L, 1, "randint", "low", INT32_MIN, INT32_MAX);
    int64_t hi = lt_check_int(L, 2, "randint", "high", INT32_MIN, INT32_MAX);
    if (hi < lo) return luaL_error(L, "randint: high (%I) is below low (%I)", (lua_Integer)hi, (lua_Integer)lo);
    lua_pushnil(L);
    lua_insert(L, 4);
    em_tensor *t = new_shaped(L, "randint", 3, EM_INT32, NULL);
    if (t->dtype != EM_INT32) return luaL_error(L, "randint: option 'dtype' must be int32");
    int32_t *p = em_i32(t);
    uint64_t span = (uint64_t)(hi - lo) + 1;
    for (int64_t i = 0, n = em_numel(t); i < n; i++) p[i] = (int32_t)(lo + (int64_t)em_rand_below(span));
    return 1;
}

/* ember.sample(probs[, temperature]): probs a float32 tensor (1-D: one
 * distribution -> a 1-based index; 2-D: one per row -> int32 tensor of
 * 1-based indices) or a Lua list of numbers (-> a 1-based index). */
static int l_sample(lua_State *L) {
    const char *fn = "sample";
    double temperature = lua_isnoneornil(L, 2) ? 1.0 : lt_check_number(L, 2, fn, "temperature");
    em_tensor *probs = lt_test(L, 1);
    if (!probs) {
        if (!lua_istable(L, 1)) return lt_argerror(L, 1, fn, "probs", "a float32 tensor or a list of numbers");
        lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
        int64_t shape[1] = {n};
        probs = lt_new(L);
        if (em_tensor_alloc(probs, EM_FLOAT32, 1, shape)) return lt_raise(L);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, 1, i);
            int isnum = 0;
            double v = lua_tonumberx(L, -1, &isnum);
            if (!isnum) return luaL_error(L, "%s: argument 'probs' entry %I expected a number, got %s", fn, i,
                                          luaL_typename(L, -1));
            em_f32(probs)[i - 1] = (float)v;
            lua_pop(L, 1);
        }
    } else if (probs->dtype != EM_FLOAT32) {
        return luaL_error(L, "%s: argument 'probs' must be a float32 tensor, got %s", fn, em_dtype_name(probs->dtype));
    } else if (probs->storage && !em_is_contiguous(probs)) {
        em_tensor *c = lt_new(L);
        if (em_tensor_clone(c, probs)) return lt_raise(L);
        probs = c;
    }
    if (!probs->storage) return luaL_error(L, "%s: argument 'probs' is an empty tensor", fn);
    int rows = probs->ndim == 2;
    int64_t count = rows ? probs->shape[0] : 1;
    em_tensor *out = NULL;
    int64_t one, *drawn = &one;
    if (rows) {
        int64_t shape[1] = {count};
        out = lt_new(L);
        if (em_tensor_alloc(out, EM_INT32, 1, shape)) return lt_raise(L);
        drawn = lua_newuserdatauv(L, (size_t)(count ? count : 1) * sizeof *drawn, 0);
    }
    if (em_sample_rows(fn, probs, temperature, drawn)) return lt_raise(L);
    if (!rows) {
        lua_pushinteger(L, (lua_Integer)one + 1);
        return 1;
    }
    for (int64_t r = 0; r < count; r++) em_i32(out)[r] = (int32_t)(drawn[r] + 1);
    lua_pop(L, 1);  /* the index scratch */
    return 1;
}

/* ember.arange(a, b [, step]): a..b inclusive (Lua's for-loop convention),
 * int32 unless a float is given or dtype says otherwise. */
static int l_arange(lua_State *L) {
    double a = lt_check_number(L, 1, "arange", "start");
    double b = lt_check_number(L, 2, "arange", "stop");
    double step = lua_isnoneornil(L, 3) || lua_istable(L, 3) ? 1.0 : lt_check_number(L, 3, "arange", "step");
    int optidx = lua_istable(L, 3) ? 3 : 4;
    if (!isfinite(a)) return luaL_error(L, "arange: argument 'start' must be a finite number, got %f", a);
    if (!isfinite(b)) return luaL_error(L, "arange: argument 'stop' must be a finite number, got %f", b);
    if (step == 0 || !isfinite(step)) return luaL_error(L, "arange: step must be a non-zero number");
    int isint = lua_isinteger(L, 1) && lua_isinteger(L, 2) && (lua_isnoneornil(L, 3) || lua_istable(L, 3) || lua_isinteger(L, 3));
    em_dtype dt = lt_opt_dtype(L, optidx, "arange", isint ? EM_INT32 : EM_FLOAT32);
    double count = floor((b - a) / step) + 1;
    if (count < 0) count = 0;
    if (count > (double)EM_MAX_NUMEL)
        return luaL_error(L, "arange: arguments 'start', 'stop' and 'step' give %f elements, more than %I", count,
                          (lua_Integer)EM_MAX_NUMEL);
    int64_t n = (int64_t)count;
    em_tensor *t = lt_new(L);
    if (em_tensor_alloc(t, dt, 1, &n)) return lt_raise(L);
    for (int64_t i = 0; i < n; i++) {
        double v = a + (double)i * step;
        if (dt == EM_FLOAT32) em_f32(t)[i] = (float)v;
        else em_i32(t)[i] = lt_check_int32(L, "arange", v);
    }
    return 1;
}

static int l_seed(lua_State *L) {
    int64_t s = lt_check_int(L, 1, "seed", "seed", INT64_MIN, INT64_MAX);
    em_seed((uint64_t)s);
    return 0;
}

/* ---- element access ---- */

/* Read 1-based indices from the stack starting at first into idx[]. */
static void check_indices(lua_State *L, const char *fn, const em_tensor *t, int first, int64_t *idx) {
    int given = lua_gettop(L) - first + 1;
    if (given != t->ndim)
        luaL_error(L, "%s: %d indices given for a tensor of %d dimensions", fn, given, t->ndim);
    for (int d = 0; d < t->ndim; d++) {
        int64_t i = lt_check_int(L, first + d, fn, "index", INT64_MIN, INT64_MAX);
        if (i < 1 || i > t->shape[d])
            luaL_error(L, "%s: index %I out of range for dimension %d of size %I", fn, (lua_Integer)i, d + 1,
                       (lua_Integer)t->shape[d]);
        idx[d] = i - 1;
    }
}

static void push_element(lua_State *L, const em_tensor *t, const int64_t *idx) {
    double v = em_tensor_get(t, idx);
    if (t->dtype == EM_FLOAT32) lua_pushnumber(L, v);
    else lua_pushinteger(L, (lua_Integer)v);  /* int32, uint8 */
}

static int l_get(lua_State *L) {
    em_tensor *t = lt_check_any(L, 1, "get", "self");
    int64_t idx[EM_MAX_DIMS];
    check_indices(L, "get", t, 2, idx);
    push_element(L, t, idx);
    return 1;
}


static int l_set(lua_State *L) {
    em_tensor *t = lt_check_any(L, 1, "set", "self");
    int top = lua_gettop(L);
    if (top != t->ndim + 2)
        return luaL_error(L, "set: expected %d indices and a value for a tensor of %d dimensions", t->ndim, t->ndim);
    double v = lt_check_number(L, top, "set", "value");
    check_value(L, "set", t, v);
    int64_t idx[EM_MAX_DIMS];
    lua_settop(L, top - 1);
    check_indices(L, "set", t, 2, idx);
    em_tensor_set(t, idx, v);
    return 0;
}

/* t[i]: a view of row i (or a number when t is 1-D). */
static void select_row(lua_State *L, const em_tensor *t, int64_t i) {
    int64_t z[1] = {i};
    if (t->ndim == 1) { push_element(L, t, z); return; }
    em_tensor *v = lt_new(L);
    if (em_select(v, t, 0, i)) lt_raise(L);
}

/* t[i]: 1-based, and negative from the end as select/narrow take it
 * (t[-1] is the last row, numpy's t[-1]). */
static int64_t check_row(lua_State *L, const em_tensor *t, int idx) {
    if (t->ndim == 0) luaL_error(L, "index: cannot index a 0-d tensor (use :item())");
    int64_t i = lt_check_int(L, idx, "index", "index", INT64_MIN, INT64_MAX);
    if (i < 0) i += t->shape[0] + 1;
    if (i < 1 || i > t->shape[0])
        luaL_error(L, "index: index %I out of range for dimension 1 of size %I (1-based; -1 is the last)",
                   (lua_Integer)lua_tointeger(L, idx), (lua_Integer)t->shape[0]);
    return i - 1;
}

/* t[{i, j, ...}]: Torch7's multi-index, one entry per leading dimension:
 * an integer selects (the dimension goes), a table is a range that keeps
 * the dimension: {} all of it, {a} the one index a, {a, b} a..b inclusive.
 * Indices are 1-based and negative from the end (-1 is the last). */
typedef struct {
    int n;               /* entries given */
    int all_integers;    /* every entry an integer: the result is an element when n == ndim */
    int64_t start[EM_MAX_DIMS], len[EM_MAX_DIMS];  /* 0-based start; len < 0: select */
} multi_index;

static int64_t index_in(lua_State *L, lua_Integer i, int64_t size, lua_Integer d) {
    lua_Integer given = i;
    if (i < 0) i += size + 1;
    if (i < 1 || i > size)
        luaL_error(L, "index: index %I out of range for dimension %I of size %I (1-based; -1 is the last)", given,
                   d + 1, (lua_Integer)size);
    return (int64_t)i - 1;
}

/* The range table at the top of the stack for dimension d. */
static void read_range(lua_State *L, const em_tensor *t, lua_Integer d, multi_index *mi) {
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1), bounds[2];
    if (n > 2) luaL_error(L, "index: range %I of t[{...}] takes {}, {i} or {first, last}, got %I entries", d + 1, n);
    for (lua_Integer k = 0; k < n; k++) {
        lua_rawgeti(L, -1, k + 1);
        int isnum = 0;
        bounds[k] = lua_tointegerx(L, -1, &isnum);
        if (!isnum)
            luaL_error(L, "index: range %I of t[{...}] must hold integers, got %s", d + 1, luaL_typename(L, -1));
        lua_pop(L, 1);
    }
    int64_t size = t->shape[d];
    int64_t first = n == 0 ? 0 : index_in(L, bounds[0], size, d);
    int64_t last = n == 0 ? size - 1 : n == 1 ? first : index_in(L, bounds[1], size, d);
    if (last < first)
        luaL_error(L, "index: range %I of t[{...}] ends (%I) before it starts (%I)", d + 1, (lua_Integer)(last + 1),
                   (lua_Integer)(first + 1));
    mi->start[d] = first;
    mi->len[d] = last - first + 1;
    mi->all_integers = 0;
}

static void read_multi_index(lua_State *L, const em_tensor *t, int key, multi_index *mi) {
    lua_Integer n = (lua_Integer)lua_rawlen(L, key);
    if (n < 1 || n > t->ndim)
        luaL_error(L, "index: t[{...}] takes 1 to %d indices for a tensor of %d dimensions, got %I", t->ndim,
                   t->ndim, n);
    mi->n = (int)n;
    mi->all_integers = 1;
    for (lua_Integer d = 0; d < n; d++) {
        lua_rawgeti(L, key, d + 1);
        int isnum = 0;
        lua_Integer i = lua_tointegerx(L, -1, &isnum);
        if (isnum) {
            mi->start[d] = index_in(L, i, t->shape[d], d);
            mi->len[d] = -1;
        } else if (lua_istable(L, -1) && !lt_test(L, -1)) {
            read_range(L, t, d, mi);
        } else {
            luaL_error(L, "index: entry %I of t[{...}] must be an integer or a range table ({first, last}), got %s",
                       d + 1, luaL_typename(L, -1));
        }
        lua_pop(L, 1);
    }
}

/* The view of t that mi names (pushed): ranges narrow, integers select. */
static em_tensor *push_subview(lua_State *L, const em_tensor *t, const multi_index *mi) {
    em_tensor *v = lt_push_view(L, t);
    int dim = 0;
    for (int d = 0; d < mi->n; d++) {
        em_tensor next = {0};
        int rc = mi->len[d] < 0 ? em_select(&next, v, dim, mi->start[d])
                                : em_narrow(&next, v, dim++, mi->start[d], mi->len[d]);
        if (rc) lt_raise(L);
        em_tensor_release(v);
        *v = next;
    }
    return v;
}

static int tensor_index(lua_State *L) {
    em_tensor *t = luaL_checkudata(L, 1, EMBER_TENSOR_MT);
    if (lua_type(L, 2) == LUA_TTABLE && !lt_test(L, 2)) {
        if (!t->storage) return luaL_error(L, "index: empty tensor");
        multi_index mi;
        read_multi_index(L, t, 2, &mi);
        if (mi.all_integers && mi.n == t->ndim) push_element(L, t, mi.start);
        else push_subview(L, t, &mi);
        return 1;
    }
    if (lua_type(L, 2) == LUA_TNUMBER) {
        if (!t->storage) return luaL_error(L, "index: empty tensor");
        select_row(L, t, check_row(L, t, 2));
        return 1;
    }
    if (lua_type(L, 2) == LUA_TSTRING) {
        const char *k = lua_tostring(L, 2);
        if (strcmp(k, "shape") == 0) {
            lua_createtable(L, t->ndim, 0);
            for (int d = 0; d < t->ndim; d++) {
                lua_pushinteger(L, t->shape[d]);
                lua_rawseti(L, -2, d + 1);
            }
            return 1;
        }
        if (strcmp(k, "dtype") == 0) { lua_pushstring(L, em_dtype_name(t->dtype)); return 1; }
    }
    lua_getfield(L, LUA_REGISTRYINDEX, "ember.Tensor.methods");
    lua_pushvalue(L, 2);
    lua_rawget(L, -2);
    return 1;
}

/* t[i] = number | tensor: fill or copy into row i. */
static int tensor_newindex(lua_State *L) {
    em_tensor *t = luaL_checkudata(L, 1, EMBER_TENSOR_MT);
    int multi = lua_type(L, 2) == LUA_TTABLE && !lt_test(L, 2);
    if (!multi && lua_type(L, 2) != LUA_TNUMBER)
        return luaL_error(L, "index: tensors have no assignable field '%s'", luaL_tolstring(L, 2, NULL));
    if (!t->storage) return luaL_error(L, "index: empty tensor");
    em_tensor *row;  /* the part assigned: a view released with its userdata */
    if (multi) {
        multi_index mi;
        read_multi_index(L, t, 2, &mi);
        if (mi.all_integers && mi.n == t->ndim) {  /* t[{i, j}] = v: one element */
            double v = lt_check_number(L, 3, "index", "value");
            check_value(L, "index", t, v);
            em_tensor_set(t, mi.start, v);
            return 0;
        }
        row = push_subview(L, t, &mi);
    } else {
        int64_t i = check_row(L, t, 2);
        row = lt_new(L);
        if (em_select(row, t, 0, i)) return lt_raise(L);
    }
    em_tensor *src = lt_test(L, 3);
    if (src) {
        if (!src->storage) return luaL_error(L, "index: assigning an empty tensor");
        if (src->dtype != t->dtype) return luaL_error(L, "index: cannot assign a %s tensor into a %s tensor", em_dtype_name(src->dtype), em_dtype_name(t->dtype));
        if (!em_same_shape(row, src)) {
            char a[160], b[160];
            return luaL_error(L, "index: cannot assign a tensor of shape %s to a row of shape %s",
                              em_tensor_shape_str(src, a, sizeof a), em_tensor_shape_str(row, b, sizeof b));
        }
        if (em_tensor_copy(row, src)) return lt_raise(L);
        return 0;
    }
    double v = lt_check_number(L, 3, "index", "value");
    check_value(L, "index", t, v);
    em_tensor_fill(row, v);
    return 0;
}

/* a < b, a <= b (and so a > b, a >= b) with a tensor: Lua turns what a
 * comparison metamethod returns into one boolean, so elementwise results
 * cannot come out of these operators; say which methods give them. */
static int tensor_compare(lua_State *L) {
    return luaL_error(L, "compare: tensors cannot be compared with <, <=, > or >= (Lua makes the result one "
                         "boolean); use a:gt(b), a:ge(b), a:lt(b) or a:le(b), which give a tensor of 0 and 1");
}

static int tensor_len(lua_State *L) {
    em_tensor *t = luaL_checkudata(L, 1, EMBER_TENSOR_MT);
    lua_pushinteger(L, t->ndim ? t->shape[0] : 0);
    return 1;
}

static int l_size(lua_State *L) {
    em_tensor *t = lt_check_any(L, 1, "size", "self");
    if (lua_isnoneornil(L, 2)) {
        lua_createtable(L, t->ndim, 0);
        for (int d = 0; d < t->ndim; d++) { lua_pushinteger(L, t->shape[d]); lua_rawseti(L, -2, d + 1); }
        return 1;
    }
    int64_t d = lt_check_int(L, 2, "size", "dim", 1, t->ndim > 0 ? t->ndim : 1);
    if (t->ndim == 0) return luaL_error(L, "size: a 0-d tensor has no dimension %I", (lua_Integer)d);
    lua_pushinteger(L, t->shape[d - 1]);
    return 1;
}

static int l_dim(lua_State *L) { lua_pushinteger(L, lt_check_any(L, 1, "dim", "self")->ndim); return 1; }
static int l_numel(lua_State *L) { lua_pushinteger(L, em_numel(lt_check_any(L, 1, "numel", "self"))); return 1; }

static int l_item(lua_State *L) {
    em_tensor *t = lt_check_any(L, 1, "item", "self");
    if (em_numel(t) != 1) return luaL_error(L, "item: tensor has %I elements, expected exactly 1", (lua_Integer)em_numel(t));
    int64_t idx[EM_MAX_DIMS] = {0};
    push_element(L, t, idx);
    return 1;
}

static void push_table(lua_State *L, const em_tensor *t, int depth, int64_t *idx) {
    int64_t n = t->shape[depth];
    lua_createtable(L, (int)n, 0);
    for (int64_t i = 0; i < n; i++) {
        idx[depth] = i;
        if (depth + 1 == t->ndim) push_element(L, t, idx);
        else push_table(L, t, depth + 1, idx);
        lua_rawseti(L, -2, i + 1);
    }
}

static int l_totable(lua_State *L) {
    em_tensor *t = lt_check_any(L, 1, "totable", "self");
    int64_t idx[EM_MAX_DIMS] = {0};
    if (t->ndim == 0) { push_element(L, t, idx); return 1; }
    luaL_checkstack(L, t->ndim + 4, "totable");
    push_table(L, t, 0, idx);
    return 1;
}

static int convert_to(lua_State *L, const char *fn, em_dtype dt) {
    return push_converted(L, fn, lt_check_any(L, 1, fn, "self"), dt, 0);
}
static int l_float(lua_State *L) { return convert_to(L, "float", EM_FLOAT32); }
static int l_int(lua_State *L) { return convert_to(L, "int", EM_INT32); }
static int l_byte(lua_State *L) { return convert_to(L, "byte", EM_UINT8); }
static int l_uint8(lua_State *L) { return convert_to(L, "uint8", EM_UINT8); }

static int l_clone(lua_State *L) {
    em_tensor *src = lt_check_any(L, 1, "clone", "self");
    em_tensor *t = lt_new(L);
    if (em_tensor_clone(t, src)) return lt_raise(L);
    return 1;
}

static int l_contiguous(lua_State *L) {
    em_tensor *src = lt_check_any(L, 1, "contiguous", "self");
    if (em_is_contiguous(src)) { lua_settop(L, 1); return 1; }
    return l_clone(L);
}

static int l_fill(lua_State *L) {
    em_tensor *t = lt_check_any(L, 1, "fill_", "self");
    double v = lt_check_number(L, 2, "fill_", "value");
    check_value(L, "fill_", t, v);
    em_tensor_fill(t, v);
    lua_settop(L, 1);
    return 1;
}

static int l_copy(lua_State *L) {
    em_tensor *t = lt_check_any(L, 1, "copy_", "self");
    em_tensor *src = lt_check_any(L, 2, "copy_", "src");
    if (!em_same_shape(t, src)) {
        char a[160], b[160];
        return luaL_error(L, "copy_: shapes %s and %s differ", em_tensor_shape_str(t, a, sizeof a), em_tensor_shape_str(src, b, sizeof b));
    }
    if (t->dtype != src->dtype)
        return luaL_error(L, "copy_: cannot copy %s data into a %s tensor (convert with :float(), :int() or :byte())",
                          em_dtype_name(src->dtype), em_dtype_name(t->dtype));
    if (em_tensor_copy(t, src)) return lt_raise(L);
    lua_settop(L, 1);
    return 1;
}

static int l_is_tensor(lua_State *L) { lua_pushboolean(L, lt_test(L, 1) != NULL); return 1; }

/* ember.core.copy_all(dsts, srcs): dsts[i]:copy_(srcs[i]) for every i, all
 * pairs checked first and then copied in this one C call, so no Lua
 * instruction (and so no Ctrl-C, which the host turns into an error at the
 * next instruction) runs between two copies: a model's weights are all old
 * or all new (load_weights, set_weights). */
static int l_copy_all(lua_State *L) {
    lua_settop(L, 2);
    if (!lua_istable(L, 1) || lt_test(L, 1)) lt_argerror(L, 1, "copy_all", "dsts", "a list of tensors");
    if (!lua_istable(L, 2) || lt_test(L, 2)) lt_argerror(L, 2, "copy_all", "srcs", "a list of tensors");
    lua_Integer n, m;
    int dsts = lg_anchor_list(L, 1, "copy_all", "dsts", INT32_MAX, &n);
    int srcs = lg_anchor_list(L, 2, "copy_all", "srcs", INT32_MAX, &m);
    if (n != m) return luaL_error(L, "copy_all: %I destinations but %I sources", n, m);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, dsts, i);
        lua_rawgeti(L, srcs, i);
        em_tensor *d = lt_test(L, -2), *s = lt_test(L, -1);
        if (!d || !d->storage || !s || !s->storage)
            return luaL_error(L, "copy_all: entry %I expected two tensors, got %s and %s", i, luaL_typename(L, -2),
                              luaL_typename(L, -1));
        if (!em_same_shape(d, s) || d->dtype != s->dtype) {
            char a[160], b[160];
            return luaL_error(L, "copy_all: entry %I: a %s %s tensor cannot take a %s %s one", i,
                              em_dtype_name(d->dtype), em_tensor_shape_str(d, a, sizeof a), em_dtype_name(s->dtype),
                              em_tensor_shape_str(s, b, sizeof b));
        }
        lua_pop(L, 2);
    }
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, dsts, i);
        lua_rawgeti(L, srcs, i);
        if (em_tensor_copy(lt_test(L, -2), lt_test(L, -1))) return lt_raise(L);  /* cannot fail: checked above */
        lua_pop(L, 2);
    }
    return 0;
}

void lt_register_methods(lua_State *L, const luaL_Reg *methods) {
    lua_getfield(L, LUA_REGISTRYINDEX, "ember.Tensor.methods");
    luaL_setfuncs(L, methods, 0);
    lua_pop(L, 1);
}

/// @api ember.tensor(x[, opts]) -> Tensor
/// A tensor from nested Lua tables, a number (0-d) or a tensor (a converted copy).
/// Into "uint8" every value must be an integer in 0 .. 255, into "bool" 0 or 1 (else an error naming it).
/// @arg x: nested tables of numbers (booleans become 1/0), a number or a tensor
/// @opt dtype = "float32": "float32", "int32", "uint8", or "bool" (a uint8 tensor of 0 and 1)

/// @api ember.zeros(shape[, opts]) -> Tensor
/// A new tensor filled with 0.
/// @arg shape: the sizes, a table such as {2, 3}
/// @opt dtype = "float32": "float32", "int32", "uint8", or "bool" (a uint8 tensor of 0 and 1)

/// @api ember.ones(shape[, opts]) -> Tensor
/// A new tensor filled with 1.
/// @arg shape: the sizes, a table such as {2, 3}
/// @opt dtype = "float32": "float32", "int32", "uint8", or "bool" (a uint8 tensor of 0 and 1)

/// @api ember.full(shape, value[, opts]) -> Tensor
/// A new tensor filled with value.
/// @arg shape: the sizes, a table such as {2, 3}
/// @arg value: the fill value (a number)
/// @opt dtype = "float32": "float32", "int32", "uint8", or "bool" (a uint8 tensor of 0 and 1)

/// @api ember.rand(shape) -> Tensor
/// Uniform random float32 numbers in [0, 1).
/// @arg shape: the sizes, a table

/// @api ember.randn(shape) -> Tensor
/// Standard normal random float32 numbers.
/// @arg shape: the sizes, a table

/// @api ember.randint(low, high, shape) -> Tensor
/// Uniform random int32 integers in [low, high] (both inclusive).
/// @arg low: smallest value
/// @arg high: largest value
/// @arg shape: the sizes, a table

/// @api ember.sample(probs[, temperature]) -> integer | Tensor
/// Draws a class from probabilities reweighted by a temperature (the book's text-generation sample).
/// w = exp(log(p) / temperature), normalised; T < 1 sharpens, T > 1 flattens. Seeded by ember.seed.
/// @arg probs: a float32 tensor (1-D, or 2-D for one draw per row) or a Lua list of numbers >= 0
/// @arg temperature = 1.0: a number > 0
/// @return a 1-based class index (1-D / list), or an int32 tensor of 1-based indices (2-D)

/// @api ember.arange(a, b[, step][, opts]) -> Tensor
/// The numbers a, a + step, ... up to b inclusive; int32 when all arguments are integers.
/// @arg a: first value
/// @arg b: last value (inclusive)
/// @arg step = 1: the increment (may be negative)
/// @opt dtype: "float32" or "int32"

/// @api ember.seed(n)
/// Seeds Ember's random generator (rand, randn, randint, initializers, dropout, shuffling).
/// @arg n: an integer

/// @api ember.is_tensor(v) -> boolean
/// True for a tensor, false for anything else.
/// @arg v: any value

/// @api ember.copy_all(dst, src)
/// Copies each tensor of the list src into the tensor of the same position in dst.
/// @arg dst: a list of tensors (written)
/// @arg src: a list of tensors of the same shapes and dtypes

/// @api Tensor
/// Ember's n-dimensional array (float32, int32 or uint8); fields `shape` and `dtype`, 1-based indices.
/// uint8 (also made by dtype "bool") stores one-hot data and masks in a quarter of float32's memory.
/// It takes creation, conversion, element access, copies, views, cat/stack, printing, save/load,
/// comparisons (uint8 0/1 results) and sum/max/min/argmax/argmin/mean/std (sum, max, min give int32);
/// arithmetic and math functions refuse it ("convert with :float()"); fit, evaluate, predict and
/// layers convert uint8 inputs to float32 (fit one batch at a time).

/// @api Tensor:get(i, ...) -> number
/// The element at the given indices (one per dimension; negative counts from the end).
/// @arg i: index along dim 1, then one per further dimension

/// @api Tensor:set(i, ..., value)
/// Writes value at the given indices.
/// @arg i: index along dim 1, then one per further dimension, then the value

/// @api Tensor:size([dim]) -> table|integer
/// The shape as a table, or the size of dimension dim.
/// @arg dim: a dimension (negative counts from the end)

/// @api Tensor:dim() -> integer
/// The number of dimensions.

/// @api Tensor:numel() -> integer
/// The number of elements.

/// @api Tensor:item() -> number
/// The value of a one-element tensor.

/// @api Tensor:totable() -> table
/// Nested Lua tables with the tensor's values.

/// @api Tensor:float() -> Tensor
/// A float32 copy (the tensor itself when it is float32 already).

/// @api Tensor:int() -> Tensor
/// An int32 copy, truncating toward zero.

/// @api Tensor:byte() -> Tensor
/// A uint8 copy; every value must be an integer in 0 .. 255 (else an error naming the first that is not).

/// @api Tensor:uint8() -> Tensor
/// The same as Tensor:byte(): a uint8 copy of values that are integers in 0 .. 255.

/// @api Tensor:clone() -> Tensor
/// A contiguous copy with its own storage.

/// @api Tensor:contiguous() -> Tensor
/// The tensor itself when contiguous, else a contiguous copy.

/// @api Tensor:fill_(value) -> Tensor
/// Sets every element to value, in place.
/// @arg value: a number

/// @api Tensor:copy_(src) -> Tensor
/// Copies src (same shape, broadcastable) into this tensor, in place.
/// @arg src: a tensor

void ember_open_tensor(lua_State *L) {
    static const luaL_Reg meta[] = {
        {"__gc", tensor_gc}, {"__index", tensor_index}, {"__newindex", tensor_newindex},
        {"__len", tensor_len}, {"__lt", tensor_compare}, {"__le", tensor_compare}, {NULL, NULL}};
    static const luaL_Reg methods[] = {
        {"get", l_get}, {"set", l_set}, {"size", l_size}, {"dim", l_dim}, {"numel", l_numel},
        {"item", l_item}, {"totable", l_totable}, {"float", l_float}, {"int", l_int},
        {"byte", l_byte}, {"uint8", l_uint8},
        {"clone", l_clone}, {"contiguous", l_contiguous}, {"fill_", l_fill}, {"copy_", l_copy},
        {NULL, NULL}};
    static const luaL_Reg constructors[] = {
        {"tensor", l_tensor}, {"zeros", l_zeros}, {"ones", l_ones}, {"full", l_full},
        {"rand", l_rand}, {"randn", l_randn}, {"randint", l_randint}, {"arange", l_arange}, {"sample", l_sample},
        {"seed", l_seed}, {"is_tensor", l_is_tensor},
        {"copy_all", l_copy_all}, {NULL, NULL}};
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, "ember.Tensor.methods");
    luaL_newmetatable(L, EMBER_TENSOR_MT);
    luaL_setfuncs(L, meta, 0);
    lua_pushliteral(L, "Tensor");
    lua_setfield(L, -2, "__name");
    lua_pop(L, 1);
    lt_register_methods(L, methods);
    luaL_setfuncs(L, constructors, 0);
}
