/* Internal to the tensor-math binding area (lua_tensor_math.c opens the
 * others): reductions and matrix products register their methods here. */
#ifndef EMBER_LUA_TENSOR_MATH_H
#define EMBER_LUA_TENSOR_MATH_H

#include <lua.h>

void lt_open_reduce(lua_State *L);   /* sum mean std max min argmax argmin */
void lt_open_matmul(lua_State *L);   /* ember.matmul, matmul, dot, thread count */

#endif
