/* Guards against hostile Lua values, shared by every binding:
 *   - lists whose entries are made on demand (__index/__len metamethods, as a
 *     dataset wrapper does): a binding that takes pointers to userdata from
 *     such a list must hold every entry first, or the garbage collector may
 *     free an entry fetched earlier while later ones are being made;
 *   - objects brought back by another object's finalizer after their own
 *     finalizer ran: they must raise an error, never touch freed memory. */
#ifndef EMBER_LUA_GUARD_H
#define EMBER_LUA_GUARD_H

#include <lua.h>

/* Pushes a plain table holding entries 1..#list of the list at idx, each
 * fetched once (metamethods honoured), and returns its stack index; *n
 * receives the count.  While it stays on the stack every entry is alive,
 * and reading it again (lua_rawgeti) gives the same values.  Raises
 * "<fn>: argument '<arg>' ..." if the list has more than max entries. */
int lg_anchor_list(lua_State *L, int idx, const char *fn, const char *arg, lua_Integer max, lua_Integer *n);

/* Called at the end of a __gc: the userdata at idx gets a metatable whose
 * every use raises "<type>: this object was finalized ...", so a finalizer
 * that revives it cannot reach freed state. */
void lg_mark_finalized(lua_State *L, int idx, const char *type);

#endif
