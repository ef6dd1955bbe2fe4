/* The interactive loop of the `ember` host. */
#ifndef EMBER_REPL_H
#define EMBER_REPL_H
#include <lua.h>
void ember_repl(lua_State *L);
#endif
