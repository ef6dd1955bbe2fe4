/* Reading a layer's declared options (engine/layers/options.h) from a Lua
 * options table, and handing their names to the Lua half. */
#ifndef EMBER_LUA_OPTIONS_H
#define EMBER_LUA_OPTIONS_H

#include <lua.h>

#include "../engine/layers/options.h"

/* config = the table's defaults, then every row's value from the Lua table
 * at idx, type-checked ("<fn>: option 'x' expected ..., got ..."; a missing
 * required one: "<fn>: argument 'x' is required"), then the engine's range
 * checks.  Keys the table does not declare are the Lua half's to refuse. */
void lt_read_options(lua_State *L, int idx, const char *fn, const em_option *table, void *config);

/* Pushes the list of table's option names ({name, ...}). */
void lt_push_option_names(lua_State *L, const em_option *table);

/* Pushes the list of table's rows for the API reference and help():
 * {{name=, type=, default=, lo=, hi=, required=, doc=, choices={...}}, ...};
 * default is the Lua value a user would write (nil when required), lo/hi
 * only for numeric types. */
void lt_push_option_rows(lua_State *L, const em_option *table);

/* Makes table's option names available as core.layers.options(type) ->
 * {name, ...} (the core.layers table is at the top of the stack). */
void lt_register_options(lua_State *L, const char *type, const em_option *table);

/* Raises "<fn>: unknown option '<prefix><key>' (valid: a, b, c); did you
 * mean 'x'?" for a key that keys (NULL-terminated) does not hold; prefix
 * names the nested table the key was found in ("series[1].") or is "". */
int lt_unknown_option(lua_State *L, const char *fn, const char *prefix, const char *key, const char *const keys[]);

/* core._nearest_name(word, {name, ...}) -> the suggestion or nil
 * (engine/core/names.h's rule, for the Lua half's messages). */
int lt_nearest_name(lua_State *L);

/* core.layers.options into the table at the top of the stack. */
void lt_open_options(lua_State *L);

#endif
