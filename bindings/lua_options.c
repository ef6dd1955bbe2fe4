/* Declared layer options (engine/layers/options.h) read from Lua.  The
 * tables are registered by type name in a registry table, so
 * core.layers.options("LSTM") lists what the Lua constructors accept. */
#include "lua_options.h"

#include <lauxlib.h>
#include <stdint.h>
#include <string.h>

#include "../engine/core/names.h"
#include "../engine/ops/activations.h"
#include "lua_tensor.h"

#define OPTIONS_KEY "ember.layer_options"

/* A SIZE: an integer >= lo, or Keras's 1-tuple of one ({7}); the default
 * when absent (the table itself is not changed). */
static int64_t read_size(lua_State *L, int idx, const char *fn, const em_option *o) {
    lua_getfield(L, idx, o->name);
    if (lua_istable(L, -1) && luaL_len(L, -1) == 1 && !lua_getmetatable(L, -1)) {
        lua_geti(L, -1, 1);
        lua_remove(L, -2);
    }
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return (int64_t)o->def;
    }
    int isnum = 0;
    lua_Integer v = lua_tointegerx(L, -1, &isnum);
    int is_default = !o->required && v == (lua_Integer)o->def;  /* e.g. strides 0: "as pool_size" */
    if (!isnum || (!is_default && (v < (lua_Integer)o->lo || (double)v > o->hi)))
        return luaL_error(L, "%s: option '%s' must be a positive integer (or a 1-element table), got %s", fn, o->name,
                          luaL_tolstring(L, -1, NULL));
    lua_pop(L, 1);
    return v;
}

static int read_choice(lua_State *L, int idx, const char *fn, const em_option *o) {
    const char *name = lt_opt_string(L, idx, fn, o->name, o->choices[(int)o->def]);
    for (int i = 0; o->choices[i]; i++)
        if (strcmp(name, o->choices[i]) == 0) return i;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    lua_pushfstring(L, "%s: option '%s' must be one of ", fn, o->name);
    luaL_addvalue(&b);
    for (int i = 0; o->choices[i]; i++) {
        lua_pushfstring(L, "%s\"%s\"", i ? ", " : "", o->choices[i]);
        luaL_addvalue(&b);
    }
    char hint[96] = "";
    em_append_suggestion(hint, sizeof hint, name, o->choices, -1);
    lua_pushfstring(L, ", got \"%s\"%s", name, hint);
    luaL_addvalue(&b);
    luaL_pushresult(&b);
    return lua_error(L);
}

static void read_one(lua_State *L, int idx, const char *fn, const em_option *o, char *base) {
    switch (o->type) {
    case EM_OPTION_SIZE: *(int64_t *)(base + o->offset) = read_size(L, idx, fn, o); break;
    case EM_OPTION_INT:
        *(int64_t *)(base + o->offset) =
            lt_opt_int(L, idx, fn, o->name, (int64_t)o->def,
                       !o->required && o->def < o->lo ? (int64_t)o->def : (int64_t)o->lo, (int64_t)o->hi);
        break;
    case EM_OPTION_CHOICE: *(int *)(base + o->offset) = read_choice(L, idx, fn, o); break;
    case EM_OPTION_RATE:
    case EM_OPTION_NUMBER: *(double *)(base + o->offset) = lt_opt_number(L, idx, fn, o->name, o->def); break;
    case EM_OPTION_BOOL: *(int *)(base + o->offset) = lt_opt_bool(L, idx, fn, o->name, o->def != 0); break;
    case EM_OPTION_ACTIVATION:
    case EM_OPTION_ANY_ACTIVATION: {
        const char *name = lt_opt_string(L, idx, fn, o->name, em_activation_names[(int)o->def]);
        em_activation a;
        if (em_activation_parse(fn, name, &a)) lt_raise(L);
        *(em_activation *)(base + o->offset) = a;
        break;
    }
    }
}

void lt_read_options(lua_State *L, int idx, const char *fn, const em_option *table, void *config) {
    luaL_checktype(L, idx, LUA_TTABLE);
    em_options_defaults(table, config);
    for (const em_option *o = table; o->name; o++) {
        if (o->required) {
            lua_getfield(L, idx, o->name);
            int missing = lua_isnil(L, -1);
            lua_pop(L, 1);
            if (missing) luaL_error(L, "%s: argument '%s' is required (%s)", fn, o->name, o->doc);
        }
        read_one(L, idx, fn, o, config);
    }
    if (em_options_check(fn, table, config)) lt_raise(L);
}

void lt_register_options(lua_State *L, const char *type, const em_option *table) {
    lua_getfield(L, LUA_REGISTRYINDEX, OPTIONS_KEY);
    lua_pushlightuserdata(L, (void *)table);
    lua_setfield(L, -2, type);
    lua_pop(L, 1);
}

void lt_push_option_names(lua_State *L, const em_option *table) {
    lua_newtable(L);
    int i = 0;
    for (const em_option *o = table; o->name; o++) {
        lua_pushstring(L, o->name);
        lua_rawseti(L, -2, ++i);
    }
}

static const char *const type_names[] = {
    [EM_OPTION_INT] = "integer",  [EM_OPTION_SIZE] = "integer",    [EM_OPTION_RATE] = "rate",
    [EM_OPTION_NUMBER] = "number", [EM_OPTION_BOOL] = "boolean",   [EM_OPTION_ACTIVATION] = "activation",
    [EM_OPTION_ANY_ACTIVATION] = "activation", [EM_OPTION_CHOICE] = "choice",
};

static void push_default(lua_State *L, const em_option *o) {
    switch (o->type) {
    case EM_OPTION_INT:
    case EM_OPTION_SIZE: lua_pushinteger(L, (lua_Integer)o->def); break;
    case EM_OPTION_RATE:
    case EM_OPTION_NUMBER: lua_pushnumber(L, o->def); break;
    case EM_OPTION_BOOL: lua_pushboolean(L, o->def != 0); break;
    case EM_OPTION_ACTIVATION:
    case EM_OPTION_ANY_ACTIVATION: lua_pushstring(L, em_activation_names[(int)o->def]); break;
    case EM_OPTION_CHOICE: lua_pushstring(L, o->choices[(int)o->def]); break;
    }
}

void lt_push_option_rows(lua_State *L, const em_option *table) {
    lua_newtable(L);
    int i = 0;
    for (const em_option *o = table; o->name; o++) {
        lua_createtable(L, 0, 8);
        lua_pushstring(L, o->name);
        lua_setfield(L, -2, "name");
        lua_pushstring(L, type_names[o->type]);
        lua_setfield(L, -2, "type");
        lua_pushboolean(L, o->required);
        lua_setfield(L, -2, "required");
        lua_pushstring(L, o->doc ? o->doc : "");
        lua_setfield(L, -2, "doc");
        if (!o->required) {
            push_default(L, o);
            lua_setfield(L, -2, "default");
        }
        if (o->type == EM_OPTION_INT || o->type == EM_OPTION_SIZE || o->type == EM_OPTION_RATE ||
            o->type == EM_OPTION_NUMBER) {
            lua_pushnumber(L, o->lo);
            lua_setfield(L, -2, "lo");
            lua_pushnumber(L, o->hi);
            lua_setfield(L, -2, "hi");
        }
        if (o->type == EM_OPTION_CHOICE) {
            lua_newtable(L);
            for (int c = 0; o->choices[c]; c++) {
                lua_pushstring(L, o->choices[c]);
                lua_rawseti(L, -2, c + 1);
            }
            lua_setfield(L, -2, "choices");
        }
        lua_rawseti(L, -2, ++i);
    }
}

static const em_option *registered_table(lua_State *L, const char *fn) {
    const char *type = luaL_checkstring(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, OPTIONS_KEY);
    lua_getfield(L, -1, type);
    const em_option *table = lua_touserdata(L, -1);
    if (!table) luaL_error(L, "%s: no declared options for layer type '%s'", fn, type);
    lua_pop(L, 2);
    return table;
}

/* option_rows(type) -> the rows of the API reference (lt_push_option_rows). */
static int l_option_rows(lua_State *L) {
    lt_push_option_rows(L, registered_table(L, "option_rows"));
    return 1;
}

static int l_options(lua_State *L) {
    const char *type = luaL_checkstring(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, OPTIONS_KEY);
    lua_getfield(L, -1, type);
    const em_option *table = lua_touserdata(L, -1);
    if (!table) return luaL_error(L, "options: no declared options for layer type '%s'", type);
    lt_push_option_names(L, table);
    return 1;
}

void lt_open_options(lua_State *L) {
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, OPTIONS_KEY);
    lua_pushcfunction(L, l_options);
    lua_setfield(L, -2, "options");
    lua_pushcfunction(L, l_option_rows);
    lua_setfield(L, -2, "option_rows");
}

int lt_unknown_option(lua_State *L, const char *fn, const char *prefix, const char *key, const char *const keys[]) {
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    lua_pushfstring(L, "%s: unknown option '%s%s' (valid: ", fn, prefix, key);
    luaL_addvalue(&b);
    for (int i = 0; keys[i]; i++) {
        lua_pushfstring(L, "%s%s", i ? ", " : "", keys[i]);
        luaL_addvalue(&b);
    }
    char hint[96] = ")";
    em_append_suggestion(hint, sizeof hint, key, keys, -1);
    luaL_addstring(&b, hint);
    luaL_pushresult(&b);
    return lua_error(L);
}

/* The list is read into a bounded array of borrowed strings: the names
 * stay anchored in the table at 2 while they are compared. */
int lt_nearest_name(lua_State *L) {
    enum { MAX_NAMES = 256 };
    const char *word = luaL_checkstring(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    const char *names[MAX_NAMES];
    int n = 0;
    for (lua_Integer i = 1; n < MAX_NAMES; i++) {
        if (lua_rawgeti(L, 2, i) != LUA_TSTRING) { lua_pop(L, 1); break; }
        names[n++] = lua_tostring(L, -1);
        lua_pop(L, 1);
    }
    int k = em_nearest_name(word, names, n);
    if (k < 0) lua_pushnil(L);
    else lua_pushstring(L, names[k]);
    return 1;
}
