"""Shared by torch_conv.py and torch_recurrent.py: the PyTorch side of one
training batch (forward, loss, backward, RMSprop step), timed as Ember's
bench times it.  A reference only, never an Ember dependency."""
import statistics
import time

import torch


def time_batch(model, x, y, loss_fn, runs, lr=1e-3, warmup=1):
    """Median milliseconds of `runs` training steps after `warmup` steps."""
    opt = torch.optim.RMSprop(model.parameters(), lr=lr, alpha=0.9)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    for _ in range(warmup):
        step()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3
