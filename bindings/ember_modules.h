/* Every binding area's entry point, and lua_ember.c's functions.  Each
 * entry point is called by luaopen_ember_core (lua_ember.c) with the ember
 * core table at the top of the stack and adds its functions to it (it must
 * leave the stack as it found it).  This is the one bindings header that
 * declares functions of several files (each defined in the file named
 * below); every other bindings/X.h declares only what X.c defines.
 *
 *   lua_tensor.c           tensors: constructors, access, conversion
 *   lua_tensor_print.c     tostring(tensor) (after ember_open_tensor)
 *   lua_tensor_math.c      arithmetic and math functions
 *   lua_tensor_reduce.c    reductions: sum mean std max min argmax argmin
 *   lua_tensor_matmul.c    ember.matmul, matmul, dot, thread count
 *   lua_tensor_shape.c     views and shape ops: narrow, transpose, cat, ...
 *   lua_io.c               ember.save / ember.load (.npy, .npz)
 *   lua_h5.c               Keras HDF5 weight files (core.h5_save / core.h5_load)
 *   lua_json.c             JSON text -> Lua values (core.json_decode; ember.json is its face)
 *   lua_layer.c            the generic core-layer userdata, ember.None
 *   lua_layers_*.c         layer constructors (core.layers table, made by
 *                          ember_open_layers in lua_ember.c)
 *   lua_train.c            optimizers, losses, metrics (core.optim, core.losses)
 *   lua_fs.c               ember.fs: files and zip members
 *   lua_text.c             tokenizer, sequences, padding, hashing
 *   lua_data.c             CSV, GloVe, timeseries generator
 *   lua_plot.c             PLplot-backed figures
 *   lua_fpmode.c           flush-to-zero / denormals-are-zero for every thread
 *   lua_net.c              downloads, SHA-256, archive extraction (core.net)
 */
#ifndef EMBER_MODULES_H
#define EMBER_MODULES_H

#include <lua.h>

void ember_open_tensor(lua_State *L);
void ember_open_tensor_print(lua_State *L);
void ember_open_tensor_math(lua_State *L);
void ember_open_tensor_reduce(lua_State *L);
void ember_open_tensor_matmul(lua_State *L);
void ember_open_tensor_shape(lua_State *L);
void ember_open_io(lua_State *L);
void ember_open_h5(lua_State *L);
void ember_open_json(lua_State *L);
void ember_open_layer(lua_State *L);
void ember_open_layers(lua_State *L);            /* lua_ember.c: the four below */
void ember_open_layers_core(lua_State *L);       /* Dense, Embedding, Flatten, Dropout, Activation */
void ember_open_layers_recurrent(lua_State *L);  /* SimpleRNN, LSTM, GRU, Bidirectional */
void ember_open_layers_conv(lua_State *L);       /* Conv1D and the pooling layers */
void ember_open_layers_norm(lua_State *L);       /* BatchNormalization, LayerNormalization */
void ember_open_layers_merge(lua_State *L);      /* Add, Multiply, Average, Concatenate */
void ember_open_train(lua_State *L);
void ember_open_model(lua_State *L);             /* lua_model.c: core.train.Model, into the train table */
void ember_open_fs(lua_State *L);
void ember_open_text(lua_State *L);
void ember_open_data(lua_State *L);
void ember_open_plot(lua_State *L);
void ember_open_fpmode(lua_State *L);
void ember_open_net(lua_State *L);
void ember_open_distributed(lua_State *L);       /* lua_distributed.c: core.dist, ember.distributed (MPI) */

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
