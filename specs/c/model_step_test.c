/* engine/train/model.c at the C level: the after-backward hook runs once
 * per applied step, between backward and the update (it sees the gradients
 * and the weights before the update); a failing hook fails the step with
 * its message and leaves the weights as they were; a non-finite loss
 * applies nothing but still calls the hook (so that every rank of a
 * distributed step joins the same all-reduce).  Prints one line per check. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../../engine/core/error.h"
#include "../../engine/layers/core_layers.h"
#include "../../engine/train/model.h"

typedef struct {
    int calls, fail;
    float weight_seen, grad_seen;
    em_layer *dense;
} hook_state;

static int hook(em_model *m, em_step_result *r, void *ctx) {
    (void)m;
    (void)r;
    hook_state *h = ctx;
    h->calls++;
    h->weight_seen = em_f32(&h->dense->params[0])[0];
    h->grad_seen = em_f32(&h->dense->grads[0])[0];
    return h->fail ? em_fail("allreduce: the other ranks went away") : 0;
}

static em_tensor filled(int64_t rows, int64_t cols, float v) {
    em_tensor t = {0};
    int64_t shape[2] = {rows, cols};
    em_tensor_alloc(&t, EM_FLOAT32, 2, shape);
    for (int64_t i = 0; i < rows * cols; i++) em_f32(&t)[i] = v + 0.1f * (float)i;
    return t;
}

int main(void) {
    em_layer *dense = em_dense_new(1, EM_ACT_LINEAR, 1);
    int64_t in[2] = {-1, 3};
    if (!dense || em_layer_build(dense, 2, in)) { printf("setup failed: %s\n", em_error()); return 1; }
    const char *names[1] = {"dense_1"};
    em_model *m = em_model_new(1, &dense, names);
    em_opt_config oc = em_optimizer_defaults(EM_OPT_SGD);
    em_optimizer *opt = em_optimizer_new(EM_OPT_SGD, &oc);
    em_metric_kind mae = EM_MET_MAE;
    if (!m || !opt || em_model_compile(m, EM_LOSS_MSE, 1, &mae, opt)) { printf("setup failed: %s\n", em_error()); return 1; }
    hook_state h = {0, 0, 0, 0, dense};
    em_model_set_after_backward(m, hook, &h);
    em_tensor x = filled(4, 3, 1.0f), y = filled(4, 1, 0.5f);
    em_step_result r;

    float w0 = em_f32(&dense->params[0])[0];
    int rc = em_model_train_step(m, &x, &y, 0.1, &r);
    float w1 = em_f32(&dense->params[0])[0];
    printf("step rc %d applied %d hook calls %d\n", rc, r.applied, h.calls);
    printf("hook saw the old weight %s and a gradient %s; the update came after %s\n",
           h.weight_seen == w0 ? "yes" : "no", h.grad_seen != 0.0f ? "yes" : "no",
           fabsf(w1 - (w0 - 0.1f * h.grad_seen)) < 1e-6f ? "yes" : "no");

    h.fail = 1;
    rc = em_model_train_step(m, &x, &y, 0.1, &r);
    printf("failing hook: rc %d phase hook %s, weights kept %s, message %s\n", rc,
           em_model_failed_phase(m) == EM_PHASE_HOOK ? "yes" : "no",
           em_f32(&dense->params[0])[0] == w1 ? "yes" : "no", em_error());

    h.fail = 0;
    h.calls = 0;
    em_f32(&y)[0] = NAN;
    rc = em_model_train_step(m, &x, &y, 0.1, &r);
    printf("nan loss: rc %d applied %d hook calls %d weights kept %s\n", rc, r.applied, h.calls,
           em_f32(&dense->params[0])[0] == w1 ? "yes" : "no");

    em_tensor_release(&x);
    em_tensor_release(&y);
    em_model_free(m);
    em_optimizer_free(opt);
    em_layer_free(dense);
    return 0;
}
