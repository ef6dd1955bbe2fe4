/* Constructors of the core layers, registered into core.layers:
 *   core.layers.Dense{units =, activation =, use_bias =}
 *   core.layers.Embedding{input_dim =, output_dim =, input_length =, mask_zero =}
 *   core.layers.Flatten{}   core.layers.Dropout{rate =}   core.layers.Activation{activation =}
 *   core.layers.Masking{mask_value =}   core.layers.TimeDistributed(inner_core)
 * Each reads the Lua-side config table through the layer's declared options
 * (engine/layers/core_layers.h; other keys such as name or input_shape
 * belong to the Lua layer), so every option is checked where the layer is
 * written, and returns a core layer userdata. */
#include "ember_modules.h"
#include "lua_layer.h"
#include "lua_options.h"
#include "lua_tensor.h"

#include "../engine/core/error.h"
#include "../engine/layers/core_layers.h"
#include "../engine/layers/masking.h"
#include "../engine/layers/time_distributed.h"

static int l_dense(lua_State *L) {
    em_dense_config c;
    lt_read_options(L, 1, "Dense", em_dense_options, &c);
    ember_push_layer(L, em_dense_new(c.units, c.activation, c.use_bias));
    return 1;
}

static int l_embedding(lua_State *L) {
    em_embedding_config c;
    lt_read_options(L, 1, "Embedding", em_embedding_options, &c);
    ember_push_layer(L, em_embedding_from_config(&c));
    return 1;
}

static int l_flatten(lua_State *L) {
    ember_push_layer(L, em_flatten_new());
    return 1;
}

static int l_dropout(lua_State *L) {
    em_dropout_config c;
    lt_read_options(L, 1, "Dropout", em_dropout_options, &c);
    ember_push_layer(L, em_dropout_new(c.rate));
    return 1;
}

static int l_activation(lua_State *L) {
    em_activation_config c;
    lt_read_options(L, 1, "Activation", em_activation_options, &c);
    ember_push_layer(L, em_activation_layer_new(c.activation));
    return 1;
}

static int l_masking(lua_State *L) {
    em_masking_config c;
    lt_read_options(L, 1, "Masking", em_masking_options, &c);
    ember_push_layer(L, em_masking_new(c.mask_value));
    return 1;
}

/* TimeDistributed(inner_core): the wrapper's engine layer owns the inner
 * one; its userdata stays usable (layer.layer on the Lua side). */
static int l_time_distributed(lua_State *L) {
    em_layer *inner = ember_check_layer(L, 1, "TimeDistributed");
    if (!ember_layer_is_owned(L, 1))
        return luaL_error(L, "TimeDistributed: the wrapped layer already belongs to another wrapper");
    ember_push_layer(L, em_time_distributed_new(inner));
    ember_layer_give_away(L, 1, -1, "TimeDistributed");
    return 1;
}

void ember_open_layers_core(lua_State *L) {
    static const luaL_Reg constructors[] = {{"Dense", l_dense}, {"Embedding", l_embedding}, {"Flatten", l_flatten},
                                            {"Dropout", l_dropout}, {"Activation", l_activation},
                                            {"Masking", l_masking}, {"TimeDistributed", l_time_distributed},
                                            {NULL, NULL}};
    luaL_setfuncs(L, constructors, 0);
    lt_register_options(L, "Dense", em_dense_options);
    lt_register_options(L, "Embedding", em_embedding_options);
    lt_register_options(L, "Flatten", em_no_options);
    lt_register_options(L, "Dropout", em_dropout_options);
    lt_register_options(L, "Activation", em_activation_options);
    lt_register_options(L, "Masking", em_masking_options);
}
