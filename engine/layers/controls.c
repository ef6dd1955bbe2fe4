#include "controls.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"

static struct em_layer_controls *controls_of(em_layer *l) {
    if (!l->controls) {
        l->controls = calloc(1, sizeof *l->controls);
        if (!l->controls) em_fail("%s: out of memory", l->ops->type);
    }
    return l->controls;
}

/* The control of param, made when missing. */
static em_param_control *control_for(em_layer *l, const char *param) {
    if (strlen(param) >= sizeof l->controls->p[0].param) {
        em_fail("%s: no parameter '%s'", l->ops->type, param);
        return NULL;
    }
    struct em_layer_controls *c = controls_of(l);
    if (!c) return NULL;
    for (int i = 0; i < c->n; i++)
        if (strcmp(c->p[i].param, param) == 0) return &c->p[i];
    if (c->n == EM_MAX_PARAMS) {
        em_fail("%s: too many parameter controls", l->ops->type);
        return NULL;
    }
    em_param_control *p = &c->p[c->n++];
    snprintf(p->param, sizeof p->param, "%s", param);
    return p;
}

static int check_penalty(em_layer *l, const char *what, double l1, double l2) {
    if (!(isfinite(l1) && isfinite(l2) && l1 >= 0 && l2 >= 0))
        return em_fail("%s: %s's l1 and l2 must be finite numbers >= 0, got %g, %g", l->ops->type, what, l1, l2);
    return 0;
}

int em_layer_set_initializer(em_layer *l, const char *param, const em_init_spec *spec) {
    if (em_init_check(l->ops->type, spec)) return -1;
    em_param_control *p = control_for(l, param);
    if (!p) return -1;
    p->has_init = 1;
    p->init = *spec;
    return 0;
}

int em_layer_set_regularizer(em_layer *l, const char *param, double l1, double l2) {
    if (check_penalty(l, param, l1, l2)) return -1;
    em_param_control *p = control_for(l, param);
    if (!p) return -1;
    p->l1 = l1;
    p->l2 = l2;
    return 0;
}

int em_layer_set_activity_regularizer(em_layer *l, double l1, double l2) {
    if (check_penalty(l, "activity_regularizer", l1, l2)) return -1;
    struct em_layer_controls *c = controls_of(l);
    if (!c) return -1;
    c->act_l1 = l1;
    c->act_l2 = l2;
    return 0;
}

static int param_index(const em_layer *l, const char *name) {
    for (int j = 0; j < l->nparams; j++)
        if (l->param_names[j] && strcmp(l->param_names[j], name) == 0) return j;
    return -1;
}

int em_layer_apply_initializers(em_layer *l) {
    struct em_layer_controls *c = l->controls;
    for (int i = 0; c && i < c->n; i++) {
        int j = c->p[i].has_init ? param_index(l, c->p[i].param) : -1;
        if (j >= 0 && em_init_apply(&c->p[i].init, &l->params[j])) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", em_error());
            return em_fail("%s: %s_initializer: %s", l->ops->type, c->p[i].param, msg);
        }
    }
    return 0;
}

void em_layer_controls_free(struct em_layer_controls *c) {
    if (!c) return;
    em_tensor_release(&c->act_grad);
    free(c);
}

double em_l1l2_penalty(const float *x, int64_t n, double l1, double l2) {
    double s1 = 0, s2 = 0;
    for (int64_t i = 0; i < n; i++) {
        s1 += fabs((double)x[i]);
        s2 += (double)x[i] * x[i];
    }
    return (l1 ? l1 * s1 : 0) + (l2 ? l2 * s2 : 0);
}

void em_l1l2_add_grad(const float *x, float *g, int64_t n, double l1, double l2) {
    float a = (float)l1, b = (float)(2 * l2);
    for (int64_t i = 0; i < n; i++) g[i] += a * (float)((x[i] > 0) - (x[i] < 0)) + b * x[i];
}

double em_layers_weight_penalty(int n, em_layer *const *layers) {
    double total = 0;
    for (int i = 0; i < n; i++) {
        const em_layer *l = layers[i];
        for (int k = 0; l->controls && k < l->controls->n; k++) {
            const em_param_control *p = &l->controls->p[k];
            int j = (p->l1 || p->l2) ? param_index(l, p->param) : -1;
            if (j >= 0) total += em_l1l2_penalty(em_f32(&l->params[j]), em_numel(&l->params[j]), p->l1, p->l2);
        }
    }
    return total;
}

void em_layers_add_weight_penalty_grads(int n, em_layer *const *layers) {
    for (int i = 0; i < n; i++) {
        em_layer *l = layers[i];
        if (!l->trainable) continue;
        for (int k = 0; l->controls && k < l->controls->n; k++) {
            const em_param_control *p = &l->controls->p[k];
            int j = (p->l1 || p->l2) ? param_index(l, p->param) : -1;
            if (j >= 0)
                em_l1l2_add_grad(em_f32(&l->params[j]), em_f32(&l->grads[j]), em_numel(&l->params[j]), p->l1, p->l2);
        }
    }
}

int em_layer_activity_forward(em_layer *l, const em_tensor *y, int training, double *penalty) {
    struct em_layer_controls *c = l->controls;
    *penalty = 0;
    if (!c || !(c->act_l1 || c->act_l2)) return 0;
    if (y->dtype != EM_FLOAT32)
        return em_fail("%s: activity_regularizer needs a float32 output, got %s", l->ops->type, em_dtype_name(y->dtype));
    em_tensor tmp = {0};
    const em_tensor *yc = y;
    if (!em_is_contiguous(y)) {
        if (em_tensor_clone(&tmp, y)) return -1;
        yc = &tmp;
    }
    int64_t n = em_numel(yc);
    *penalty = em_l1l2_penalty(em_f32(yc), n, c->act_l1, c->act_l2);
    int rc = 0;
    if (training) {
        rc = em_tensor_reuse(&c->act_grad, EM_FLOAT32, yc->ndim, yc->shape, NULL);
        if (!rc) {
            memset(em_f32(&c->act_grad), 0, sizeof(float) * (size_t)n);
            em_l1l2_add_grad(em_f32(yc), em_f32(&c->act_grad), n, c->act_l1, c->act_l2);
        }
    }
    em_tensor_release(&tmp);
    return rc;
}

int em_layer_activity_backward(em_layer *l, const em_tensor *dy, em_tensor *buf, em_tensor *out) {
    struct em_layer_controls *c = l->controls;
    if (!em_same_shape(dy, &c->act_grad))
        return em_fail("%s: activity_regularizer: no gradient kept for this output (backward without a training forward)",
                       l->ops->type);
    if (em_tensor_reuse(buf, EM_FLOAT32, dy->ndim, dy->shape, dy) || em_tensor_copy(buf, dy)) return -1;
    float *g = em_f32(buf);
    const float *a = em_f32(&c->act_grad);
    for (int64_t i = 0, n = em_numel(buf); i < n; i++) g[i] += a[i];
    em_tensor_view(out, buf);
    return 0;
}
