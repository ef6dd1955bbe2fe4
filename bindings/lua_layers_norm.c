/* Constructors of the normalization layers, registered into core.layers:
 *   core.layers.BatchNormalization{axis =, momentum =, epsilon =, center =, scale =, *_initializer =}
 *   core.layers.LayerNormalization{axis =, epsilon =, center =, scale =, beta_initializer =, gamma_initializer =}
 * Each reads the config through the layer's declared options
 * (engine/layers/norm_layers.h) and returns a core layer userdata. */
#include "ember_modules.h"
#include "lua_layer.h"
#include "lua_options.h"

#include "../engine/layers/norm_layers.h"

static int l_batch_norm(lua_State *L) {
    em_batch_norm_config c;
    lt_read_options(L, 1, "BatchNormalization", em_batch_norm_options, &c);
    ember_push_layer(L, em_batch_norm_new(&c));
    return 1;
}

static int l_layer_norm(lua_State *L) {
    em_layer_norm_config c;
    lt_read_options(L, 1, "LayerNormalization", em_layer_norm_options, &c);
    ember_push_layer(L, em_layer_norm_new(&c));
    return 1;
}

void ember_open_layers_norm(lua_State *L) {
    static const luaL_Reg constructors[] = {
        {"BatchNormalization", l_batch_norm}, {"LayerNormalization", l_layer_norm}, {NULL, NULL}};
    luaL_setfuncs(L, constructors, 0);
    lt_register_options(L, "BatchNormalization", em_batch_norm_options);
    lt_register_options(L, "LayerNormalization", em_layer_norm_options);
}
