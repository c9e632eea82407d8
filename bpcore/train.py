"""Training by gradient descent: full batch, single-sample SGD and mini-batch SGD.

One update is  W^l <- W^l - lr * dC/dW^l  and  b^l <- b^l - lr * dC/db^l  for every layer, with
the gradients from backpropagation (BP1-BP4) on the current batch:

- ``batch_size=None`` (or >= m): full-batch gradient descent, every update uses all m samples;
- ``batch_size=1``: stochastic gradient descent, one sample per update;
- ``batch_size=k``: mini-batch SGD. Each epoch visits every sample once, in an order shuffled by
  ``numpy.random.default_rng(seed)``; the last batch of an epoch may be smaller.

A cost that becomes NaN or infinite stops training with :class:`TrainingDiverged`, which names the
learning rate; the network is left with the last parameters whose cost was finite.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import validate


class TrainingDiverged(FloatingPointError):
    """The cost became NaN or infinite during training.

    Attributes: ``lr`` (the learning rate), ``step`` (the update before which the cost was
    found non-finite), ``history`` (the :class:`History` up to the last finite cost).
    """

    def __init__(self, message, lr, step, history):
        super().__init__(message)
        self.lr, self.step, self.history = lr, step, history


@dataclass
class History:
    """The record of one call to :func:`train`.

    cost:        C on the whole training set (X, Y) before update ``step[i]``; the last entry is
                 the cost after the last update.
    step:        the update index of each cost entry (0 = before any update).
    lr, batch_size, updates, epochs: what was run (``epochs`` = passes over the data).
    """

    cost: np.ndarray
    step: np.ndarray
    lr: float
    batch_size: int
    updates: int
    epochs: float

    @property
    def final_cost(self) -> float:
        return float(self.cost[-1])

    def __repr__(self) -> str:
        return (f"History({self.updates} updates, lr={self.lr:g}, batch_size={self.batch_size}, "
                f"cost {self.cost[0]:.6g} -> {self.cost[-1]:.6g})")


def train(net, X, Y, lr, steps=None, epochs=None, batch_size=None, train_biases=True,
          seed=None, record_every=1) -> History:
    """Train ``net`` in place by gradient descent and return its :class:`History`.

    X, Y:          inputs (n_0, m) and targets (n_L, m), one sample per column.
    lr:            the learning rate eta > 0.
    steps/epochs:  how long: ``steps`` parameter updates, or ``epochs`` passes over the data
                   (give exactly one). With full batches an epoch is one update.
    batch_size:    None for full batch, 1 for single-sample SGD, k for mini-batches of k.
    train_biases:  False keeps every b^l fixed (the worked example of seed 000 does).
    seed:          seed of the shuffling for SGD and mini-batches (None means 0).
    record_every:  record the cost on the whole data every this many updates (always before the
                   first and after the last). With full batches recording is free; with
                   mini-batches each record costs a forward pass over all the data.
    """
    # Check everything before changing anything.
    X, Y = net._check_data(X, Y)
    lr = validate.learning_rate(lr)
    m = X.shape[1]
    for l in range(1, net.L + 1):
        act = net.activations[l]
        if not act.trainable:
            raise ValueError(
                f"activation: layer {l} uses {act.name!r}, which cannot be trained: its "
                f"derivative is zero almost everywhere, so BP1/BP2 give delta = 0 and gradient "
                f"descent never moves the weights. Use 'sigmoid', its smooth version, to train.")
    if batch_size is None:
        batch_size = m
    batch_size = min(validate.positive_int(batch_size, "batch_size"), m)
    batches_per_epoch = -(-m // batch_size)
    if (steps is None) == (epochs is None):
        raise TypeError("train: give exactly one of steps= (number of updates) or epochs= "
                        f"(passes over the data), got steps={steps!r}, epochs={epochs!r}")
    if steps is not None:
        updates = validate.positive_int(steps, "steps")
    else:
        updates = validate.positive_int(epochs, "epochs") * batches_per_epoch
    record_every = validate.positive_int(record_every, "record_every")

    full_batch = batch_size == m
    rng = np.random.default_rng(0 if seed is None else seed)
    costs, recorded_at = [], []

    def diverged(step, cost):
        history = _history(costs, recorded_at, lr, batch_size, step, batches_per_epoch)
        last = f"{costs[-1]:.6g}" if costs else "none"
        return TrainingDiverged(
            f"training diverged with learning rate lr={lr:g}: the cost became {cost} before "
            f"update {step} of {updates}. The network keeps its last parameters with a finite "
            f"cost (C = {last}). Try a smaller learning rate, such as lr={lr / 10:g}.",
            lr, step, history)

    W_prev, b_prev = list(net.W), list(net.b)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for step in range(updates):
            if full_batch:
                g = net._gradients(X, Y)
                cost_all = g.cost
            else:
                k = step % batches_per_epoch
                if k == 0:                       # a new epoch: a new order
                    order = rng.permutation(m)
                idx = order[k * batch_size:(k + 1) * batch_size]
                g = net._gradients(X[:, idx], Y[:, idx])
                cost_all = None
                if step % record_every == 0:
                    cost_all = net.loss.value(net._forward(X).output, Y)
            if not np.isfinite(g.cost) or (cost_all is not None and not np.isfinite(cost_all)):
                net.W[:], net.b[:] = W_prev, b_prev
                raise diverged(step, g.cost if cost_all is None else cost_all)
            if step % record_every == 0:
                costs.append(cost_all)
                recorded_at.append(step)
            # Keep the parameters that gave a finite cost; the update makes new arrays.
            W_prev, b_prev = list(net.W), list(net.b)
            for l in range(1, net.L + 1):
                net.W[l] = net.W[l] - lr * g.W[l]
                if train_biases:
                    net.b[l] = net.b[l] - lr * g.b[l]
        final = net.loss.value(net._forward(X).output, Y)
        if not np.isfinite(final):
            net.W[:], net.b[:] = W_prev, b_prev
            raise diverged(updates, final)
    costs.append(final)
    recorded_at.append(updates)
    return _history(costs, recorded_at, lr, batch_size, updates, batches_per_epoch)


def _history(costs, recorded_at, lr, batch_size, updates, batches_per_epoch) -> History:
    return History(np.array(costs, dtype=float), np.array(recorded_at, dtype=int), lr,
                   batch_size, updates, updates / batches_per_epoch)
