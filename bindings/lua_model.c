/* core.train.Model: the engine's model core (engine/train/model.h) for the
 * Lua Sequential.  One call per batch runs the whole training step:
 *   m = Model(cores, names)              -- layer cores in order, names for errors
 *   m:compile(loss, metric_kernels, optimizer_core)
 *   loss, applied = m:train_step(x, y, lr, who, values)  -- values: metric results, filled in order
 *   loss = m:eval_step(x, y, who, values)
 *   y = m:forward(x, training); m:backward(dy); m:zero_grads(); m:apply(optimizer_core, lr)
 * Over MPI ranks (engine/dist/grad_sync.h):
 *   m:distribute(true)                   -- the gradient all-reduce as the after-backward hook
 *   loss, applied = m:train_step(x, y, lr, who, values, first_row)  -- x's first row in the global batch (dropout masks)
 *   loss, applied = m:empty_step(lr, who, values)  -- a rank with no rows of this batch
 *   seconds, calls = m:allreduce_time()  -- time spent in the all-reduce so far
 * Graphs (the functional API's ember.Model, models.lua's functional half):
 *   m = Model(cores, names, graph)   -- graph = {inputs = n, nodes = {{{src, index}, ...}, ...},
 *                                       outputs = {{src, index}, ...}}: node i calls cores[i] on
 *                                       the listed tensors, src > 0 node src's output index (1-based),
 *                                       src < 0 model input -src; nodes in topological order
 *   m:compile_outputs({{loss =, weight =, metrics = {...}}, ...}, optimizer_core)
 *   train_step / eval_step / forward / backward take a list of tensors (one per input,
 *   one per output) where a chain takes one tensor; forward returns a list when the
 *   model has several outputs; m:prediction(j) is output j's.
 * The userdata's user values anchor the layer cores (1) and the optimizer
 * (2): the engine model borrows them.  A failed step raises
 * "<who>: argument 'x': <layer error>" (a layer refused the input) or
 * "<who>: argument 'y': <message>" (the loss or a metric refused the
 * targets), else "<who>: <message>". */
#include <lauxlib.h>
#include <string.h>

#include "../engine/core/error.h"
#include "../engine/dist/grad_sync.h"
#include "../engine/train/model.h"
#include "ember_modules.h"
#include "lua_guard.h"
#include "lua_layer.h"
#include "lua_tensor.h"
#include "lua_train.h"

#define MODEL_MT "ember.Model"

typedef struct {
    em_model *m;
    em_grad_sync sync;  /* the hook's state once m:distribute(true) */
    lua_State *L;  /* during a step with a Lua loss: the state whose index 1 is this model */
} model_box;

static int model_gc(lua_State *L) {
    model_box *b = luaL_checkudata(L, 1, MODEL_MT);
    em_model_free(b->m);
    b->m = NULL;
    em_grad_sync_release(&b->sync);
    lg_mark_finalized(L, 1, MODEL_MT);
    return 0;
}

static em_model *check_model(lua_State *L) {
    model_box *b = luaL_checkudata(L, 1, MODEL_MT);
    if (!b->m) luaL_error(L, "Model: the model was freed");
    return b->m;
}

/* An edge {src, index} of the graph table at idx (1-based, src < 0: a model input). */
static em_model_edge check_edge(lua_State *L, int idx, const char *what) {
    idx = lua_absindex(L, idx);
    if (!lua_istable(L, idx)) luaL_error(L, "Model: %s expected {src, index}, got %s", what, luaL_typename(L, idx));
    lua_geti(L, idx, 1);
    lua_geti(L, idx, 2);
    int ok1, ok2;
    lua_Integer src = lua_tointegerx(L, -2, &ok1), index = lua_tointegerx(L, -1, &ok2);
    lua_pop(L, 2);
    if (!ok1 || !ok2 || src == 0 || index < 1 || index > EM_LAYER_MAX_IO || src > 1 << 20 || src < -(1 << 20))
        luaL_error(L, "Model: %s expected {src, index} integers (src ~= 0, index 1 to %d)", what, EM_LAYER_MAX_IO);
    return src < 0 ? (em_model_edge){EM_MODEL_INPUT(-src - 1), 0} : (em_model_edge){(int)src - 1, (int)index - 1};
}

/* The engine graph from the graph table at idx over n layers. */
static em_model *new_graph(lua_State *L, int idx, int n, em_layer **layers, const char **names) {
    lua_getfield(L, idx, "inputs");
    int isnum;
    lua_Integer nin = lua_tointegerx(L, -1, &isnum);
    lua_pop(L, 1);
    if (!isnum) luaL_error(L, "Model: graph.inputs expected the number of inputs");
    em_model_node *nodes = lua_newuserdatauv(L, sizeof *nodes * (size_t)n, 0);
    memset(nodes, 0, sizeof *nodes * (size_t)n);
    lua_getfield(L, idx, "nodes");
    if (!lua_istable(L, -1) || luaL_len(L, -1) != n) luaL_error(L, "Model: graph.nodes expected one entry per layer call");
    for (int i = 0; i < n; i++) {
        lua_geti(L, -1, i + 1);
        if (!lua_istable(L, -1)) luaL_error(L, "Model: graph.nodes[%d] expected a list of edges", i + 1);
        lua_Integer nin_i = luaL_len(L, -1);
        if (nin_i < 1 || nin_i > EM_LAYER_MAX_IO) luaL_error(L, "Model: node %d takes 1 to %d inputs", i + 1, EM_LAYER_MAX_IO);
        nodes[i].layer = layers[i];
        nodes[i].name = names[i];
        nodes[i].nin = (int)nin_i;
        for (int k = 0; k < nodes[i].nin; k++) {
            lua_geti(L, -1, k + 1);
            nodes[i].in[k] = check_edge(L, -1, "a node's input");
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    lua_getfield(L, idx, "outputs");
    lua_Integer nout = lua_istable(L, -1) ? luaL_len(L, -1) : 0;
    if (nout < 1 || nout > EM_MODEL_MAX_OUTPUTS) luaL_error(L, "Model: graph.outputs expected 1 to %d edges", EM_MODEL_MAX_OUTPUTS);
    em_model_edge outs[EM_MODEL_MAX_OUTPUTS];
    for (int j = 0; j < nout; j++) {
        lua_geti(L, -1, j + 1);
        outs[j] = check_edge(L, -1, "an output");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return em_model_new_graph((int)nin, n, nodes, (int)nout, outs);
}

/* Model(cores, names[, graph]) */
static int l_model(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TTABLE);
    if (!lua_isnoneornil(L, 3)) luaL_checktype(L, 3, LUA_TTABLE);
    lua_settop(L, 3);
    lua_Integer len, nnames;
    int cores = lg_anchor_list(L, 1, "Model", "cores", 4096, &len);
    int names_at = lg_anchor_list(L, 2, "Model", "names", 4096, &nnames);
    int n = (int)len;
    if (n < 1) return luaL_error(L, "Model: a model needs at least one layer");
    em_layer **layers = lua_newuserdatauv(L, sizeof(em_layer *) * (size_t)n, 0);
    const char **names = lua_newuserdatauv(L, sizeof(char *) * (size_t)n, 0);
    for (int i = 0; i < n; i++) {
        lua_rawgeti(L, cores, i + 1);
        layers[i] = ember_check_layer(L, -1, "Model");
        lua_pop(L, 1);
        lua_rawgeti(L, names_at, i + 1);
        names[i] = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;  /* held by the anchor */
        lua_pop(L, 1);
    }
    model_box *b = lua_newuserdatauv(L, sizeof *b, 3);  /* 3: the Lua loss, if any */
    memset(b, 0, sizeof *b);
    luaL_setmetatable(L, MODEL_MT);
    lua_pushvalue(L, cores);
    lua_setiuservalue(L, -2, 1);  /* the cores (the anchored copy) outlive the model */
    if (lua_isnil(L, 3)) {
        b->m = em_model_new(n, layers, names);
    } else {
        b->m = new_graph(L, 3, n, layers, names);
        lua_pop(L, 1);  /* new_graph's node array: the box is on top again */
    }
    if (!b->m) return lt_raise(L);
    return 1;
}

/* m:compile_outputs({{loss =, weight =, metrics = {...}}, ...}, optimizer) */
static int l_compile_outputs(lua_State *L) {
    em_model *m = check_model(L);
    luaL_checktype(L, 2, LUA_TTABLE);
    int nout = (int)luaL_len(L, 2);
    if (nout != em_model_output_count(m))
        return luaL_error(L, "compile: the model has %d outputs, got %d specs", em_model_output_count(m), nout);
    em_model_output_spec specs[EM_MODEL_MAX_OUTPUTS];
    for (int j = 0; j < nout; j++) {
        lua_geti(L, 2, j + 1);
        luaL_checktype(L, -1, LUA_TTABLE);
        lua_getfield(L, -1, "loss");
        if (em_loss_parse("compile", luaL_checkstring(L, -1), &specs[j].loss)) return lt_raise(L);
        lua_pop(L, 1);
        lua_getfield(L, -1, "weight");
        specs[j].weight = luaL_optnumber(L, -1, 1.0);
        lua_pop(L, 1);
        lua_getfield(L, -1, "metrics");
        int nm = lua_istable(L, -1) ? (int)luaL_len(L, -1) : 0;
        if (nm > EM_MODEL_MAX_METRICS) return luaL_error(L, "compile: at most %d metrics per output", EM_MODEL_MAX_METRICS);
        specs[j].nmetrics = nm;
        for (int i = 0; i < nm; i++) {
            lua_geti(L, -1, i + 1);
            specs[j].metrics[i] = (em_metric_kind)ember_check_name(L, "metric", luaL_checkstring(L, -1), em_metric_names);
            lua_pop(L, 1);
        }
        lua_pop(L, 2);
    }
    em_optimizer *opt = ember_check_optimizer(L, 3, "compile", "optimizer");
    if (em_model_compile_outputs(m, nout, specs, opt)) return lt_raise(L);
    lua_pushvalue(L, 3);
    lua_setiuservalue(L, 1, 2);
    return 0;
}

/* The tensors of argument idx: one tensor, or a list of exactly want
 * (held by the list, which stays on the stack below the call). */
/* uint8 tensors (one-hot data) are converted to float32 copies, which stay
 * on the stack (lt_check_input) for the rest of the call. */
static void check_tensors(lua_State *L, int idx, const char *fn, const char *arg, int want,
                          const em_tensor **out) {
    idx = lua_absindex(L, idx);
    if (lua_istable(L, idx)) {
        lua_Integer n = luaL_len(L, idx);
        if (n != want) luaL_error(L, "%s: argument '%s' expected %d tensors, got %I", fn, arg, want, n);
        luaL_checkstack(L, want + 2, fn);
        for (int i = 0; i < want; i++) {
            lua_geti(L, idx, i + 1);
            em_tensor *t = lt_test(L, -1);
            if (!t || !t->storage) luaL_error(L, "%s: argument '%s' entry %d expected a tensor, got %s", fn, arg, i + 1, luaL_typename(L, -1));
            if (t->dtype == EM_UINT8) t = lt_check_input(L, lua_gettop(L), fn, arg);  /* the copy stays pushed */
            else lua_pop(L, 1);  /* the list holds it */
            out[i] = t;
        }
        return;
    }
    if (want != 1) luaL_error(L, "%s: argument '%s' expected a list of %d tensors", fn, arg, want);
    out[0] = lt_check_input(L, idx, fn, arg);
}

static int l_compile(lua_State *L) {
    em_model *m = check_model(L);
    em_loss_kind loss;
    if (em_loss_parse("compile", luaL_checkstring(L, 2), &loss)) return lt_raise(L);
    luaL_checktype(L, 3, LUA_TTABLE);
    int nmetrics = (int)luaL_len(L, 3);
    if (nmetrics > EM_MODEL_MAX_METRICS) return luaL_error(L, "compile: at most %d metrics", EM_MODEL_MAX_METRICS);
    em_metric_kind kinds[EM_MODEL_MAX_METRICS];
    for (int i = 0; i < nmetrics; i++) {
        lua_geti(L, 3, i + 1);
        kinds[i] = (em_metric_kind)ember_check_name(L, "metric", luaL_checkstring(L, -1), em_metric_names);
        lua_pop(L, 1);
    }
    em_optimizer *opt = ember_check_optimizer(L, 4, "compile", "optimizer");
    if (em_model_compile(m, loss, nmetrics, kinds, opt)) return lt_raise(L);
    lua_pushvalue(L, 4);
    lua_setiuservalue(L, 1, 2);  /* the optimizer outlives the model's use of it */
    return 0;
}

/* Raises the failed step's error, blaming the argument at fault, without
 * the position of the Lua line that called the step (the message is about
 * the user's data, not about that line). */
static int raise_step_error(lua_State *L, em_model *m, const char *who) {
    switch (em_model_failed_phase(m)) {
    case EM_PHASE_FORWARD: lua_pushfstring(L, "%s: argument 'x': %s", who, em_error()); break;
    case EM_PHASE_LOSS:
    case EM_PHASE_METRIC: lua_pushfstring(L, "%s: argument 'y': %s", who, em_error()); break;
    default: lua_pushfstring(L, "%s: %s", who, em_error()); break;
    }
    return lua_error(L);
}

/* values[i] = metric i, in compile order. */
static void store_metrics(lua_State *L, int idx, const em_model *m, const em_step_result *r) {
    for (int i = 0; i < em_model_metric_count(m); i++) {
        lua_pushnumber(L, r->metrics[i]);
        lua_seti(L, idx, i + 1);
    }
}

/* The engine's loss callback for a Lua loss (m:set_loss(f)): calls
 * f(y_pred, y_true, want_grad) -> loss[, grad] protected, so a Lua error
 * becomes the step's error and never unwinds through the engine. */
static int lua_loss(const em_tensor *y_pred, const em_tensor *y_true, double *loss, em_tensor *grad, void *ctx) {
    model_box *b = ctx;
    lua_State *L = b->L;
    if (!L) return em_fail("the loss function can only run inside a training or evaluation step");
    int top = lua_gettop(L);
    lua_getiuservalue(L, 1, 3);
    lt_push_view(L, y_pred);
    lt_push_view(L, y_true);
    lua_pushboolean(L, grad != NULL);
    int rc = 0;
    if (lua_pcall(L, 3, 2, 0) != LUA_OK) {
        rc = em_fail("%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "the loss function raised a non-string error");
    } else if (!lua_isnumber(L, -2)) {
        rc = em_fail("the loss function must return a number, got %s", luaL_typename(L, -2));
    } else {
        *loss = lua_tonumber(L, -2);
        if (grad) {
            em_tensor *g = lt_test(L, -1);
            char a[160], bb[160];
            if (!g || g->dtype != EM_FLOAT32 || !em_same_shape(g, y_pred))
                rc = em_fail("the loss gradient must be a float32 tensor of the predictions' shape %s, got %s",
                             em_tensor_shape_str(y_pred, a, sizeof a),
                             g ? em_tensor_shape_str(g, bb, sizeof bb) : luaL_typename(L, -1));
            else if (em_tensor_reuse(grad, EM_FLOAT32, y_pred->ndim, y_pred->shape, g) || em_tensor_copy(grad, g))
                rc = -1;
        }
    }
    lua_settop(L, top);
    return rc;
}

/* m:set_loss(f): f(y_pred, y_true, want_grad) -> loss[, grad] replaces the
 * compiled loss (nil: back to it). */
static int l_set_loss(lua_State *L) {
    model_box *b = luaL_checkudata(L, 1, MODEL_MT);
    if (!b->m) return luaL_error(L, "Model: the model was freed");
    int none = lua_isnoneornil(L, 2);
    if (!none) luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_settop(L, 2);
    lua_setiuservalue(L, 1, 3);
    em_model_set_loss_fn(b->m, none ? NULL : lua_loss, b);
    return 0;
}

/* m:prediction([j]) -> the last step's predictions of output j (default 1; a view) */
static int l_prediction(lua_State *L) {
    em_model *m = check_model(L);
    int j = (int)luaL_optinteger(L, 2, 1);
    if (j < 1 || j > em_model_output_count(m)) return luaL_error(L, "prediction: no output %d", j);
    lt_push_view(L, em_model_last_prediction_at(m, j - 1));
    return 1;
}

/* m:train_step(x, y, lr, who, values[, first_row[, sample_weight]]) -> loss, applied */
static int l_train_step(lua_State *L) {
    em_model *m = check_model(L);
    const em_tensor *x[EM_MODEL_MAX_INPUTS], *y[EM_MODEL_MAX_OUTPUTS];
    check_tensors(L, 2, "train_step", "x", em_model_input_count(m), x);
    check_tensors(L, 3, "train_step", "y", em_model_output_count(m), y);
    double lr = lt_check_number(L, 4, "train_step", "lr");
    const char *who = luaL_optstring(L, 5, "train_step");
    luaL_checktype(L, 6, LUA_TTABLE);
    model_box *b = lua_touserdata(L, 1);
    b->sync.rows = (double)(x[0]->ndim > 0 ? x[0]->shape[0] : 1);
    em_model_set_first_row(m, lua_isnoneornil(L, 7) ? 0 : lt_check_int(L, 7, "train_step", "first_row", 0, INT64_MAX / 2));
    em_tensor *sw = lua_isnoneornil(L, 8) ? NULL : lt_check(L, 8, "train_step", "sample_weight");
    em_step_result r;
    b->L = L;
    int rc = em_model_train_step_multi(m, x, y, sw, lr, &r);
    b->L = NULL;
    if (rc) return raise_step_error(L, m, who);
    store_metrics(L, 6, m, &r);
    lua_pushnumber(L, r.loss);
    lua_pushboolean(L, r.applied);
    return 2;
}

/* m:empty_step(lr, who, values) -> loss, applied: this rank has no rows
 * of the global batch but joins its all-reduce. */
static int l_empty_step(lua_State *L) {
    em_model *m = check_model(L);
    double lr = lt_check_number(L, 2, "empty_step", "lr");
    const char *who = luaL_optstring(L, 3, "empty_step");
    luaL_checktype(L, 4, LUA_TTABLE);
    model_box *b = lua_touserdata(L, 1);
    b->sync.rows = 0;
    em_step_result r;
    if (em_model_empty_step(m, lr, &r)) return raise_step_error(L, m, who);
    store_metrics(L, 4, m, &r);
    lua_pushnumber(L, r.loss);
    lua_pushboolean(L, r.applied);
    return 2;
}

/* m:distribute(on): the gradient all-reduce as the after-backward hook. */
static int l_distribute(lua_State *L) {
    em_model *m = check_model(L);
    model_box *b = lua_touserdata(L, 1);
    if (lua_toboolean(L, 2)) em_model_set_after_backward(m, em_grad_sync_hook, &b->sync);
    else em_model_set_after_backward(m, NULL, NULL);
    return 0;
}

/* m:allreduce_time() -> seconds, calls */
static int l_allreduce_time(lua_State *L) {
    check_model(L);
    model_box *b = lua_touserdata(L, 1);
    lua_pushnumber(L, b->sync.seconds);
    lua_pushinteger(L, (lua_Integer)b->sync.calls);
    return 2;
}

/* m:eval_step(x, y, who, values) -> loss */
static int l_eval_step(lua_State *L) {
    em_model *m = check_model(L);
    const em_tensor *x[EM_MODEL_MAX_INPUTS], *y[EM_MODEL_MAX_OUTPUTS];
    check_tensors(L, 2, "eval_step", "x", em_model_input_count(m), x);
    check_tensors(L, 3, "eval_step", "y", em_model_output_count(m), y);
    const char *who = luaL_optstring(L, 4, "eval_step");
    luaL_checktype(L, 5, LUA_TTABLE);
    em_step_result r;
    model_box *b = lua_touserdata(L, 1);
    b->L = L;
    int rc = em_model_eval_step_multi(m, x, y, &r);
    b->L = NULL;
    if (rc) return raise_step_error(L, m, who);
    store_metrics(L, 5, m, &r);
    lua_pushnumber(L, r.loss);
    return 1;
}

/* m:forward(x, training) -> y, or a list of outputs when several */
static int l_forward(lua_State *L) {
    em_model *m = check_model(L);
    int training = lua_toboolean(L, 3);
    lua_settop(L, 2);
    const em_tensor *x[EM_MODEL_MAX_INPUTS];
    check_tensors(L, 2, "forward", "x", em_model_input_count(m), x);
    int nout = em_model_output_count(m);
    if (nout == 1) {
        em_tensor *out = lt_new(L);
        if (em_model_forward_multi(m, x, training, out)) return lt_raise(L);
        return 1;
    }
    em_tensor ys[EM_MODEL_MAX_OUTPUTS] = {{0}};
    if (em_model_forward_multi(m, x, training, ys)) return lt_raise(L);
    lua_createtable(L, nout, 0);
    for (int j = 0; j < nout; j++) {
        lt_push_view(L, &ys[j]);
        em_tensor_release(&ys[j]);
        lua_rawseti(L, -2, j + 1);
    }
    return 1;
}

static int l_backward(lua_State *L) {
    em_model *m = check_model(L);
    lua_settop(L, 2);
    const em_tensor *dy[EM_MODEL_MAX_OUTPUTS];
    check_tensors(L, 2, "backward", "grad_output", em_model_output_count(m), dy);
    if (em_model_backward_multi(m, dy)) return lt_raise(L);
    return 0;
}

static int l_zero_grads(lua_State *L) {
    em_model_zero_grads(check_model(L));
    return 0;
}

static int l_apply(lua_State *L) {
    em_model *m = check_model(L);
    em_optimizer *opt = ember_check_optimizer(L, 2, "step", "optimizer");
    double lr = lt_check_number(L, 3, "step", "lr");
    if (em_model_apply(m, opt, lr)) return lt_raise(L);
    return 0;
}

void ember_open_model(lua_State *L) {
    static const luaL_Reg methods[] = {{"compile", l_compile}, {"train_step", l_train_step},
                                       {"eval_step", l_eval_step}, {"forward", l_forward},
                                       {"backward", l_backward}, {"zero_grads", l_zero_grads},
                                       {"apply", l_apply}, {"empty_step", l_empty_step},
                                       {"distribute", l_distribute}, {"allreduce_time", l_allreduce_time},
                                       {"set_loss", l_set_loss}, {"prediction", l_prediction},
                                       {"compile_outputs", l_compile_outputs}, {NULL, NULL}};
    luaL_newmetatable(L, MODEL_MT);
    lua_pushcfunction(L, model_gc);
    lua_setfield(L, -2, "__gc");
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
    lua_pushcfunction(L, l_model);
    lua_setfield(L, -2, "Model");
}
