/* luaopen_ember_core: assembles the C half of the library from every binding
 * area, and the package.preload hooks that make `require "ember"` work. */
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "ember_modules.h"
#include "lua_options.h"
#include "../engine/core/parallel.h"
#include "../engine/core/tensor.h"
#include "../engine/layers/recurrent.h"
#include "lua_tensor.h"
#include <stdint.h>

void ember_open_layers(lua_State *L) {
    lua_newtable(L);
    lt_open_options(L);
    ember_open_layers_core(L);
    ember_open_layers_recurrent(L);
    ember_open_layers_conv(L);
    ember_open_layers_norm(L);
    ember_open_layers_merge(L);
    lua_setfield(L, -2, "layers");
}

/* ember.clock(): monotonic wall time in seconds, for timing runs. */
static int l_clock(lua_State *L) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    lua_pushnumber(L, (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9);
    return 1;
}

/* ember.peak_rss(): the process's peak resident set size in bytes. */
static int l_peak_rss(lua_State *L) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    lua_pushinteger(L, (lua_Integer)ru.ru_maxrss * 1024);
    return 1;
}

/* ember.debug.storage_allocations(): tensor storages allocated so far (a
 * counter for specs that check buffer reuse; not part of the API). */
static int l_storage_allocations(lua_State *L) {
    lua_pushinteger(L, (lua_Integer)em_storage_allocations());
    return 1;
}

/* ember.debug.pool_threads(): threads the engine pool's loops may use now
 * (for specs of ember.set_num_threads; not part of the API). */
static int l_pool_threads(lua_State *L) {
    lua_pushinteger(L, em_num_threads());
    return 1;
}

/* ember.debug.rnn_blocks(batch): blocks of rows a recurrent layer cuts a
 * batch into (engine/layers/recurrent_cell.h; for specs, not the API). */
static int l_rnn_blocks(lua_State *L) {
    lua_pushinteger(L, (lua_Integer)em_rnn_block_count(lt_check_int(L, 1, "debug.rnn_blocks", "batch", 1, INT32_MAX)));
    return 1;
}

/// @api ember.clock() -> number
/// Monotonic wall time in seconds, for timing runs.

/// @api ember.peak_rss() -> integer
/// The process's peak resident set size, in bytes.

/// @api ember.debug.storage_allocations() -> integer
/// Tensor storages allocated so far (diagnostics).

/// @api ember.debug.pool_threads() -> integer
/// Threads the engine pool's loops may use now (diagnostics).

/// @api ember.debug.rnn_blocks(batch) -> integer
/// Blocks of rows a recurrent layer cuts a batch of this size into (diagnostics).
/// @arg batch: the batch size

int luaopen_ember_core(lua_State *L) {
    lua_newtable(L);
    lua_pushcfunction(L, l_clock);
    lua_setfield(L, -2, "clock");
    lua_pushcfunction(L, l_peak_rss);
    lua_setfield(L, -2, "peak_rss");
    lua_pushcfunction(L, lt_nearest_name);
    lua_setfield(L, -2, "_nearest_name");
    lua_newtable(L);
    lua_pushcfunction(L, l_storage_allocations);
    lua_setfield(L, -2, "storage_allocations");
    lua_pushcfunction(L, l_pool_threads);
    lua_setfield(L, -2, "pool_threads");
    lua_pushcfunction(L, l_rnn_blocks);
    lua_setfield(L, -2, "rnn_blocks");
    lua_setfield(L, -2, "debug");
    ember_open_fpmode(L);
    ember_open_tensor(L);
    ember_open_tensor_print(L);
    ember_open_tensor_math(L);
    ember_open_tensor_reduce(L);
    ember_open_tensor_matmul(L);
    ember_open_tensor_shape(L);
    ember_open_io(L);
    ember_open_h5(L);
    ember_open_json(L);
    ember_open_layer(L);
    ember_open_layers(L);
    ember_open_train(L);
    ember_open_fs(L);
    ember_open_text(L);
    ember_open_data(L);
    ember_open_plot(L);
    ember_open_net(L);
    ember_open_distributed(L);
    return 1;
}

static int load_embedded(lua_State *L) {
    const char *name = luaL_checkstring(L, 1);
    for (const ember_lua_module *m = ember_lua_modules; m->name; m++) {
        if (strcmp(m->name, name) != 0) continue;
        char chunk[256];
        snprintf(chunk, sizeof chunk, "@[ember]/%s.lua", name);
        if (luaL_loadbufferx(L, m->source, m->length, chunk, "t") != LUA_OK) return lua_error(L);
        lua_pushvalue(L, 1);
        lua_call(L, 1, 1);
        return 1;
    }
    return luaL_error(L, "module '%s' is not embedded", name);
}

void ember_preload(lua_State *L) {
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushcfunction(L, luaopen_ember_core);
    lua_setfield(L, -2, "ember.core");
    for (const ember_lua_module *m = ember_lua_modules; m->name; m++) {
        lua_pushcfunction(L, load_embedded);
        lua_setfield(L, -2, m->name);
    }
    lua_pop(L, 1);
}
