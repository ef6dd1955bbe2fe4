/* JSON text -> Lua values, through the strict parser engine/io/json.c:
 *
 *   core.json_decode(text, who, null, array_mt, object_mt) -> value
 *
 * null becomes the given value (ember.None), arrays and objects become
 * tables with the given metatables (so an empty [] and {} stay apart for
 * the encoder, bindings/lua/ember/json.lua, which is the public face).
 * Integers written without a fraction or exponent that fit in int64 become
 * Lua integers; every other number a float.  Internal (ember.core). */
#include <string.h>

#include "../engine/core/error.h"
#include "../engine/io/json.h"
#include "ember_modules.h"
#include "lua_tensor.h"

#define JSON_TREE_MT "ember.json_tree"

static int tree_gc(lua_State *L) {
    em_json *t = luaL_checkudata(L, 1, JSON_TREE_MT);
    em_json_free(t);
    return 0;
}

/* Push v; arguments 3, 4, 5 are null, array_mt, object_mt. */
static void push_value(lua_State *L, const em_json *v) {
    luaL_checkstack(L, 4, "json_decode: nested too deeply");
    switch (v->kind) {
    case EM_JSON_NULL: lua_pushvalue(L, 3); break;
    case EM_JSON_FALSE: lua_pushboolean(L, 0); break;
    case EM_JSON_TRUE: lua_pushboolean(L, 1); break;
    case EM_JSON_NUMBER:
        if (v->is_integer) lua_pushinteger(L, (lua_Integer)v->integer);
        else lua_pushnumber(L, v->number);
        break;
    case EM_JSON_STRING: lua_pushlstring(L, v->str, v->len); break;
    case EM_JSON_ARRAY:
        lua_createtable(L, (int)(v->n < 1000000 ? v->n : 0), 0);
        for (size_t i = 0; i < v->n; i++) {
            push_value(L, &v->items[i]);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_pushvalue(L, 4);
        lua_setmetatable(L, -2);
        break;
    case EM_JSON_OBJECT:
        lua_createtable(L, 0, (int)(v->n < 1000000 ? v->n : 0));
        for (size_t i = 0; i < v->n; i++) {
            lua_pushlstring(L, v->items[i].key, v->items[i].key_len);
            push_value(L, &v->items[i]);
            lua_rawset(L, -3);
        }
        lua_pushvalue(L, 5);
        lua_setmetatable(L, -2);
        break;
    }
}

static int l_json_decode(lua_State *L) {
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    const char *who = luaL_optstring(L, 2, "json.decode");
    lua_settop(L, 5);
    /* The tree lives in a userdata until the Lua value is made: a Lua
     * error (memory) on the way frees it through __gc. */
    em_json *tree = lua_newuserdatauv(L, sizeof *tree, 0);
    memset(tree, 0, sizeof *tree);
    luaL_setmetatable(L, JSON_TREE_MT);
    if (em_json_parse(text, len, who, tree)) return lt_raise(L);
    push_value(L, tree);
    return 1;
}

void ember_open_json(lua_State *L) {
    luaL_newmetatable(L, JSON_TREE_MT);
    lua_pushcfunction(L, tree_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
    lua_pushcfunction(L, l_json_decode);
    lua_setfield(L, -2, "json_decode");
}
