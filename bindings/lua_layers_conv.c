/* Constructors of the convolution and pooling core layers, registered into
 * core.layers.  Each reads the layer's config table (as ember.layers.conv
 * collects it: positional arguments by name, options) through the layer's
 * declared options (engine/layers/conv1d.h, pooling1d.h) before any engine
 * object exists:
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
#include "lua_options.h"
#include "lua_tensor.h"

static int l_conv1d(lua_State *L) {
    em_conv1d_config c;
    lt_read_options(L, 1, "Conv1D", em_conv1d_options, &c);
    ember_push_layer(L, em_conv1d_new(&c));
    return 1;
}

static int pooling(lua_State *L, const char *layer, em_layer *(*make)(int64_t, int64_t, em_padding)) {
    em_pooling1d_config c;
    lt_read_options(L, 1, layer, em_pooling1d_options, &c);
    ember_push_layer(L, make(c.pool_size, c.strides ? c.strides : c.pool_size, (em_padding)c.padding));
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
    lt_register_options(L, "Conv1D", em_conv1d_options);
    lt_register_options(L, "MaxPooling1D", em_pooling1d_options);
    lt_register_options(L, "AveragePooling1D", em_pooling1d_options);
    lt_register_options(L, "GlobalMaxPooling1D", em_no_options);
    lt_register_options(L, "GlobalAveragePooling1D", em_no_options);
}
