/* ember.set_flush_denormal(on), ember.flush_denormal(): flush-to-zero and
 * denormals-are-zero for every thread that computes (engine/core/fpmode.h),
 * on by default from the first time the library is opened; and
 * ember.debug.fp_census{clear = bool}, every thread's mode and sticky
 * flags, for specs (not part of the API). */
#include <lauxlib.h>
#include <pthread.h>

#include "ember_modules.h"
#include "lua_tensor.h"
#include "../engine/core/fpmode.h"

/* Returns true when the mode is supported (and so set), false when this
 * architecture has none, as torch.set_flush_denormal does. */
static int l_set_flush_denormal(lua_State *L) {
    if (lua_type(L, 1) != LUA_TBOOLEAN) return lt_argerror(L, 1, "set_flush_denormal", "on", "a boolean");
    if (!em_fp_flush_supported()) {
        lua_pushboolean(L, 0);
        return 1;
    }
    if (em_fp_set_flush_denormal(lua_toboolean(L, 1))) return lt_raise(L);
    lua_pushboolean(L, 1);
    return 1;
}

static int l_flush_denormal(lua_State *L) {
    lua_pushboolean(L, em_fp_flush_supported() && em_fp_flush_denormal());
    return 1;
}

static void set_int(lua_State *L, const char *key, int v) {
    lua_pushinteger(L, v);
    lua_setfield(L, -2, key);
}

static int l_fp_census(lua_State *L) {
    int clear = lt_opt_bool(L, 1, "debug.fp_census", "clear", 0);
    em_fp_census_t c;
    if (em_fp_census(&c, clear)) return lt_raise(L);
    lua_createtable(L, 0, 5);
    set_int(L, "threads", c.threads);
    set_int(L, "unreached", c.unreached);
    set_int(L, "flushing", c.flushing);
    set_int(L, "denormal", c.denormal);
    set_int(L, "underflow", c.underflow);
    return 1;
}

/* The default is applied once per process, by whichever Lua state opens the
 * library first: a later state must not undo a user's choice. */
static pthread_once_t default_once = PTHREAD_ONCE_INIT;
static void apply_default(void) {
    if (em_fp_flush_supported()) em_fp_set_flush_denormal(1);
}

/// @api ember.set_flush_denormal(on) -> boolean
/// Flush-to-zero/denormals-are-zero in every thread (on by default); false where unsupported.
/// @arg on: a boolean

/// @api ember.flush_denormal() -> boolean
/// Whether flushing of denormals is on.

/// @api ember.debug.fp_census([opts]) -> table
/// Every thread's floating-point mode and sticky flags (diagnostics).
/// @opt clear = false: clear the sticky flags after reading

void ember_open_fpmode(lua_State *L) {
    pthread_once(&default_once, apply_default);
    lua_pushcfunction(L, l_set_flush_denormal);
    lua_setfield(L, -2, "set_flush_denormal");
    lua_pushcfunction(L, l_flush_denormal);
    lua_setfield(L, -2, "flush_denormal");
    lua_getfield(L, -1, "debug");
    lua_pushcfunction(L, l_fp_census);
    lua_setfield(L, -2, "fp_census");
    lua_pop(L, 1);
}
