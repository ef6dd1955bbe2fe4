/* What lua_train.c defines for the model binding (lua_model.c). */
#ifndef EMBER_LUA_TRAIN_H
#define EMBER_LUA_TRAIN_H

#include <lua.h>

#include "../engine/train/optimizers.h"

/* The optimizer core (an "ember.Optimizer" userdata) at idx, or a Lua
 * error naming fn and arg. */
em_optimizer *ember_check_optimizer(lua_State *L, int idx, const char *fn, const char *arg);

/* Index of name in the NULL-terminated list names, or raises
 * "unknown <what> '<name>' (valid: <names, comma-separated>)". */
int ember_check_name(lua_State *L, const char *what, const char *name, const char *const *names);

#endif
