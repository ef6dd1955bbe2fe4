/* The Sequences userdata ("ember.Sequences"): ragged int32 sequences
 * (engine/text/sequences.h) with #, indexing (a copy as an int32 tensor),
 * reversed, lengths, values/offsets, totable, and conversion from Lua lists. */
#include "lua_guard.h"
#include "lua_sequences.h"

#include <string.h>

#include "../engine/core/error.h"
#include "lua_tensor.h"

static int seq_gc(lua_State *L) {
    em_seq_free(luaL_checkudata(L, 1, EMBER_SEQUENCES_MT));
    lg_mark_finalized(L, 1, EMBER_SEQUENCES_MT);
    return 0;
}

em_sequences *ls_new(lua_State *L) {
    em_sequences *s = lua_newuserdatauv(L, sizeof *s, 0);
    memset(s, 0, sizeof *s);
    luaL_setmetatable(L, EMBER_SEQUENCES_MT);
    if (em_seq_init(s)) lt_raise(L);
    return s;
}

/* One element of a Lua sequence list: a list of integers or an int32 tensor. */
static void append_one(lua_State *L, em_sequences *s, int idx, const char *fn, const char *arg, lua_Integer i) {
    em_tensor *t = lt_test(L, idx);
    if (t) {
        if (t->dtype != EM_INT32 || t->ndim != 1 || !t->storage)
            luaL_error(L, "%s: argument '%s' entry %I must be a 1-D int32 tensor or a list of integers", fn, arg, i);
        for (int64_t k = 0; k < t->shape[0]; k++)
            if (em_seq_push(s, em_i32(t)[k * t->strides[0]])) lt_raise(L);
    } else if (lua_istable(L, idx)) {
        lua_Integer n = luaL_len(L, idx);
        for (lua_Integer k = 1; k <= n; k++) {
            lua_geti(L, idx, k);
            int isnum = 0;
            lua_Integer v = lua_tointegerx(L, -1, &isnum);
            if (!isnum || v < INT32_MIN || v > INT32_MAX)
                luaL_error(L, "%s: argument '%s' entry %I, item %I must be an int32 integer, got %s", fn, arg, i, k,
                           lua_type(L, -1) == LUA_TNUMBER ? lua_tostring(L, -1) : luaL_typename(L, -1));
            lua_pop(L, 1);
            if (em_seq_push(s, (int32_t)v)) lt_raise(L);
        }
    } else {
        luaL_error(L, "%s: argument '%s' entry %I must be a list of integers or an int32 tensor, got %s", fn, arg, i,
                   luaL_typename(L, idx));
    }
    if (em_seq_close(s)) lt_raise(L);
}

em_sequences *ls_check(lua_State *L, int idx, const char *fn, const char *arg) {
    idx = lua_absindex(L, idx);
    em_sequences *s = luaL_testudata(L, idx, EMBER_SEQUENCES_MT);
    if (s) {
        lua_pushvalue(L, idx);
        return s;
    }
    if (!lua_istable(L, idx) || lt_test(L, idx))
        lt_argerror(L, idx, fn, arg, "Sequences or a list of integer lists");
    s = ls_new(L);
    lua_Integer n = luaL_len(L, idx);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, idx, i);
        append_one(L, s, lua_gettop(L), fn, arg, i);
        lua_pop(L, 1);
    }
    return s;
}

/* ember.Sequences(list) */
int ls_l_sequences(lua_State *L) {
    ls_check(L, 1, "Sequences", "sequences");
    return 1;
}

static int64_t check_seq_index(lua_State *L, const em_sequences *s, int idx, const char *fn) {
    return lt_check_int(L, idx, fn, "index", 1, s->n > 0 ? s->n : 1) - 1;
}

/* seqs:get(i) / seqs[i] -> int32 tensor (a copy) */
static int seq_get(lua_State *L) {
    em_sequences *s = luaL_checkudata(L, 1, EMBER_SEQUENCES_MT);
    if (s->n == 0) return luaL_error(L, "Sequences: index %s out of range (no sequences)", luaL_tolstring(L, 2, NULL));
    int64_t i = check_seq_index(L, s, 2, "Sequences");
    int64_t len = em_seq_len(s, i);
    em_tensor *t = lt_new(L);
    if (em_tensor_alloc(t, EM_INT32, 1, &len)) return lt_raise(L);
    if (len) memcpy(em_i32(t), em_seq_at(s, i), (size_t)len * sizeof(int32_t));
    return 1;
}

static int seq_len(lua_State *L) {
    lua_pushinteger(L, ((em_sequences *)luaL_checkudata(L, 1, EMBER_SEQUENCES_MT))->n);
    return 1;
}

static int seq_reversed(lua_State *L) {
    em_sequences *s = luaL_checkudata(L, 1, EMBER_SEQUENCES_MT);
    em_sequences *out = lua_newuserdatauv(L, sizeof *out, 0);
    memset(out, 0, sizeof *out);
    luaL_setmetatable(L, EMBER_SEQUENCES_MT);
    if (em_seq_reversed(s, out)) return lt_raise(L);
    return 1;
}

/* seqs:lengths() -> int32 tensor {n} */
static int seq_lengths(lua_State *L) {
    em_sequences *s = luaL_checkudata(L, 1, EMBER_SEQUENCES_MT);
    em_tensor *t = lt_new(L);
    if (em_tensor_alloc(t, EM_INT32, 1, &s->n)) return lt_raise(L);
    for (int64_t i = 0; i < s->n; i++) em_i32(t)[i] = (int32_t)em_seq_len(s, i);
    return 1;
}

/* seqs:totable() -> list of integer lists */
static int seq_totable(lua_State *L) {
    em_sequences *s = luaL_checkudata(L, 1, EMBER_SEQUENCES_MT);
    lua_createtable(L, (int)s->n, 0);
    for (int64_t i = 0; i < s->n; i++) {
        int64_t len = em_seq_len(s, i);
        const int32_t *v = em_seq_at(s, i);
        lua_createtable(L, (int)len, 0);
        for (int64_t k = 0; k < len; k++) {
            lua_pushinteger(L, v[k]);
            lua_rawseti(L, -2, k + 1);
        }
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

/* seqs:values() -> every value in one int32 tensor (concatenated) */
static int seq_values(lua_State *L) {
    em_sequences *s = luaL_checkudata(L, 1, EMBER_SEQUENCES_MT);
    em_tensor *t = lt_new(L);
    if (em_tensor_alloc(t, EM_INT32, 1, &s->nvalues)) return lt_raise(L);
    if (s->nvalues) memcpy(em_i32(t), s->values, (size_t)s->nvalues * sizeof(int32_t));
    return 1;
}

/* seqs:offsets() -> int32 tensor {n + 1}: sequence i is values[offsets[i] + 1 .. offsets[i + 1]] */
static int seq_offsets(lua_State *L) {
    em_sequences *s = luaL_checkudata(L, 1, EMBER_SEQUENCES_MT);
    if (s->nvalues > INT32_MAX) return luaL_error(L, "Sequences: too many values for int32 offsets");
    int64_t n = s->n + 1;
    em_tensor *t = lt_new(L);
    if (em_tensor_alloc(t, EM_INT32, 1, &n)) return lt_raise(L);
    for (int64_t i = 0; i < n; i++) em_i32(t)[i] = (int32_t)s->offsets[i];
    return 1;
}

/* sequences_from_flat(values, offsets) (core.text, also ember.text): the
 * inverse of seqs:values() / seqs:offsets(). */
int ls_l_from_flat(lua_State *L) {
    const char *fn = "sequences_from_flat";
    em_tensor *values = lt_check_dtype(L, 1, fn, "values", EM_INT32);
    em_tensor *offsets = lt_check_dtype(L, 2, fn, "offsets", EM_INT32);
    char buf[160];
    if (values->ndim != 1 || !em_is_contiguous(values))
        return luaL_error(L, "%s: argument 'values' expected a 1-D contiguous int32 tensor, got shape %s%s", fn,
                          em_tensor_shape_str(values, buf, sizeof buf), values->ndim == 1 ? " (not contiguous)" : "");
    if (offsets->ndim != 1 || !em_is_contiguous(offsets) || offsets->shape[0] < 1)
        return luaL_error(L, "%s: argument 'offsets' expected a 1-D contiguous int32 tensor of n + 1 entries, got shape %s%s",
                          fn, em_tensor_shape_str(offsets, buf, sizeof buf),
                          offsets->ndim == 1 && offsets->shape[0] >= 1 ? " (not contiguous)" : "");
    const int32_t *off = em_i32(offsets);
    int64_t n = offsets->shape[0] - 1;
    if (off[0] != 0 || off[n] != values->shape[0])
        return luaL_error(L, "%s: argument 'offsets' must start at 0 and end at the number of values (%I), got %d .. %d",
                          fn, (lua_Integer)values->shape[0], (int)off[0], (int)off[n]);
    for (int64_t i = 0; i < n; i++)
        if (off[i + 1] < off[i])
            return luaL_error(L, "%s: argument 'offsets' must not decrease (entry %I)", fn, (lua_Integer)i + 2);
    em_sequences *s = ls_new(L);
    if (em_seq_push_many(s, em_i32(values), values->shape[0])) return lt_raise(L);
    for (int64_t i = 1; i <= n; i++) {
        s->nvalues = off[i];  /* close at each offset: values are already in place */
        if (em_seq_close(s)) return lt_raise(L);
    }
    return 1;
}

static int seq_tostring(lua_State *L) {
    em_sequences *s = luaL_checkudata(L, 1, EMBER_SEQUENCES_MT);
    lua_pushfstring(L, "Sequences(%I sequences, %I values)", (lua_Integer)s->n, (lua_Integer)s->nvalues);
    return 1;
}

static int seq_index(lua_State *L) {
    if (lua_type(L, 2) == LUA_TSTRING) {
        luaL_getmetafield(L, 1, "methods");
        lua_getfield(L, -1, lua_tostring(L, 2));
        return 1;
    }
    return seq_get(L);
}

/// @api ember.preprocessing.Sequences(list) -> Sequences
/// Ragged integer sequences (what texts_to_sequences returns), from a list of lists.
/// @arg list: a list of lists of integers

/// @api Sequences
/// Ragged integer sequences: `#seqs`, `seqs[i]` (an int32 tensor), methods below.

/// @api Sequences:get(i) -> Tensor
/// The i-th sequence as an int32 tensor (also `seqs[i]`).
/// @arg i: 1-based index

/// @api Sequences:reversed() -> Sequences
/// Every sequence reversed.

/// @api Sequences:lengths() -> Tensor
/// The length of each sequence (int32).

/// @api Sequences:totable() -> table
/// The sequences as Lua lists.

/// @api Sequences:values() -> Tensor
/// All sequences' values, concatenated (int32).

/// @api Sequences:offsets() -> Tensor
/// Where each sequence starts in values() (int32, 1-based, n + 1 entries).

void ls_open(lua_State *L) {
    static const luaL_Reg methods[] = {{"get", seq_get},         {"reversed", seq_reversed}, {"lengths", seq_lengths},
                                       {"totable", seq_totable}, {"values", seq_values},     {"offsets", seq_offsets},
                                       {NULL, NULL}};
    luaL_newmetatable(L, EMBER_SEQUENCES_MT);
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "methods");
    static const luaL_Reg meta[] = {{"__gc", seq_gc},   {"__len", seq_len}, {"__index", seq_index},
                                    {"__tostring", seq_tostring}, {NULL, NULL}};
    luaL_setfuncs(L, meta, 0);
    lua_pop(L, 1);
}

