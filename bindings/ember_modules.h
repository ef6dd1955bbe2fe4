/* Every binding area's entry point.  Each is called by luaopen_ember_core
 * with the ember core table at the top of the stack and adds its functions
 * to it (it must leave the stack as it found it).  One file per area:
 *
 *   lua_tensor.c           tensors: constructors, access, conversion
 *   lua_tensor_math.c      arithmetic, math functions, reductions, matmul
 *   lua_tensor_shape.c     views and shape ops: narrow, transpose, cat, ...
 *   lua_io.c               ember.save / ember.load (.npy, .npz)
 *   lua_layer.c            the generic core-layer userdata, ember.None
 *   lua_layers_*.c         layer constructors (core.layers table)
 *   lua_train.c            optimizers, losses, metrics (core.optim, core.losses)
 *   lua_fs.c               ember.fs: files and zip members
 *   lua_text.c             tokenizer, sequences, padding, hashing
 *   lua_data.c             CSV, GloVe, timeseries generator
 *   lua_plot.c             PLplot-backed figures
 *   lua_fpmode.c           flush-to-zero / denormals-are-zero for every thread
 */
#ifndef EMBER_MODULES_H
#define EMBER_MODULES_H

#include <lua.h>

void ember_open_tensor(lua_State *L);
void ember_open_tensor_math(lua_State *L);
void ember_open_tensor_shape(lua_State *L);
void ember_open_io(lua_State *L);
void ember_open_layer(lua_State *L);
void ember_open_layers(lua_State *L);
void ember_open_train(lua_State *L);
void ember_open_fs(lua_State *L);
void ember_open_text(lua_State *L);
void ember_open_data(lua_State *L);
void ember_open_plot(lua_State *L);
void ember_open_fpmode(lua_State *L);

int luaopen_ember_core(lua_State *L);

/* The Lua half of the library, embedded at build time (build/lua_modules.c). */
typedef struct {
    const char *name;  /* module name, e.g. "ember.sequential" */
    const char *source;
    unsigned long length;
} ember_lua_module;
extern const ember_lua_module ember_lua_modules[];

/* Register package.preload entries for "ember", "ember.core" and every
 * embedded module. */
void ember_preload(lua_State *L);

#endif
