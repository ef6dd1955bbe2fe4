/* Keras HDF5 weight files for save_weights / load_weights (weights_io.lua):
 *
 *   core.h5_save(path, layers, backend, keras_version)
 *       layers: { {name = "dense_1", weight_names = {"dense_1/kernel:0", ...},
 *                  weights = {tensor, ...}}, ... }  (every layer, in order)
 *   core.h5_load(path) -> { backend = s|nil, keras_version = s|nil,
 *                           layers = { {name =, weight_names =, weights =}, ... } }
 *
 * Internal (ember.core): the checks a user sees are weights_io.lua's; the
 * engine's messages (engine/io/h5.h) already start with the operation. */
#include <stdlib.h>
#include <string.h>

#include "../engine/core/error.h"
#include "../engine/io/h5.h"
#include "ember_modules.h"
#include "lua_tensor.h"

#define MAX_LAYERS 100000
#define MAX_WEIGHTS 4096

/* A string field of the table at idx, NUL-free (else a Lua error). */
static const char *check_string_at(lua_State *L, int idx, const char *what) {
    if (lua_type(L, idx) != LUA_TSTRING) luaL_error(L, "save_weights: %s expected a string, got %s", what, luaL_typename(L, idx));
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    if (strlen(s) != len) luaL_error(L, "save_weights: %s contains a NUL byte", what);
    return s;
}

/* Fill one em_h5_layer_in from the table at the top; the arrays live in
 * userdata anchored in the table at `anchor` (collected with it). */
static void read_layer_in(lua_State *L, int anchor, lua_Integer i, em_h5_layer_in *out) {
    int t = lua_gettop(L);
    if (!lua_istable(L, t)) luaL_error(L, "save_weights: layer entry %I expected a table", i);
    lua_getfield(L, t, "name");
    out->name = check_string_at(L, -1, "a layer's name");
    lua_getfield(L, t, "weight_names");
    lua_getfield(L, t, "weights");
    if (!lua_istable(L, -2) || !lua_istable(L, -1))
        luaL_error(L, "save_weights: layer '%s' needs tables weight_names and weights", out->name);
    lua_Integer n = luaL_len(L, -1);
    if (n != luaL_len(L, -2) || n > MAX_WEIGHTS)
        luaL_error(L, "save_weights: layer '%s' has %I weights for %I names", out->name, n, luaL_len(L, -2));
    const char **names = lua_newuserdatauv(L, sizeof(char *) * (size_t)(n ? n : 1), 0);
    lua_rawsetp(L, anchor, names);
    const em_tensor **ws = lua_newuserdatauv(L, sizeof(em_tensor *) * (size_t)(n ? n : 1), 0);
    lua_rawsetp(L, anchor, ws);
    for (lua_Integer j = 1; j <= n; j++) {
        lua_geti(L, t + 2, j);
        names[j - 1] = check_string_at(L, -1, "a weight name");
        lua_geti(L, t + 3, j);
        ws[j - 1] = lt_check_dtype(L, lua_gettop(L), "save_weights", "weights", EM_FLOAT32);
        lua_pop(L, 2);  /* both stay alive in their tables */
    }
    out->nweights = (int)n;
    out->weight_names = names;
    out->weights = ws;
    lua_settop(L, t);
}

static int l_h5_save(lua_State *L) {
    const char *path = lt_check_path(L, 1, "save_weights", "path");
    luaL_checktype(L, 2, LUA_TTABLE);
    const char *backend = check_string_at(L, 3, "the backend");
    const char *version = check_string_at(L, 4, "the keras_version");
    lua_settop(L, 4);
    lua_newtable(L);  /* 5: anchors the arrays */
    lua_Integer n = luaL_len(L, 2);
    if (n > MAX_LAYERS) return luaL_error(L, "save_weights: too many layers (%I)", n);
    em_h5_layer_in *layers = lua_newuserdatauv(L, sizeof *layers * (size_t)(n ? n : 1), 0);
    lua_rawsetp(L, 5, layers);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 2, i);
        read_layer_in(L, 5, i, &layers[i - 1]);
        lua_pop(L, 1);
    }
    if (em_h5_save_weights(path, "save_weights", layers, (int)n, backend, version)) return lt_raise(L);
    return 0;
}

/* Move the loaded weights into Lua tables.  Each userdata is created empty
 * and then filled, so a Lua memory error cannot strand a tensor. */
static void push_weights(lua_State *L, em_h5_weights *w) {
    lua_createtable(L, 0, 3);
    if (w->backend) lua_pushstring(L, w->backend), lua_setfield(L, -2, "backend");
    if (w->keras_version) lua_pushstring(L, w->keras_version), lua_setfield(L, -2, "keras_version");
    lua_createtable(L, w->nlayers, 0);
    for (int i = 0; i < w->nlayers; i++) {
        em_h5_layer *l = &w->layers[i];
        lua_createtable(L, 0, 3);
        lua_pushstring(L, l->name);
        lua_setfield(L, -2, "name");
        lua_createtable(L, l->nweights, 0);
        lua_createtable(L, l->nweights, 0);
        for (int j = 0; j < l->nweights; j++) {
            lua_pushstring(L, l->weight_names[j]);
            lua_rawseti(L, -3, j + 1);
            em_tensor *t = lt_new(L);
            *t = l->weights[j];
            memset(&l->weights[j], 0, sizeof l->weights[j]);
            lua_rawseti(L, -2, j + 1);
        }
        lua_setfield(L, -3, "weights");
        lua_setfield(L, -2, "weight_names");
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "layers");
}

/* em_h5_weights in a userdata with __gc: freed even if pushing raises. */
static int weights_gc(lua_State *L) {
    em_h5_weights *w = lua_touserdata(L, 1);
    em_h5_weights_free(w);
    return 0;
}

static int l_h5_load(lua_State *L) {
    const char *path = lt_check_path(L, 1, "load_weights", "path");
    em_h5_weights *w = lua_newuserdatauv(L, sizeof *w, 0);
    memset(w, 0, sizeof *w);
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, weights_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    if (em_h5_load_weights_isolated(path, "load_weights", w)) return lt_raise(L);
    push_weights(L, w);
    em_h5_weights_free(w);
    return 1;
}

void ember_open_h5(lua_State *L) {
    static const luaL_Reg functions[] = {{"h5_save", l_h5_save}, {"h5_load", l_h5_load}, {NULL, NULL}};
    luaL_setfuncs(L, functions, 0);
}
