/* Constructors for the recurrent layers, registered into core.layers:
 *   SimpleRNN(config), LSTM(config), GRU(config) -> core layer
 *   Bidirectional(forward_core, backward_core, config) -> core layer
 * config is the options table the Lua layer object collected (units,
 * activation, ...), read through the cells' declared options
 * (engine/layers/recurrent.c): every option is checked here, so a mistake
 * surfaces where the layer is written. */
#include <string.h>

#include "../engine/core/error.h"
#include "../engine/layers/recurrent.h"
#include "ember_modules.h"
#include "lua_layer.h"
#include "lua_options.h"
#include "lua_tensor.h"

/* Each constructor reads its config through the cell's declared options. */
#define CELL_CONSTRUCTOR(fname, type, table, make)                                                         \
    static int fname(lua_State *L) {                                                                       \
        em_rnn_config c = {0};                                                                               \
        lt_read_options(L, 1, type, table, &c);                                                              \
        ember_push_layer(L, make(&c));                                                                       \
        return 1;                                                                                            \
    }

CELL_CONSTRUCTOR(l_simple_rnn, "SimpleRNN", em_simple_rnn_options, em_simple_rnn_new)
CELL_CONSTRUCTOR(l_lstm, "LSTM", em_lstm_options, em_lstm_new)
CELL_CONSTRUCTOR(l_gru, "GRU", em_gru_options, em_gru_new)

/* Bidirectional(forward_core, backward_core, {merge_mode = ...}).  The
 * wrapper's engine layer owns the inner ones; their userdata stay usable
 * (forward_layer, backward_layer on the Lua side) and keep the wrapper
 * alive. */
static int l_bidirectional(lua_State *L) {
    em_layer *fwd = ember_check_layer(L, 1, "Bidirectional");
    em_layer *bwd = ember_check_layer(L, 2, "Bidirectional");
    if (!lua_isnoneornil(L, 3)) luaL_checktype(L, 3, LUA_TTABLE);
    int mode = lt_opt_choice(L, 3, "Bidirectional", "merge_mode", "concat", em_merge_mode_names);
    if (!ember_layer_is_owned(L, 1) || !ember_layer_is_owned(L, 2) || lua_rawequal(L, 1, 2))
        return luaL_error(L, "Bidirectional: the wrapped layers already belong to another wrapper");
    ember_push_layer(L, em_bidirectional_new(fwd, bwd, (em_merge_mode)mode));
    ember_layer_give_away(L, 1, -1, "Bidirectional");
    ember_layer_give_away(L, 2, -1, "Bidirectional");
    return 1;
}

void ember_open_layers_recurrent(lua_State *L) {
    static const luaL_Reg fns[] = {{"SimpleRNN", l_simple_rnn}, {"LSTM", l_lstm}, {"GRU", l_gru},
                                   {"Bidirectional", l_bidirectional}, {NULL, NULL}};
    luaL_setfuncs(L, fns, 0);
    lt_register_options(L, "SimpleRNN", em_simple_rnn_options);
    lt_register_options(L, "LSTM", em_lstm_options);
    lt_register_options(L, "GRU", em_gru_options);
}
