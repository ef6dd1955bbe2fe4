/* The recurrent cells' options, declared once (options.h, recurrent.h):
 * the bindings read Lua options tables through these rows, the cells'
 * constructors check their configs against them. */
#include "recurrent.h"

#include <stddef.h>
#include <stdint.h>

#define FIELD(f) .offset = offsetof(em_rnn_config, f)
#define RNN_COMMON_OPTIONS                                                                                    \
    {.name = "units", .type = EM_OPTION_INT, FIELD(units), .lo = 1, .hi = INT32_MAX, .required = 1,             \
     .doc = "the size of the state and of the output"},                                                         \
    {.name = "activation", .type = EM_OPTION_ACTIVATION, FIELD(activation), .def = EM_ACT_TANH,                  \
     .doc = "activation of the state"},                                                                          \
    {.name = "use_bias", .type = EM_OPTION_BOOL, FIELD(use_bias), .def = 1, .doc = "whether the cell has a bias"}, \
    {.name = "return_sequences", .type = EM_OPTION_BOOL, FIELD(return_sequences),                                 \
     .doc = "return every step's output (batch, time, units), not only the last"},                              \
    {.name = "go_backwards", .type = EM_OPTION_BOOL, FIELD(go_backwards), .doc = "read the sequence last step first"}, \
    {.name = "dropout", .type = EM_OPTION_RATE, FIELD(dropout), .lo = 0, .hi = 1,                                \
     .doc = "fraction of the inputs dropped (training only)"},                                                  \
    {.name = "recurrent_dropout", .type = EM_OPTION_RATE, FIELD(recurrent_dropout), .lo = 0, .hi = 1,            \
     .doc = "fraction of the recurrent state dropped (training only)"},                                         \
    {.name = "unroll", .type = EM_OPTION_BOOL, FIELD(unroll),                                                     \
     .doc = "Keras's unroll: accepted, no effect (Ember's time loop is compiled C either way)"},                 \
    {.name = "stateful", .type = EM_OPTION_BOOL, FIELD(stateful),                                                 \
     .doc = "each batch starts from the previous batch's final states (row i continues row i); needs a fixed "   \
            "batch size (batch_input_shape or batch_size)"},                                                    \
    {.name = "return_state", .type = EM_OPTION_BOOL, FIELD(return_state),                                         \
     .doc = "layer:forward also returns the final states (h; LSTM: h, c)"}
#define RNN_RECURRENT_ACTIVATION                                                                              \
    {.name = "recurrent_activation", .type = EM_OPTION_ACTIVATION, FIELD(recurrent_activation),                 \
     .def = EM_ACT_SIGMOID, .doc = "activation of the gates"}

const em_option em_simple_rnn_options[] = {RNN_COMMON_OPTIONS, {.name = NULL}};
const em_option em_lstm_options[] = {
    RNN_COMMON_OPTIONS, RNN_RECURRENT_ACTIVATION,
    {.name = "unit_forget_bias", .type = EM_OPTION_BOOL, FIELD(unit_forget_bias), .def = 1,
     .doc = "forget-gate bias starts at 1"},
    {.name = NULL}};
const em_option em_gru_options[] = {
    RNN_COMMON_OPTIONS, RNN_RECURRENT_ACTIVATION,
    {.name = "reset_after", .type = EM_OPTION_BOOL, FIELD(reset_after),
     .doc = "apply the reset gate after the recurrent product (cuDNN/PyTorch); two bias rows"},
    {.name = NULL}};
