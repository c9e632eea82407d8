"""Training by gradient descent: full batch, single-sample SGD and mini-batch SGD.

One update is  W^l <- W^l - lr * dC/dW^l  and  b^l <- b^l - lr * dC/db^l  for every layer, with
the gradients from backpropagation (BP1-BP4) on the current batch:

- ``batch_size=None`` (or >= m): full-batch gradient descent, every update uses all m samples;
- ``batch_size=1``: stochastic gradient descent, one sample per update;
- ``batch_size=k``: mini-batch SGD. Each epoch visits every sample once, in an order shuffled by
  ``numpy.random.default_rng(seed)``; the last batch of an epoch may be smaller.

A cost that becomes NaN or infinite stops training with :class:`TrainingDiverged`, which names the
learning rate; the network is left with the last parameters whose cost was finite.

:func:`train_together` trains several networks of one shape side by side (other starts, other
learning rates), each to exactly the numbers :func:`train` gives it, in one stacked computation.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from . import validate


class TrainingDiverged(FloatingPointError):
    """The cost became NaN or infinite during gradient descent.

    Attributes: ``lr`` (the learning rate), ``step`` (the update before which the cost was
    found non-finite), ``history`` (what was recorded up to the last finite cost, or None).
    The message names the learning rate, the cost it reached, the last finite cost and a
    smaller rate to try: the one wording for every kind of gradient descent in bpcore.
    """

    def __init__(self, lr, step, cost, last_cost=None, updates=None, history=None,
                 what="training", kept="The network keeps the parameters that gave it."):
        of = f" of {updates}" if updates is not None else ""
        last = "none" if last_cost is None else f"{last_cost:.6g}"
        kept = f" {kept}" if kept else ""
        super().__init__(
            f"{what} diverged with learning rate lr={lr:g}: the cost became {cost} before "
            f"update {step}{of}; the last finite cost was C = {last}.{kept} Try a smaller "
            f"learning rate, such as lr={lr / 10:g}.")
        self.lr, self.step, self.history = lr, step, history


@dataclass
class History:
    """The record of one call to :func:`train`.

    cost:        C on the whole training set (X, Y) before update ``step[i]``; the last entry is
                 the cost after the last update.
    step:        the update index of each cost entry (0 = before any update).
    seconds:     training time (wall clock, seconds) spent before update ``step[i]``, not
                 counting the time taken to evaluate the recorded costs themselves. It is
                 measured, so it changes from run to run and machine to machine.
    lr, batch_size, updates, epochs: what was run (``epochs`` = passes over the data).
    updates_per_epoch: updates in one pass over the data (1 for full batch, m for SGD).
    """

    cost: np.ndarray
    step: np.ndarray
    seconds: np.ndarray
    lr: float
    batch_size: int
    updates: int
    epochs: float
    updates_per_epoch: int

    @property
    def final_cost(self) -> float:
        """C after the last update."""
        return float(self.cost[-1])

    @property
    def epoch(self) -> np.ndarray:
        """Passes over the data made before each recorded cost: ``step / updates_per_epoch``."""
        return self.step / self.updates_per_epoch

    def __repr__(self) -> str:
        return (f"History({self.updates} updates, lr={self.lr:g}, batch_size={self.batch_size}, "
                f"cost {self.cost[0]:.6g} -> {self.cost[-1]:.6g})")


def batches(X, Y, batch_size=None, rng=None):
    """One epoch of (X_batch, Y_batch) pairs that together hold every sample once (a generator).

    X, Y:        inputs (n_0, m) and targets (n_L, m), one sample per column.
    batch_size:  None (or >= m) gives one batch, the whole data in its order: full-batch
                 gradient descent. Otherwise the columns are shuffled and cut into batches of
                 ``batch_size`` columns; the last batch of the epoch may be smaller.
    rng:         a ``numpy.random.Generator`` or a seed (None means 0) that shuffles.
                 :func:`train` seeds one Generator and calls this once per epoch with it, so
                 that every epoch has a new order; do the same to get exactly its batches.

    Raises ValueError naming "X, Y" when they are not 2-d with the same number of columns, and
    TypeError/ValueError naming ``batch_size`` when it is not a positive whole number.
    """
    X, Y = np.asarray(X), np.asarray(Y)
    if X.ndim != 2 or Y.ndim != 2 or X.shape[1] != Y.shape[1]:
        raise ValueError(f"X, Y: expected 2-d arrays with one sample per column and the same "
                         f"number of columns, got shapes {X.shape} and {Y.shape}")
    m = X.shape[1]
    if batch_size is not None:
        batch_size = validate.positive_int(batch_size, "batch_size")
    if batch_size is None or batch_size >= m:
        yield X, Y
        return
    order = np.random.default_rng(0 if rng is None else rng).permutation(m)
    for start in range(0, m, batch_size):
        idx = order[start:start + batch_size]
        yield X[:, idx], Y[:, idx]


def gradient_step(net, g, lr: float) -> None:
    """One update of gradient descent, in place: W^l <- W^l - lr dC/dW^l and
    b^l <- b^l - lr dC/db^l for l = 1..L, from the :class:`bpcore.Gradients` ``g`` (BP3, BP4).

    A layer whose ``g.b[l]`` is None (BP3 skipped, biases fixed) keeps its b^l. New arrays are
    made, so lists holding the old parameters still hold them.
    """
    for l in range(1, net.L + 1):
        net.W[l] = net.W[l] - lr * g.W[l]
        if g.b[l] is not None:
            net.b[l] = net.b[l] - lr * g.b[l]


def train(net, X, Y, lr, steps=None, epochs=None, batch_size=None, train_biases=True,
          seed=None, record_every=1) -> History:
    """Train ``net`` in place by gradient descent and return its :class:`History`.

    X, Y:          inputs (n_0, m) and targets (n_L, m), one sample per column.
    lr:            the learning rate eta > 0.
    steps/epochs:  how long: ``steps`` parameter updates, or ``epochs`` passes over the data
                   (give exactly one). With full batches an epoch is one update.
    batch_size:    None for full batch, 1 for single-sample SGD, k for mini-batches of k.
    train_biases:  False keeps every b^l fixed (the worked example does).
    seed:          seed of the random shuffling for SGD and mini-batches (None means 0).
    record_every:  record the cost on the whole data every this many updates (always before the
                   first and after the last). With full batches recording is free; with
                   mini-batches each record costs a forward pass over all the data (not counted
                   in ``History.seconds``).

    Raises TypeError/ValueError naming the argument for bad input (before anything changes),
    and :class:`TrainingDiverged` (naming ``lr``) when the cost becomes NaN or infinite.
    """
    X, Y = net._check_data(X, Y)                # check everything before changing anything
    lr = validate.learning_rate(lr)
    _check_trainable(net)
    batch_size, per_epoch, updates = _schedule(X.shape[1], steps, epochs, batch_size)
    record_every = validate.positive_int(record_every, "record_every")
    log = _Log(lr, batch_size, per_epoch, updates)
    full_batch = batch_size == X.shape[1]
    stream = _batch_stream(X, Y, batch_size, seed)
    W_prev, b_prev = list(net.W), list(net.b)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for step in range(updates):
            X_batch, Y_batch = (X, Y) if full_batch else next(stream)
            record = step % record_every == 0
            if record:
                log.clock()
            g = net._gradients(X_batch, Y_batch, biases=train_biases)
            cost = g.cost                       # on this batch (the whole data if full batch)
            if record and not full_batch:
                cost = log.untimed(net._cost, X, Y)
            if not (math.isfinite(g.cost) and math.isfinite(cost)):
                net.W[:], net.b[:] = W_prev, b_prev
                raise log.diverged(step, cost if math.isfinite(g.cost) else g.cost)
            if record:
                log.add(step, cost)
            W_prev, b_prev = list(net.W), list(net.b)   # the last parameters with a finite cost
            gradient_step(net, g, lr)
        log.clock()
        final = net._cost(X, Y)
        if not math.isfinite(final):
            net.W[:], net.b[:] = W_prev, b_prev
            raise log.diverged(updates, final)
    log.add(updates, final)
    return log.history(updates)


def train_together(nets, X, Y, lr, steps=None, epochs=None, batch_size=None,
                   train_biases=True, seed=None, record_every=1) -> list:
    """Train several networks of one shape side by side; each ends exactly (to the last bit) as
    ``net.train(X, Y, lr, ...)`` with the same arguments would leave it, and gets its History.

    nets:  networks with the same sizes, activations and cost; their parameters may differ.
    lr:    one learning rate for all, or a list with one per network.
    The other arguments are :func:`train`'s and hold for every network: with mini-batches or
    single samples, every network sees the same batches in the same order (one seed).

    The networks' W^l (and b^l) are stacked along a new first axis, so that each update does one
    matrix product per layer for all of them: numpy's ``matmul`` on stacks computes each
    network's product as the separate call does. BP1 and the cost are taken network by
    network, by the cost's own functions. Small networks spend their time in numpy's cost per
    call, not in arithmetic, so k of them train in little more than the time of one.

    Returns one entry per network: its :class:`History`, or, for a network whose cost became NaN
    or infinite, the :class:`TrainingDiverged` that ``net.train`` would have raised (returned, not
    raised, so that the others train on; that network keeps its last parameters with a finite
    cost). ``History.seconds`` is the time of the stacked computation, the same for all.
    Raises TypeError/ValueError naming the argument for bad input, before anything changes.
    """
    nets = list(nets) if isinstance(nets, (list, tuple)) else nets
    if not isinstance(nets, list) or not nets or not all(hasattr(n, "_gradients") for n in nets):
        raise TypeError(f"nets: expected a list of bpcore Networks, got {nets!r}")
    first = nets[0]
    for i, net in enumerate(nets):
        if (net.sizes != first.sizes or net.cost_function.name != first.cost_function.name
                or [a.name for a in net.activations[1:]]
                != [a.name for a in first.activations[1:]]):
            raise ValueError(f"nets: every network needs the sizes, activations and cost of the "
                             f"first, {first!r} with sizes {first.sizes}; network {i} is {net!r} "
                             f"with sizes {net.sizes}")
        _check_trainable(net)
    X, Y = first._check_data(X, Y)
    rates = list(lr) if isinstance(lr, (list, tuple, np.ndarray)) else [lr] * len(nets)
    if len(rates) != len(nets):
        raise ValueError(f"lr: expected one learning rate or one per network ({len(nets)}), "
                         f"got {len(rates)}")
    rates = [validate.learning_rate(r) for r in rates]
    batch_size, per_epoch, updates = _schedule(X.shape[1], steps, epochs, batch_size)
    record_every = validate.positive_int(record_every, "record_every")

    L, cost_fn, k = first.L, first.cost_function, len(nets)
    logs = [_Log(r, batch_size, per_epoch, updates) for r in rates]
    start = logs[0].start
    for log in logs:
        log.start = start                       # one clock for all
    full_batch = batch_size == X.shape[1]
    stream = _batch_stream(X, Y, batch_size, seed)
    rate = np.array(rates).reshape(k, 1, 1)     # lr * g, network by network
    W = [None] + [np.stack([n.W[l] for n in nets]) for l in range(1, L + 1)]
    b = [None] + [np.stack([n.b[l] for n in nets]) for l in range(1, L + 1)]
    W_prev, b_prev = list(W), list(b)
    results = [None] * k                        # a TrainingDiverged once a network stops

    def costs(z, a, Y_now):
        """The cost of every network still training, each by the cost's own function."""
        return {i: cost_fn.fn(a[L][i], Y_now, z[L][i]) for i in range(k) if results[i] is None}

    def clock():
        logs[0].clock()
        for log in logs[1:]:
            log.seconds.append(logs[0].seconds[-1])

    def stop(i, step, cost, W_keep, b_keep):
        for l in range(1, L + 1):
            nets[i].W[l], nets[i].b[l] = W_keep[l][i].copy(), b_keep[l][i].copy()
        results[i] = logs[i].diverged(step, cost)

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for step in range(updates):
            X_batch, Y_batch = (X, Y) if full_batch else next(stream)
            record = step % record_every == 0
            if record:
                clock()
            z, a, dW, db = _stacked_gradients(first, W, b, X_batch, Y_batch, train_biases)
            batch_costs = costs(z, a, Y_batch)
            whole = batch_costs
            if record and not full_batch:
                whole = logs[0].untimed(costs, *_stacked_forward(first, W, b, X), Y)
                for log in logs[1:]:
                    log.recording = logs[0].recording
            for i, c in batch_costs.items():
                if not (math.isfinite(c) and math.isfinite(whole[i])):
                    stop(i, step, whole[i] if math.isfinite(c) else c, W_prev, b_prev)
                elif record:
                    logs[i].add(step, whole[i])
            W_prev, b_prev = list(W), list(b)
            for l in range(1, L + 1):
                W[l] = W[l] - rate * dW[l]
                if train_biases:
                    b[l] = b[l] - rate * db[l]
        clock()
        for i, net in enumerate(nets):
            if results[i] is not None:
                continue
            for l in range(1, L + 1):
                net.W[l], net.b[l] = W[l][i].copy(), b[l][i].copy()
            final = net._cost(X, Y)
            if not math.isfinite(final):
                stop(i, updates, final, W_prev, b_prev)
            else:
                logs[i].add(updates, final)
                results[i] = logs[i].history(updates)
    return results


def _stacked_forward(net, W, b, X):
    """z^l and a^l of every network of a stack (W[l] is (k, n_l, n_{l-1})), each computed as
    :meth:`bpcore.Network._forward` computes it."""
    z, a = [None], [X]
    for l in range(1, net.L + 1):
        z_l = W[l] @ a[l - 1]
        z_l += b[l]
        z.append(z_l)
        a.append(net.activations[l].f(z_l))
    return z, a


def _stacked_gradients(net, W, b, X, Y, biases):
    """BP1-BP4 for every network of a stack, each computed as :meth:`bpcore.Network._gradients`
    computes it (bpcore.network's bp2, bp3 and bp4 with the stack's axes). Returns z, a and the
    stacked dC/dW^l, dC/db^l (None without biases)."""
    L, sigma, cost = net.L, net.activations, net.cost_function
    z, a = _stacked_forward(net, W, b, X)
    m = X.shape[1]
    delta, dW, db = [None] * (L + 1), [None] * (L + 1), [None] * (L + 1)
    delta[L] = np.empty_like(z[L])
    for i in range(len(z[L])):                  # BP1 (bpcore.bp1) by the cost's own function
        delta[L][i] = cost.delta(sigma[L], z[L][i], a[L][i], Y)
    for l in range(L, 0, -1):
        if l < L:                               # BP2
            delta[l] = W[l + 1].swapaxes(1, 2) @ delta[l + 1]
            delta[l] *= sigma[l].df(z[l], a[l])
        if biases:                              # BP3
            total = delta[l].sum(axis=2, keepdims=True)
            db[l] = total / m if m > 1 else total
        a_prev = a[l - 1]                       # BP4 (a^0 = X is shared: 2-d)
        total = delta[l] @ (a_prev.T if a_prev.ndim == 2 else a_prev.swapaxes(1, 2))
        dW[l] = total / m if m > 1 else total
    return z, a, dW, db


def _check_trainable(net) -> None:
    """Refuse an activation whose derivative is zero almost everywhere (the step)."""
    for l in range(1, net.L + 1):
        act = net.activations[l]
        if not act.trainable:
            raise ValueError(
                f"activation: layer {l} uses {act.name!r}, which cannot be trained: its "
                f"derivative is zero almost everywhere, so BP1/BP2 give delta = 0 and gradient "
                f"descent never moves the weights. Use 'sigmoid', its smooth version, to train.")


def _schedule(m: int, steps, epochs, batch_size) -> tuple[int, int, int]:
    """(batch size, updates per epoch, updates in all) from train's arguments, checked."""
    if batch_size is None:
        batch_size = m
    batch_size = min(validate.positive_int(batch_size, "batch_size"), m)
    per_epoch = -(-m // batch_size)
    if (steps is None) == (epochs is None):
        raise TypeError("train: give exactly one of steps= (number of updates) or epochs= "
                        f"(passes over the data), got steps={steps!r}, epochs={epochs!r}")
    if steps is not None:
        return batch_size, per_epoch, validate.positive_int(steps, "steps")
    return batch_size, per_epoch, validate.positive_int(epochs, "epochs") * per_epoch


def _batch_stream(X, Y, batch_size: int, seed):
    """Mini-batches without end, epoch after epoch, from one seeded Generator."""
    rng = np.random.default_rng(0 if seed is None else seed)
    while True:
        yield from batches(X, Y, batch_size, rng)


class _Log:
    """What :func:`train` records: the costs, the updates they were taken before, and the
    training time on the clock, which excludes the time spent computing recorded costs."""

    def __init__(self, lr, batch_size, per_epoch, updates):
        self.lr, self.batch_size, self.per_epoch, self.updates = lr, batch_size, per_epoch, updates
        self.costs, self.steps, self.seconds = [], [], []
        self.start, self.recording = time.perf_counter(), 0.0

    def clock(self):
        """Note the training time so far, for the cost about to be recorded."""
        self.seconds.append(time.perf_counter() - self.start - self.recording)

    def untimed(self, f, *args):
        """f(*args), its time kept off the training clock."""
        t0 = time.perf_counter()
        try:
            return f(*args)
        finally:
            self.recording += time.perf_counter() - t0

    def add(self, step, cost):
        self.costs.append(cost)
        self.steps.append(step)

    def history(self, done) -> History:
        seconds = np.array(self.seconds[:len(self.costs)])
        return History(np.array(self.costs, dtype=float), np.array(self.steps, dtype=int),
                       seconds - (seconds[0] if len(seconds) else 0.0), self.lr,
                       self.batch_size, done, done / self.per_epoch, self.per_epoch)

    def diverged(self, step, cost) -> "TrainingDiverged":
        last = self.costs[-1] if self.costs else None
        return TrainingDiverged(self.lr, step, cost, last, self.updates, self.history(step))
