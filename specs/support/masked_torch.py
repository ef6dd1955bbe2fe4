"""PyTorch reference for specs/masking_reference_spec.lua.

Reads IN.npz (written by Ember): x (B, T, F) float32 padded inputs, lengths
(B,), pre (1 when the padding comes first) and the weights of an LSTM, a
GRU(reset_after) and a bidirectional LSTM in Keras layout.  Writes OUT.npz
with each layer's final output for every sequence, computed two ways:
each sequence alone and unpadded, and (post-padding) a packed batch
(torch.nn.utils.rnn.pack_padded_sequence).  Keras gate order: LSTM i, f,
c, o (= PyTorch's i, f, g, o); GRU z, r, h (PyTorch: r, z, n).
Usage: python3 masked_torch.py IN.npz OUT.npz [IN2.npz OUT2.npz ...]"""
import sys

import numpy as np
import torch

from keras_torch import T_, set_gru, set_lstm  # the weight mapping, one copy (beside this file)


def run(src):
    x, lengths, pre = src["x"], src["lengths"].astype(np.int64), int(src["pre"][0])
    B, T, F = x.shape

    def real_steps(i):
        n = int(lengths[i])
        return x[i, T - n:] if pre else x[i, :n]

    out = {}
    with torch.no_grad():
        u = src["lstm_w2"].shape[0]
        lstm = torch.nn.LSTM(F, u, batch_first=True)
        set_lstm(lstm, src["lstm_w1"], src["lstm_w2"], src["lstm_w3"])
        gu = src["gru_w2"].shape[0]
        gru = torch.nn.GRU(F, gu, batch_first=True)
        set_gru(gru, src["gru_w1"], src["gru_w2"], src["gru_w3"])
        bu = src["bi_w2"].shape[0]
        bi = torch.nn.LSTM(F, bu, batch_first=True, bidirectional=True)
        set_lstm(bi, src["bi_w1"], src["bi_w2"], src["bi_w3"])
        set_lstm(bi, src["bi_w4"], src["bi_w5"], src["bi_w6"], "_reverse")
        for name, m in (("lstm", lstm), ("gru", gru), ("bi", bi)):
            rows = []
            for i in range(B):
                _, h = m(T_(real_steps(i))[None])
                h = h[0] if isinstance(h, tuple) else h  # LSTM: (h, c)
                rows.append(torch.cat([h[0, 0], h[1, 0]]) if name == "bi" else h[0, 0])
            out[name + "_alone"] = torch.stack(rows).numpy()
            if not pre:
                packed = torch.nn.utils.rnn.pack_padded_sequence(T_(x), torch.from_numpy(lengths), batch_first=True,
                                                                 enforce_sorted=False)
                _, h = m(packed)
                h = h[0] if isinstance(h, tuple) else h
                out[name + "_packed"] = (torch.cat([h[0], h[1]], dim=1) if name == "bi" else h[0]).numpy()
    return out


for k in range(1, len(sys.argv) - 1, 2):
    np.savez(sys.argv[k + 1], **run(np.load(sys.argv[k])))
