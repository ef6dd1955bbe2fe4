/* core.dist: ember.distributed, the collectives of engine/dist/ for scripts,
 * custom loops and the fit loop (bindings/lua/ember/training.lua):
 *   rank(), size(), is_main(), barrier()
 *   allreduce(tensor[, op]), broadcast(tensor[, root])   in place
 *   _reduce_numbers(list, op)   -> list (float64), for the fit loop's totals
 *   _sync_tensors(list, who)    rank 0's tensors to every rank, refusing ranks
 *                               whose tensors differ (a wrong launch)
 *
 * Argument errors never leave a rank waiting in a collective: each call
 * first checks its arguments locally, then all ranks agree in one small
 * int32 all-reduce (max) on "is anything wrong here" and on the values
 * that must match (dtype, shape, op, root); every rank then raises the
 * error (naming the function and the argument) or every rank goes on.
 * MPI starts when this module opens, if a launcher started the process
 * (engine/dist/dist.h), and ends when the Lua state closes. */
#include <lauxlib.h>
#include <stdint.h>
#include <string.h>

#include "../engine/core/error.h"
#include "../engine/dist/dist.h"
#include "ember_modules.h"
#include "lua_tensor.h"

#define DIST_FINALIZER_MT "ember.dist.finalizer"

/// @api ember.distributed
/// Data-parallel training over MPI: rank, size and the collectives (`mpirun -np N ember script.lua`).
/// fit, evaluate, predict and fit_generator use them by themselves (docs/distributed.md); scripts and
/// custom loops call them directly.  Without mpirun: rank 0 of 1, and the collectives change nothing.

/* What the ranks must agree on: a field's name (for the error) and value. */
#define MAX_FIELDS (4 + EM_MAX_DIMS)
typedef struct {
    int n;
    const char *arg[MAX_FIELDS];
    const char *name[MAX_FIELDS];
    int32_t value[MAX_FIELDS];
} agreement;

static void add_field(agreement *a, const char *arg, const char *name, int64_t v) {
    a->arg[a->n] = arg;
    a->name[a->n] = name;
    a->value[a->n++] = v < 0 ? -1 : v > INT32_MAX - 1 ? INT32_MAX - 1 : (int32_t)v;
}

/* One all-reduce (max) over [bad rank + 1 | fields | -fields], always
 * MAX_FIELDS fields (unused ones 0) so that every rank sends the same
 * count: raises on every rank when any rank's arguments were wrong (why:
 * this rank's complaint, NULL when fine) or when a field differs across
 * ranks. */
static void agree_or_raise(lua_State *L, const char *fn, const char *arg, const char *why, const agreement *a) {
    int32_t buf[1 + 2 * MAX_FIELDS] = {0};
    buf[0] = why ? em_dist_rank() + 1 : 0;
    for (int i = 0; i < a->n && !why; i++) {
        buf[1 + i] = a->value[i];
        buf[1 + MAX_FIELDS + i] = -a->value[i];
    }
    if (em_dist_allreduce_i32(buf, 1 + 2 * MAX_FIELDS, EM_DIST_MAX)) {
        lt_raise(L);
        return;
    }
    if (why) {
        luaL_error(L, "%s: argument '%s' %s", fn, arg, why);
        return;
    }
    if (buf[0] > 0) {
        luaL_error(L, "%s: argument '%s' was refused on rank %d (see its error; every rank stops here)", fn, arg,
                   (int)buf[0] - 1);
        return;
    }
    for (int i = 0; i < a->n; i++) {
        int32_t hi = buf[1 + i], lo = -buf[1 + MAX_FIELDS + i];
        if (hi != lo)
            luaL_error(L, "%s: argument '%s' differs across ranks: %s is %d here, between %d and %d over the ranks "
                       "(every rank must pass the same)", fn, a->arg[i], a->name[i], (int)a->value[i], (int)lo, (int)hi);
    }
}

static const char *const shape_names[EM_MAX_DIMS] = {"its dim 1", "its dim 2", "its dim 3", "its dim 4",
                                                     "its dim 5", "its dim 6", "its dim 7", "its dim 8"};

/* The tensor at idx for a collective, or a complaint (NULL tensor). */
static em_tensor *collective_tensor(lua_State *L, int idx, char *why, size_t size, agreement *a) {
    em_tensor *t = lt_test(L, idx);
    if (!t) {
        snprintf(why, size, "expected a tensor, got %s", luaL_typename(L, idx));
        return NULL;
    }
    if (t->dtype != EM_FLOAT32 && t->dtype != EM_INT32) {
        snprintf(why, size, "expected a float32 or int32 tensor, got %s", em_dtype_name(t->dtype));
        return NULL;
    }
    if (!em_is_contiguous(t)) {
        snprintf(why, size, "must be contiguous (a view with strides cannot be reduced in place; use a copy)");
        return NULL;
    }
    add_field(a, "tensor", "its dtype", t->dtype);
    add_field(a, "tensor", "its number of dimensions", t->ndim);
    for (int i = 0; i < t->ndim && i < EM_MAX_DIMS; i++) add_field(a, "tensor", shape_names[i], t->shape[i]);
    return t;
}

static const char *const op_names[] = {"sum", "mean", "max", "min", NULL};

/// @api ember.distributed.allreduce(tensor[, op]) -> Tensor
/// Combines a tensor over all ranks, in place: every rank ends with the same values.
/// A collective: every rank calls it with a tensor of the same dtype and shape.  On one
/// process (no mpirun) the tensor is left as it is.  Wrong arguments on any rank raise an
/// error on every rank (no rank is left waiting).
/// @arg tensor: a contiguous float32 or int32 tensor, the same shape on every rank
/// @arg op = "sum": "sum", "mean" (float32 only), "max" or "min"
/// @return the same tensor
static int l_allreduce(lua_State *L) {
    char why[200];
    const char *complaint = NULL;
    agreement a = {0};
    em_tensor *t = collective_tensor(L, 1, why, sizeof why, &a);
    if (!t) complaint = why;
    int op = 0;
    const char *arg = "tensor";
    if (!complaint && !lua_isnoneornil(L, 2)) {
        const char *name = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : NULL;
        for (op = 0; name && op_names[op] && strcmp(op_names[op], name) != 0; op++) {}
        if (!name || !op_names[op]) {
            arg = "op";
            snprintf(why, sizeof why, "expected one of 'sum', 'mean', 'max', 'min', got %s%s%s",
                     name ? "'" : "", name ? name : luaL_typename(L, 2), name ? "'" : "");
            complaint = why;
        } else if (op == EM_DIST_MEAN && t->dtype == EM_INT32) {
            arg = "op";
            snprintf(why, sizeof why, "is 'mean', which needs a float32 tensor, got int32 (use 'sum')");
            complaint = why;
        }
    }
    add_field(&a, "op", "the op (0 sum, 1 mean, 2 max, 3 min)", op);
    agree_or_raise(L, "allreduce", arg, complaint, &a);
    int rc = t->dtype == EM_FLOAT32 ? em_dist_allreduce_f32(em_f32(t), em_numel(t), (em_dist_op)op)
                                    : em_dist_allreduce_i32(em_i32(t), em_numel(t), (em_dist_op)op);
    if (rc) return lt_raise(L);
    lua_settop(L, 1);
    return 1;
}

/// @api ember.distributed.broadcast(tensor[, root]) -> Tensor
/// Copies rank root's tensor into the same tensor on every other rank, in place.
/// A collective: every rank passes a tensor of the same dtype and shape and the same root.
/// @arg tensor: a contiguous float32 or int32 tensor, the same shape on every rank
/// @arg root = 0: the rank whose values are sent, in 0 .. size() - 1
/// @return the same tensor
static int l_broadcast(lua_State *L) {
    char why[200];
    const char *complaint = NULL, *arg = "tensor";
    agreement a = {0};
    em_tensor *t = collective_tensor(L, 1, why, sizeof why, &a);
    if (!t) complaint = why;
    lua_Integer root = 0;
    if (!complaint && !lua_isnoneornil(L, 2)) {
        int isint = 0;
        if (lua_type(L, 2) == LUA_TNUMBER) root = lua_tointegerx(L, 2, &isint);
        if (!isint || root < 0 || root >= em_dist_size()) {
            arg = "root";
            if (lua_type(L, 2) == LUA_TNUMBER)
                snprintf(why, sizeof why, "expected a rank in 0..%d, got %s", em_dist_size() - 1, lua_tostring(L, 2));
            else
                snprintf(why, sizeof why, "expected a rank in 0..%d, got %s", em_dist_size() - 1, luaL_typename(L, 2));
            complaint = why;
        }
    }
    add_field(&a, "root", "the root", root);
    agree_or_raise(L, "broadcast", arg, complaint, &a);
    size_t elem = t->dtype == EM_FLOAT32 ? sizeof(float) : sizeof(int32_t);
    if (em_dist_broadcast(t->storage ? (char *)em_f32(t) : NULL, em_numel(t) * (int64_t)elem, (int)root))
        return lt_raise(L);
    lua_settop(L, 1);
    return 1;
}

/// @api ember.distributed.rank() -> integer
/// This process's rank, 0 .. size() - 1 (0 without mpirun).
static int l_rank(lua_State *L) {
    lua_pushinteger(L, em_dist_rank());
    return 1;
}

/// @api ember.distributed.size() -> integer
/// The number of ranks (processes) of the run: N under `mpirun -np N`, 1 without mpirun.
static int l_size(lua_State *L) {
    lua_pushinteger(L, em_dist_size());
    return 1;
}

/// @api ember.distributed.is_main() -> boolean
/// True on rank 0, the rank that prints progress and writes files (true without mpirun).
static int l_is_main(lua_State *L) {
    lua_pushboolean(L, em_dist_rank() == 0);
    return 1;
}

/// @api ember.distributed.barrier()
/// Waits until every rank has called barrier (nothing to wait for without mpirun).
static int l_barrier(lua_State *L) {
    if (lua_gettop(L) > 0) return luaL_error(L, "barrier: takes no arguments, got %d", lua_gettop(L));
    if (em_dist_barrier()) return lt_raise(L);
    return 0;
}

/* _reduce_numbers(list, op) -> a new list: the numbers combined over the
 * ranks in float64 (the fit loop's totals and logs).  Internal: the
 * caller passes the same count on every rank. */
static int l_reduce_numbers(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    int op = luaL_checkoption(L, 2, "sum", op_names);
    lua_Integer n = luaL_len(L, 1);
    if (n < 0 || n > 4096) return luaL_error(L, "_reduce_numbers: at most 4096 numbers, got %d", (int)n);
    double buf[4096];
    for (lua_Integer i = 0; i < n; i++) {
        lua_geti(L, 1, i + 1);
        buf[i] = luaL_checknumber(L, -1);
        lua_pop(L, 1);
    }
    if (em_dist_allreduce_f64(buf, n, (em_dist_op)op)) return lt_raise(L);
    lua_createtable(L, (int)n, 0);
    for (lua_Integer i = 0; i < n; i++) {
        lua_pushnumber(L, buf[i]);
        lua_seti(L, -2, i + 1);
    }
    return 1;
}

/* FNV-1a over the bytes of a tensor list, folded into h. */
static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

/* _sync_tensors(list, who): every rank's float32 tensors must be the same
 * (a checksum of their bytes, compared in one all-reduce: ranks started
 * with different scripts or seeds are refused with an error on every
 * rank), then rank 0's values are copied to all.  Internal (fit calls it
 * once per model). */
static int l_sync_tensors(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    const char *who = luaL_checkstring(L, 2);
    lua_Integer n = luaL_len(L, 1);
    uint64_t h = 0xcbf29ce484222325ULL;
    int64_t total = 0;
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 1, i);
        em_tensor *t = lt_check_dtype(L, -1, who, "weights", EM_FLOAT32);
        if (!em_is_contiguous(t)) return luaL_error(L, "%s: weight %d is not contiguous", who, (int)i);
        h = fnv1a(h, (const unsigned char *)em_f32(t), sizeof(float) * (size_t)em_numel(t));
        total += em_numel(t);
        lua_pop(L, 1);
    }
    /* 16-bit pieces of the hash and of the size, and their negations: one
     * max-reduce gives each piece's max and min over the ranks. */
    int32_t buf[12];
    for (int i = 0; i < 4; i++) buf[i] = (int32_t)((h >> (16 * i)) & 0xffff);
    buf[4] = (int32_t)(total & 0x7fffffff);
    buf[5] = (int32_t)(n & 0x7fffffff);
    for (int i = 0; i < 6; i++) buf[6 + i] = -buf[i];
    if (em_dist_allreduce_i32(buf, 12, EM_DIST_MAX)) return lt_raise(L);
    for (int i = 0; i < 6; i++)
        if (buf[i] != -buf[6 + i])
            return luaL_error(L, "%s: the ranks' initial weights differ (%s); every rank must run the same script "
                              "with the same seed (ember.seed) and model: refusing this launch", who,
                              i < 4 ? "checksums differ" : "sizes differ");
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 1, i);
        em_tensor *t = lt_test(L, -1);
        if (em_dist_broadcast(em_f32(t), (int64_t)sizeof(float) * em_numel(t), 0)) return lt_raise(L);
        lua_pop(L, 1);
    }
    return 0;
}

static int finalizer_gc(lua_State *L) {
    (void)L;
    em_dist_finalize();
    return 0;
}

void ember_open_distributed(lua_State *L) {
    if (em_dist_init()) {
        lt_raise(L);
        return;
    }
    /* MPI ends with the Lua state that started it. */
    if (em_dist_launched() && luaL_newmetatable(L, DIST_FINALIZER_MT)) {
        lua_pushcfunction(L, finalizer_gc);
        lua_setfield(L, -2, "__gc");
        lua_newuserdatauv(L, 1, 0);
        lua_pushvalue(L, -2);
        lua_setmetatable(L, -2);
        lua_setfield(L, LUA_REGISTRYINDEX, "ember.dist.finalizer_object");
    }
    lua_pop(L, em_dist_launched() ? 1 : 0);
    static const luaL_Reg fns[] = {{"rank", l_rank}, {"size", l_size}, {"is_main", l_is_main},
                                   {"barrier", l_barrier}, {"allreduce", l_allreduce},
                                   {"broadcast", l_broadcast}, {"_reduce_numbers", l_reduce_numbers},
                                   {"_sync_tensors", l_sync_tensors}, {NULL, NULL}};
    luaL_newlib(L, fns);
    lua_setfield(L, -2, "dist");
}
