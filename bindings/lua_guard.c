#include "lua_guard.h"

#include <lauxlib.h>

int lg_anchor_list(lua_State *L, int idx, const char *fn, const char *arg, lua_Integer max, lua_Integer *n) {
    idx = lua_absindex(L, idx);
    lua_Integer len = luaL_len(L, idx);
    if (len < 0 || len > max) return luaL_error(L, "%s: argument '%s' has %I entries, at most %I", fn, arg, len, max);
    lua_createtable(L, len > 0 && len < (1 << 20) ? (int)len : 0, 0);
    int anchor = lua_gettop(L);
    for (lua_Integer i = 1; i <= len; i++) {
        lua_geti(L, idx, i);
        lua_rawseti(L, anchor, i);
    }
    *n = len;
    return anchor;
}

static int finalized_use(lua_State *L) {
    lua_getmetatable(L, 1);
    lua_getfield(L, -1, "__name");
    return luaL_error(L, "%s: this object was finalized (a finalizer brought it back); it can no longer be used",
                      lua_tostring(L, -1));
}

void lg_mark_finalized(lua_State *L, int idx, const char *type) {
    idx = lua_absindex(L, idx);
    lua_createtable(L, 0, 6);
    lua_pushfstring(L, "%s (finalized)", type);
    lua_setfield(L, -2, "__name");
    static const char *const events[] = {"__index", "__newindex", "__call", "__len", "__tostring", NULL};
    for (int i = 0; events[i]; i++) {
        lua_pushcfunction(L, finalized_use);
        lua_setfield(L, -2, events[i]);
    }
    lua_setmetatable(L, idx);
}
