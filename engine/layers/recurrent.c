/* The recurrent cells' options, declared once (options.h, recurrent.h):
 * the bindings read Lua options tables through these rows, the cells'
 * constructors check their configs against them. */
#include "recurrent.h"

#include <stddef.h>
#include <stdint.h>

#define FIELD(f) offsetof(em_rnn_config, f)
/* name, type, field, default, lo, hi, required, doc */
#define RNN_COMMON_OPTIONS                                                                                      \
    {"units", EM_OPTION_INT, FIELD(units), 0, 1, INT32_MAX, 1, "the size of the state and of the output"},          \
    {"activation", EM_OPTION_ACTIVATION, FIELD(activation), EM_ACT_TANH, 0, 0, 0, "activation of the state"},     \
    {"use_bias", EM_OPTION_BOOL, FIELD(use_bias), 1, 0, 0, 0, "whether the cell has a bias"},                      \
    {"return_sequences", EM_OPTION_BOOL, FIELD(return_sequences), 0, 0, 0, 0,                                     \
     "return every step's output (batch, time, units), not only the last"},                                     \
    {"go_backwards", EM_OPTION_BOOL, FIELD(go_backwards), 0, 0, 0, 0, "read the sequence last step first"},       \
    {"dropout", EM_OPTION_RATE, FIELD(dropout), 0, 0, 1, 0, "fraction of the inputs dropped (training only)"},    \
    {"recurrent_dropout", EM_OPTION_RATE, FIELD(recurrent_dropout), 0, 0, 1, 0,                                   \
     "fraction of the recurrent state dropped (training only)"},                                                \
    {"unroll", EM_OPTION_BOOL, FIELD(unroll), 0, 0, 0, 0,                                                         \
     "Keras's unroll: accepted, no effect (Ember's time loop is compiled C either way)"}
#define RNN_RECURRENT_ACTIVATION                                                                                \
    {"recurrent_activation", EM_OPTION_ACTIVATION, FIELD(recurrent_activation), EM_ACT_SIGMOID, 0, 0, 0,         \
     "activation of the gates"}

const em_option em_simple_rnn_options[] = {RNN_COMMON_OPTIONS, {NULL}};
const em_option em_lstm_options[] = {
    RNN_COMMON_OPTIONS, RNN_RECURRENT_ACTIVATION,
    {"unit_forget_bias", EM_OPTION_BOOL, FIELD(unit_forget_bias), 1, 0, 0, 0, "forget-gate bias starts at 1"},
    {NULL}};
const em_option em_gru_options[] = {
    RNN_COMMON_OPTIONS, RNN_RECURRENT_ACTIVATION,
    {"reset_after", EM_OPTION_BOOL, FIELD(reset_after), 0, 0, 0, 0,
     "apply the reset gate after the recurrent product (cuDNN/PyTorch); two bias rows"},
    {NULL}};
