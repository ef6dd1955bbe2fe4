/* The layer protocol's io entry points (engine/layers/layer.h): a mask
 * passes through Dense, is refused by Flatten and taken (and consumed,
 * without return_sequences) by LSTM; a layer with call hooks takes several inputs and
 * gives several gradients; a one-tensor layer refuses two.  Prints one line
 * per check. */
#include <stdio.h>
#include <string.h>

#include "../../engine/core/error.h"
#include "../../engine/layers/core_layers.h"
#include "../../engine/layers/recurrent.h"

static em_tensor filled(int ndim, const int64_t *shape, float v) {
    em_tensor t = {0};
    em_tensor_alloc(&t, EM_FLOAT32, ndim, shape);
    for (int64_t i = 0; i < em_numel(&t); i++) em_f32(&t)[i] = v;
    return t;
}

/* Add2: y = a + b, the smallest layer with call hooks. */
static int add2_build(em_layer *l, int ndim, const int64_t *in, int *out_ndim, int64_t *out) {
    (void)l;
    *out_ndim = ndim;
    memcpy(out, in, sizeof(int64_t) * (size_t)ndim);
    return 0;
}

static int add2_call(em_layer *l, const em_layer_io *in, int training, em_layer_io *out) {
    (void)training;
    if (in->n != 2) return em_fail("%s: takes two inputs, got %d", l->ops->type, in->n);
    if (em_tensor_clone(&out->t[0], &in->t[0])) return -1;
    for (int64_t i = 0; i < em_numel(&out->t[0]); i++) em_f32(&out->t[0])[i] += em_f32(&in->t[1])[i];
    out->n = 1;
    return 0;
}

static int add2_call_backward(em_layer *l, const em_layer_io *dout, em_layer_io *din) {
    (void)l;
    em_tensor_view(&din->t[0], &dout->t[0]);
    em_tensor_view(&din->t[1], &dout->t[0]);
    din->n = 2;
    return 0;
}

static const em_layer_ops add2_ops = {.type = "Add2", .build = add2_build, .call = add2_call,
                                      .call_backward = add2_call_backward};

int main(void) {
    int64_t s3[3] = {2, 3, 4}, sm[2] = {2, 3}, in3[3] = {-1, 3, 4};
    em_layer_io in = {0}, out;
    in.t[0] = filled(3, s3, 1.0f);
    in.mask = filled(2, sm, 1.0f);
    in.n = 1;

    em_layer *dense = em_dense_new(2, EM_ACT_LINEAR, 1);
    em_layer_build(dense, 3, in3);
    int rc = em_layer_call(dense, &in, 1, &out);
    printf("Dense: rc %d, mask passed on %s\n", rc, out.mask.storage == in.mask.storage ? "yes" : "no");
    em_layer_io_release(&out);

    em_layer *flatten = em_flatten_new();
    rc = em_layer_call(flatten, &in, 1, &out);
    printf("Flatten: rc %d, %s\n", rc, em_error());

    em_rnn_config c = {0};
    em_options_defaults(em_lstm_options, &c);
    c.units = 2;
    em_layer *lstm = em_lstm_new(&c);
    rc = em_layer_call(lstm, &in, 1, &out);
    printf("LSTM: rc %d, output mask %s\n", rc, rc ? em_error() : out.mask.storage ? "kept" : "consumed");
    em_layer_io_release(&out);

    em_layer_io two = {0};
    two.t[0] = filled(3, s3, 1.0f);
    two.t[1] = filled(3, s3, 2.0f);
    two.n = 2;
    rc = em_layer_call(dense, &two, 1, &out);
    printf("Dense with two inputs: rc %d, %s\n", rc, em_error());

    em_layer *add = em_layer_new(&add2_ops, NULL);
    em_layer_build(add, 3, s3);
    rc = em_layer_call(add, &two, 1, &out);
    printf("Add2: rc %d, y[0] %g\n", rc, rc ? -1.0 : (double)em_f32(&out.t[0])[0]);
    em_layer_io dout = out, din;
    rc = em_layer_call_backward(add, &dout, &din);
    printf("Add2 backward: rc %d, %d gradients\n", rc, din.n);
    em_layer_io_release(&din);
    em_layer_io_release(&dout);
    em_tensor y = {0};
    rc = em_layer_forward(add, &two.t[0], 1, &y);
    printf("Add2 through forward: rc %d, %s\n", rc, em_error());

    em_layer_io_release(&in);
    em_layer_io_release(&two);
    em_layer_free(dense);
    em_layer_free(flatten);
    em_layer_free(lstm);
    em_layer_free(add);
    return 0;
}
