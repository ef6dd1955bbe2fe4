/* core.train: the C half of training, called by the Lua fit loop
 * (bindings/lua/ember/training.lua) and by custom loops:
 *   Optimizer(kind, config)            -> optimizer userdata; opt:step(params, grads [, lr]), opt:iterations()
 *   loss(name, y_pred, y_true [, grad]) -> mean loss (grad, a tensor, receives dLoss/dy_pred)
 *   metric(name, y_pred, y_true)       -> mean metric
 *   permutation(n)                     -> int32 tensor, a seeded permutation of 1..n
 *   gather_rows(src, idx, first, count, dst) -> dst = src rows idx[first .. first+count-1]
 *   copy_rows(dst, first, src)         -> dst rows first.. = src
 *   rows(src, first, count)            -> view of rows first .. first+count-1
 *   Model(cores, names)                -> the model core and its training step (lua_model.c)
 *   isatty()                           -> is stdout a terminal
 *   loss_names, optimizer_names, metric_names: lists for error messages */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../engine/core/error.h"
#include "../engine/ops/shape.h"
#include "../engine/train/batch.h"
#include "../engine/train/losses.h"
#include "../engine/train/metrics.h"
#include "../engine/train/optimizers.h"
#include "ember_modules.h"
#include "lua_guard.h"
#include "lua_options.h"
#include "lua_tensor.h"
#include "lua_train.h"

#define OPTIMIZER_MT "ember.Optimizer"

typedef struct {
    em_optimizer *opt;
} opt_box;

static int opt_gc(lua_State *L) {
    opt_box *b = luaL_checkudata(L, 1, OPTIMIZER_MT);
    em_optimizer_free(b->opt);
    b->opt = NULL;
    lg_mark_finalized(L, 1, OPTIMIZER_MT);
    return 0;
}

int ember_check_name(lua_State *L, const char *what, const char *name, const char *const *names) {
    for (int i = 0; names[i]; i++)
        if (strcmp(name, names[i]) == 0) return i;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    lua_pushfstring(L, "unknown %s '%s' (valid: ", what, name);
    luaL_addvalue(&b);
    for (int i = 0; names[i]; i++) {
        if (i) luaL_addstring(&b, ", ");
        luaL_addstring(&b, names[i]);
    }
    luaL_addchar(&b, ')');
    luaL_pushresult(&b);
    return lua_error(L);
}

em_optimizer *ember_check_optimizer(lua_State *L, int idx, const char *fn, const char *arg) {
    opt_box *b = luaL_testudata(L, idx, OPTIMIZER_MT);
    if (!b) lt_argerror(L, idx, fn, arg, "an optimizer");
    if (!b->opt) luaL_error(L, "%s: the optimizer was freed", fn);
    return b->opt;
}

/* Optimizer(kind, config): config read through the kind's declared options. */
static int l_optimizer(lua_State *L) {
    int kind = ember_check_name(L, "optimizer", luaL_checkstring(L, 1), em_optimizer_names);
    const char *fn = em_optimizer_class_names[kind];
    em_opt_config c = {0};
    if (lua_isnoneornil(L, 2)) {
        c = em_optimizer_defaults((em_opt_kind)kind);
    } else {
        lt_read_options(L, 2, fn, em_optimizer_options((em_opt_kind)kind), &c);
    }
    opt_box *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->opt = NULL;
    luaL_setmetatable(L, OPTIMIZER_MT);
    b->opt = em_optimizer_new((em_opt_kind)kind, &c);
    if (!b->opt) return lt_raise(L);
    return 1;
}

/* optimizer_options(kind) -> {name, ...}: what the Lua constructors accept. */
static int l_optimizer_options(lua_State *L) {
    int kind = ember_check_name(L, "optimizer", luaL_checkstring(L, 1), em_optimizer_names);
    lt_push_option_names(L, em_optimizer_options((em_opt_kind)kind));
    return 1;
}

/* optimizer_option_rows(kind) -> the rows of the API reference. */
static int l_optimizer_option_rows(lua_State *L) {
    int kind = ember_check_name(L, "optimizer_option_rows", luaL_checkstring(L, 1), em_optimizer_names);
    lt_push_option_rows(L, em_optimizer_options((em_opt_kind)kind));
    return 1;
}

/* Tensors of the list at idx into a scratch pointer array (a userdata on
 * the stack); the entries are held in an anchor table pushed before it. */
static em_tensor **tensor_list(lua_State *L, int idx, const char *fn, const char *arg, int *n) {
    if (!lua_istable(L, idx)) lt_argerror(L, idx, fn, arg, "a list of tensors");
    lua_Integer len;
    int anchor = lg_anchor_list(L, idx, fn, arg, INT32_MAX, &len);
    *n = (int)len;
    em_tensor **out = lua_newuserdatauv(L, sizeof(em_tensor *) * (size_t)(*n ? *n : 1), 0);
    for (int i = 0; i < *n; i++) {
        lua_rawgeti(L, anchor, i + 1);
        em_tensor *t = lt_test(L, -1);
        if (!t || !t->storage) luaL_error(L, "%s: %s[%d] expected a tensor, got %s", fn, arg, i + 1, luaL_typename(L, -1));
        out[i] = t;  /* alive while the anchor table is on the stack */
        lua_pop(L, 1);
    }
    return out;
}

static int l_opt_step(lua_State *L) {
    em_optimizer *opt = ember_check_optimizer(L, 1, "step", "self");
    lua_settop(L, 4);  /* the lists' anchors go above the arguments (lr stays at 4) */
    int np, ng;
    em_tensor **params = tensor_list(L, 2, "step", "params", &np);
    em_tensor **grads = tensor_list(L, 3, "step", "grads", &ng);
    if (np != ng) return luaL_error(L, "step: %d parameters but %d gradients", np, ng);
    if (!lua_isnoneornil(L, 4) && em_optimizer_set_lr(opt, lt_check_number(L, 4, "step", "lr"))) return lt_raise(L);
    if (em_optimizer_step(opt, np, params, grads)) return lt_raise(L);
    return 0;
}

/* opt:reset_state(): drop the per-parameter state (compile calls it). */
static int l_opt_reset_state(lua_State *L) {
    em_optimizer_reset_state(ember_check_optimizer(L, 1, "reset_state", "self"));
    return 0;
}

/* opt:lr(): the learning rate of the next step (the Keras default until set). */
static int l_opt_lr(lua_State *L) {
    lua_pushnumber(L, ember_check_optimizer(L, 1, "lr", "self")->cfg.lr);
    return 1;
}

/* opt:get_state() -> iterations, {s1 copies}, {s2 copies} (s2 empty but
 * for Adam; both empty before the first step). */
static int l_opt_get_state(lua_State *L) {
    em_optimizer *o = ember_check_optimizer(L, 1, "get_state", "self");
    lua_pushinteger(L, (lua_Integer)o->iterations);
    for (int list = 0; list < 2; list++) {
        em_tensor *slots = list == 0 ? o->s1 : o->s2;
        lua_createtable(L, slots ? o->nslots : 0, 0);
        for (int i = 0; slots && i < o->nslots; i++) {
            em_tensor *t = lt_new(L);
            if (em_tensor_clone(t, &slots[i])) return lt_raise(L);
            lua_rawseti(L, -2, i + 1);
        }
    }
    return 3;
}

/* opt:set_state(iterations, s1, s2): the whole state at once (copies). */
static int l_opt_set_state(lua_State *L) {
    em_optimizer *o = ember_check_optimizer(L, 1, "set_state", "self");
    int64_t iterations = lt_check_int(L, 2, "set_state", "iterations", 0, INT64_MAX);
    lua_settop(L, 4);
    int n1, n2;
    em_tensor **s1 = tensor_list(L, 3, "set_state", "s1", &n1);
    em_tensor **s2 = tensor_list(L, 4, "set_state", "s2", &n2);
    if (o->kind == EM_OPT_ADAM ? n2 != n1 : n2 != 0)
        return luaL_error(L, "set_state: %d first-slot tensors but %d second-slot ones", n1, n2);
    if (em_optimizer_set_state(o, iterations, n1, (const em_tensor *const *)s1, (const em_tensor *const *)s2))
        return lt_raise(L);
    return 0;
}

static int l_opt_iterations(lua_State *L) {
    lua_pushinteger(L, ember_check_optimizer(L, 1, "iterations", "self")->iterations);
    return 1;
}

static int l_loss(lua_State *L) {
    const char *name = luaL_checkstring(L, 1);
    em_loss_kind k;
    if (em_loss_parse("loss", name, &k)) return lt_raise(L);
    em_tensor *p = lt_check(L, 2, name, "y_pred");
    em_tensor *t = lt_check_input(L, 3, name, "y_true");
    em_tensor *g = lua_isnoneornil(L, 4) ? NULL : lt_test(L, 4);
    if (!lua_isnoneornil(L, 4) && !g) return lt_argerror(L, 4, name, "grad", "a tensor");
    if (g && (g->storage == p->storage || g->storage == t->storage) && g->storage)
        return luaL_error(L, "%s: the gradient buffer must not share storage with y_pred or y_true", name);
    em_tensor *sw = lua_isnoneornil(L, 5) ? NULL : lt_check(L, 5, name, "sample_weight");
    double loss;
    if (em_loss_compute_weighted(k, p, t, sw, &loss, g)) return lt_raise(L);
    lua_pushnumber(L, loss);
    return 1;
}

static int l_metric(lua_State *L) {
    const char *name = luaL_checkstring(L, 1);
    int k = ember_check_name(L, "metric", name, em_metric_names);
    em_tensor *p = lt_check(L, 2, name, "y_pred");
    em_tensor *t = lt_check_input(L, 3, name, "y_true");
    double v;
    if (em_metric_compute((em_metric_kind)k, p, t, &v)) return lt_raise(L);
    lua_pushnumber(L, v);
    return 1;
}

static int l_permutation(lua_State *L) {
    int64_t n = lt_check_int(L, 1, "permutation", "n", 0, INT32_MAX);
    em_tensor *t = lt_new(L);
    if (em_tensor_alloc(t, EM_INT32, 1, &n)) return lt_raise(L);
    em_permutation(em_i32(t), n);
    return 1;
}

/* gather_rows(src, idx, first, count, dst[, as_batch]): as_batch true (the
 * training loop's x and y) gathers uint8 rows as float32. */
static int l_gather_rows(lua_State *L) {
    em_tensor *src = lt_check_any(L, 1, "gather_rows", "src");
    em_tensor *idx = lt_check_dtype(L, 2, "gather_rows", "idx", EM_INT32);
    if (idx->ndim != 1 || !em_is_contiguous(idx)) return luaL_error(L, "gather_rows: argument 'idx' must be a contiguous 1-D int32 tensor");
    int64_t first = lt_check_int(L, 3, "gather_rows", "first", 1, idx->shape[0] + 1);
    int64_t count = lt_check_int(L, 4, "gather_rows", "count", 0, idx->shape[0] - first + 1);
    em_tensor *dst = lt_test(L, 5);
    if (!dst) return lt_argerror(L, 5, "gather_rows", "dst", "a tensor (the reusable batch buffer)");
    em_dtype dt = lua_toboolean(L, 6) && src->dtype == EM_UINT8 ? EM_FLOAT32 : src->dtype;
    if (em_gather_rows_as(dst, src, em_i32(idx) + first - 1, count, dt)) return lt_raise(L);
    lua_settop(L, 5);
    return 1;
}

static int l_copy_rows(lua_State *L) {
    em_tensor *dst = lt_check(L, 1, "copy_rows", "dst");
    int64_t first = lt_check_int(L, 2, "copy_rows", "first", 1, INT64_MAX);
    em_tensor *src = lt_check(L, 3, "copy_rows", "src");
    if (em_copy_rows(dst, first - 1, src)) return lt_raise(L);
    return 0;
}

static int l_rows(lua_State *L) {
    em_tensor *src = lt_check_any(L, 1, "rows", "src");
    if (src->ndim < 1) return luaL_error(L, "rows: a 0-d tensor has no rows");
    int64_t first = lt_check_int(L, 2, "rows", "first", 1, src->shape[0] + 1);
    int64_t count = lt_check_int(L, 3, "rows", "count", 0, src->shape[0] - first + 1);
    em_tensor *v = lt_new(L);
    if (em_narrow(v, src, 0, first - 1, count)) return lt_raise(L);
    return 1;
}

static int l_isatty(lua_State *L) {
    lua_pushboolean(L, isatty(fileno(stdout)));
    return 1;
}

static void push_names(lua_State *L, const char *const *names, const char *field) {
    lua_newtable(L);
    for (int i = 0; names[i]; i++) {
        lua_pushstring(L, names[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, field);
}

/// @private ember.train.*: the C training core behind Sequential and ember.optimizers

void ember_open_train(lua_State *L) {
    static const luaL_Reg opt_methods[] = {{"step", l_opt_step}, {"iterations", l_opt_iterations},
                                                {"lr", l_opt_lr}, {"reset_state", l_opt_reset_state},
                                                {"get_state", l_opt_get_state}, {"set_state", l_opt_set_state},
                                                {NULL, NULL}};
    luaL_newmetatable(L, OPTIMIZER_MT);
    lua_pushcfunction(L, opt_gc);
    lua_setfield(L, -2, "__gc");
    luaL_newlib(L, opt_methods);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
    static const luaL_Reg fns[] = {
        {"Optimizer", l_optimizer}, {"optimizer_options", l_optimizer_options},
        {"optimizer_option_rows", l_optimizer_option_rows}, {"loss", l_loss}, {"metric", l_metric}, {"permutation", l_permutation},
        {"gather_rows", l_gather_rows}, {"copy_rows", l_copy_rows}, {"rows", l_rows},
        {"isatty", l_isatty}, {NULL, NULL}};
    luaL_newlib(L, fns);
    push_names(L, em_loss_names, "loss_names");
    push_names(L, em_optimizer_names, "optimizer_names");
    push_names(L, em_metric_names, "metric_names");
    ember_open_model(L);
    lua_setfield(L, -2, "train");
}
