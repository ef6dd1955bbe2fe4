/* Constructors of the core layers, registered into core.layers:
 *   core.layers.Dense{units =, activation =, use_bias =}
 *   core.layers.Embedding{input_dim =, output_dim =, input_length =, mask_zero =}
 *   core.layers.Flatten{}   core.layers.Dropout{rate =}   core.layers.Activation{activation =}
 * Each takes the Lua-side config table (other keys such as name or
 * input_shape belong to the Lua layer and are ignored here), checks every
 * option it reads, and returns a core layer userdata. */
#include "ember_modules.h"
#include "lua_layer.h"
#include "lua_tensor.h"

#include "../engine/core/error.h"
#include "../engine/layers/core_layers.h"

static void require_key(lua_State *L, const char *fn, const char *key) {
    if (!lua_istable(L, 1)) luaL_error(L, "%s: expected a config table, got %s", fn, luaL_typename(L, 1));
    if (lua_getfield(L, 1, key) == LUA_TNIL) luaL_error(L, "%s: option '%s' is required", fn, key);
    lua_pop(L, 1);
}

static em_activation check_activation(lua_State *L, const char *fn, int required) {
    if (required) require_key(L, fn, "activation");
    const char *name = lt_opt_string(L, 1, fn, "activation", NULL);
    em_activation a;
    if (em_activation_parse(fn, name, &a)) lt_raise(L);
    return a;
}

static int l_dense(lua_State *L) {
    require_key(L, "Dense", "units");
    int64_t units = lt_opt_int(L, 1, "Dense", "units", 0, 1, INT32_MAX);
    em_activation act = check_activation(L, "Dense", 0);
    int use_bias = lt_opt_bool(L, 1, "Dense", "use_bias", 1);
    ember_push_layer(L, em_dense_new(units, act, use_bias));
    return 1;
}

static int l_embedding(lua_State *L) {
    require_key(L, "Embedding", "input_dim");
    require_key(L, "Embedding", "output_dim");
    int64_t input_dim = lt_opt_int(L, 1, "Embedding", "input_dim", 0, 1, INT32_MAX);
    int64_t output_dim = lt_opt_int(L, 1, "Embedding", "output_dim", 0, 1, INT32_MAX);
    int64_t input_length = lt_opt_int(L, 1, "Embedding", "input_length", 0, 1, INT32_MAX);
    if (lt_opt_bool(L, 1, "Embedding", "mask_zero", 0))
        return luaL_error(L, "Embedding: option 'mask_zero' = true is not supported yet (no layer consumes masks)");
    ember_push_layer(L, em_embedding_new(input_dim, output_dim, input_length));
    return 1;
}

static int l_flatten(lua_State *L) {
    ember_push_layer(L, em_flatten_new());
    return 1;
}

static int l_dropout(lua_State *L) {
    require_key(L, "Dropout", "rate");
    double rate = lt_opt_number(L, 1, "Dropout", "rate", 0);
    if (!(rate >= 0 && rate < 1)) return luaL_error(L, "Dropout: option 'rate' must be in [0, 1), got %f", rate);
    ember_push_layer(L, em_dropout_new(rate));
    return 1;
}

static int l_activation(lua_State *L) {
    em_activation act = check_activation(L, "Activation", 1);
    ember_push_layer(L, em_activation_layer_new(act));
    return 1;
}

void ember_open_layers_core(lua_State *L) {
    static const luaL_Reg constructors[] = {{"Dense", l_dense}, {"Embedding", l_embedding}, {"Flatten", l_flatten},
                                            {"Dropout", l_dropout}, {"Activation", l_activation}, {NULL, NULL}};
    luaL_setfuncs(L, constructors, 0);
}
