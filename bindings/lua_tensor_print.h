/* tostring(tensor): numpy-style text, elided with "..." past 1000 elements. */
#ifndef EMBER_LUA_TENSOR_PRINT_H
#define EMBER_LUA_TENSOR_PRINT_H
#include <lua.h>
int lt_tostring(lua_State *L);
#endif
