"""Keras-layout recurrent weights into PyTorch modules, for the reference
scripts beside this file (masked_torch.py, states_torch.py).

Keras stores kernel (in, gates*u), recurrent_kernel (u, gates*u) and bias;
PyTorch weight_ih (gates*u, in), weight_hh and two biases.  Gate orders:
LSTM i, f, c, o (= PyTorch's i, f, g, o); GRU z, r, h (PyTorch: r, z, n);
a GRU with reset_after has a (2, 3u) bias: input and recurrent halves."""
import numpy as np
import torch


def T_(a):
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))


def set_lstm(m, kernel, rec, bias, sfx=""):
    """LSTM (or torch.nn.RNN: the same parameter names); sfx "_reverse" for
    a bidirectional module's backward half.  Keras has one bias."""
    getattr(m, "weight_ih_l0" + sfx).copy_(T_(kernel.T))
    getattr(m, "weight_hh_l0" + sfx).copy_(T_(rec.T))
    getattr(m, "bias_ih_l0" + sfx).copy_(T_(bias))
    getattr(m, "bias_hh_l0" + sfx).zero_()


def gru_order(a, u):
    """Keras z, r, h -> PyTorch r, z, n along axis 0."""
    return np.concatenate([a[u:2 * u], a[0:u], a[2 * u:3 * u]], axis=0)


def set_gru(m, kernel, rec, bias):
    """A GRU with reset_after (Keras's bias: input row, recurrent row)."""
    u = m.hidden_size
    m.weight_ih_l0.copy_(T_(gru_order(kernel.T, u)))
    m.weight_hh_l0.copy_(T_(gru_order(rec.T, u)))
    m.bias_ih_l0.copy_(T_(gru_order(bias[0], u)))
    m.bias_hh_l0.copy_(T_(gru_order(bias[1], u)))
