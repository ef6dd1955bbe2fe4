/* Constructors for the recurrent layers, registered into core.layers:
 *   SimpleRNN(config), LSTM(config), GRU(config) -> core layer
 *   Bidirectional(forward_core, backward_core, config) -> core layer
 * config is the options table the Lua layer object collected (units,
 * activation, ...).  Every option is checked here, so a mistake surfaces
 * where the layer is written. */
#include <stdio.h>
#include <string.h>

#include "../engine/core/error.h"
#include "../engine/layers/recurrent.h"
#include "ember_modules.h"
#include "lua_layer.h"
#include "lua_tensor.h"

#define KEEP_ALIVE_KEY "ember.bidirectional_inner"

static em_activation opt_activation(lua_State *L, int idx, const char *fn, const char *key, const char *def) {
    const char *name = lt_opt_string(L, idx, fn, key, def);
    em_activation a;
    if (em_activation_parse(fn, name, &a)) lt_raise(L);
    if (a == EM_ACT_SOFTMAX)
        luaL_error(L, "%s: option '%s' cannot be softmax (not an elementwise activation)", fn, key);
    return a;
}

static double opt_rate(lua_State *L, int idx, const char *fn, const char *key) {
    double p = lt_opt_number(L, idx, fn, key, 0.0);
    if (!(p >= 0.0 && p < 1.0)) {
        char num[64];
        snprintf(num, sizeof num, "%g", p);  /* luaL_error has no %g */
        luaL_error(L, "%s: option '%s' must be in [0, 1), got %s", fn, key, num);
    }
    return p;
}

/* The config table at idx -> em_rnn_config. */
static void check_config(lua_State *L, int idx, const char *fn, em_rnn_config *c) {
    luaL_checktype(L, idx, LUA_TTABLE);
    em_rnn_config_default(c);
    lua_getfield(L, idx, "units");
    if (lua_isnil(L, -1)) luaL_error(L, "%s: argument 'units' is required (the size of the state)", fn);
    lua_pop(L, 1);
    c->units = lt_opt_int(L, idx, fn, "units", 0, 1, INT32_MAX);
    c->activation = opt_activation(L, idx, fn, "activation", "tanh");
    c->recurrent_activation = opt_activation(L, idx, fn, "recurrent_activation", "sigmoid");
    c->return_sequences = lt_opt_bool(L, idx, fn, "return_sequences", 0);
    c->go_backwards = lt_opt_bool(L, idx, fn, "go_backwards", 0);
    c->dropout = opt_rate(L, idx, fn, "dropout");
    c->recurrent_dropout = opt_rate(L, idx, fn, "recurrent_dropout");
    c->use_bias = lt_opt_bool(L, idx, fn, "use_bias", 1);
    c->unit_forget_bias = lt_opt_bool(L, idx, fn, "unit_forget_bias", 1);
    c->reset_after = lt_opt_bool(L, idx, fn, "reset_after", 0);
}

static int l_simple_rnn(lua_State *L) {
    em_rnn_config c;
    check_config(L, 1, "SimpleRNN", &c);
    ember_push_layer(L, em_simple_rnn_new(&c));
    return 1;
}

static int l_lstm(lua_State *L) {
    em_rnn_config c;
    check_config(L, 1, "LSTM", &c);
    ember_push_layer(L, em_lstm_new(&c));
    return 1;
}

static int l_gru(lua_State *L) {
    em_rnn_config c;
    check_config(L, 1, "GRU", &c);
    ember_push_layer(L, em_gru_new(&c));
    return 1;
}

/* Bidirectional(forward_core, backward_core, {merge_mode = ...}).  The
 * wrapper's engine layer does not own the inner ones: an ephemeron table
 * (weak keys) keeps them alive exactly as long as the wrapper userdata. */
static int l_bidirectional(lua_State *L) {
    em_layer *fwd = ember_check_layer(L, 1, "Bidirectional");
    em_layer *bwd = ember_check_layer(L, 2, "Bidirectional");
    if (!lua_isnoneornil(L, 3)) luaL_checktype(L, 3, LUA_TTABLE);
    int mode = lt_opt_choice(L, 3, "Bidirectional", "merge_mode", "concat", em_merge_mode_names);
    ember_push_layer(L, em_bidirectional_new(fwd, bwd, (em_merge_mode)mode));
    lua_getfield(L, LUA_REGISTRYINDEX, KEEP_ALIVE_KEY);
    lua_pushvalue(L, -2);
    lua_createtable(L, 2, 0);
    lua_pushvalue(L, 1);
    lua_rawseti(L, -2, 1);
    lua_pushvalue(L, 2);
    lua_rawseti(L, -2, 2);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    return 1;
}

void ember_open_layers_recurrent(lua_State *L) {
    static const luaL_Reg fns[] = {{"SimpleRNN", l_simple_rnn}, {"LSTM", l_lstm}, {"GRU", l_gru},
                                   {"Bidirectional", l_bidirectional}, {NULL, NULL}};
    luaL_setfuncs(L, fns, 0);
    lua_newtable(L);
    lua_newtable(L);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, KEEP_ALIVE_KEY);
}
