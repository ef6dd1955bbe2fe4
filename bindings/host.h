/* What the `ember` host's two halves (main.c: scripts, -e, options;
 * repl.c: the interactive loop) both need: a protected call with traceback
 * and Ctrl-C handling, and printing of an error left on the stack. */
#ifndef EMBER_HOST_H
#define EMBER_HOST_H
#include <lua.h>
/* lua_pcall of the function below the narg arguments, with a traceback
 * message handler; SIGINT while it runs raises "interrupted!" in Lua. */
int ember_docall(lua_State *L, int narg, int nres);
/* If status is not LUA_OK, prints "ember: <message>" to stderr and pops the
 * message.  Returns status. */
int ember_report(lua_State *L, int status);
#endif
