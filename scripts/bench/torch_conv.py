"""PyTorch side of scripts/bench/bench_conv.lua: one training batch (forward,
loss, backward, RMSprop step) for the Conv1D models of section 6.4, on the
CPU, with the shapes Ember uses.  Prints one line per model: `<key> <median
ms>`.  Optional: run only when `import torch` works; never a test dependency.

PyTorch's Conv1d is channels-first, so inputs are transposed once per batch
inside the model (as a Keras-layout port would do).  PyTorch's GRU has no
recurrent dropout: the 6-49 model uses input dropout only.

usage: python3 torch_conv.py [threads] [runs]
"""
import sys

import torch
from torch import nn

from torch_timing import time_batch

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
torch.set_num_threads(threads)
torch.manual_seed(0)


class ImdbConv(nn.Module):
    """6-46: Embedding(10000,128) -> Conv1D(32,7,relu) -> MaxPooling1D(5)
    -> Conv1D(32,7,relu) -> GlobalMaxPooling1D -> Dense(1)"""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10000, 128)
        self.c1 = nn.Conv1d(128, 32, 7)
        self.c2 = nn.Conv1d(32, 32, 7)
        self.out = nn.Linear(32, 1)

    def forward(self, x):
        h = self.emb(x).transpose(1, 2)
        h = nn.functional.max_pool1d(torch.relu(self.c1(h)), 5)
        h = torch.relu(self.c2(h)).amax(2)
        return self.out(h).squeeze(1)


class JenaConv(nn.Module):
    """6-47: 3x (Conv1D(32,5,relu)) with MaxPooling1D(3) between,
    GlobalMaxPooling1D, Dense(1)"""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv1d(14, 32, 5)
        self.c2 = nn.Conv1d(32, 32, 5)
        self.c3 = nn.Conv1d(32, 32, 5)
        self.out = nn.Linear(32, 1)

    def forward(self, x):
        h = x.transpose(1, 2)
        h = nn.functional.max_pool1d(torch.relu(self.c1(h)), 3)
        h = nn.functional.max_pool1d(torch.relu(self.c2(h)), 3)
        h = torch.relu(self.c3(h)).amax(2)
        return self.out(h).squeeze(1)


class JenaConvGru(nn.Module):
    """6-49: Conv1D(32,5,relu) -> MaxPooling1D(3) -> Conv1D(32,5,relu)
    -> GRU(32, dropout .1) -> Dense(1)"""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv1d(14, 32, 5)
        self.c2 = nn.Conv1d(32, 32, 5)
        self.drop = nn.Dropout(0.1)
        self.gru = nn.GRU(32, 32, batch_first=True)
        self.out = nn.Linear(32, 1)

    def forward(self, x):
        h = x.transpose(1, 2)
        h = nn.functional.max_pool1d(torch.relu(self.c1(h)), 3)
        h = torch.relu(self.c2(h)).transpose(1, 2)
        _, s = self.gru(self.drop(h))
        return self.out(s[-1]).squeeze(1)


tokens = torch.randint(1, 10000, (128, 500))
labels = torch.randint(0, 2, (128,)).float()
bce, mae = nn.BCEWithLogitsLoss(), nn.L1Loss()
cases = [
    ("imdb_conv1d", ImdbConv(), tokens, labels, bce, 1e-4),
    ("jena_conv1d", JenaConv(), torch.randn(128, 240, 14), torch.randn(128), mae, 1e-3),
    ("jena_conv1d_gru", JenaConvGru(), torch.randn(128, 480, 14), torch.randn(128), mae, 1e-3),
]
for key, model, x, y, loss_fn, lr in cases:
    print(key, "%.3f" % time_batch(model, x, y, loss_fn, runs, lr=lr, warmup=2), flush=True)
