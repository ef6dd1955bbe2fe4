/* The second front door: ember.so, the library as a Lua C module for a
 * plain lua5.4 (`package.cpath = "./?.so;" .. package.cpath; local ember =
 * require "ember"`).  It holds the same objects as the `ember` host minus
 * the host's own files (main.c, host.c, repl.c): no Ctrl-C handler of ours
 * (the interpreter keeps its own), no REPL completion, nothing that exits.
 *
 * The module is linked with -z nodelete (Makefile): the engine's thread
 * pool workers and OpenBLAS's threads never stop, and the FTZ/DAZ signal
 * handler (engine/core/fpmode.c) stays installed, so the code they run must
 * stay mapped after lua_close dlcloses the module. */
#include <lauxlib.h>
#include <lualib.h>

#include "ember_modules.h"

/* Runs the embedded "ember" module's preload entry as require would. */
static int load_ember(lua_State *L) {
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    if (lua_getfield(L, -1, "ember") != LUA_TFUNCTION)
        return luaL_error(L, "ember: the embedded module 'ember' is missing from package.preload");
    lua_pushstring(L, luaL_checkstring(L, 1));
    lua_pushliteral(L, ":preload:");
    lua_call(L, 2, 1);
    return 1;
}

/* require "ember" from plain Lua lands here once per Lua state (the
 * interpreter's loader).  It registers the library's package.preload
 * entries in that state, as the host does, and returns the same table the
 * host's require "ember" returns; a later require, even after
 * package.loaded.ember is cleared, finds the preload and loads the Lua
 * half again from memory without coming back here. */
int luaopen_ember(lua_State *L) {
    ember_preload(L);
    luaL_requiref(L, "ember", load_ember, 0);
    return 1;
}
