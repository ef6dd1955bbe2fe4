"""PyTorch side of scripts/bench/bench_textgen.lua: one training epoch of
listing 8-1's character-level model -- LSTM(chars -> 128), Linear(128 ->
chars), softmax cross-entropy, RMSprop(lr = 0.01, alpha = 0.9 as Keras's
rho), batch 128, windows shuffled each epoch and one-hot encoded per batch --
on the corpus Ember's side wrote (int32 character ids in a .npy file).
Prints `torch <version>` and `textgen_epoch <ms>` (one epoch after one
warm-up batch).  A reference only, never an Ember dependency.

usage: python3 torch_textgen.py IDS.npy THREADS WINDOWS CHARS [MAXLEN STEP]

OMP_WAIT_POLICY defaults to PASSIVE here: on a shared, loaded machine
PyTorch's spinning OpenMP workers made a 2-thread batch ~7x slower than a
1-thread one (measured: 1.4-2.0 s against 0.18 s at load average 10);
passive workers sleep as Ember's do (2-thread batch 0.20 s at that load).
Set OMP_WAIT_POLICY=ACTIVE to measure the default.
"""
import os
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before libgomp loads with torch

import numpy as np
import torch
from torch import nn

ids_path = sys.argv[1]
threads, windows, chars = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
maxlen = int(sys.argv[5]) if len(sys.argv) > 5 else 60
step = int(sys.argv[6]) if len(sys.argv) > 6 else 3
torch.set_num_threads(threads)
torch.manual_seed(0)

ids = torch.from_numpy(np.load(ids_path).astype(np.int64))
starts = torch.arange(windows) * step
x = ids[starts[:, None] + torch.arange(maxlen)[None, :]]  # (windows, maxlen) ids
y = ids[starts + maxlen]


class CharLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(chars, 128, batch_first=True)
        self.out = nn.Linear(128, chars)

    def forward(self, xb):
        _, (h, _) = self.lstm(xb)
        return self.out(h[-1])  # logits: CrossEntropyLoss applies the softmax


model = CharLSTM()
opt = torch.optim.RMSprop(model.parameters(), lr=0.01, alpha=0.9)
loss_fn = nn.CrossEntropyLoss()
eye = torch.eye(chars)


def train_batch(rows):
    opt.zero_grad()
    loss = loss_fn(model(eye[x[rows]]), y[rows])  # one-hot per batch, as Ember's generator
    loss.backward()
    opt.step()
    return loss


print("torch", torch.__version__, flush=True)
print("omp_wait_policy", os.environ["OMP_WAIT_POLICY"], flush=True)
train_batch(torch.arange(128))  # warm-up
t0 = time.perf_counter()
order = torch.randperm(windows)
for first in range(0, windows, 128):
    loss = train_batch(order[first:first + 128])
elapsed = time.perf_counter() - t0
print("textgen_epoch %.3f" % (elapsed * 1e3), flush=True)
print("textgen_loss %.4f" % float(loss), flush=True)
