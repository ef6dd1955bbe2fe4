"""A cross-check for the reversed-order GRU (section 6.3.8, scripts/ch06/6-41b):
the same experiment in PyTorch, written from the book's Python, on the same
Jena file.  On the real record the book's reversed GRU does worse than the
naive baseline (0.29); Ember's does better on the synthetic stand-in.  If
PyTorch's does better too, the difference is the data, not Ember.

Optional, never a dependency: needs numpy and torch (Debian's python3-torch).

usage: /usr/bin/python3 scripts/reproduce/torch_reversed_gru.py [--forward]
           [--epochs 5] [--steps 500] [--val-steps 769] [--threads 1]
           [--data datasets]
Prints the validation MAE per epoch (normalized, as the book's val_loss).
"""
import argparse
import csv
import io
import os
import time
import zipfile

import numpy as np
import torch
from torch import nn

NAMES = ["jena_climate_2009_2016.csv.zip", "jena_climate_2009_2016-surrogate.csv.zip"]
MEMBER = "jena_climate_2009_2016.csv"


def load(data_dir):
    """float_data as the book's listing 6-29: every column but the date."""
    for name in NAMES:
        path = os.path.join(data_dir, name)
        if os.path.exists(path):
            with zipfile.ZipFile(path) as z, z.open(MEMBER) as f:
                rows = csv.reader(io.TextIOWrapper(f, encoding="utf-8"))
                next(rows)
                return path, np.array([[float(x) for x in r[1:]] for r in rows], dtype=np.float32)
    raise SystemExit("no Jena file in %s (make datasets)" % data_dir)


def generator(data, lookback, delay, min_index, max_index, shuffle=False, batch_size=128, step=6):
    """Listing 6-33, as printed in the book."""
    if max_index is None:
        max_index = len(data) - delay - 1
    i = min_index + lookback
    while 1:
        if shuffle:
            rows = np.random.randint(min_index + lookback, max_index, size=batch_size)
        else:
            if i + batch_size >= max_index:
                i = min_index + lookback
            rows = np.arange(i, min(i + batch_size, max_index))
            i += len(rows)
        samples = np.zeros((len(rows), lookback // step, data.shape[-1]), dtype=np.float32)
        targets = np.zeros((len(rows),), dtype=np.float32)
        for j, row in enumerate(rows):
            indices = range(rows[j] - lookback, rows[j], step)
            samples[j] = data[indices]
            targets[j] = data[rows[j] + delay][1]
        yield samples, targets


class GruModel(nn.Module):
    """GRU(32) -> Dense(1), listing 6-39's model."""

    def __init__(self, features):
        super().__init__()
        self.gru = nn.GRU(features, 32, batch_first=True)
        self.out = nn.Linear(32, 1)

    def forward(self, x):
        _, h = self.gru(x)
        return self.out(h[-1]).squeeze(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--forward", action="store_true", help="chronological order (listing 6-39) instead")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--val-steps", type=int, default=769)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--data", default="datasets")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)

    path, float_data = load(a.data)
    mean = float_data[:200000].mean(axis=0)
    float_data -= mean
    std = float_data[:200000].std(axis=0)
    float_data /= std
    lookback, step, delay, batch_size = 1440, 6, 144, 128
    train_gen = generator(float_data, lookback, delay, 0, 200000, shuffle=True, step=step, batch_size=batch_size)
    val_gen = generator(float_data, lookback, delay, 200001, 300000, step=step, batch_size=batch_size)
    order = "forward" if a.forward else "reversed"
    print("%s, %s order, %d epochs x %d steps, %d validation steps, seed %d" % (
        path, order, a.epochs, a.steps, a.val_steps, a.seed), flush=True)

    def batch(gen):
        x, y = next(gen)
        if not a.forward:
            x = x[:, ::-1, :].copy()  # the book: samples[:, ::-1, :]
        return torch.from_numpy(x), torch.from_numpy(y)

    model = GruModel(float_data.shape[-1])
    # Keras's RMSprop defaults: lr 1e-3, rho 0.9, epsilon 1e-7
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    for epoch in range(1, a.epochs + 1):
        t0 = time.time()
        model.train()
        train = 0.0
        for _ in range(a.steps):
            x, y = batch(train_gen)
            opt.zero_grad()
            loss = (model(x) - y).abs().mean()
            loss.backward()
            opt.step()
            train += loss.item()
        model.eval()
        val = 0.0
        with torch.no_grad():
            for _ in range(a.val_steps):
                x, y = batch(val_gen)
                val += (model(x) - y).abs().mean().item()
        print("epoch %d/%d  loss %.4f  val_loss %.4f  (%.0f s)" % (
            epoch, a.epochs, train / a.steps, val / a.val_steps, time.time() - t0), flush=True)


if __name__ == "__main__":
    main()
