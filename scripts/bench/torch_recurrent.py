"""PyTorch side of scripts/bench/bench_recurrent.lua: one training batch
(forward, backward, RMSprop step) for the chapter 6 recurrent models, on the
CPU.  Prints one line per model: `<key> <median ms>`.  Optional: run only
when `import torch` works; never a test dependency.

usage: python3 torch_recurrent.py [threads] [runs]
"""
import sys

import torch
from torch import nn

from torch_timing import time_batch

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
torch.set_num_threads(threads)
torch.manual_seed(0)


class Imdb(nn.Module):
    """Embedding(10000, 32) -> rnn(32) -> Dense(1, sigmoid)"""

    def __init__(self, kind, bidirectional=False):
        super().__init__()
        self.emb = nn.Embedding(10000, 32)
        rnn = {"lstm": nn.LSTM, "rnn": nn.RNN}[kind]
        self.rnn = rnn(32, 32, batch_first=True, bidirectional=bidirectional)
        self.out = nn.Linear(64 if bidirectional else 32, 1)
        self.bidirectional = bidirectional

    def forward(self, x):
        _, h = self.rnn(self.emb(x))
        h = h[0] if isinstance(h, tuple) else h
        h = torch.cat([h[0], h[1]], 1) if self.bidirectional else h[-1]
        return torch.sigmoid(self.out(h)).squeeze(1)


class Jena(nn.Module):
    """GRU(32) -> Dense(1), or the stacked GRU(32) -> GRU(64, relu) of 6-41
    (PyTorch's GRU has no relu or recurrent dropout: same shapes, tanh)."""

    def __init__(self, stacked):
        super().__init__()
        self.stacked = stacked
        self.g1 = nn.GRU(14, 32, batch_first=True)
        self.g2 = nn.GRU(32, 64, batch_first=True) if stacked else None
        self.drop = nn.Dropout(0.1)
        self.out = nn.Linear(64 if stacked else 32, 1)

    def forward(self, x):
        if self.stacked:
            s, _ = self.g1(self.drop(x))
            _, h = self.g2(self.drop(s))
        else:
            _, h = self.g1(x)
        return self.out(h[-1]).squeeze(1)


tokens = torch.randint(1, 10000, (128, 500))
labels = torch.randint(0, 2, (128,)).float()
series = torch.randn(128, 240, 14)
targets = torch.randn(128)
bce, mae = nn.BCELoss(), nn.L1Loss()
cases = [
    ("imdb_lstm", Imdb("lstm"), tokens, labels, bce),
    ("imdb_simple_rnn", Imdb("rnn"), tokens, labels, bce),
    ("imdb_bilstm", Imdb("lstm", bidirectional=True), tokens, labels, bce),
    ("jena_gru", Jena(False), series, targets, mae),
    ("jena_stacked_gru", Jena(True), series, targets, mae),
]
print("torch", torch.__version__, flush=True)
only = set(sys.argv[3].split(",")) if len(sys.argv) > 3 else None
for key, model, x, y, loss_fn in cases:
    if only and key not in only:
        continue
    print(key, "%.3f" % time_batch(model, x, y, loss_fn, runs), flush=True)
