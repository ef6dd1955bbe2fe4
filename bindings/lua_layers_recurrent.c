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

/* state_count(core) -> integer: 1 or 2 for a cell, both halves' for
 * Bidirectional, 0 for any other layer. */
static int l_state_count(lua_State *L) {
    em_layer *l = ember_check_layer(L, 1, "state_count");
    lua_pushinteger(L, em_rnn_layer_config(l) ? em_rnn_state_count(l) : em_bidirectional_state_count(l));
    return 1;
}

/* reset_states(core[, {tensor...}]): the Lua half (layers/recurrent.lua)
 * has checked the argument is a list; the engine checks the rest. */
static int l_reset_states(lua_State *L) {
    em_layer *l = ember_check_layer(L, 1, "reset_states");
    em_tensor values[4];
    int n = 0;
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        lua_Integer len = luaL_len(L, 2);
        if (len > 4) return luaL_error(L, "%s: reset_states: argument 'states' expected at most 4 tensors, got %I",
                                       l->ops->type, len);
        n = (int)len;
        for (int i = 0; i < n; i++) {
            lua_geti(L, 2, i + 1);
            values[i] = *lt_check(L, -1, "reset_states", "states");  /* a shallow copy: no reference taken */
            lua_pop(L, 1);  /* still referenced by the table at 2 */
        }
    }
    int rc = em_rnn_layer_config(l) ? em_rnn_reset_states(l, n, values) : em_bidirectional_reset_states(l, n, values);
    if (rc) return lt_raise(L);
    return 0;
}

void ember_open_layers_recurrent(lua_State *L) {
    static const luaL_Reg fns[] = {{"SimpleRNN", l_simple_rnn}, {"LSTM", l_lstm}, {"GRU", l_gru},
                                   {"Bidirectional", l_bidirectional}, {"state_count", l_state_count},
                                   {"reset_states", l_reset_states}, {NULL, NULL}};
    luaL_setfuncs(L, fns, 0);
    lt_register_options(L, "SimpleRNN", em_simple_rnn_options);
    lt_register_options(L, "LSTM", em_lstm_options);
    lt_register_options(L, "GRU", em_gru_options);
}
