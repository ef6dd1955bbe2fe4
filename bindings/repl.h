/* The interactive loop of the `ember` host. */
#ifndef EMBER_REPL_H
#define EMBER_REPL_H
#include <lua.h>
void ember_repl(lua_State *L);
/* Shared with main.c: protected call with traceback and SIGINT handling,
 * and printing of an error left on the stack. */
int ember_docall(lua_State *L, int narg, int nres);
int ember_report(lua_State *L, int status);
#endif
