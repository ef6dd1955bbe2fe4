/* The model core and its training step (see model.h). */
#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/random.h"
#include "../layers/controls.h"
#include "masked_loss.h"

/* One call of a layer and what the last forward / backward left in it. */
typedef struct {
    em_layer *layer;       /* not owned */
    char *name;            /* owned copy */
    int nin;
    em_model_edge in[EM_LAYER_MAX_IO];
    int shared;            /* its layer is called by other nodes too */
    int inputs_only;       /* every input is a model input: no input gradient wanted */
    em_layer_io out;       /* the last forward's outputs (views; own copies when shared) */
    em_tensor own[EM_LAYER_MAX_IO], own_mask;  /* a shared node's copies */
    em_mask_state mask_state;  /* the dropout stream at its call (random.h) */
    em_tensor grad[EM_LAYER_MAX_IO];  /* dL/d output j during backward (a view) */
    em_tensor acc[EM_LAYER_MAX_IO];   /* owned sums when several gradients meet */
} node_state;

/* One output: where it comes from, its loss and what the last step measured. */
typedef struct {
    em_model_edge from;
    em_model_output_spec spec;
    em_tensor pred;        /* the last forward's output (a view) */
    em_tensor mask;        /* its mask, or empty */
    em_tensor grad;        /* dLoss/dPredictions, reused */
    em_masked_buffers masked;
} output_state;

struct em_model {
    int nin, nnodes, nout;
    node_state *nodes;
    output_state *outs;
    int nlayers;           /* distinct layers, in the order of their first node */
    em_layer **layers;
    em_tensor x[EM_MODEL_MAX_INPUTS];  /* views of the inputs during a forward */
    int compiled;
    em_optimizer *opt;   /* not owned */
    em_model_hook hook;
    void *hook_ctx;
    em_model_loss_fn loss_fn;  /* NULL: the compiled loss kind */
    void *loss_ctx;
    em_model_phase phase;
    int64_t first_row;   /* global row of the next step's first sample (dropout masks) */
    em_tensor **params, **grads;  /* capacity nlayers * EM_MAX_PARAMS */
    /* Regularizers (layers/controls.h): set when any layer has controls,
     * so a model without them skips every step below. */
    int has_controls;
    double activity_penalty;  /* of the last forward */
    em_tensor act_buf;        /* a gradient plus an activity penalty's */
    em_tensor scratch;        /* a strided gradient made contiguous before a sum */
    em_tensor saved[EM_MAX_PARAMS];  /* non-trainable weights kept over a recomputed call */
};

static int check_edge(int nin, int before, em_model_edge e, const char *what) {
    if (e.node < 0) {
        int k = -e.node - 1;
        if (k >= nin || e.index != 0) return em_fail("Model: %s names input %d of %d", what, k + 1, nin);
        return 0;
    }
    if (e.node >= before || e.index < 0 || e.index >= EM_LAYER_MAX_IO)
        return em_fail("Model: %s names node %d output %d, not an earlier node's", what, e.node + 1, e.index + 1);
    return 0;
}

/* The distinct layers in the order of their first node; marks shared nodes. */
static int collect_layers(em_model *m) {
    m->layers = calloc((size_t)m->nnodes, sizeof *m->layers);
    m->params = calloc((size_t)m->nnodes * EM_MAX_PARAMS, sizeof *m->params);
    m->grads = calloc((size_t)m->nnodes * EM_MAX_PARAMS, sizeof *m->grads);
    if (!m->layers || !m->params || !m->grads) return em_fail("Model: out of memory");
    for (int i = 0; i < m->nnodes; i++) {
        em_layer *l = m->nodes[i].layer;
        int seen = 0;
        for (int j = 0; j < m->nnodes; j++)
            if (j != i && m->nodes[j].layer == l) {
                m->nodes[i].shared = 1;
                if (j < i) seen = 1;
            }
        if (!seen) m->layers[m->nlayers++] = l;
        if (l->controls) m->has_controls = 1;
    }
    return 0;
}

em_model *em_model_new_graph(int ninputs, int nnodes, const em_model_node *nodes, int noutputs,
                             const em_model_edge *outputs) {
    if (nnodes < 1) { em_fail("Model: a model needs at least one layer"); return NULL; }
    if (ninputs < 1 || ninputs > EM_MODEL_MAX_INPUTS) {
        em_fail("Model: 1 to %d inputs, got %d", EM_MODEL_MAX_INPUTS, ninputs);
        return NULL;
    }
    if (noutputs < 1 || noutputs > EM_MODEL_MAX_OUTPUTS) {
        em_fail("Model: 1 to %d outputs, got %d", EM_MODEL_MAX_OUTPUTS, noutputs);
        return NULL;
    }
    for (int i = 0; i < nnodes; i++) {
        if (!nodes[i].layer) { em_fail("Model: node %d has no layer", i + 1); return NULL; }
        if (nodes[i].nin < 1 || nodes[i].nin > EM_LAYER_MAX_IO) {
            em_fail("Model: node %d takes %d inputs (1 to %d)", i + 1, nodes[i].nin, EM_LAYER_MAX_IO);
            return NULL;
        }
        for (int k = 0; k < nodes[i].nin; k++)
            if (check_edge(ninputs, i, nodes[i].in[k], "a node's input")) return NULL;
    }
    for (int j = 0; j < noutputs; j++)
        if (check_edge(ninputs, nnodes, outputs[j], "an output")) return NULL;
    for (int k = 0; k < ninputs; k++) {
        int used = 0;
        for (int i = 0; i < nnodes && !used; i++)
            for (int e = 0; e < nodes[i].nin; e++) used |= nodes[i].in[e].node == EM_MODEL_INPUT(k);
        for (int j = 0; j < noutputs && !used; j++) used = outputs[j].node == EM_MODEL_INPUT(k);
        if (!used) { em_fail("Model: input %d is not used by any layer", k + 1); return NULL; }
    }
    em_model *m = calloc(1, sizeof *m);
    if (!m) { em_fail("Model: out of memory"); return NULL; }
    m->nin = ninputs;
    m->nnodes = nnodes;
    m->nout = noutputs;
    m->nodes = calloc((size_t)nnodes, sizeof *m->nodes);
    m->outs = calloc((size_t)noutputs, sizeof *m->outs);
    int ok = m->nodes && m->outs;
    for (int i = 0; ok && i < nnodes; i++) {
        node_state *n = &m->nodes[i];
        n->layer = nodes[i].layer;
        n->nin = nodes[i].nin;
        n->inputs_only = 1;
        for (int k = 0; k < n->nin; k++) {
            n->in[k] = nodes[i].in[k];
            if (n->in[k].node >= 0) n->inputs_only = 0;
        }
        n->name = strdup(nodes[i].name ? nodes[i].name : "");
        ok = n->name != NULL;
    }
    for (int j = 0; ok && j < noutputs; j++) {
        m->outs[j].from = outputs[j];
        m->outs[j].spec.weight = 1.0;
    }
    if (!ok || collect_layers(m)) {
        em_model_free(m);
        if (!ok) em_fail("Model: out of memory");
        return NULL;
    }
    return m;
}

em_model *em_model_new(int n, em_layer *const *layers, const char *const *names) {
    if (n < 1) { em_fail("Model: a model needs at least one layer"); return NULL; }
    em_model_node *nodes = calloc((size_t)n, sizeof *nodes);
    if (!nodes) { em_fail("Model: out of memory"); return NULL; }
    for (int i = 0; i < n; i++) {
        nodes[i].layer = layers[i];
        nodes[i].name = names ? names[i] : NULL;
        nodes[i].nin = 1;
        nodes[i].in[0] = (em_model_edge){i == 0 ? EM_MODEL_INPUT(0) : i - 1, 0};
    }
    em_model_edge out = {n - 1, 0};
    em_model *m = em_model_new_graph(1, n, nodes, 1, &out);
    free(nodes);
    return m;
}

static void release_node_grads(node_state *n) {
    for (int j = 0; j < EM_LAYER_MAX_IO; j++) em_tensor_release(&n->grad[j]);
}

void em_model_free(em_model *m) {
    if (!m) return;
    for (int i = 0; m->nodes && i < m->nnodes; i++) {
        node_state *n = &m->nodes[i];
        free(n->name);
        em_layer_io_release(&n->out);
        release_node_grads(n);
        for (int j = 0; j < EM_LAYER_MAX_IO; j++) {
            em_tensor_release(&n->own[j]);
            em_tensor_release(&n->acc[j]);
        }
        em_tensor_release(&n->own_mask);
    }
    for (int j = 0; m->outs && j < m->nout; j++) {
        output_state *o = &m->outs[j];
        em_tensor *bufs[] = {&o->pred, &o->mask, &o->grad, &o->masked.pred, &o->masked.truth, &o->masked.grad,
                             &o->masked.tmp};
        for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) em_tensor_release(bufs[i]);
    }
    for (int k = 0; k < EM_MODEL_MAX_INPUTS; k++) em_tensor_release(&m->x[k]);
    for (int k = 0; k < EM_MAX_PARAMS; k++) em_tensor_release(&m->saved[k]);
    free(m->nodes);
    free(m->outs);
    free(m->layers);
    free(m->params);
    free(m->grads);
    em_tensor_release(&m->act_buf);
    em_tensor_release(&m->scratch);
    free(m);
}

static int check_metrics(int nmetrics) {
    if (nmetrics < 0 || nmetrics > EM_MODEL_MAX_METRICS)
        return em_fail("compile: at most %d metrics, got %d", EM_MODEL_MAX_METRICS, nmetrics);
    return 0;
}

int em_model_compile_outputs(em_model *m, int noutputs, const em_model_output_spec *specs, em_optimizer *opt) {
    if (!opt) return em_fail("compile: an optimizer is required");
    if (noutputs != m->nout) return em_fail("compile: the model has %d outputs, got %d losses", m->nout, noutputs);
    for (int j = 0; j < noutputs; j++) {
        if (check_metrics(specs[j].nmetrics)) return -1;
        if (!isfinite(specs[j].weight)) return em_fail("compile: output %d's loss weight is not finite", j + 1);
    }
    for (int j = 0; j < noutputs; j++) m->outs[j].spec = specs[j];
    m->opt = opt;
    m->compiled = 1;
    return 0;
}

int em_model_compile(em_model *m, em_loss_kind loss, int nmetrics, const em_metric_kind *metrics, em_optimizer *opt) {
    if (check_metrics(nmetrics)) return -1;
    em_model_output_spec specs[EM_MODEL_MAX_OUTPUTS];
    for (int j = 0; j < m->nout; j++) {
        specs[j] = (em_model_output_spec){.loss = loss, .weight = 1.0, .nmetrics = nmetrics};
        for (int i = 0; i < nmetrics; i++) specs[j].metrics[i] = metrics[i];
    }
    return em_model_compile_outputs(m, m->nout, specs, opt);
}

void em_model_set_after_backward(em_model *m, em_model_hook hook, void *ctx) {
    m->hook = hook;
    m->hook_ctx = ctx;
}

void em_model_set_loss_fn(em_model *m, em_model_loss_fn fn, void *ctx) {
    m->loss_fn = fn;
    m->loss_ctx = ctx;
}

const em_tensor *em_model_last_prediction(const em_model *m) { return &m->outs[0].pred; }
const em_tensor *em_model_last_prediction_at(const em_model *m, int j) {
    return &m->outs[j < 0 || j >= m->nout ? 0 : j].pred;
}

em_model_phase em_model_failed_phase(const em_model *m) { return m->phase; }
int em_model_layer_count(const em_model *m) { return m->nlayers; }
int em_model_input_count(const em_model *m) { return m->nin; }
int em_model_output_count(const em_model *m) { return m->nout; }

int em_model_metric_count(const em_model *m) {
    int n = m->nout > 1 ? m->nout : 0;
    for (int j = 0; j < m->nout; j++) n += m->outs[j].spec.nmetrics;
    return n;
}

/* Fails with "<name> (<Type>): <message>" for node i, the layer's own
 * "<Type>: " prefix dropped. */
static int layer_failed(em_model *m, int i) {
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", em_error());
    const char *type = m->nodes[i].layer->ops->type;
    size_t tl = strlen(type);
    const char *rest = strncmp(msg, type, tl) == 0 && msg[tl] == ':' && msg[tl + 1] == ' ' ? msg + tl + 2 : msg;
    if (m->nodes[i].name[0]) return em_fail("%s (%s): %s", m->nodes[i].name, type, rest);
    return em_fail("layer %d (%s): %s", i + 1, type, rest);
}

static int fail_in(em_model *m, em_model_phase phase) {
    m->phase = phase;
    return -1;
}

/* The tensor (and mask) an edge names, during a forward. */
static const em_tensor *edge_tensor(const em_model *m, em_model_edge e, const em_tensor **mask) {
    if (e.node < 0) {
        *mask = NULL;
        return &m->x[-e.node - 1];
    }
    const em_layer_io *io = &m->nodes[e.node].out;
    *mask = io->mask.storage ? &io->mask : NULL;
    return &io->t[e.index];
}

/* The io of node i's call: its input tensors and their mask.  Several
 * inputs with masks are not combined (Keras's merge layers AND them). */
static int node_inputs(em_model *m, int i, em_layer_io *io) {
    node_state *n = &m->nodes[i];
    *io = (em_layer_io){0};
    const em_tensor *mask = NULL;
    for (int k = 0; k < n->nin; k++) {
        const em_tensor *mk;
        const em_tensor *t = edge_tensor(m, n->in[k], &mk);
        if (!t->storage) {
            em_layer_io_release(io);
            return em_fail("%s: input %d has no tensor (output %d of the node before it was not produced)",
                           n->layer->ops->type, k + 1, n->in[k].index + 1);
        }
        em_tensor_view(&io->t[k], t);
        if (mk && mask && mk->storage != mask->storage) {
            em_layer_io_release(io);
            return em_fail("%s: its inputs carry different masks, which are not combined yet", n->layer->ops->type);
        }
        if (mk) mask = mk;
    }
    io->n = n->nin;
    if (mask) em_tensor_view(&io->mask, mask);
    return 0;
}

/* A shared layer's next call overwrites its buffers: keep copies. */
static int keep_copies(node_state *n) {
    for (int j = 0; j < n->out.n; j++) {
        em_tensor *t = &n->out.t[j];
        if (em_tensor_reuse(&n->own[j], t->dtype, t->ndim, t->shape, NULL) || em_tensor_copy(&n->own[j], t)) return -1;
        em_tensor_view(t, &n->own[j]);
    }
    if (n->out.mask.storage) {
        em_tensor *t = &n->out.mask;
        if (em_tensor_reuse(&n->own_mask, t->dtype, t->ndim, t->shape, NULL) || em_tensor_copy(&n->own_mask, t))
            return -1;
        em_tensor_view(t, &n->own_mask);
    }
    return 0;
}

static int call_node(em_model *m, int i, int training) {
    node_state *n = &m->nodes[i];
    em_layer_io in;
    em_layer_io_release(&n->out);
    if (node_inputs(m, i, &in)) return -1;
    if (n->shared) n->mask_state = em_mask_state_get();
    int rc = em_layer_call(n->layer, &in, training, &n->out);
    em_layer_io_release(&in);
    if (!rc && m->has_controls && n->layer->controls) {
        double penalty;
        rc = em_layer_activity_forward(n->layer, &n->out.t[0], training, &penalty);
        m->activity_penalty += penalty;
    }
    if (!rc && n->shared) rc = keep_copies(n);
    if (rc) em_layer_io_release(&n->out);
    return rc;
}

/* Every node in order; y[j] receives a view of output j. */
static int forward_graph(em_model *m, const em_tensor *const *x, int training, em_tensor *y) {
    m->phase = EM_PHASE_NONE;
    m->activity_penalty = 0;
    for (int k = 0; k < m->nin; k++) em_tensor_view(&m->x[k], x[k]);
    int rc = 0;
    for (int i = 0; i < m->nnodes && !rc; i++)
        if (call_node(m, i, training)) {
            m->phase = EM_PHASE_FORWARD;
            rc = layer_failed(m, i);
        }
    for (int j = 0; j < m->nout && !rc; j++) {
        output_state *o = &m->outs[j];
        const em_tensor *mask;
        const em_tensor *t = edge_tensor(m, o->from, &mask);
        em_tensor_release(&y[j]);
        em_tensor_release(&o->mask);
        if (!t->storage) {
            m->phase = EM_PHASE_FORWARD;
            rc = em_fail("output %d: its layer did not produce output %d", j + 1, o->from.index + 1);
            break;
        }
        em_tensor_view(&y[j], t);
        if (mask) em_tensor_view(&o->mask, mask);  /* the loss honours it (masked_loss.h) */
    }
    return rc;  /* the input views stay: a shared node's recomputed call reads them in backward */
}

/* A training forward outside a step is a step's forward for the dropout
 * masks (core/random.h): a hand-written loop draws fit's masks. */
int em_model_forward_multi(em_model *m, const em_tensor *const *x, int training, em_tensor *y) {
    if (!training || em_mask_step_active()) return forward_graph(m, x, training, y);
    em_mask_step_begin(m->first_row);
    int rc = forward_graph(m, x, training, y);
    em_mask_step_end();
    return rc;
}

int em_model_forward(em_model *m, const em_tensor *x, int training, em_tensor *y) {
    if (m->nin != 1 || m->nout != 1) {
        m->phase = EM_PHASE_FORWARD;
        return em_fail("forward: the model has %d inputs and %d outputs; give one tensor per input", m->nin, m->nout);
    }
    em_tensor out = {0};
    int rc = em_model_forward_multi(m, &x, training, &out);
    *y = out;
    return rc;
}

/* Adds g into the gradient of output j of node `node`: the first gradient
 * is taken as a view (a shared node's as a copy: its layer's buffer is
 * overwritten by its other calls), a second is summed into the node's own
 * buffer. */
static int add_grad(em_model *m, int node, int j, const em_tensor *g, int from_shared) {
    node_state *n = &m->nodes[node];
    em_tensor *slot = &n->grad[j], *acc = &n->acc[j];
    if (!slot->storage && !from_shared) {
        em_tensor_view(slot, g);
        return 0;
    }
    if (!slot->storage || slot->storage != acc->storage) {
        const em_tensor *first = slot->storage ? slot : g;
        if (em_tensor_reuse(acc, EM_FLOAT32, first->ndim, first->shape, NULL) || em_tensor_copy(acc, first)) return -1;
        int was_empty = !slot->storage;
        em_tensor_view(slot, acc);
        if (was_empty) return 0;
    }
    if (!em_same_shape(acc, g)) {
        char a[160], b[160];
        return em_fail("backward: gradients of shapes %s and %s meet at one tensor", em_tensor_shape_str(acc, a, sizeof a),
                       em_tensor_shape_str(g, b, sizeof b));
    }
    const em_tensor *src = g;
    if (!em_is_contiguous(g)) {
        if (em_tensor_resize(&m->scratch, EM_FLOAT32, g->ndim, g->shape) || em_tensor_copy(&m->scratch, g)) return -1;
        src = &m->scratch;
    }
    float *d = em_f32(acc);
    const float *s = em_f32(src);
    for (int64_t k = 0, c = em_numel(acc); k < c; k++) d[k] += s[k];
    return 0;
}

/* A shared node whose call is not its layer's last: the call again, so the
 * layer's cache is this node's (same dropout keys, non-trainable weights
 * as they were after the step's forward). */
static int recompute(em_model *m, int i) {
    node_state *n = &m->nodes[i];
    em_layer *l = n->layer;
    for (int p = 0; p < l->nparams; p++)
        if (l->param_nontrainable[p] &&
            (em_tensor_resize(&m->saved[p], EM_FLOAT32, l->params[p].ndim, l->params[p].shape) ||
             em_tensor_copy(&m->saved[p], &l->params[p])))
            return -1;
    em_layer_io in, out;
    if (node_inputs(m, i, &in)) return -1;
    em_mask_state now = em_mask_state_get();
    em_mask_state_set(n->mask_state);
    int rc = em_layer_call(l, &in, 1, &out);
    em_mask_state_set(now);
    em_layer_io_release(&in);
    if (!rc) em_layer_io_release(&out);
    for (int p = 0; p < l->nparams; p++)
        if (l->param_nontrainable[p] && em_tensor_copy(&l->params[p], &m->saved[p])) rc = -1;
    return rc;
}

/* Node i's backward from the gradients gathered for its outputs; passes
 * its input gradients on to the nodes that made its inputs. */
static int backward_node(em_model *m, int i, int last_call_of_layer) {
    node_state *n = &m->nodes[i];
    em_layer *l = n->layer;
    int any = 0;
    for (int j = 0; j < n->out.n; j++) any |= n->grad[j].storage != NULL;
    if (!any) return 0;  /* nothing downstream depends on it */
    em_layer_io dout = {0};
    dout.n = n->out.n;
    for (int j = 0; j < n->out.n; j++) {
        if (n->grad[j].storage) {
            em_tensor_view(&dout.t[j], &n->grad[j]);
            continue;
        }
        const em_tensor *t = &n->out.t[j];  /* an unused output: a zero gradient */
        if (em_tensor_reuse(&n->acc[j], EM_FLOAT32, t->ndim, t->shape, NULL)) return -1;
        em_tensor_fill(&n->acc[j], 0.0);
        em_tensor_view(&dout.t[j], &n->acc[j]);
    }
    release_node_grads(n);
    int rc = n->shared && !last_call_of_layer ? recompute(m, i) : 0;
    if (!rc && m->has_controls && l->controls && (l->controls->act_l1 || l->controls->act_l2)) {
        em_tensor with_penalty = {0};
        rc = em_layer_activity_backward(l, &dout.t[0], &m->act_buf, &with_penalty);
        if (!rc) {
            em_tensor_release(&dout.t[0]);
            dout.t[0] = with_penalty;
        }
    }
    em_layer_io din = {0};
    if (!rc) {
        l->no_input_grad = n->inputs_only;
        rc = em_layer_call_backward(l, &dout, &din);
        l->no_input_grad = 0;
    }
    em_layer_io_release(&dout);
    for (int k = 0; !rc && k < n->nin; k++) {
        em_model_edge e = n->in[k];
        if (e.node < 0) continue;  /* a model input: no gradient wanted */
        if (k >= din.n || !din.t[k].storage)
            rc = em_fail("%s: returns no input gradient, so it can only be the first layer of a model", l->ops->type);
        else rc = add_grad(m, e.node, e.index, &din.t[k], n->shared);
    }
    em_layer_io_release(&din);
    return rc;
}

int em_model_backward_multi(em_model *m, const em_tensor *const *dy) {
    m->phase = EM_PHASE_NONE;
    for (int j = 0; j < m->nout; j++)
        if (dy[j]->dtype != EM_FLOAT32) {
            m->phase = EM_PHASE_BACKWARD;
            return em_fail("backward: expected a float32 gradient, got %s", em_dtype_name(dy[j]->dtype));
        }
    for (int i = 0; i < m->nnodes; i++) release_node_grads(&m->nodes[i]);
    int rc = 0;
    for (int j = 0; j < m->nout && !rc; j++)
        if (m->outs[j].from.node >= 0) rc = add_grad(m, m->outs[j].from.node, m->outs[j].from.index, dy[j], 0);
    if (rc) return fail_in(m, EM_PHASE_BACKWARD);
    for (int i = m->nnodes - 1; i >= 0; i--) {
        /* the layer's cache is its last call's: the latest node that calls it */
        int last = 1;
        for (int k = i + 1; k < m->nnodes && last; k++) last = m->nodes[k].layer != m->nodes[i].layer;
        if (backward_node(m, i, last)) {
            for (int k = 0; k < m->nnodes; k++) release_node_grads(&m->nodes[k]);
            m->phase = EM_PHASE_BACKWARD;
            return layer_failed(m, i);
        }
    }
    return 0;
}

int em_model_backward(em_model *m, const em_tensor *dy) {
    if (m->nout != 1) {
        m->phase = EM_PHASE_BACKWARD;
        return em_fail("backward: the model has %d outputs; give one gradient per output", m->nout);
    }
    return em_model_backward_multi(m, &dy);
}

void em_model_zero_grads(em_model *m) {
    for (int i = 0; i < m->nlayers; i++) em_layer_zero_grads(m->layers[i]);
}

/* The list is rebuilt on every call: a loop over a handful of layers,
 * cheaper than tracking every change of a trainable flag. */
int em_model_trainable(em_model *m, int *n, em_tensor *const **params, em_tensor *const **grads) {
    int k = 0;
    for (int i = 0; i < m->nlayers; i++) {
        em_layer *l = m->layers[i];
        if (!l->trainable) continue;
        for (int j = 0; j < l->nparams; j++) {
            if (l->param_nontrainable[j]) continue;
            m->params[k] = &l->params[j];
            m->grads[k] = &l->grads[j];
            k++;
        }
    }
    *n = k;
    *params = m->params;
    *grads = m->grads;
    return 0;
}

int em_model_apply(em_model *m, em_optimizer *opt, double lr) {
    m->phase = EM_PHASE_NONE;
    int n;
    em_tensor *const *params, *const *grads;
    em_model_trainable(m, &n, &params, &grads);
    if (em_optimizer_set_lr(opt, lr) || em_optimizer_step(opt, n, params, grads)) return fail_in(m, EM_PHASE_UPDATE);
    return 0;
}

/* Output j's loss (into *loss, its gradient into o->grad when training)
 * and its metrics (into values). */
static int measure_output(em_model *m, int j, const em_tensor *y, const em_tensor *sw, int training, double *loss,
                          double *values) {
    output_state *o = &m->outs[j];
    if (m->loss_fn && sw) {
        m->phase = EM_PHASE_LOSS;
        return em_fail("sample weights need a built-in loss (a loss function gets no per-sample weights)");
    }
    if (m->loss_fn && m->nout > 1) {
        m->phase = EM_PHASE_LOSS;
        return em_fail("a loss function written in Lua needs a model of one output (this one has %d)", m->nout);
    }
    int masked = o->mask.storage ? em_masked_gather(&o->masked, &o->pred, y, &o->mask) : 0;
    if (masked < 0) return fail_in(m, EM_PHASE_LOSS);
    if (masked && (sw || m->loss_fn)) {
        m->phase = EM_PHASE_LOSS;
        return em_fail("a masked output (mask_zero or Masking up to the last layer) takes neither sample weights "
                       "nor a Lua loss yet");
    }
    em_tensor *grad = training ? &o->grad : NULL;
    int rc = masked      ? em_masked_loss(&o->masked, o->spec.loss, &o->pred, &o->mask, loss, grad)
             : m->loss_fn ? m->loss_fn(&o->pred, y, loss, grad, m->loss_ctx)
                          : em_loss_compute_weighted(o->spec.loss, &o->pred, y, sw, loss, grad);
    if (rc) return fail_in(m, EM_PHASE_LOSS);
    for (int i = 0; i < o->spec.nmetrics; i++)
        if (masked ? em_masked_metric(&o->masked, o->spec.metrics[i], &values[i])
                   : em_metric_compute(o->spec.metrics[i], &o->pred, y, &values[i]))
            return fail_in(m, EM_PHASE_METRIC);
    return 0;
}

/* The loss weight into the gradient (a weight of 1 touches nothing, so a
 * one-output model computes exactly what it did before weights existed). */
static void scale_grad(em_tensor *g, double w) {
    if (w == 1.0) return;
    float *p = em_f32(g), fw = (float)w;
    for (int64_t k = 0, c = em_numel(g); k < c; k++) p[k] *= fw;
}

/* Forward, losses (and their gradients when training) and metrics of one
 * batch into r; each output's pred keeps its predictions. */
static int measure(em_model *m, const em_tensor *const *x, const em_tensor *const *y, const em_tensor *sw,
                   int training, em_step_result *r) {
    if (!m->compiled) {
        m->phase = EM_PHASE_LOSS;
        return em_fail("the model must be compiled first");
    }
    em_tensor preds[EM_MODEL_MAX_OUTPUTS] = {{0}};
    for (int j = 0; j < m->nout; j++) em_tensor_release(&m->outs[j].pred);
    if (em_model_forward_multi(m, x, training, preds)) return -1;
    for (int j = 0; j < m->nout; j++) m->outs[j].pred = preds[j];  /* the views move */
    int several = m->nout > 1, v = several ? m->nout : 0;
    r->loss = 0;
    for (int j = 0; j < m->nout; j++) {
        double loss;
        if (measure_output(m, j, y[j], sw, training, &loss, &r->metrics[v])) return -1;
        v += m->outs[j].spec.nmetrics;
        if (several) r->metrics[j] = loss;
        double w = m->outs[j].spec.weight;
        r->loss += w == 1.0 ? loss : w * loss;
        if (training) scale_grad(&m->outs[j].grad, w);
    }
    /* Keras's total_loss: the (weighted or masked) losses plus every
     * regularization loss (metrics stay unweighted, as Keras 2.2.4's are). */
    if (m->has_controls) r->loss += m->activity_penalty + em_layers_weight_penalty(m->nlayers, m->layers);
    return 0;
}

/* The hook, then the update when the (possibly reduced) loss is finite;
 * a loss that is not finite is the caller's to handle: stop, or end
 * gracefully (TerminateOnNaN). */
static int sync_and_apply(em_model *m, double lr, em_step_result *r) {
    if (m->hook && m->hook(m, r, m->hook_ctx)) return fail_in(m, EM_PHASE_HOOK);
    if (!isfinite(r->loss)) return 0;
    if (em_model_apply(m, m->opt, lr)) return -1;
    r->applied = 1;
    return 0;
}

void em_model_set_first_row(em_model *m, int64_t first_row) { m->first_row = first_row; }

/* With a hook (MPI) every rank joins it even when its own loss is not
 * finite, so no rank waits for one that stopped; the weight penalties'
 * gradients are added before it, so they are reduced with the rest. */
static int train_step(em_model *m, const em_tensor *const *x, const em_tensor *const *y, const em_tensor *sw,
                      double lr, em_step_result *r) {
    r->applied = 0;
    em_model_zero_grads(m);
    if (measure(m, x, y, sw, 1, r)) return -1;
    if (!isfinite(r->loss) && !m->hook) return 0;
    if (isfinite(r->loss)) {
        const em_tensor *dy[EM_MODEL_MAX_OUTPUTS];
        for (int j = 0; j < m->nout; j++) dy[j] = &m->outs[j].grad;
        if (em_model_backward_multi(m, dy)) return -1;
        if (m->has_controls) em_layers_add_weight_penalty_grads(m->nlayers, m->layers);
    }
    return sync_and_apply(m, lr, r);
}

/* Every step, empty or not, takes one key of the mask stream, so that
 * all ranks (and one process) stay at the same place in it. */
int em_model_train_step_multi(em_model *m, const em_tensor *const *x, const em_tensor *const *y,
                              const em_tensor *sample_weight, double lr, em_step_result *r) {
    em_mask_step_begin(m->first_row);
    int rc = train_step(m, x, y, sample_weight, lr, r);
    em_mask_step_end();
    return rc;
}

static int check_single(em_model *m, const char *who) {
    if (m->nin == 1 && m->nout == 1) return 0;
    m->phase = EM_PHASE_FORWARD;
    return em_fail("%s: the model has %d inputs and %d outputs; give one tensor per input and per output", who,
                   m->nin, m->nout);
}

int em_model_train_step_weighted(em_model *m, const em_tensor *x, const em_tensor *y, const em_tensor *sample_weight,
                                 double lr, em_step_result *r) {
    if (check_single(m, "train_step")) return -1;
    return em_model_train_step_multi(m, &x, &y, sample_weight, lr, r);
}

int em_model_train_step(em_model *m, const em_tensor *x, const em_tensor *y, double lr, em_step_result *r) {
    return em_model_train_step_weighted(m, x, y, NULL, lr, r);
}

int em_model_empty_step(em_model *m, double lr, em_step_result *r) {
    memset(r, 0, sizeof *r);
    if (!m->compiled) {
        m->phase = EM_PHASE_LOSS;
        return em_fail("the model must be compiled first");
    }
    em_model_zero_grads(m);
    if (!m->hook) return 0;
    em_mask_step_begin(m->first_row);
    em_mask_step_end();
    return sync_and_apply(m, lr, r);
}

int em_model_eval_step_multi(em_model *m, const em_tensor *const *x, const em_tensor *const *y, em_step_result *r) {
    r->applied = 0;
    return measure(m, x, y, NULL, 0, r);
}

int em_model_eval_step(em_model *m, const em_tensor *x, const em_tensor *y, em_step_result *r) {
    if (check_single(m, "eval_step")) return -1;
    return em_model_eval_step_multi(m, &x, &y, r);
}
