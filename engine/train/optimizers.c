#include "optimizers.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"

const char *const em_optimizer_names[] = {"sgd", "rmsprop", "adam", NULL};
const char *const em_optimizer_class_names[] = {"SGD", "RMSprop", "Adam"};

#define FIELD(f) .offset = offsetof(em_opt_config, f)
#define LR(default_lr)                                                                                      \
    {.name = "lr", .type = EM_OPTION_NUMBER, FIELD(lr), .def = default_lr, .lo = 0, .hi = HUGE_VAL,          \
     .doc = "the learning rate"}
#define DECAY                                                                                               \
    {.name = "decay", .type = EM_OPTION_NUMBER, FIELD(decay), .lo = 0, .hi = HUGE_VAL,                      \
     .doc = "lr / (1 + decay * iterations)"}
#define EPSILON                                                                                             \
    {.name = "epsilon", .type = EM_OPTION_NUMBER, FIELD(epsilon), .def = 1e-7, .lo = 1e-30, .hi = HUGE_VAL,  \
     .doc = "added to the denominator (Keras's K.epsilon())"}

#define CLIPS                                                                                               \
    {.name = "clipnorm", .type = EM_OPTION_NUMBER, FIELD(clipnorm), .lo = 0, .hi = HUGE_VAL,                 \
     .doc = "scale all gradients by clipnorm / norm when their global L2 norm is >= clipnorm (0: off)"},       \
    {.name = "clipvalue", .type = EM_OPTION_NUMBER, FIELD(clipvalue), .lo = 0, .hi = HUGE_VAL,               \
     .doc = "clip every gradient element to [-clipvalue, clipvalue] (0: off)"}

static const em_option sgd_options[] = {
    LR(0.01), DECAY, CLIPS,
    {.name = "momentum", .type = EM_OPTION_NUMBER, FIELD(momentum), .lo = 0, .hi = HUGE_VAL,
     .doc = "velocity kept from step to step"},
    {.name = "nesterov", .type = EM_OPTION_BOOL, FIELD(nesterov), .doc = "Nesterov momentum"},
    {.name = NULL}};
static const em_option rmsprop_options[] = {
    LR(0.001), DECAY, EPSILON, CLIPS,
    {.name = "rho", .type = EM_OPTION_RATE, FIELD(rho), .def = 0.9, .lo = 0, .hi = 1,
     .doc = "decay of the squared-gradient average"},
    {.name = NULL}};
static const em_option adam_options[] = {
    LR(0.001), DECAY, EPSILON, CLIPS,
    {.name = "beta_1", .type = EM_OPTION_RATE, FIELD(beta_1), .def = 0.9, .lo = 0, .hi = 1,
     .doc = "decay of the first moment"},
    {.name = "beta_2", .type = EM_OPTION_RATE, FIELD(beta_2), .def = 0.999, .lo = 0, .hi = 1,
     .doc = "decay of the second moment"},
    {.name = NULL}};

const em_option *em_optimizer_options(em_opt_kind kind) {
    return kind == EM_OPT_SGD ? sgd_options : kind == EM_OPT_RMSPROP ? rmsprop_options : adam_options;
}

em_opt_config em_optimizer_defaults(em_opt_kind kind) {
    em_opt_config c = {0};
    em_options_defaults(em_optimizer_options(kind), &c);
    return c;
}

em_optimizer *em_optimizer_new(em_opt_kind kind, const em_opt_config *cfg) {
    const char *who = em_optimizer_class_names[kind];
    if (em_options_check(who, em_optimizer_options(kind), cfg)) return NULL;
    em_optimizer *o = calloc(1, sizeof *o);
    if (!o) { em_fail("%s: out of memory", who); return NULL; }
    o->kind = kind;
    o->cfg = *cfg;
    return o;
}

int em_optimizer_set_lr(em_optimizer *o, double lr) {
    if (!(lr >= 0) || isinf(lr))
        return em_fail("%s.step: lr must be a number >= 0, got %g", em_optimizer_class_names[o->kind], lr);
    o->cfg.lr = lr;
    return 0;
}

static void free_state(em_optimizer *o) {
    for (int i = 0; i < o->nslots; i++) {
        if (o->s1) em_tensor_release(&o->s1[i]);
        if (o->s2) em_tensor_release(&o->s2[i]);
    }
    free(o->s1);
    free(o->s2);
    o->s1 = o->s2 = NULL;
    o->nslots = 0;
}

void em_optimizer_reset_state(em_optimizer *o) { free_state(o); }

int em_optimizer_set_state(em_optimizer *o, int64_t iterations, int n, const em_tensor *const *s1,
                           const em_tensor *const *s2) {
    const char *who = em_optimizer_class_names[o->kind];
    int need2 = o->kind == EM_OPT_ADAM;
    if (iterations < 0) return em_fail("%s.set_state: iterations must be >= 0, got %lld", who, (long long)iterations);
    if (n < 0) return em_fail("%s.set_state: negative slot count", who);
    if (n > 0 && need2 && !s2) return em_fail("%s.set_state: Adam needs both moment lists", who);
    for (int i = 0; i < n; i++) {
        if (s1[i]->dtype != EM_FLOAT32 || (need2 && (s2[i]->dtype != EM_FLOAT32 || !em_same_shape(s1[i], s2[i]))))
            return em_fail("%s.set_state: slot %d: expected float32 tensors of one shape", who, i + 1);
    }
    em_optimizer fresh = {.kind = o->kind, .cfg = o->cfg};
    if (n > 0) {
        fresh.s1 = calloc((size_t)n, sizeof(em_tensor));
        fresh.s2 = need2 ? calloc((size_t)n, sizeof(em_tensor)) : NULL;
        if (!fresh.s1 || (need2 && !fresh.s2)) {
            free(fresh.s1);
            free(fresh.s2);
            return em_fail("%s.set_state: out of memory", who);
        }
        fresh.nslots = n;
        for (int i = 0; i < n; i++) {
            if (em_tensor_clone(&fresh.s1[i], s1[i]) || (need2 && em_tensor_clone(&fresh.s2[i], s2[i]))) {
                free_state(&fresh);
                return -1;
            }
        }
    }
    free_state(o);
    o->s1 = fresh.s1;
    o->s2 = fresh.s2;
    o->nslots = fresh.nslots;
    o->iterations = iterations;
    return 0;
}

void em_optimizer_free(em_optimizer *o) {
    if (!o) return;
    free_state(o);
    free(o);
}

static int check_args(em_optimizer *o, int n, em_tensor *const *params, em_tensor *const *grads) {
    const char *who = em_optimizer_class_names[o->kind];
    char a[160], b[160];
    if (o->nslots && n != o->nslots)
        return em_fail("%s.step: got %d parameters but this optimizer's state was made for %d "
                       "(use a fresh optimizer for another model)", who, n, o->nslots);
    for (int i = 0; i < n; i++) {
        const em_tensor *p = params[i], *g = grads[i];
        if (p->dtype != EM_FLOAT32 || g->dtype != EM_FLOAT32 || !em_is_contiguous(p) || !em_is_contiguous(g))
            return em_fail("%s.step: parameter %d and its gradient must be contiguous float32 tensors", who, i + 1);
        if (!em_same_shape(p, g))
            return em_fail("%s.step: parameter %d has shape %s but its gradient %s", who, i + 1,
                           em_tensor_shape_str(p, a, sizeof a), em_tensor_shape_str(g, b, sizeof b));
        if (o->nslots && !em_same_shape(p, &o->s1[i]))
            return em_fail("%s.step: parameter %d has shape %s but its state was made for %s "
                           "(use a fresh optimizer for another model)", who, i + 1,
                           em_tensor_shape_str(p, a, sizeof a), em_tensor_shape_str(&o->s1[i], b, sizeof b));
    }
    return 0;
}

static int make_state(em_optimizer *o, int n, em_tensor *const *params) {
    int need2 = o->kind == EM_OPT_ADAM;
    o->s1 = calloc((size_t)n ? (size_t)n : 1, sizeof(em_tensor));
    o->s2 = need2 ? calloc((size_t)n ? (size_t)n : 1, sizeof(em_tensor)) : NULL;
    if (!o->s1 || (need2 && !o->s2)) { free(o->s1); free(o->s2); o->s1 = o->s2 = NULL; return em_fail("optimizer: out of memory"); }
    o->nslots = n;
    for (int i = 0; i < n; i++) {
        if (em_tensor_alloc(&o->s1[i], EM_FLOAT32, params[i]->ndim, params[i]->shape) ||
            (need2 && em_tensor_alloc(&o->s2[i], EM_FLOAT32, params[i]->ndim, params[i]->shape))) {
            free_state(o);
            return -1;
        }
    }
    return 0;
}

static void sgd_update(float *p, const float *g, float *v, int64_t n, float lr, float mom, int nesterov) {
    if (mom == 0.0f && !nesterov) {
        for (int64_t i = 0; i < n; i++) p[i] -= lr * g[i];
        return;
    }
    for (int64_t i = 0; i < n; i++) {
        float vi = mom * v[i] - lr * g[i];
        v[i] = vi;
        p[i] += nesterov ? mom * vi - lr * g[i] : vi;
    }
}

static void rmsprop_update(float *p, const float *g, float *a, int64_t n, float lr, float rho, float eps) {
    float one_m_rho = 1.0f - rho;
    for (int64_t i = 0; i < n; i++) {
        float ai = rho * a[i] + one_m_rho * g[i] * g[i];
        a[i] = ai;
        p[i] -= lr * g[i] / (sqrtf(ai) + eps);
    }
}

static void adam_update(float *p, const float *g, float *m, float *v, int64_t n, float lr_t, float b1, float b2,
                        float eps) {
    for (int64_t i = 0; i < n; i++) {
        float mi = b1 * m[i] + (1.0f - b1) * g[i];
        float vi = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
        m[i] = mi;
        v[i] = vi;
        p[i] -= lr_t * mi / (sqrtf(vi) + eps);
    }
}

/* Keras 2.2.4 optimizers.py, Optimizer.get_gradients:
 *   norm = K.sqrt(sum([K.sum(K.square(g)) for g in grads]))
 *   grads = [clip_norm(g, self.clipnorm, norm) for g in grads]
 *       (clip_norm: K.switch(K.greater_equal(n, c), g * c / n, g))
 *   grads = [K.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
 * Sums in double; a non-finite norm leaves the gradients as they are (the
 * comparison is false), as K.switch would. */
static void clip_gradients(const em_opt_config *c, int n, em_tensor *const *grads) {
    if (c->clipnorm > 0) {
        double sq = 0;
        for (int i = 0; i < n; i++) {
            const float *g = em_f32(grads[i]);
            for (int64_t k = 0, len = em_numel(grads[i]); k < len; k++) sq += (double)g[k] * g[k];
        }
        double norm = sqrt(sq);
        if (norm >= c->clipnorm) {
            float scale = (float)(c->clipnorm / norm);
            for (int i = 0; i < n; i++) {
                float *g = em_f32(grads[i]);
                for (int64_t k = 0, len = em_numel(grads[i]); k < len; k++) g[k] *= scale;
            }
        }
    }
    if (c->clipvalue > 0) {
        float hi = (float)c->clipvalue, lo = -hi;
        for (int i = 0; i < n; i++) {
            float *g = em_f32(grads[i]);
            for (int64_t k = 0, len = em_numel(grads[i]); k < len; k++) g[k] = g[k] < lo ? lo : g[k] > hi ? hi : g[k];
        }
    }
}

int em_optimizer_step(em_optimizer *o, int n, em_tensor *const *params, em_tensor *const *grads) {
    if (check_args(o, n, params, grads)) return -1;
    if (o->cfg.clipnorm > 0 || o->cfg.clipvalue > 0) clip_gradients(&o->cfg, n, grads);
    if (!o->nslots && n > 0 && make_state(o, n, params)) return -1;
    const em_opt_config *c = &o->cfg;
    double lr = c->lr;
    if (c->decay > 0) lr *= 1.0 / (1.0 + c->decay * (double)o->iterations);
    double t = (double)(o->iterations + 1);
    double lr_t = lr * sqrt(1.0 - pow(c->beta_2, t)) / (1.0 - pow(c->beta_1, t));
    for (int i = 0; i < n; i++) {
        float *p = em_f32(params[i]);
        const float *g = em_f32(grads[i]);
        int64_t len = em_numel(params[i]);
        switch (o->kind) {
        case EM_OPT_SGD: sgd_update(p, g, em_f32(&o->s1[i]), len, (float)lr, (float)c->momentum, c->nesterov); break;
        case EM_OPT_RMSPROP: rmsprop_update(p, g, em_f32(&o->s1[i]), len, (float)lr, (float)c->rho, (float)c->epsilon); break;
        case EM_OPT_ADAM:
            adam_update(p, g, em_f32(&o->s1[i]), em_f32(&o->s2[i]), len, (float)lr_t, (float)c->beta_1,
                        (float)c->beta_2, (float)c->epsilon);
            break;
        }
    }
    o->iterations++;
    return 0;
}
