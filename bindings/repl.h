/* The interactive loop of the `ember` host. */
#ifndef EMBER_REPL_H
#define EMBER_REPL_H
#include <lua.h>
void ember_repl(lua_State *L);

/* ember.debug.complete(text): the candidates Tab offers for text. */
int ember_repl_complete(lua_State *L);
#endif
