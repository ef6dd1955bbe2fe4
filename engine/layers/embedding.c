/* Embedding: y[..., :] = E[ids[...], :].
 *
 * Gradient: backward scatter-adds dy into only the rows that were looked
 * up, O(batch * length * output_dim); it never sweeps the whole table.
 * The optimizers then update the full table densely, which is what Keras 2
 * does too (its RMSprop/Adam/momentum states decay every row each step). */
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "core_layers.h"
#include "initializers.h"

#define FIELD(f) .offset = offsetof(em_embedding_config, f)
const em_option em_embedding_options[] = {
    {.name = "input_dim", .type = EM_OPTION_INT, FIELD(input_dim), .lo = 1, .hi = INT32_MAX, .required = 1,
     .doc = "the size of the vocabulary (ids 0 .. input_dim - 1)"},
    {.name = "output_dim", .type = EM_OPTION_INT, FIELD(output_dim), .lo = 1, .hi = INT32_MAX, .required = 1,
     .doc = "the size of each embedding vector"},
    {.name = "input_length", .type = EM_OPTION_INT, FIELD(input_length), .lo = 1, .hi = INT32_MAX,
     .doc = "the length of the sequences, when fixed (0: not given)"},
    {.name = "mask_zero", .type = EM_OPTION_BOOL, FIELD(mask_zero), .doc = "id 0 is padding: the layer makes a mask (ids != 0) that the layers after it honour or refuse (Keras 2)"},
    {.name = NULL}};
#undef FIELD

typedef struct {
    int64_t input_dim, output_dim, input_length;
    em_tensor ids;  /* int32 ids of the last forward (contiguous, owned copy) */
    em_tensor y;
    em_tensor buf;  /* contiguous copy of a strided float input or gradient (reused) */
    int have_ids;
    int mask_zero;
    em_tensor mask;  /* (batch, time) 1 where the id is not 0 (mask_zero) */
} embedding;

static int embedding_build(em_layer *l, int ndim, const int64_t *in, int *out_ndim, int64_t *out) {
    embedding *e = l->self;
    char buf[160];
    if (ndim < 2 || ndim >= EM_MAX_DIMS)
        return em_fail("Embedding: expected an input of rank 2 (batch, input_length) or more, got shape %s",
                       em_shape_str(buf, sizeof buf, ndim, in));
    if (e->input_length > 0 && ndim == 2 && in[1] >= 0 && in[1] != e->input_length)
        return em_fail("Embedding: input_length is %lld but the input has shape %s", (long long)e->input_length,
                       em_shape_str(buf, sizeof buf, ndim, in));
    if (e->mask_zero && ndim != 2)
        return em_fail("Embedding: mask_zero needs an input of rank 2 (batch, time), got shape %s",
                       em_shape_str(buf, sizeof buf, ndim, in));
    int64_t eshape[2] = {e->input_dim, e->output_dim};
    if (em_layer_add_param(l, "embeddings", 2, eshape)) return -1;
    em_init_uniform(&l->params[0], -0.05, 0.05);
    memcpy(out, in, sizeof(int64_t) * (size_t)ndim);
    if (e->input_length > 0 && ndim == 2 && out[1] < 0) out[1] = e->input_length;
    out[ndim] = e->output_dim;
    *out_ndim = ndim + 1;
    return 0;
}

/* Flat position k of a tensor of this shape as "(i, j, ...)", 1-based as Lua. */
static const char *position_str(char *buf, size_t size, const em_tensor *t, int64_t k) {
    int64_t idx[EM_MAX_DIMS];
    for (int d = t->ndim - 1; d >= 0; d--) { idx[d] = k % t->shape[d] + 1; k /= t->shape[d]; }
    size_t len = 0;
    buf[len++] = '(';
    for (int d = 0; d < t->ndim && len < size; d++)
        len += (size_t)snprintf(buf + len, size - len, d ? ", %lld" : "%lld", (long long)idx[d]);
    if (len < size - 1) { buf[len++] = ')'; buf[len] = 0; }
    buf[size - 1] = 0;
    return buf;
}

/* Copy x into e->ids as int32, checking every id is an integer in range. */
static int load_ids(embedding *e, const em_tensor *x) {
    if (em_tensor_reuse(&e->ids, EM_INT32, x->ndim, x->shape, x)) return -1;
    if (x->dtype == EM_INT32) {
        if (em_tensor_copy(&e->ids, x)) return -1;
    } else if (x->dtype == EM_UINT8) {  /* bytes are ids 0..255 as they are */
        const em_tensor *xc;
        if (em_layer_contiguous(x, &e->buf, &xc)) return -1;
        const uint8_t *b = em_u8(xc);
        int32_t *ids = em_i32(&e->ids);
        for (int64_t i = 0, n = em_numel(xc); i < n; i++) ids[i] = b[i];
    } else if (x->dtype != EM_FLOAT32) {
        return em_fail("Embedding: expected int32, uint8 or float32 ids, got %s", em_dtype_name(x->dtype));
    } else {
        const em_tensor *xc;
        if (em_layer_contiguous(x, &e->buf, &xc)) return -1;
        const float *f = em_f32(xc);
        int32_t *ids = em_i32(&e->ids);
        char pos[96];
        for (int64_t i = 0, n = em_numel(xc); i < n; i++) {
            if (!(f[i] == floorf(f[i])) || f[i] < -2147483648.0f || f[i] > 2147483647.0f) {
                double bad = f[i];
                return em_fail("Embedding: input value %g at %s is not an integer id", bad,
                               position_str(pos, sizeof pos, x, i));
            }
            ids[i] = (int32_t)f[i];
        }
    }
    const int32_t *ids = em_i32(&e->ids);
    char pos[96];
    for (int64_t i = 0, n = em_numel(&e->ids); i < n; i++)
        if (ids[i] < 0 || ids[i] >= e->input_dim)
            return em_fail("Embedding: input value %d at %s is out of range [0, %lld) (input_dim = %lld)", ids[i],
                           position_str(pos, sizeof pos, &e->ids, i), (long long)e->input_dim,
                           (long long)e->input_dim);
    return 0;
}

static int embedding_forward(em_layer *l, const em_tensor *x, int training, em_tensor *y) {
    embedding *e = l->self;
    e->have_ids = 0;
    if (load_ids(e, x)) return -1;
    int64_t shape[EM_MAX_DIMS];
    memcpy(shape, x->shape, sizeof(int64_t) * (size_t)x->ndim);
    shape[x->ndim] = e->output_dim;
    if (em_tensor_reuse(&e->y, EM_FLOAT32, x->ndim + 1, shape, x)) return -1;
    const int32_t *ids = em_i32(&e->ids);
    const float *E = em_f32(&l->params[0]);
    float *Y = em_f32(&e->y);
    size_t row = sizeof(float) * (size_t)e->output_dim;
    for (int64_t i = 0, n = em_numel(&e->ids); i < n; i++)
        memcpy(Y + i * e->output_dim, E + (int64_t)ids[i] * e->output_dim, row);
    e->have_ids = 1;
    em_tensor_view(y, &e->y);
    return 0;
}

static int embedding_backward(em_layer *l, const em_tensor *dy, em_tensor *dx) {
    embedding *e = l->self;
    if (!e->have_ids) return em_fail("Embedding: backward called before forward");
    if (!em_same_shape(dy, &e->y)) {
        char a[160], b[160];
        return em_fail("Embedding: gradient of shape %s does not match the last output %s",
                       em_tensor_shape_str(dy, a, sizeof a), em_tensor_shape_str(&e->y, b, sizeof b));
    }
    if (l->trainable) {
        const em_tensor *g;
        if (em_layer_contiguous(dy, &e->buf, &g)) return -1;
        const int32_t *ids = em_i32(&e->ids);
        const float *G = em_f32(g);
        float *dE = em_f32(&l->grads[0]);
        int64_t m = e->output_dim;
        for (int64_t i = 0, n = em_numel(&e->ids); i < n; i++) {
            float *row = dE + (int64_t)ids[i] * m;
            const float *gr = G + i * m;
            for (int64_t j = 0; j < m; j++) row[j] += gr[j];
        }
    }
    em_tensor_release(dx);  /* integer ids have no gradient */
    return 0;
}

static void embedding_destroy(em_layer *l) {
    embedding *e = l->self;
    em_tensor_release(&e->ids);
    em_tensor_release(&e->y);
    em_tensor_release(&e->buf);
    em_tensor_release(&e->mask);
    free(e);
}

/* Keras 2: with mask_zero the output carries the mask ids != 0; an incoming
 * mask is refused (ids come from the data, not from a masking layer). */
static int embedding_call(em_layer *l, const em_layer_io *in, int training, em_layer_io *out) {
    embedding *e = l->self;
    if (in->n != 1) return em_fail("Embedding: takes one input tensor, got %d", in->n);
    if (in->mask.storage)
        return em_fail("Embedding: cannot take a mask (a layer before it, e.g. Masking, makes one)");
    if (em_layer_forward(l, &in->t[0], training, &out->t[0])) return -1;
    out->n = 1;
    if (!e->mask_zero) return 0;
    const em_tensor *ids = &e->ids;  /* contiguous (batch, time), as checked by build */
    if (em_tensor_reuse(&e->mask, EM_FLOAT32, 2, ids->shape, NULL)) {
        em_layer_io_release(out);
        return -1;
    }
    const int32_t *id = em_i32(ids);
    float *m = em_f32(&e->mask);
    for (int64_t i = 0, n = em_numel(ids); i < n; i++) m[i] = id[i] != 0;
    em_tensor_view(&out->mask, &e->mask);
    return 0;
}

static const em_layer_ops embedding_ops = {.type = "Embedding", .build = embedding_build, .forward = embedding_forward,
    .backward = embedding_backward, .destroy = embedding_destroy, .flags = 0, .call = embedding_call};

em_layer *em_embedding_new(int64_t input_dim, int64_t output_dim, int64_t input_length) {
    if (input_dim < 1 || input_dim > INT32_MAX) {
        em_fail("Embedding: input_dim must be in [1, 2147483647], got %lld", (long long)input_dim);
        return NULL;
    }
    if (output_dim < 1) { em_fail("Embedding: output_dim must be >= 1, got %lld", (long long)output_dim); return NULL; }
    if (input_length < 0) { em_fail("Embedding: input_length must be >= 1, got %lld", (long long)input_length); return NULL; }
    embedding *e = calloc(1, sizeof *e);
    if (!e) { em_fail("Embedding: out of memory"); return NULL; }
    e->input_dim = input_dim;
    e->output_dim = output_dim;
    e->input_length = input_length;
    em_layer *l = em_layer_new(&embedding_ops, e);
    if (!l) free(e);
    return l;
}

em_layer *em_embedding_from_config(const em_embedding_config *c) {
    em_layer *l = em_embedding_new(c->input_dim, c->output_dim, c->input_length);
    if (l) ((embedding *)l->self)->mask_zero = c->mask_zero != 0;
    return l;
}
