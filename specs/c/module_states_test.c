/* ember.so in a C program that embeds Lua and opens and closes states one
 * after another (specs/lua_module_spec.lua).  Each state loads the module
 * through package.cpath, trains on 2 threads (the engine's pool and
 * OpenBLAS start workers that never stop) and is closed, which dlcloses the
 * module.  The module must stay mapped (it is linked -z nodelete): those
 * workers and the FTZ signal handler still point into it.  The next state
 * loads it again, trains and counts every thread's floating-point mode by
 * signal (so the first state's workers run the handler too).
 *   module_states_test DIR    (DIR holds ember.so)
 * Prints "state N: ok ..." lines and "mapped after close: yes|no". */
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <string.h>

static const char *script =
    "local dir = ...\n"
    "package.cpath = dir .. '/?.so;' .. package.cpath\n"
    "local ember = require 'ember'\n"
    "ember.set_num_threads(2)\n"
    "ember.seed(5)\n"
    "local L = ember.layers\n"
    "local m = ember.Sequential{L.Dense(256, {activation = 'relu', input_dim = 64}), L.Dense(1)}\n"
    "m:compile{optimizer = 'adam', loss = 'mse'}\n"
    "local h = m:fit(ember.randn{256, 64}, ember.randn{256}, {epochs = 2, batch_size = 64, verbose = 0})\n"
    "local r = ember.Sequential{L.LSTM(32, {input_shape = {4, 3}}), L.Dense(1)}\n"
    "r:compile{optimizer = 'rmsprop', loss = 'mse'}\n"
    "r:fit(ember.randn{64, 4, 3}, ember.randn{64}, {epochs = 1, batch_size = 64, verbose = 0})\n"
    "local c = ember.debug.fp_census{}\n"
    "return string.format('loss %a threads %d unreached %d', h.history.loss[2], c.threads, c.unreached)\n";

/* 1 when a mapping of a file named ember.so is in /proc/self/maps. */
static int module_mapped(void) {
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) return -1;
    char line[4096];
    int found = 0;
    while (fgets(line, sizeof line, f))
        if (strstr(line, "/ember.so\n")) found = 1;
    fclose(f);
    return found;
}

static int run_state(int n, const char *dir) {
    lua_State *L = luaL_newstate();
    if (!L) return 1;
    luaL_openlibs(L);
    int ok = luaL_loadstring(L, script) == LUA_OK;
    if (ok) {
        lua_pushstring(L, dir);
        ok = lua_pcall(L, 1, 1, 0) == LUA_OK;
    }
    printf("state %d: %s %s\n", n, ok ? "ok" : "error", lua_tostring(L, -1));
    lua_close(L);
    return ok ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: module_states_test DIR\n");
        return 2;
    }
    if (run_state(1, argv[1])) return 1;
    printf("mapped after close: %s\n", module_mapped() == 1 ? "yes" : "no");
    if (run_state(2, argv[1])) return 1;
    printf("mapped after close: %s\n", module_mapped() == 1 ? "yes" : "no");
    return 0;
}
