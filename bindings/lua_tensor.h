/* The Lua face of em_tensor: a full userdata holding an em_tensor by value,
 * with metatable "ember.Tensor".  Every binding file uses these helpers, so
 * argument errors read the same everywhere:
 *   "<function>: argument '<name>' expected <what>, got <what>". */
#ifndef EMBER_LUA_TENSOR_H
#define EMBER_LUA_TENSOR_H

#include <lauxlib.h>
#include <lua.h>
#include <stdint.h>

#include "../engine/core/tensor.h"

#define EMBER_TENSOR_MT "ember.Tensor"

/* Push a new empty tensor userdata (storage NULL) and return it.  Allocate
 * results this way before computing: if the computation fails, the empty
 * userdata is simply collected, so nothing leaks. */
em_tensor *lt_new(lua_State *L);

/* Push a userdata that views src (retains its storage). */
em_tensor *lt_push_view(lua_State *L, const em_tensor *src);

/* The tensor at idx or NULL. */
em_tensor *lt_test(lua_State *L, int idx);

/* The tensor at idx, or a Lua error naming fn and arg.  A uint8 tensor is
 * refused ("fn: uint8 tensors are not supported (argument 'arg'); convert
 * with :float()"): uint8 is a storage dtype, and a binding that reads
 * tensors through lt_check never meets one it was not written for.  Ops
 * that do take uint8 (views, copies, printing, files, comparisons,
 * reductions) use lt_check_any. */
em_tensor *lt_check(lua_State *L, int idx, const char *fn, const char *arg);
em_tensor *lt_check_any(lua_State *L, int idx, const char *fn, const char *arg);

/* A layer's or model's input: like lt_check_any, but a uint8 tensor is
 * converted to float32 (0 .. 255), the copy replacing the argument at idx. */
em_tensor *lt_check_input(lua_State *L, int idx, const char *fn, const char *arg);

/* Like lt_check, also requiring a dtype. */
em_tensor *lt_check_dtype(lua_State *L, int idx, const char *fn, const char *arg, em_dtype dtype);

/* Raise the engine's last error as a Lua error (never returns). */
int lt_raise(lua_State *L);

/* Raise "fn: argument 'arg' expected <expected>, got <type or value>". */
int lt_argerror(lua_State *L, int idx, const char *fn, const char *arg, const char *expected);

/* Read a shape given as a Lua table of non-negative integers at idx. */
int lt_check_shape(lua_State *L, int idx, const char *fn, const char *arg, int *ndim, int64_t *shape);

/* Integer argument in [lo, hi]; error otherwise (NaN, non-integers included). */
int64_t lt_check_int(lua_State *L, int idx, const char *fn, const char *arg, int64_t lo, int64_t hi);
double lt_check_number(lua_State *L, int idx, const char *fn, const char *arg);

/* A path argument: a string without NUL bytes (C would cut it there and
 * silently use another file), else a Lua error naming fn and arg. */
const char *lt_check_path(lua_State *L, int idx, const char *fn, const char *arg);

/* v as an int32, or a Lua error naming fn (out of range, NaN, not an integer). */
int32_t lt_check_int32(lua_State *L, const char *fn, double v);
/* v as a uint8 (an integer 0 .. 255; 0 or 1 with only_01), or a Lua error naming fn. */
uint8_t lt_check_uint8(lua_State *L, const char *fn, double v, int only_01);

/* Options tables: opts at idx may be nil/none.  Each reader checks the type
 * and raises "fn: option 'key' expected ..., got ...". */
int64_t lt_opt_int(lua_State *L, int idx, const char *fn, const char *key, int64_t def, int64_t lo, int64_t hi);
double lt_opt_number(lua_State *L, int idx, const char *fn, const char *key, double def);
int lt_opt_bool(lua_State *L, int idx, const char *fn, const char *key, int def);
const char *lt_opt_string(lua_State *L, int idx, const char *fn, const char *key, const char *def);
/* A string option restricted to a NULL-terminated list; error lists them. */
int lt_opt_choice(lua_State *L, int idx, const char *fn, const char *key, const char *def,
                  const char *const choices[]);

/* dtype from a string ("float32", "int32"), default when absent. */
em_dtype lt_opt_dtype(lua_State *L, int idx, const char *fn, em_dtype def);
/* The same for functions that make uint8 tensors: also "uint8" and "bool"
 * (uint8 holding 0 and 1; *is_bool set, may be NULL). */
em_dtype lt_opt_dtype_u8(lua_State *L, int idx, const char *fn, em_dtype def, int *is_bool);

/* Add methods to the tensor method table (call from luaopen hooks). */
void lt_register_methods(lua_State *L, const luaL_Reg *methods);

/* Set up the metatable and core methods; adds constructors to the table at
 * the top of the stack (the ember core table). */
void ember_open_tensor(lua_State *L);

#endif
