/* Constructors of the convolution and pooling core layers, registered into
 * core.layers.  Each takes the layer's config table (as ember.layers.conv
 * collects it: positional arguments by name, options) and checks every value
 * before any engine object exists:
 *   core.layers.Conv1D{filters=, kernel_size=, activation=, padding=, strides=,
 *                      dilation_rate=, use_bias=}
 *   core.layers.MaxPooling1D{pool_size=, strides=, padding=}   (AveragePooling1D alike)
 *   core.layers.GlobalMaxPooling1D{}, core.layers.GlobalAveragePooling1D{} */
#include <lauxlib.h>
#include <lua.h>

#include "../engine/core/error.h"
#include "../engine/layers/conv1d.h"
#include "../engine/layers/global_pooling1d.h"
#include "../engine/layers/pooling1d.h"
#include "ember_modules.h"
#include "lua_layer.h"
#include "lua_tensor.h"

/* A positive size from config[key]: an integer or a one-element table ({7},
 * Keras's 1-tuple).  `required` = 0 returns def when absent. */
static int64_t size_field(lua_State *L, int idx, const char *layer, const char *key, int required, int64_t def) {
    lua_getfield(L, idx, key);
    if (lua_istable(L, -1) && luaL_len(L, -1) == 1 && lua_getmetatable(L, -1) == 0) {
        lua_geti(L, -1, 1);
        lua_remove(L, -2);
    }
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        if (required) return luaL_error(L, "%s: argument '%s' is required (a positive integer)", layer, key);
        return def;
    }
    int isnum = 0;
    lua_Integer v = lua_tointegerx(L, -1, &isnum);
    if (!isnum || v <= 0)
        return luaL_error(L, "%s: '%s' must be a positive integer, got %s", layer, key, luaL_tolstring(L, -1, NULL));
    lua_pop(L, 1);
    return v;
}

static em_padding padding_field(lua_State *L, int idx, const char *layer, int allow_causal) {
    em_padding p;
    const char *name = lt_opt_string(L, idx, layer, "padding", "valid");
    if (em_padding_parse(layer, name, allow_causal, &p)) lt_raise(L);
    return p;
}

static int l_conv1d(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    em_conv1d_config c;
    c.filters = size_field(L, 1, "Conv1D", "filters", 1, 0);
    c.kernel_size = size_field(L, 1, "Conv1D", "kernel_size", 1, 0);
    c.strides = size_field(L, 1, "Conv1D", "strides", 0, 1);
    c.dilation_rate = size_field(L, 1, "Conv1D", "dilation_rate", 0, 1);
    c.padding = padding_field(L, 1, "Conv1D", 1);
    if (em_activation_parse("Conv1D", lt_opt_string(L, 1, "Conv1D", "activation", NULL), &c.activation)) lt_raise(L);
    c.use_bias = lt_opt_bool(L, 1, "Conv1D", "use_bias", 1);
    ember_push_layer(L, em_conv1d_new(&c));
    return 1;
}

static int pooling(lua_State *L, const char *layer, em_layer *(*make)(int64_t, int64_t, em_padding)) {
    luaL_checktype(L, 1, LUA_TTABLE);
    int64_t pool = size_field(L, 1, layer, "pool_size", 0, 2);
    int64_t strides = size_field(L, 1, layer, "strides", 0, pool);  /* Keras: strides=None -> pool_size */
    em_padding padding = padding_field(L, 1, layer, 0);
    ember_push_layer(L, make(pool, strides, padding));
    return 1;
}

static int l_max_pooling1d(lua_State *L) { return pooling(L, "MaxPooling1D", em_max_pooling1d_new); }
static int l_average_pooling1d(lua_State *L) { return pooling(L, "AveragePooling1D", em_average_pooling1d_new); }
static int l_global_max_pooling1d(lua_State *L) {
    ember_push_layer(L, em_global_max_pooling1d_new());
    return 1;
}
static int l_global_average_pooling1d(lua_State *L) {
    ember_push_layer(L, em_global_average_pooling1d_new());
    return 1;
}

void ember_open_layers_conv(lua_State *L) {
    static const luaL_Reg fns[] = {{"Conv1D", l_conv1d},
                                   {"MaxPooling1D", l_max_pooling1d},
                                   {"AveragePooling1D", l_average_pooling1d},
                                   {"GlobalMaxPooling1D", l_global_max_pooling1d},
                                   {"GlobalAveragePooling1D", l_global_average_pooling1d},
                                   {NULL, NULL}};
    luaL_setfuncs(L, fns, 0);
}
