"""PyTorch reference for specs/recurrent_states_spec.lua (initial_state and
return_state).

Reads IN.npz (written by Ember): x (B, T, F), h0 (B, U), c0 (B, U), the
Keras-layout weights of a SimpleRNN (rnn_w1..3), an LSTM (lstm_w1..3) and
a GRU(reset_after) (gru_w1..3), and bi_w1..6 + bh0, bc0, bh1, bc1 for a
bidirectional LSTM.  Runs torch.nn.RNN / LSTM / GRU from (h0[, c0]) and
writes OUT.npz: each layer's output sequence and final states (h_n, c_n).
Gate orders are converted by keras_torch.py (LSTM i, f, c, o = PyTorch's
i, f, g, o; GRU z, r, h from PyTorch's r, z, n).
Usage: python3 states_torch.py IN.npz OUT.npz"""
import sys

import numpy as np
import torch

from keras_torch import T_, set_gru, set_lstm  # the weight mapping, one copy (beside this file)


def run(src):
    x, h0, c0 = T_(src["x"]), T_(src["h0"]), T_(src["c0"])
    F, U = x.shape[2], h0.shape[1]
    out = {}
    with torch.no_grad():
        rnn = torch.nn.RNN(F, U, batch_first=True)
        set_lstm(rnn, src["rnn_w1"], src["rnn_w2"], src["rnn_w3"])  # same parameter names
        y, h = rnn(x, h0[None])
        out["rnn_y"], out["rnn_h"] = y.numpy(), h[0].numpy()
        lstm = torch.nn.LSTM(F, U, batch_first=True)
        set_lstm(lstm, src["lstm_w1"], src["lstm_w2"], src["lstm_w3"])
        y, (h, c) = lstm(x, (h0[None], c0[None]))
        out["lstm_y"], out["lstm_h"], out["lstm_c"] = y.numpy(), h[0].numpy(), c[0].numpy()
        gru = torch.nn.GRU(F, U, batch_first=True)
        set_gru(gru, src["gru_w1"], src["gru_w2"], src["gru_w3"])
        y, h = gru(x, h0[None])
        out["gru_y"], out["gru_h"] = y.numpy(), h[0].numpy()
        bu = src["bi_w2"].shape[0]
        bi = torch.nn.LSTM(F, bu, batch_first=True, bidirectional=True)
        set_lstm(bi, src["bi_w1"], src["bi_w2"], src["bi_w3"])
        set_lstm(bi, src["bi_w4"], src["bi_w5"], src["bi_w6"], "_reverse")
        hs = torch.stack([T_(src["bh0"]), T_(src["bh1"])])
        cs = torch.stack([T_(src["bc0"]), T_(src["bc1"])])
        y, (h, c) = bi(x, (hs, cs))
        out["bi_y"] = y.numpy()
        out["bi_fh"], out["bi_fc"], out["bi_bh"], out["bi_bc"] = h[0].numpy(), c[0].numpy(), h[1].numpy(), c[1].numpy()
    return out


np.savez(sys.argv[2], **run(np.load(sys.argv[1])))
