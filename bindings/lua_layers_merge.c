/* The merge layers (engine/layers/merge.h), registered into core.layers:
 *   core.layers.Add{}  core.layers.Multiply{}  core.layers.Average{}  core.layers.Concatenate{axis =}
 * and the calls a layer of several inputs needs, beside the one-tensor
 * methods of lua_layer.c:
 *   core.layers.merge_build(core, {shape, ...})     -> output shape
 *   core.layers.merge_forward(core, {x, ...}, training) -> y
 *   core.layers.merge_backward(core, dy)            -> {dx, ...} */
#include "ember_modules.h"
#include "lua_layer.h"
#include "lua_options.h"
#include "lua_tensor.h"

#include "../engine/core/error.h"
#include "../engine/layers/merge.h"

static int push_merge(lua_State *L, em_merge_kind kind) {
    ember_push_layer(L, em_merge_new(kind));
    return 1;
}
static int l_add(lua_State *L) { return push_merge(L, EM_MERGE_ADD); }
static int l_multiply(lua_State *L) { return push_merge(L, EM_MERGE_MULTIPLY); }
static int l_average(lua_State *L) { return push_merge(L, EM_MERGE_AVERAGE); }

static int l_concatenate(lua_State *L) {
    em_concatenate_config c;
    lt_read_options(L, 1, "Concatenate", em_concatenate_options, &c);
    ember_push_layer(L, em_concatenate_new(c.axis));
    return 1;
}

/* The length of the list at idx: 2 to EM_LAYER_MAX_IO entries. */
static int list_length(lua_State *L, int idx, const char *fn, const char *arg) {
    if (!lua_istable(L, idx)) return lt_argerror(L, idx, fn, arg, "a list of 2 or more");
    lua_Integer n = luaL_len(L, idx);
    if (n < 2 || n > EM_LAYER_MAX_IO)
        return luaL_error(L, "%s: argument '%s' expected a list of 2 to %d entries, got %I", fn, arg, EM_LAYER_MAX_IO, n);
    return (int)n;
}

static int l_merge_build(lua_State *L) {
    em_layer *l = ember_check_layer(L, 1, "build");
    const char *type = l->ops->type;
    int n = list_length(L, 2, type, "input_shape");
    int ndims[EM_LAYER_MAX_IO];
    int64_t shapes[EM_LAYER_MAX_IO][EM_MAX_DIMS];
    for (int i = 0; i < n; i++) {
        lua_geti(L, 2, i + 1);
        lt_check_shape_none(L, -1, type, "input_shape", &ndims[i], shapes[i]);
        lua_pop(L, 1);
    }
    if (em_merge_build(l, n, ndims, (const int64_t (*)[EM_MAX_DIMS])shapes)) return lt_raise(L);
    lt_push_shape(L, l->out_ndim, l->out_shape);
    return 1;
}

static int l_merge_forward(lua_State *L) {
    em_layer *l = ember_check_layer(L, 1, "forward");
    const char *type = l->ops->type;
    int n = list_length(L, 2, type, "inputs");
    int training = lua_toboolean(L, 3);
    lua_settop(L, 2);
    em_layer_io in = {0};
    for (int i = 0; i < n; i++) {
        lua_geti(L, 2, i + 1);  /* stays on the stack: the tensors live while the call runs */
        em_tensor *t = lt_test(L, -1);
        if (!t || !t->storage) {
            em_layer_io_release(&in);
            return luaL_error(L, "%s: argument 'inputs' entry %d expected a tensor, got %s", type, i + 1,
                              luaL_typename(L, -1));
        }
        em_tensor_view(&in.t[i], t);
    }
    in.n = n;
    em_tensor *y = lt_new(L);
    em_layer_io out;
    int rc = em_layer_call(l, &in, training, &out);
    em_layer_io_release(&in);
    if (rc) return lt_raise(L);
    *y = out.t[0];
    out.t[0] = (em_tensor){0};
    em_layer_io_release(&out);
    return 1;
}

static int l_merge_backward(lua_State *L) {
    em_layer *l = ember_check_layer(L, 1, "backward");
    em_tensor *dy = lt_check_dtype(L, 2, l->ops->type, "grad_output", EM_FLOAT32);
    em_layer_io dout = {0}, din;
    em_tensor_view(&dout.t[0], dy);
    dout.n = 1;
    int rc = em_layer_call_backward(l, &dout, &din);
    em_layer_io_release(&dout);
    if (rc) return lt_raise(L);
    lua_createtable(L, din.n, 0);
    for (int i = 0; i < din.n; i++) {
        lt_push_view(L, &din.t[i]);
        lua_rawseti(L, -2, i + 1);
    }
    em_layer_io_release(&din);
    return 1;
}

void ember_open_layers_merge(lua_State *L) {
    static const luaL_Reg fns[] = {{"Add", l_add}, {"Multiply", l_multiply}, {"Average", l_average},
                                   {"Concatenate", l_concatenate}, {"merge_build", l_merge_build},
                                   {"merge_forward", l_merge_forward}, {"merge_backward", l_merge_backward},
                                   {NULL, NULL}};
    luaL_setfuncs(L, fns, 0);
    lt_register_options(L, "Add", em_no_options);
    lt_register_options(L, "Multiply", em_no_options);
    lt_register_options(L, "Average", em_no_options);
    lt_register_options(L, "Concatenate", em_concatenate_options);
}
