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

struct em_model {
    int n;
    em_layer **layers;   /* not owned */
    char **names;        /* owned copies */
    em_loss_kind loss;
    int compiled;
    int nmetrics;
    em_metric_kind metrics[EM_MODEL_MAX_METRICS];
    em_optimizer *opt;   /* not owned */
    em_model_hook hook;
    void *hook_ctx;
    em_model_loss_fn loss_fn;  /* NULL: the compiled loss kind */
    void *loss_ctx;
    em_model_phase phase;
    int64_t first_row;   /* global row of the next step's first sample (dropout masks) */
    int nparams;
    em_tensor **params, **grads;  /* capacity n * EM_MAX_PARAMS */
    em_tensor pred;      /* the last forward's output (a view) */
    em_tensor grad;      /* dLoss/dPredictions, reused */
    /* Regularizers (layers/controls.h): set when any layer has controls,
     * so a model without them skips every step below. */
    int has_controls;
    double activity_penalty;  /* of the last forward */
    em_tensor act_buf;        /* a gradient plus an activity penalty's */
    em_tensor out_mask;  /* the mask the last forward's output carries (a view), or empty */
    em_masked_buffers masked;  /* loss and metrics over the unmasked steps (masked_loss.h) */
};

em_model *em_model_new(int n, em_layer *const *layers, const char *const *names) {
    if (n < 1) { em_fail("Model: a model needs at least one layer"); return NULL; }
    em_model *m = calloc(1, sizeof *m);
    if (!m) { em_fail("Model: out of memory"); return NULL; }
    m->n = n;
    m->layers = calloc((size_t)n, sizeof *m->layers);
    m->names = calloc((size_t)n, sizeof *m->names);
    m->params = calloc((size_t)n * EM_MAX_PARAMS, sizeof *m->params);
    m->grads = calloc((size_t)n * EM_MAX_PARAMS, sizeof *m->grads);
    int ok = m->layers && m->names && m->params && m->grads;
    for (int i = 0; ok && i < n; i++) {
        m->layers[i] = layers[i];
        m->names[i] = strdup(names && names[i] ? names[i] : "");
        ok = m->names[i] != NULL;
        if (layers[i]->controls) m->has_controls = 1;
    }
    if (!ok) {
        em_model_free(m);
        em_fail("Model: out of memory");
        return NULL;
    }
    return m;
}

void em_model_free(em_model *m) {
    if (!m) return;
    for (int i = 0; m->names && i < m->n; i++) free(m->names[i]);
    free(m->names);
    free(m->layers);
    free(m->params);
    free(m->grads);
    em_tensor_release(&m->pred);
    em_tensor_release(&m->grad);
    em_tensor_release(&m->act_buf);
    em_tensor_release(&m->out_mask);
    em_tensor *mb[] = {&m->masked.pred, &m->masked.truth, &m->masked.grad, &m->masked.tmp};
    for (size_t i = 0; i < sizeof mb / sizeof mb[0]; i++) em_tensor_release(mb[i]);
    free(m);
}

int em_model_compile(em_model *m, em_loss_kind loss, int nmetrics, const em_metric_kind *metrics, em_optimizer *opt) {
    if (!opt) return em_fail("compile: an optimizer is required");
    if (nmetrics < 0 || nmetrics > EM_MODEL_MAX_METRICS)
        return em_fail("compile: at most %d metrics, got %d", EM_MODEL_MAX_METRICS, nmetrics);
    m->loss = loss;
    m->nmetrics = nmetrics;
    for (int i = 0; i < nmetrics; i++) m->metrics[i] = metrics[i];
    m->opt = opt;
    m->compiled = 1;
    return 0;
}

void em_model_set_after_backward(em_model *m, em_model_hook hook, void *ctx) {
    m->hook = hook;
    m->hook_ctx = ctx;
}

void em_model_set_loss_fn(em_model *m, em_model_loss_fn fn, void *ctx) {
    m->loss_fn = fn;
    m->loss_ctx = ctx;
}

const em_tensor *em_model_last_prediction(const em_model *m) { return &m->pred; }

em_model_phase em_model_failed_phase(const em_model *m) { return m->phase; }
int em_model_layer_count(const em_model *m) { return m->n; }
int em_model_metric_count(const em_model *m) { return m->nmetrics; }

/* Fails with "<name> (<Type>): <message>" for layer i, the layer's own
 * "<Type>: " prefix dropped. */
static int layer_failed(em_model *m, int i) {
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", em_error());
    const char *type = m->layers[i]->ops->type;
    size_t tl = strlen(type);
    const char *rest = strncmp(msg, type, tl) == 0 && msg[tl] == ':' && msg[tl + 1] == ' ' ? msg + tl + 2 : msg;
    if (m->names[i][0]) return em_fail("%s (%s): %s", m->names[i], type, rest);
    return em_fail("layer %d (%s): %s", i + 1, type, rest);
}

static int fail_in(em_model *m, em_model_phase phase) {
    m->phase = phase;
    return -1;
}

/* The chain through the io protocol (layer.h): a mask made by one layer
 * travels on to the next, which takes it, hands it on or refuses it. */
static int forward_chain(em_model *m, const em_tensor *x, int training, em_tensor *y);

/* A training forward outside a step is a step's forward for the dropout
 * masks (core/random.h): a hand-written loop draws fit's masks. */
int em_model_forward(em_model *m, const em_tensor *x, int training, em_tensor *y) {
    if (!training || em_mask_step_active()) return forward_chain(m, x, training, y);
    em_mask_step_begin(m->first_row);
    int rc = forward_chain(m, x, training, y);
    em_mask_step_end();
    return rc;
}

static int forward_chain(em_model *m, const em_tensor *x, int training, em_tensor *y) {
    m->phase = EM_PHASE_NONE;
    m->activity_penalty = 0;
    em_tensor_release(&m->out_mask);
    em_layer_io cur = {0};
    em_tensor_view(&cur.t[0], x);
    cur.n = 1;
    for (int i = 0; i < m->n; i++) {
        em_layer_io next;
        int rc = em_layer_call(m->layers[i], &cur, training, &next);
        em_layer_io_release(&cur);
        if (!rc && next.n != 1) {
            em_layer_io_release(&next);
            rc = em_fail("%s: gives %d outputs; a chain of layers passes one", m->layers[i]->ops->type, next.n);
        }
        if (!rc && m->has_controls && m->layers[i]->controls) {
            double penalty;
            rc = em_layer_activity_forward(m->layers[i], &next.t[0], training, &penalty);
            m->activity_penalty += penalty;
            if (rc) em_layer_io_release(&next);
        }
        if (rc) {
            m->phase = EM_PHASE_FORWARD;
            return layer_failed(m, i);
        }
        cur = next;
    }
    *y = cur.t[0];  /* the view moves to the caller */
    cur.t[0] = (em_tensor){0};
    em_tensor_release(&m->out_mask);
    if (cur.mask.storage) em_tensor_view(&m->out_mask, &cur.mask);  /* the loss honours it (masked_loss.h) */
    em_layer_io_release(&cur);
    return 0;
}

int em_model_backward(em_model *m, const em_tensor *dy) {
    m->phase = EM_PHASE_NONE;
    if (dy->dtype != EM_FLOAT32) {
        m->phase = EM_PHASE_BACKWARD;
        return em_fail("backward: expected a float32 gradient, got %s", em_dtype_name(dy->dtype));
    }
    em_layer_io cur = {0};
    em_tensor_view(&cur.t[0], dy);
    cur.n = 1;
    for (int i = m->n - 1; i >= 0; i--) {
        em_layer *l = m->layers[i];
        em_layer_io din;
        if (m->has_controls && l->controls && (l->controls->act_l1 || l->controls->act_l2)) {
            em_tensor with_penalty = {0};
            if (em_layer_activity_backward(l, &cur.t[0], &m->act_buf, &with_penalty)) {
                em_layer_io_release(&cur);
                m->phase = EM_PHASE_BACKWARD;
                return layer_failed(m, i);
            }
            em_tensor_release(&cur.t[0]);
            cur.t[0] = with_penalty;
        }
        l->no_input_grad = i == 0;
        int rc = em_layer_call_backward(l, &cur, &din);
        l->no_input_grad = 0;
        em_layer_io_release(&cur);
        if (!rc && i > 0 && (din.n != 1 || !din.t[0].storage)) {
            em_layer_io_release(&din);
            rc = em_fail("%s: returns no input gradient, so it can only be the first layer of a model", l->ops->type);
        }
        if (rc) {
            m->phase = EM_PHASE_BACKWARD;
            return layer_failed(m, i);
        }
        cur = din;
    }
    em_layer_io_release(&cur);
    return 0;
}

void em_model_zero_grads(em_model *m) {
    for (int i = 0; i < m->n; i++) em_layer_zero_grads(m->layers[i]);
}

/* The list is rebuilt on every call: a loop over a handful of layers,
 * cheaper than tracking every change of a trainable flag. */
int em_model_trainable(em_model *m, int *n, em_tensor *const **params, em_tensor *const **grads) {
    int k = 0;
    for (int i = 0; i < m->n; i++) {
        em_layer *l = m->layers[i];
        if (!l->trainable) continue;
        for (int j = 0; j < l->nparams; j++) {
            if (l->param_nontrainable[j]) continue;
            m->params[k] = &l->params[j];
            m->grads[k] = &l->grads[j];
            k++;
        }
    }
    m->nparams = k;
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

/* Forward, loss (and its gradient when grad is wanted) and metrics of one
 * batch into r; m->pred keeps the predictions. */
static int measure(em_model *m, const em_tensor *x, const em_tensor *y, const em_tensor *sw, int training,
                   em_step_result *r) {
    if (!m->compiled) {
        m->phase = EM_PHASE_LOSS;
        return em_fail("the model must be compiled first");
    }
    em_tensor_release(&m->pred);
    if (em_model_forward(m, x, training, &m->pred)) return -1;
    if (m->loss_fn && sw) {
        m->phase = EM_PHASE_LOSS;
        return em_fail("sample weights need a built-in loss (a loss function gets no per-sample weights)");
    }
    int masked = m->out_mask.storage ? em_masked_gather(&m->masked, &m->pred, y, &m->out_mask) : 0;
    if (masked < 0) return fail_in(m, EM_PHASE_LOSS);
    if (masked && (sw || m->loss_fn)) {
        m->phase = EM_PHASE_LOSS;
        return em_fail("a masked output (mask_zero or Masking up to the last layer) takes neither sample weights "
                       "nor a Lua loss yet");
    }
    int rc = masked      ? em_masked_loss(&m->masked, m->loss, &m->pred, &m->out_mask, &r->loss,
                                          training ? &m->grad : NULL)
             : m->loss_fn ? m->loss_fn(&m->pred, y, &r->loss, training ? &m->grad : NULL, m->loss_ctx)
                          : em_loss_compute_weighted(m->loss, &m->pred, y, sw, &r->loss, training ? &m->grad : NULL);
    if (rc) return fail_in(m, EM_PHASE_LOSS);
    /* Keras's total_loss: the (weighted or masked) loss plus every
     * regularization loss (metrics stay unweighted, as Keras 2.2.4's are). */
    if (m->has_controls) r->loss += m->activity_penalty + em_layers_weight_penalty(m->n, m->layers);
    for (int i = 0; i < m->nmetrics; i++)
        if (masked ? em_masked_metric(&m->masked, m->metrics[i], &r->metrics[i])
                   : em_metric_compute(m->metrics[i], &m->pred, y, &r->metrics[i]))
            return fail_in(m, EM_PHASE_METRIC);
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
static int train_step(em_model *m, const em_tensor *x, const em_tensor *y, const em_tensor *sw, double lr,
                      em_step_result *r) {
    r->applied = 0;
    em_model_zero_grads(m);
    if (measure(m, x, y, sw, 1, r)) return -1;
    if (!isfinite(r->loss) && !m->hook) return 0;
    if (isfinite(r->loss)) {
        if (em_model_backward(m, &m->grad)) return -1;
        if (m->has_controls) em_layers_add_weight_penalty_grads(m->n, m->layers);
    }
    return sync_and_apply(m, lr, r);
}

int em_model_train_step(em_model *m, const em_tensor *x, const em_tensor *y, double lr, em_step_result *r) {
    return em_model_train_step_weighted(m, x, y, NULL, lr, r);
}

/* Every step, empty or not, takes one key of the mask stream, so that
 * all ranks (and one process) stay at the same place in it. */
int em_model_train_step_weighted(em_model *m, const em_tensor *x, const em_tensor *y, const em_tensor *sample_weight,
                                 double lr, em_step_result *r) {
    em_mask_step_begin(m->first_row);
    int rc = train_step(m, x, y, sample_weight, lr, r);
    em_mask_step_end();
    return rc;
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

int em_model_eval_step(em_model *m, const em_tensor *x, const em_tensor *y, em_step_result *r) {
    r->applied = 0;
    return measure(m, x, y, NULL, 0, r);
}
