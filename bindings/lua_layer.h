/* The Lua face of em_layer: a userdata ("ember.CoreLayer") owning one engine
 * layer.  The Keras-shaped layer objects of the Lua side (core.lua,
 * recurrent.lua, conv.lua in bindings/lua/ember/layers/) hold one of these
 * as `self.core` and call its methods:
 *
 *   core:build(input_shape)     -> output_shape   (shapes include the batch dim;
 *                                                  ember.None for unknown dims)
 *   core:forward(x, training)   -> y     (view of a layer-owned buffer)
 *   core:backward(dy)           -> dx or nil
 *   core:params()               -> {tensor...}, {grad tensor...}, {name...}, {trainable weight?...}
 *   core:zero_grads(); core:set_trainable(bool); core:type(); core:is_built()
 *
 * Layer binding files (lua_layers_core.c, lua_layers_recurrent.c,
 * lua_layers_conv.c, lua_layers_norm.c) each register constructors into the table at the top of
 * the stack: constructor(opts_table) -> core userdata, with every option
 * checked at construction so mistakes surface where the layer is written.
 * Their entry points (ember_open_layers_*) are declared in ember_modules.h. */
#ifndef EMBER_LUA_LAYER_H
#define EMBER_LUA_LAYER_H

#include <lauxlib.h>
#include <lua.h>

#include "../engine/layers/layer.h"

#define EMBER_LAYER_MT "ember.CoreLayer"

/* Push a userdata that owns l (frees it when collected).  If l is NULL,
 * raises the engine's last error. */
void ember_push_layer(lua_State *L, em_layer *l);
em_layer *ember_check_layer(lua_State *L, int idx, const char *fn);

/* The layer at idx now belongs to the layer userdata at owner_idx (whose
 * engine layer has taken ownership, e.g. Bidirectional): the userdata at
 * idx no longer frees it and keeps the owner alive.  Raises if it already
 * belongs to another. */
int ember_layer_give_away(lua_State *L, int idx, int owner_idx, const char *fn);

/* 1 if the layer userdata at idx owns its engine layer. */
int ember_layer_is_owned(lua_State *L, int idx);

/* Shapes with unknown dims: ember.None <-> -1. */
void lt_push_shape(lua_State *L, int ndim, const int64_t *shape);
int lt_check_shape_none(lua_State *L, int idx, const char *fn, const char *arg, int *ndim, int64_t *shape);
void lt_push_none(lua_State *L);

void ember_open_layer(lua_State *L);        /* metatable; None into the ember table at top */

#endif
