/* Generic binding of the layer protocol: one userdata type for every layer. */
#include "lua_layer.h"

#include <string.h>

#include "../engine/core/error.h"
#include "../engine/layers/controls.h"
#include "lua_tensor.h"

/* owned = 0: the layer belongs to another layer (a wrapper such as
 * Bidirectional owns its inner layers); this userdata's first user value
 * is then the owner's userdata, which it keeps alive. */
typedef struct {
    em_layer *layer;
    int owned;
} layer_box;

void lt_push_none(lua_State *L) { lua_getfield(L, LUA_REGISTRYINDEX, "ember.None"); }

static int is_none(lua_State *L, int idx) {
    lt_push_none(L);
    int eq = lua_rawequal(L, idx < 0 ? idx - 1 : idx, -1);
    lua_pop(L, 1);
    return eq;
}

void lt_push_shape(lua_State *L, int ndim, const int64_t *shape) {
    lua_createtable(L, ndim, 0);
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0) lt_push_none(L);
        else lua_pushinteger(L, shape[i]);
        lua_rawseti(L, -2, i + 1);
    }
}

int lt_check_shape_none(lua_State *L, int idx, const char *fn, const char *arg, int *ndim, int64_t *shape) {
    idx = lua_absindex(L, idx);
    if (!lua_istable(L, idx) || is_none(L, idx))
        return lt_argerror(L, idx, fn, arg, "a shape table such as {ember.None, 14}");
    lua_Integer n = luaL_len(L, idx);
    if (n > EM_MAX_DIMS) return luaL_error(L, "%s: argument '%s' has %I dimensions, at most %d", fn, arg, n, EM_MAX_DIMS);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, idx, i);
        if (is_none(L, -1)) shape[i - 1] = -1;
        else {
            int isnum = 0;
            lua_Integer v = lua_tointegerx(L, -1, &isnum);
            if (!isnum || v <= 0)
                return luaL_error(L, "%s: argument '%s' entry %I must be a positive integer or ember.None, got %s", fn,
                                  arg, i, luaL_tolstring(L, -1, NULL));
            shape[i - 1] = v;
        }
        lua_pop(L, 1);
    }
    *ndim = (int)n;
    return 0;
}

void ember_push_layer(lua_State *L, em_layer *l) {
    if (!l) lt_raise(L);
    layer_box *box = lua_newuserdatauv(L, sizeof *box, 1);
    box->layer = l;
    box->owned = 1;
    luaL_setmetatable(L, EMBER_LAYER_MT);
}

int ember_layer_give_away(lua_State *L, int idx, int owner_idx, const char *fn) {
    owner_idx = lua_absindex(L, owner_idx);
    layer_box *box = luaL_testudata(L, idx, EMBER_LAYER_MT);
    if (!box || !box->layer) return lt_argerror(L, idx, fn, "layer", "a core layer");
    if (!box->owned) return luaL_error(L, "%s: this layer already belongs to another wrapper", fn);
    box->owned = 0;
    lua_pushvalue(L, owner_idx);
    lua_setiuservalue(L, idx, 1);
    return 0;
}

int ember_layer_is_owned(lua_State *L, int idx) {
    layer_box *box = luaL_testudata(L, idx, EMBER_LAYER_MT);
    return box && box->layer && box->owned;
}

em_layer *ember_check_layer(lua_State *L, int idx, const char *fn) {
    layer_box *box = luaL_testudata(L, idx, EMBER_LAYER_MT);
    if (!box || !box->layer) lt_argerror(L, idx, fn, "self", "a core layer");
    return box->layer;
}

static int layer_gc(lua_State *L) {
    layer_box *box = luaL_checkudata(L, 1, EMBER_LAYER_MT);
    if (box->owned) em_layer_free(box->layer);  /* else its owner frees it */
    box->layer = NULL;
    return 0;
}

static int l_build(lua_State *L) {
    em_layer *l = ember_check_layer(L, 1, "build");
    int ndim;
    int64_t shape[EM_MAX_DIMS];
    lt_check_shape_none(L, 2, l->ops->type, "input_shape", &ndim, shape);
    if (em_layer_build(l, ndim, shape)) return lt_raise(L);
    lt_push_shape(L, l->out_ndim, l->out_shape);
    return 1;
}

static int l_forward(lua_State *L) {
    em_layer *l = ember_check_layer(L, 1, "forward");
    em_tensor *x = lt_check_input(L, 2, l->ops->type, "input");  /* uint8 arrives as float32 */
    int training = lua_toboolean(L, 3);
    em_tensor *y = lt_new(L);
    if (em_layer_forward(l, x, training, y)) return lt_raise(L);
    return 1;
}

static int l_backward(lua_State *L) {
    em_layer *l = ember_check_layer(L, 1, "backward");
    em_tensor *dy = lt_check_dtype(L, 2, l->ops->type, "grad_output", EM_FLOAT32);
    em_tensor *dx = lt_new(L);
    if (em_layer_backward(l, dy, dx)) return lt_raise(L);
    if (!dx->storage) lua_pushnil(L);
    return 1;
}

/* The io protocol (layer.h) from Lua: entries 1..n of the table at idx,
 * nil/false giving an empty tensor when `empties` (gradients). */
static void read_io(lua_State *L, int idx, int n, const char *fn, const char *arg, int empties, em_layer_io *io) {
    em_tensor *ts[EM_LAYER_MAX_IO];
    luaL_checktype(L, idx, LUA_TTABLE);
    if (n < 1 || n > EM_LAYER_MAX_IO) luaL_error(L, "%s: argument '%s' expected 1 to %d tensors, got %d", fn, arg, EM_LAYER_MAX_IO, n);
    for (int i = 0; i < n; i++) {  /* every entry checked before any view is taken */
        lua_geti(L, idx, i + 1);
        if (empties && !lua_toboolean(L, -1)) ts[i] = NULL;
        else ts[i] = empties ? lt_check_dtype(L, -1, fn, arg, EM_FLOAT32) : lt_check(L, -1, fn, arg);
        lua_pop(L, 1);
    }
    em_layer_io empty = {0};
    *io = empty;
    for (int i = 0; i < n; i++)
        if (ts[i]) em_tensor_view(&io->t[i], ts[i]);
    io->n = n;
}

/* Pushes out's tensors (views) and releases out; returns how many. */
static int push_io(lua_State *L, em_layer_io *out) {
    int n = out->n;
    luaL_checkstack(L, n, "layer outputs");
    for (int i = 0; i < n; i++) {
        if (out->t[i].storage) lt_push_view(L, &out->t[i]);
        else lua_pushnil(L);
    }
    em_layer_io_release(out);
    return n;
}

/* core:call({x, ...}, n, training[, mask]) -> y, ... : em_layer_call
 * (several inputs: a recurrent layer's initial states; several outputs:
 * its states; mask: (batch, time) float32 of 0/1). */
static int l_call(lua_State *L) {
    em_layer *l = ember_check_layer(L, 1, "call");
    int n = (int)luaL_checkinteger(L, 3);
    int training = lua_toboolean(L, 4);
    em_tensor *mask = lua_isnoneornil(L, 5) ? NULL : lt_check_dtype(L, 5, l->ops->type, "mask", EM_FLOAT32);
    em_layer_io in, out;
    read_io(L, 2, n, l->ops->type, "inputs", 0, &in);
    if (mask) em_tensor_view(&in.mask, mask);
    int rc = em_layer_call(l, &in, training, &out);
    em_layer_io_release(&in);
    if (rc) return lt_raise(L);
    return push_io(L, &out);
}

/* core:call_backward({dy or false, ...}, n) -> dx, ... */
static int l_call_backward(lua_State *L) {
    em_layer *l = ember_check_layer(L, 1, "call_backward");
    int n = (int)luaL_checkinteger(L, 3);
    em_layer_io dout, din;
    read_io(L, 2, n, l->ops->type, "gradients", 1, &dout);
    int rc = em_layer_call_backward(l, &dout, &din);
    em_layer_io_release(&dout);
    if (rc) return lt_raise(L);
    return push_io(L, &din);
}

static int l_params(lua_State *L) {
    em_layer *l = ember_check_layer(L, 1, "params");
    lua_createtable(L, l->nparams, 0);
    lua_createtable(L, l->nparams, 0);
    lua_createtable(L, l->nparams, 0);
    lua_createtable(L, l->nparams, 0);
    for (int i = 0; i < l->nparams; i++) {
        lt_push_view(L, &l->params[i]);
        lua_rawseti(L, -5, i + 1);
        lt_push_view(L, &l->grads[i]);
        lua_rawseti(L, -4, i + 1);
        lua_pushstring(L, l->param_names[i]);
        lua_rawseti(L, -3, i + 1);
        lua_pushboolean(L, !l->param_nontrainable[i]);  /* the weight's own flag; the layer's is separate */
        lua_rawseti(L, -2, i + 1);
    }
    return 4;
}

static int l_zero_grads(lua_State *L) {
    em_layer_zero_grads(ember_check_layer(L, 1, "zero_grads"));
    return 0;
}

static int l_set_trainable(lua_State *L) {
    em_layer *l = ember_check_layer(L, 1, "set_trainable");
    luaL_checktype(L, 2, LUA_TBOOLEAN);
    l->trainable = lua_toboolean(L, 2);
    return 0;
}

/* core:set_initializer(param, name, a, b): the Lua half (layers/base.lua)
 * has checked the option; errors here are the engine's. */
static int l_set_initializer(lua_State *L) {
    em_layer *l = ember_check_layer(L, 1, "set_initializer");
    const char *param = luaL_checkstring(L, 2);
    em_init_kind kind;
    if (em_init_parse(l->ops->type, luaL_checkstring(L, 3), &kind)) return luaL_error(L, "%s", em_error());
    em_init_spec spec = em_init_default(kind);
    if (!lua_isnoneornil(L, 4)) spec.a = luaL_checknumber(L, 4);
    if (!lua_isnoneornil(L, 5)) spec.b = luaL_checknumber(L, 5);
    if (l->built) return luaL_error(L, "%s: set_initializer after the layer was built", l->ops->type);
    if (em_layer_set_initializer(l, param, &spec)) return luaL_error(L, "%s", em_error());
    return 0;
}

/* core:set_regularizer(param, l1, l2); param nil: the activity regularizer. */
static int l_set_regularizer(lua_State *L) {
    em_layer *l = ember_check_layer(L, 1, "set_regularizer");
    double l1 = luaL_checknumber(L, 3), l2 = luaL_checknumber(L, 4);
    int rc = lua_isnil(L, 2) ? em_layer_set_activity_regularizer(l, l1, l2)
                             : em_layer_set_regularizer(l, luaL_checkstring(L, 2), l1, l2);
    if (rc) return luaL_error(L, "%s", em_error());
    return 0;
}

static int l_type(lua_State *L) {
    lua_pushstring(L, ember_check_layer(L, 1, "type")->ops->type);
    return 1;
}

static int l_is_built(lua_State *L) {
    lua_pushboolean(L, ember_check_layer(L, 1, "is_built")->built);
    return 1;
}

static int none_tostring(lua_State *L) { lua_pushliteral(L, "None"); return 1; }

void ember_open_layer(lua_State *L) {
    static const luaL_Reg methods[] = {
        {"build", l_build}, {"forward", l_forward}, {"backward", l_backward}, {"params", l_params},
        {"zero_grads", l_zero_grads}, {"set_trainable", l_set_trainable}, {"type", l_type},
        {"is_built", l_is_built}, {"set_initializer", l_set_initializer},
        {"set_regularizer", l_set_regularizer}, {"call", l_call}, {"call_backward", l_call_backward}, {NULL, NULL}};
    luaL_newmetatable(L, EMBER_LAYER_MT);
    lua_pushcfunction(L, layer_gc);
    lua_setfield(L, -2, "__gc");
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
    /* ember.None: a unique value that prints as None.  One per Lua state:
     * opening the library again (require after package.loaded was cleared)
     * reuses it, so the shapes the first copy's Lua half holds stay valid. */
    if (lua_getfield(L, LUA_REGISTRYINDEX, "ember.None") != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_newtable(L);
        lua_pushcfunction(L, none_tostring);
        lua_setfield(L, -2, "__tostring");
        lua_setmetatable(L, -2);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, "ember.None");
    }
    lua_setfield(L, -2, "None");
}
