"""The book's self-check exercises, chapter by chapter (the machinery is :mod:`bpcore.exercises`).

    from bpcore import questions
    q1, q2 = questions.chapter(1)

Chapters 1-7 have two or three exercises each: a function to write (``layer_forward``,
``dE_dw5``, ``output_delta``, ``sigmoid_prime``, ``minibatches``, ...) or a value to set
(``lr_that_converges``, ``xor_weights``). Every checker compares the reader's answer with what
``bpcore`` computes on fresh seeded data (never on numbers printed in the chapter), or runs
``bpcore`` with the answer (gradient descent with the reader's learning rate, a network with the
reader's weights). The derivative exercises are also held against finite differences, so an
answer that happens to match one case still has to be a derivative, and a wrong one "fails the
gradient check".
Chapter 7's answers are random (a shuffle, an initialisation), so their checkers test properties
instead: every sample once per epoch with X and Y still paired, weights with the right shapes and
spread, and both drawn from the reader's ``rng``.
Each exercise's solution is a plain function (or value) below; the tests run every checker on
it and on a known-wrong answer.
"""
from __future__ import annotations

import functools
import numbers
from collections.abc import Iterator

import numpy as np

from . import data
from .activations import get_activation
from .exercises import Exercise, NotAttempted, _as_numbers, call, compare
from .network import Network
from .surface import ErrorSurface
from .train import TrainingDiverged

_sigmoid = get_activation("sigmoid")


def _rng(seed):
    return np.random.default_rng(seed)


def _quiet(checker):
    """The checker with numpy's floating-point warnings silenced: an answer full of huge
    numbers or NaN gets a verdict, not a RuntimeWarning printed under the cell."""
    @functools.wraps(checker)
    def quiet_checker(answer):
        with np.errstate(all="ignore"):
            return checker(answer)
    return quiet_checker


def _finite_difference(f, z, eps=1e-6):
    """Central difference of an elementwise function f at every entry of z."""
    return (f(z + eps) - f(z - eps)) / (2 * eps)


# == Chapter 1: forward propagation =============================================================

def _layer_forward_solution(W, b, a_prev):
    # (n_l, n_{l-1}) @ (n_{l-1}, m) + (n_l, 1) -> (n_l, m)
    z = W @ a_prev + b
    a = 1 / (1 + np.exp(-z))       # sigma(z), elementwise
    return z, a


@_quiet
def _check_layer_forward(f):
    for n_in, n_out, m, seed in [(2, 3, 1, 1), (3, 2, 5, 2), (4, 4, 7, 3)]:
        r = _rng(seed)
        W, b, a_prev = r.normal(size=(n_out, n_in)), r.normal(size=(n_out, 1)), r.normal(
            size=(n_in, m))
        t = Network([n_in, n_out], "sigmoid", weights=[W], biases=[b]).forward(a_prev)
        got = call(f, W, b, a_prev, name="layer_forward")
        problem = compare(got, (t.z[1], t.a[1]),
                          f"layer_forward(W, b, a_prev) with W {W.shape}, a_prev {a_prev.shape}",
                          parts=("z", "a"))
        if problem:
            return problem
    return None


def _network_output_solution(Ws, bs, X):
    a = X
    for W, b in zip(Ws, bs):            # layers l = 1..L
        a = 1 / (1 + np.exp(-(W @ a + b)))
    return a


@_quiet
def _check_network_output(f):
    for sizes, m, seed in [([2, 2, 2], 1, 4), ([2, 3, 4, 1], 6, 5), ([3, 5, 2], 4, 6)]:
        net = Network(sizes, "sigmoid", seed=seed)
        r = _rng(seed)
        net.b[1:] = [r.normal(size=b.shape) for b in net.b[1:]]
        X = r.normal(size=(sizes[0], m))
        got = call(f, list(net.W[1:]), list(net.b[1:]), X, name="network_output")
        problem = compare(got, net.predict(X),
                          f"network_output for a {'-'.join(map(str, sizes))} network on X "
                          f"{X.shape}")
        if problem:
            return problem
    return None


# == Chapter 2: backpropagation by hand ==========================================================

def _small_networks(seeds):
    """Fresh 2-2-2 sigmoid networks like the worked example (random weights, biases, input and
    targets, one sample), each with bpcore's gradients and finite-difference gradients."""
    from .gradcheck import numeric_gradients
    for seed in seeds:
        r = _rng(seed)
        net = Network([2, 2, 2], "sigmoid", "quadratic", seed=seed,
                      biases=[r.normal(size=2), r.normal(size=2)])
        X, Y = r.uniform(-1, 1, size=(2, 1)), r.uniform(0, 1, size=(2, 1))
        nW, _ = numeric_gradients(net, X, Y)
        yield net, X, Y, net.gradients(X, Y), nW


def _dE_dw5_solution(out_h1, out_o1, target_o1):
    # E = 1/2 (t1 - out_o1)^2 + ...
    dE_dout = out_o1 - target_o1
    # out_o1 = sigma(net_o1), and sigma' = out (1 - out)
    dout_dnet = out_o1 * (1 - out_o1)
    # net_o1 = w5 out_h1 + w6 out_h2 + b2
    dnet_dw5 = out_h1
    return dE_dout * dout_dnet * dnet_dw5


@_quiet
def _check_dE_dw5(f):
    for net, X, Y, g, nW in _small_networks([11, 12, 13, 14]):
        a = g.trace.a
        got = call(f, float(a[1][0, 0]), float(a[2][0, 0]), float(Y[0, 0]), name="dE_dw5")
        problem = compare(got, g.W[2][0, 0], "dE_dw5(out_h1, out_o1, target_o1)")
        if problem is None:
            continue
        if compare(got, -g.W[2][0, 0], "") is None:
            problem += ("; it has the opposite sign: E = 1/2 (t1 - out_o1)^2, so "
                        "dE/dout_o1 = out_o1 - t1")
        if compare(got, nW[2][0, 0], "") is not None:
            problem += ("; it fails the gradient check: it is not the slope of E when w5 is "
                        "nudged (measured by finite differences on a fresh 2-2-2 network)")
        return problem
    return None


def _dE_dw1_solution(delta_o1, delta_o2, w5, w7, out_h1, i1):
    # out_h1 reaches E along two paths: through o1 (edge w5)
    # and through o2 (edge w7); then sigma'(net_h1)
    back = w5 * delta_o1 + w7 * delta_o2
    delta_h1 = back * out_h1 * (1 - out_h1)
    # net_h1 = w1 i1 + w2 i2 + b1, so dnet_h1/dw1 = i1
    return delta_h1 * i1


@_quiet
def _check_dE_dw1(f):
    for net, X, Y, g, nW in _small_networks([15, 16, 17, 18]):
        d, a = g.delta[2][:, 0], g.trace.a[1][:, 0]
        w5, w7 = net.W[2][0, 0], net.W[2][1, 0]
        args = (float(d[0]), float(d[1]), float(w5), float(w7), float(a[0]), float(X[0, 0]))
        got = call(f, *args, name="dE_dw1")
        problem = compare(got, g.W[1][0, 0],
                          "dE_dw1(delta_o1, delta_o2, w5, w7, out_h1, i1)")
        if problem is None:
            continue
        slope_h1 = a[0] * (1 - a[0]) * X[0, 0]
        for path, back in (("o1", w5 * d[0]), ("o2", w7 * d[1])):
            if compare(got, back * slope_h1, "") is None:
                problem += (f"; it follows only the path through {path}, but out_h1 feeds "
                            f"both output neurons")
        if compare(got, nW[1][0, 0], "") is not None:
            problem += ("; it fails the gradient check: it is not the slope of E when w1 is "
                        "nudged (measured by finite differences on a fresh 2-2-2 network)")
        return problem
    return None


# == Chapter 3: the four equations ===============================================================

def _backprop_case(sizes, m, seed):
    """A fresh sigmoid network with quadratic cost, m random samples, and bpcore's backprop."""
    r = _rng(seed)
    net = Network(sizes, "sigmoid", "quadratic", seed=seed)
    X, Y = r.normal(size=(sizes[0], m)), r.uniform(size=(sizes[-1], m))
    return net, X, Y, net.gradients(X, Y)


def _output_delta_solution(a, y, z):
    sigma = 1 / (1 + np.exp(-z))
    # BP1: grad_a C (.) sigma'(z^L), with the quadratic cost
    return (a - y) * sigma * (1 - sigma)


@_quiet
def _check_output_delta(f):
    net, X, Y, g = _backprop_case([3, 4, 2], 5, 7)
    z, a = g.trace.z[2], g.trace.a[2]
    got = call(f, a, Y, z, name="output_delta")
    problem = compare(got, g.delta[2], "output_delta(a, y, z)")
    if problem is None:
        return None
    # Say whether it is at least dC_x/dz^L: nudge each z^L and watch the per-sample cost.
    def cost_of_z(zz):
        return 0.5 * (_sigmoid.f(zz) - Y) ** 2
    slope = _finite_difference(cost_of_z, z)
    if compare(got, slope, "") is not None:
        problem += ("; it fails the gradient check: it is not the slope of the cost "
                    "C_x = 1/2 (a - y)^2 with respect to z^L (measured by finite differences)")
    return problem


def _hidden_delta_solution(W_next, delta_next, z):
    sigma = 1 / (1 + np.exp(-z))
    return (W_next.T @ delta_next) * sigma * (1 - sigma)      # BP2


@_quiet
def _check_hidden_delta(f):
    net, X, Y, g = _backprop_case([2, 5, 3], 4, 8)
    got = call(f, net.W[2], g.delta[2], g.trace.z[1], name="hidden_delta")
    return compare(got, g.delta[1], "hidden_delta(W_next, delta_next, z)")


def _parameter_gradients_solution(delta, a_prev):
    m = delta.shape[1]
    dW = delta @ a_prev.T / m                  # BP4, averaged over m
    db = delta.sum(axis=1, keepdims=True) / m  # BP3
    return dW, db


@_quiet
def _check_parameter_gradients(f):
    net, X, Y, g = _backprop_case([3, 4, 2], 6, 9)
    got = call(f, g.delta[2], g.trace.a[1], name="parameter_gradients")
    problem = compare(got, (g.W[2], g.b[2]), "parameter_gradients(delta, a_prev)",
                      parts=("dW", "db"))
    if problem and isinstance(got, (tuple, list)) and len(got) == 2:
        # Is it a gradient at all? Compare with finite differences of C on W^2.
        from .gradcheck import numeric_gradients
        nW, nb = numeric_gradients(net, X, Y)
        if compare(got[0], nW[2], "") is not None:
            problem += ("; dW fails the gradient check against finite differences "
                        "(remember the cost averages over the m samples)")
    return problem


# == Chapter 4: activation functions =============================================================

_relu = get_activation("relu")


def _activation_inputs(seed, avoid_zero=False):
    """Fresh arrays of weighted inputs z of several shapes, from -12 to 12 and a few far out."""
    r = _rng(seed)
    zs = [r.normal(scale=3, size=(3, 5)), r.uniform(-12, 12, size=(1, 9)),
          np.array([[-30.0, -8.0, -0.5, 0.25, 2.0, 30.0]]), r.normal(size=7)]
    if avoid_zero:                        # the kink: no test point within 1e-3 of z = 0
        zs = [np.where(np.abs(z) < 1e-3, 0.5, z) for z in zs]
    return zs


def _slope_problem(f, name, act, seed, avoid_zero=False, diagnose=None):
    """Compare the reader's derivative ``f`` with bpcore's ``act.df`` on fresh inputs; when it
    differs, say whether it is at least the slope of ``act.f`` (finite differences)."""
    for z in _activation_inputs(seed, avoid_zero):
        got = call(f, z, name=name)
        problem = compare(got, act.df(z, act.f(z)), f"{name}(z) for z of shape {z.shape}")
        if problem is None:
            continue
        if diagnose:
            problem += diagnose(got, z)
        if compare(got, _finite_difference(act.f, z), "") is not None:
            problem += (f"; it fails the gradient check: it is not the slope of "
                        f"{act.name}(z) (measured by finite differences)")
        return problem
    return None


def _sigmoid_prime_solution(z):
    a = 1 / (1 + np.exp(-z))       # sigma(z)
    return a * (1 - a)             # sigma(z) (1 - sigma(z))


@_quiet
def _check_sigmoid_prime(f):
    def diagnose(got, z):
        if compare(got, z * (1 - z), "") is None:
            return ("; it computes z (1 - z): the shortcut a (1 - a) needs the activation "
                    "a = sigma(z), not z (seed 002's mistake)")
        return ""
    return _slope_problem(f, "sigmoid_prime", _sigmoid, 41, diagnose=diagnose)


def _relu_prime_solution(z):
    # slope 1 right of the kink, 0 left of it
    return np.where(z > 0, 1.0, 0.0)


@_quiet
def _check_relu_prime(f):
    def diagnose(got, z):
        if compare(got, _relu.f(z), "") is None:
            return "; it returns ReLU(z) itself, not its slope"
        return ""
    return _slope_problem(f, "relu_prime", _relu, 42, avoid_zero=True, diagnose=diagnose)


# == Chapter 5: the learning rate ================================================================

def _positive_number(value, name):
    """``value`` as a float > 0, or a message saying why it is not one."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        return None, f"{name}: expected a number, got {type(value).__name__}"
    value = float(value)
    if not np.isfinite(value):
        return None, f"{name}: expected a finite number, got {value}"
    if value <= 0:
        return None, f"{name}: a learning rate must be > 0, got {value:g}"
    return value, None


def _largest_stable_lr_solution(H):
    # the curvature of the steepest direction
    h = np.linalg.eigvalsh(H).max()
    # along it an update multiplies the distance to the
    # minimum by 1 - lr h: it shrinks only if |1 - lr h| < 1
    return 2 / h


def _settles(net, X, Y, lr, steps=400):
    """Does bpcore's gradient descent with rate ``lr`` still make the cost fall at the end?"""
    try:
        history = net.copy().train(X, Y, lr=lr, steps=steps, train_biases=False)
    except TrainingDiverged:
        return False
    cost = history.cost
    return bool(cost[-1] <= cost[0] and cost[-1] <= cost[-2])


@_quiet
def _check_largest_stable_lr(f):
    for n, m, seed in [(2, 20, 51), (3, 30, 52), (5, 40, 53)]:
        # A linear neuron with the quadratic cost: C = 1/(2m) sum (w x - y)^2 is a bowl in the
        # weights w, and its Hessian is H = X X^T / m everywhere.
        r = _rng(seed)
        X = r.normal(size=(n, m)) * r.uniform(0.3, 3.0, size=(n, 1))
        Y = r.normal(size=(1, m))
        net = Network([n, 1], "identity", "quadratic", seed=seed)
        H = X @ X.T / m
        got = call(f, H, name="largest_stable_lr")
        problem = compare(got, 2 / np.linalg.eigvalsh(H).max(),
                          f"largest_stable_lr(H) for a {n} x {n} Hessian H")
        if problem is None:
            continue
        lr, _ = _positive_number(got, "")
        if lr is not None:
            if not _settles(net, X, Y, 0.97 * lr):
                problem += ("; too large: bpcore's gradient descent on this cost does not "
                            "settle even with a rate 3% below your answer")
            elif _settles(net, X, Y, 1.03 * lr):
                problem += ("; too small: bpcore's gradient descent on this cost still "
                            "settles with a rate 3% above your answer")
        return problem
    return None


_LR_START, _LR_STEPS, _LR_GOAL = (3.5, -1.0), 300, 1e-6


@_quiet
def _check_lr_that_converges(answer):
    lr, problem = _positive_number(answer, "lr_that_converges")
    if problem:
        return problem
    net, X, Y = data.two_minima()
    surface = ErrorSurface(net, X, Y, p=(1, 1, 1), q=(2, 1, 1))
    try:
        walk = surface.descend(_LR_START, lr=lr, steps=_LR_STEPS)
    except TrainingDiverged as e:
        return (f"diverged with lr={lr:g}: the cost overflowed at update {e.step} of "
                f"{_LR_STEPS}")
    cost = walk.cost
    if walk.final_cost < _LR_GOAL:
        return None
    if walk.final_cost > cost[0]:
        return (f"diverged with lr={lr:g}: after {_LR_STEPS} updates the cost is higher "
                f"than at the start ({walk.final_cost:.3g})")
    if np.any(np.diff(cost[-50:]) > 0):
        return (f"too large: with lr={lr:g} the walk is still bouncing after {_LR_STEPS} "
                f"updates (the cost goes up as well as down; it ends at "
                f"{walk.final_cost:.3g}, the goal is below {_LR_GOAL:g})")
    return (f"too slow: with lr={lr:g} the cost is still {walk.final_cost:.3g} after "
            f"{_LR_STEPS} updates (the goal is below {_LR_GOAL:g})")


# == Chapter 6: hidden width =====================================================================

def _n_parameters_solution(sizes):
    pairs = zip(sizes[:-1], sizes[1:])
    weights = sum(n_in * n_out for n_in, n_out in pairs)   # W^l
    # b^l for layers 1..L; the input layer has none
    biases = sum(sizes[1:])
    return weights + biases


@_quiet
def _check_n_parameters(f):
    r = _rng(61)
    cases = [[2, 1], [2, 2, 2], [2, 3, 4, 2], [3, 30, 10, 3, 1], [784, 100, 10]]
    cases += [[int(n) for n in r.integers(1, 40, size=k)] for k in (2, 3, 4, 5)]
    for sizes in cases:
        got = call(f, list(sizes), name="n_parameters")
        expected = Network(sizes).n_params
        problem = compare(got, expected, f"n_parameters({sizes})", rtol=0, atol=0)
        if problem is None:
            continue
        weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
        if compare(got, weights, "", rtol=0, atol=0) is None:
            problem += "; it counts the weights only: every neuron of layers 1..L has a bias"
        elif compare(got, weights + sum(sizes), "", rtol=0, atol=0) is None:
            problem += "; it gives the inputs biases too, but layer 0 has no parameters"
        return problem
    return None


# Hidden unit 1 is OR (x1 + x2 > 0.5), unit 2 is AND (x1 + x2 > 1.5); the output fires for
# OR and not AND (h1 - h2 > 0.5).
_XOR_SOLUTION = ([[1, 1], [1, 1]], [-0.5, -1.5], [[1, -1]], [-0.5])


@_quiet
def _check_xor_weights(answer):
    name = "xor_weights"
    if not isinstance(answer, (tuple, list)) or len(answer) != 4:
        got = f"{len(answer)} items" if isinstance(answer, (tuple, list)) else (
            type(answer).__name__)
        return f"{name}: expected four arrays (W1, b1, W2, b2) in a tuple, got {got}"
    parts = []
    for part, value in zip(("W1", "b1", "W2", "b2"), answer):
        if value is None or value is Ellipsis:
            raise NotAttempted(f"`{name}`: {part} is still {value!r}")
        try:
            parts.append(_as_numbers(value, f"{name}, {part}"))
        except AssertionError as e:
            return str(e)
    W1, b1, W2, b2 = parts
    if W1.ndim != 2 or W1.shape[1] != 2 or W1.shape[0] == 0:
        return (f"{name}: W1 should have shape (H, 2), one row per hidden unit and one column "
                f"per input, got {W1.shape}")
    H = W1.shape[0]
    if b1.size != H:
        return (f"{name}: b1 should hold {H} bias{'es' if H > 1 else ''}, one per hidden unit, "
                f"got {b1.size}")
    if W2.shape != (1, H):
        return (f"{name}: W2 should have shape (1, {H}), one weight per hidden unit into the "
                f"output, got {W2.shape}")
    if b2.size != 1:
        return f"{name}: b2 should be one number, the output's bias, got {b2.size}"
    if not all(np.all(np.isfinite(p)) for p in parts):
        return f"{name}: the weights and biases must be finite numbers"
    net = Network([2, H, 1], "step", weights=[W1, W2],
                  biases=[b1.reshape(H, 1), b2.reshape(1, 1)])
    X, Y = data.xor()
    wrong = (net.predict(X) != Y)[0]
    if wrong.any():
        points = ", ".join(f"({int(x1)}, {int(x2)})" for x1, x2 in X.T[wrong])
        return (f"{name}: the 2-{H}-1 step network answers {int(wrong.sum())} of the 4 "
                f"points wrong: {points}")
    return None


# == Chapter 7: training in practice =============================================================

def _minibatches_solution(X, Y, batch_size, rng):
    m = X.shape[1]
    order = rng.permutation(m)       # shuffle the m columns once
    pairs = []
    for start in range(0, m, batch_size):
        idx = order[start:start + batch_size]   # the last may be short
        # the same idx for X and Y: every x stays with its y
        pairs.append((X[:, idx], Y[:, idx]))
    return pairs


# (m, batch_size, seed): m a multiple of batch_size and not, single samples, one batch.
_EPOCH_CASES = [(23, 5, 71), (20, 4, 72), (7, 1, 73), (6, 10, 74), (8, 8, 75)]


def _epoch_data(m, seed):
    """Inputs X (3, m) and targets Y (2, m) for one epoch. Every entry lies between 0.1 and 0.9
    and the entries of a row all differ, so a column's first entry tells which sample it is."""
    r = _rng(seed)
    return r.uniform(0.1, 0.9, size=(3, m)), r.uniform(0.1, 0.9, size=(2, m))


def _epoch_of(got, X, Y, what):
    """The reader's epoch as (x_ids, y_ids): for each batch, which samples (columns of X, and
    of Y) it holds, in order; or a message saying why it is not a list of such batches."""
    if isinstance(got, Iterator):
        return (f"{what}: it returns {type(got).__name__}, an iterator; return a list of "
                f"(X_batch, Y_batch) pairs (wrap it in list(...))")
    if not isinstance(got, (list, tuple)):
        return f"{what}: expected a list of (X_batch, Y_batch) pairs, got {type(got).__name__}"
    if not got:
        return f"{what}: expected a list of (X_batch, Y_batch) pairs, got an empty list"
    ids = ([], [])
    for i, pair in enumerate(got, start=1):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            kind = (f"{len(pair)} items" if isinstance(pair, (tuple, list))
                    else type(pair).__name__)
            return (f"{what}: expected every batch to be a pair (X_batch, Y_batch), batch {i} "
                    f"is {kind}")
        for part, value, data_, out in (("X_batch", pair[0], X, ids[0]),
                                        ("Y_batch", pair[1], Y, ids[1])):
            label = f"{what}, {part} of batch {i}"
            try:
                arr = _as_numbers(value, label)
            except AssertionError as e:
                return str(e)
            n = data_.shape[0]
            if arr.ndim != 2:
                tip = (" (indexing with a single integer drops the column axis: index with an "
                       "array or a slice, X[:, idx])" if arr.ndim == 1 else "")
                return (f"{label}: expected a 2-d array with {n} rows and one column per "
                        f"sample, got shape {arr.shape}{tip}")
            if arr.shape[0] != n:
                if arr.shape[1] == n:
                    return (f"{label}: shape {arr.shape} looks transposed. In this book "
                            f"samples are columns, so a batch has {n} rows and one column per "
                            f"sample: take columns, X[:, idx]")
                return (f"{label}: expected {n} rows, got shape {arr.shape}. Samples are "
                        f"columns: shuffle and cut the columns, X[:, idx], not the rows")
            if not np.all(np.isfinite(arr)):
                return f"{label}: it contains NaN or inf"
            where = {v: j for j, v in enumerate(data_[0])}
            cols = [where.get(v) for v in arr[0]]
            if None in cols or not np.array_equal(arr, data_[:, cols]):
                return (f"{label}: its columns are not columns of {part[0]} as given: keep "
                        f"every sample's column whole and unchanged")
            out.append(np.array(cols, dtype=int))
    return ids


def _epoch_problem(x_ids, y_ids, m, batch_size, what):
    """What is wrong with a well-formed epoch (its batches as lists of sample indices)."""
    sizes = [len(ix) for ix in x_ids]
    if len(sizes) != -(-m // batch_size):
        if m % batch_size and len(sizes) == m // batch_size and set(sizes) == {batch_size}:
            return (f"{what}: it drops the last partial batch: the samples left over after the "
                    f"full batches form one more, smaller batch, so that every sample is used "
                    f"once per epoch")
        return (f"{what}: expected ceil(m / batch_size) batches, got {len(sizes)}: cut the "
                f"shuffled columns into consecutive batches of batch_size columns (the last "
                f"may be smaller)")
    for i, size in enumerate(sizes[:-1], start=1):
        if size != batch_size:
            return (f"{what}: batch {i} has {size} columns; every batch but the last should "
                    f"have batch_size columns")
    if sizes[-1] > batch_size:
        return f"{what}: the last batch has more than batch_size columns"
    for i, (ix, iy) in enumerate(zip(x_ids, y_ids), start=1):
        if not np.array_equal(ix, iy):
            return (f"{what}: X and Y are no longer paired: in batch {i} a column of X_batch "
                    f"and the same column of Y_batch come from different samples. Were X and "
                    f"Y shuffled separately, with two permutations? Draw one permutation and "
                    f"index both X and Y with it")
    order = np.concatenate(x_ids)
    counts = np.bincount(order, minlength=m)
    if np.any(counts != 1):
        return (f"{what}: every sample should appear exactly once per epoch, but "
                f"{int(np.sum(counts > 1))} appear more than once and {int(np.sum(counts == 0))} "
                f"never: shuffle with a permutation of the m columns (drawing sample indices "
                f"at random, with replacement, repeats some and misses others)")
    if batch_size < m and m >= 20:      # a real shuffle of 20 is never the same order twice
        if np.array_equal(order, np.arange(m)):
            return (f"{what}: the samples are not shuffled: the batches take the columns in "
                    f"their original order. Shuffle the columns once with rng (a permutation) "
                    f"before cutting")
        if batch_size > 1 and all(ix.min() % batch_size == 0 and np.array_equal(
                np.sort(ix), np.arange(ix.min(), ix.min() + len(ix))) for ix in x_ids):
            return (f"{what}: the samples are not shuffled across batches: every batch holds "
                    f"the same block of consecutive columns it would hold unshuffled. Shuffle "
                    f"the columns themselves, then cut, not just the batches")
    return None


@_quiet
def _check_minibatches(f):
    for m, size, seed in _EPOCH_CASES:
        X, Y = _epoch_data(m, seed)
        what = f"minibatches(X, Y, batch_size={size}, rng) with m = {m} samples"
        epoch = _epoch_of(call(f, X, Y, size, _rng(seed), name="minibatches"), X, Y, what)
        if isinstance(epoch, str):
            return epoch
        problem = _epoch_problem(*epoch, m, size, what)
        if problem:
            return problem
    # The shuffle must come from rng: the same seed gives the same epoch, another seed another.
    m, size, seed = _EPOCH_CASES[0]
    X, Y = _epoch_data(m, seed)
    what = f"minibatches(X, Y, batch_size={size}, rng) with m = {m} samples"
    orders = []
    for s in (seed, seed, seed + 100):
        epoch = _epoch_of(call(f, X, Y, size, _rng(s), name="minibatches"), X, Y, what)
        if isinstance(epoch, str):
            return epoch
        orders.append(np.concatenate(epoch[0]))
    if not np.array_equal(orders[0], orders[1]):
        return (f"{what}: two Generators with the same seed gave different batches, so it "
                f"ignores rng (np.random's own functions, such as np.random.permutation, do "
                f"not use it): shuffle with rng itself, rng.permutation(m)")
    if np.array_equal(orders[0], orders[2]):
        return (f"{what}: Generators with different seeds gave the same batches, so it ignores "
                f"rng (a fixed seed?): shuffle with the rng passed in, rng.permutation(m)")
    return None


def _init_weights_solution(sizes, rng):
    Ws = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        # entries N(0, 1), scaled to variance 1/n_in
        W = rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)
        Ws.append(W)     # W^l is (n_l, n_{l-1})
    return Ws


# (sizes, seed): wide layers, whose many weights show their distribution, and small networks.
_INIT_CASES = [([400, 300, 200, 100], 76), ([2, 3, 1], 77), ([5, 1, 4], 78)]
_INIT_STATS_FROM = 10_000       # layers with this many weights are tested statistically
_INIT_RTOL = 0.05               # standard deviation within 5% of 1/sqrt(n_{l-1})


def _weights_of(got, sizes, what):
    """The reader's weights as float arrays of the right shapes, or a message."""
    L = len(sizes) - 1
    if not isinstance(got, (list, tuple)):
        return f"{what}: expected a list [W^1, ..., W^L] of {L} arrays, got {type(got).__name__}"
    if len(got) != L:
        tip = (": the input layer has no weights, so the list starts with W^1"
               if len(got) == L + 1 else "")
        return f"{what}: expected {L} arrays [W^1, ..., W^L], one per layer, got {len(got)}{tip}"
    Ws = []
    for l, value in enumerate(got, start=1):
        try:
            W = _as_numbers(value, f"{what}, W^{l}")
        except AssertionError as e:
            return str(e)
        n_in, n_out = sizes[l - 1], sizes[l]
        if W.shape != (n_out, n_in):
            if W.shape == (n_in, n_out):
                return (f"{what}: W^{l} is transposed: W^l has shape (n_l, n_{{l-1}}) = "
                        f"{(n_out, n_in)}, one row per unit of layer {l} and one column per "
                        f"input, so that W^l a^(l-1) works; got {W.shape}")
            return (f"{what}: W^{l} should have shape (n_l, n_{{l-1}}) = {(n_out, n_in)}, got "
                    f"{W.shape}")
        if not np.all(np.isfinite(W)):
            return f"{what}: W^{l} contains NaN or inf"
        Ws.append(W)
    return Ws


def _normal_tails(W):
    """Does W look drawn from a normal distribution? Its excess kurtosis is near 0 (a uniform
    distribution's is -1.2; with 10,000 draws a normal one's is 0 +- 0.05)."""
    centred = W - W.mean()
    kurtosis = np.mean(centred ** 4) / np.mean(centred ** 2) ** 2 - 3
    return bool(abs(kurtosis) <= 0.3)


def _layer_problem(W, l, n_in, n_out, what):
    """What is wrong with the weights W^l of a layer (shape and finiteness already checked)."""
    if n_out > 1 and len(np.unique(W, axis=0)) < n_out:
        return (f"{what}: rows of W^{l} repeat (all zeros? a constant?): units of layer {l} "
                f"with the same weights compute the same output, get the same delta and the "
                f"same update, so they stay copies of each other and learn the same thing. "
                f"Draw the weights at random to break this symmetry")
    if W.size > 1 and np.unique(W).size < 0.9 * W.size:
        return (f"{what}: W^{l} repeats the same values: draw every weight independently at "
                f"random")
    if W.size < _INIT_STATS_FROM:
        return None
    spread, mean = float(np.std(W)), float(np.mean(W))
    target = 1 / np.sqrt(n_in)
    normal = "" if _normal_tails(W) else (
        "; also, they do not look normally distributed: draw from a normal distribution")
    if not abs(mean) <= 0.05 * max(target, spread):     # 5 standard errors of the mean
        return (f"{what}: the entries of W^{l} are not centred on 0: draw them from "
                f"N(0, 1/n_{{l-1}}), whose mean is 0{normal}")

    def near(value):
        return abs(spread / value - 1) <= _INIT_RTOL

    if near(target):
        if normal:
            return (f"{what}: the entries of W^{l} have the right spread but do not look "
                    f"normally distributed (a uniform distribution, say, has no tails): draw "
                    f"from a normal distribution, e.g. rng.standard_normal")
        return None
    if near(1.0):
        problem = (f"the entries of W^{l} are too large by about sqrt(n_{{l-1}}): they are "
                   f"not scaled, so z = W a adds up n_{{l-1}} terms of size 1 and sigmoid "
                   f"units saturate. Divide N(0, 1) draws by sqrt(n_{{l-1}})")
    elif near(1 / n_in):
        problem = (f"the entries of W^{l} are too small: divided by n_{{l-1}} instead of its "
                   f"square root (the variance is 1/n_{{l-1}}, so the standard deviation "
                   f"is 1/sqrt(n_{{l-1}}))")
    elif near(1 / np.sqrt(n_out)):
        problem = (f"W^{l} is scaled by the width of layer {l}, n_l: scale by the number of "
                   f"inputs of each unit, n_{{l-1}}")
    else:
        size = "large" if spread > target else "small"
        problem = (f"the spread of W^{l} is wrong (too {size}): its entries should have "
                   f"variance 1/n_{{l-1}}, a standard deviation of 1/sqrt(n_{{l-1}})")
    return f"{what}: {problem}{normal}"


@_quiet
def _check_init_weights(f):
    for sizes, seed in _INIT_CASES:
        what = f"init_weights({sizes}, rng)"
        Ws = _weights_of(call(f, list(sizes), _rng(seed), name="init_weights"), sizes, what)
        if isinstance(Ws, str):
            return Ws
        for l, W in enumerate(Ws, start=1):
            problem = _layer_problem(W, l, sizes[l - 1], sizes[l], what)
            if problem:
                return problem
    # The weights must come from rng: the same seed gives the same ones, another seed others.
    sizes, seed = _INIT_CASES[1]
    what = f"init_weights({sizes}, rng)"
    drawn = []
    for s in (seed, seed, seed + 100):
        Ws = _weights_of(call(f, list(sizes), _rng(s), name="init_weights"), sizes, what)
        if isinstance(Ws, str):
            return Ws
        drawn.append(Ws)

    def same(A, B):
        return all(np.array_equal(a, b) for a, b in zip(A, B))

    if not same(drawn[0], drawn[1]):
        return (f"{what}: two Generators with the same seed gave different weights, so it "
                f"ignores rng (np.random's own functions, such as np.random.randn, do not use "
                f"it): draw with rng itself, e.g. rng.standard_normal")
    if same(drawn[0], drawn[2]):
        return (f"{what}: Generators with different seeds gave the same weights, so it ignores "
                f"rng (a fixed seed?): draw with the rng passed in, e.g. rng.standard_normal")
    return None


_CHAPTERS = {
    1: [
        Exercise(
            "Exercise 1.1", "layer_forward",
            "Write `layer_forward(W, b, a_prev)` returning the pair `(z, a)` of one sigmoid "
            "layer: z = W a_prev + b and a = sigma(z). `a_prev` holds one sample per column.",
            _check_layer_forward,
            "`W @ a_prev` has one column per sample; adding `b`, a column (n_l, 1), broadcasts "
            "it across the columns. sigma(z) = 1 / (1 + exp(-z)) elementwise.",
            _layer_forward_solution),
        Exercise(
            "Exercise 1.2", "network_output",
            "Write `network_output(Ws, bs, X)` returning a^L for the lists `Ws = [W^1, ..., W^L]` "
            "and `bs = [b^1, ..., b^L]` of a sigmoid network.",
            _check_network_output,
            "Start with a = X and apply one layer at a time: a = sigma(W a + b). Note that these "
            "lists start at layer 1 (unlike `net.W`, whose index 0 is unused).",
            _network_output_solution),
    ],
    2: [
        Exercise(
            "Exercise 2.1", "dE_dw5",
            "Write `dE_dw5(out_h1, out_o1, target_o1)`: the chain-rule product "
            "`dE/dw5 = dE/dout_o1 * dout_o1/dnet_o1 * dnet_o1/dw5` for a 2-2-2 sigmoid network "
            "like the worked example, from three forward values (t1 is `target_o1`).",
            _check_dE_dw5,
            "Write the three factors separately, as in the chapter. E has the term "
            "1/2 (t1 - out_o1)^2; out_o1 = sigma(net_o1) and sigma' can be written with "
            "out_o1 itself; net_o1 = w5 out_h1 + w6 out_h2 + b2.",
            _dE_dw5_solution),
        Exercise(
            "Exercise 2.2", "dE_dw1",
            "Write `dE_dw1(delta_o1, delta_o2, w5, w7, out_h1, i1)`: dE/dw1 for a hidden "
            "weight, given the two output errors delta_o = dE/dnet_o, the weights w5 (h1 to o1) "
            "and w7 (h1 to o2), the activation out_h1 and the input i1.",
            _check_dE_dw1,
            "out_h1 reaches E along two paths, one through each output neuron: add them, each "
            "being an output error times the weight on its edge. Then multiply by "
            "dout_h1/dnet_h1 and by dnet_h1/dw1.",
            _dE_dw1_solution),
    ],
    3: [
        Exercise(
            "Exercise 3.1", "output_delta",
            "Write `output_delta(a, y, z)`: BP1 for the quadratic cost C_x = 1/2 ||a - y||^2 and "
            "a sigmoid output layer (a = a^L, y the targets, z = z^L; one sample per column).",
            _check_output_delta,
            "BP1 is grad_a C (.) sigma'(z^L). For the quadratic cost grad_a C = a - y; for the "
            "sigmoid, sigma'(z) = sigma(z) (1 - sigma(z)). Multiply elementwise, not with @.",
            _output_delta_solution),
        Exercise(
            "Exercise 3.2", "hidden_delta",
            "Write `hidden_delta(W_next, delta_next, z)`: BP2 for a sigmoid hidden layer l, "
            "given W^{l+1}, delta^{l+1} and z^l.",
            _check_hidden_delta,
            "Move the error back through the weights with the transpose, (W^{l+1})^T delta^{l+1}, "
            "then multiply elementwise by sigma'(z^l). Check the shapes: the result is like z.",
            _hidden_delta_solution),
        Exercise(
            "Exercise 3.3", "parameter_gradients",
            "Write `parameter_gradients(delta, a_prev)` returning `(dW, db)` for one layer by BP4 "
            "and BP3, averaged over the m samples (the columns).",
            _check_parameter_gradients,
            "Per sample, dC/dw_jk = a_k delta_j is an outer product; summed over the samples "
            "that is delta @ a_prev.T. BP3 sums delta over the columns. Divide both by m.",
            _parameter_gradients_solution),
    ],
    4: [
        Exercise(
            "Exercise 4.1", "sigmoid_prime",
            "Write `sigmoid_prime(z)`: the slope sigma'(z) of the sigmoid, elementwise, for an "
            "array z of any shape.",
            _check_sigmoid_prime,
            "sigma(z) = 1 / (1 + e^-z). Its derivative can be written with sigma(z) itself: "
            "compute a = sigma(z) first, then combine a with 1 - a. Use numpy's elementwise "
            "operations, so that any shape works.",
            _sigmoid_prime_solution),
        Exercise(
            "Exercise 4.2", "relu_prime",
            "Write `relu_prime(z)`: the slope of ReLU(z) = max(z, 0), elementwise, for an "
            "array z of any shape (at the kink z = 0 either one-sided slope will do).",
            _check_relu_prime,
            "ReLU is a straight line on each side of 0: what is the slope of the line z, and "
            "of the line 0? `np.where(condition, x, y)` picks between two values entrywise.",
            _relu_prime_solution),
    ],
    5: [
        Exercise(
            "Exercise 5.1", "largest_stable_lr",
            "Write `largest_stable_lr(H)`: the largest learning rate with which gradient "
            "descent settles at the minimum of a cost whose Hessian (the matrix of second "
            "derivatives, symmetric, positive definite) is the n x n array H.",
            _check_largest_stable_lr,
            "In the bowl C = h/2 w^2, one update multiplies w by 1 - lr h. With several weights "
            "each direction along an eigenvector of H has its own h (its eigenvalue, from "
            "`np.linalg.eigvalsh`): which one breaks first as lr grows?",
            _largest_stable_lr_solution),
        Exercise(
            "Exercise 5.2", "lr_that_converges",
            "Set `lr_that_converges` to a learning rate with which the chapter's walk on "
            "`data.two_minima()`'s surface, from (p, q) = (3.5, -1), ends with a cost below "
            "1e-6 after 300 updates: fast enough to cross the shelf, calm enough to settle.",
            _check_lr_that_converges,
            "Too small and the walk is still on the shelf after 300 updates; above 2/h, the "
            "limit at the bottom, it ends up bouncing there. The chapter prints that limit: "
            "try rates a little below it, or move the slider and read the final cost.",
            0.6),
    ],
    6: [
        Exercise(
            "Exercise 6.1", "n_parameters",
            "Write `n_parameters(sizes)`: the number of weights and biases of a fully "
            "connected network with layer widths `sizes = [n_0, n_1, ..., n_L]`.",
            _check_n_parameters,
            "W^l has shape (n_l, n_{l-1}) and b^l has n_l entries, for l = 1..L. The input "
            "layer has neither. `zip(sizes[:-1], sizes[1:])` walks over consecutive pairs.",
            _n_parameters_solution),
        Exercise(
            "Exercise 6.2", "xor_weights",
            "Set `xor_weights = (W1, b1, W2, b2)` by hand so that a 2-H-1 network of unit "
            "steps (1 for z > 0, else 0; chapter 1's neuron) computes XOR exactly: W1 is "
            "(H, 2), b1 has H entries, W2 is (1, H) and b2 is one number.",
            _check_xor_weights,
            "XOR is 'x1 OR x2, but not x1 AND x2'. One step unit can compute OR and another AND "
            "(each is a line that cuts off one or three corners); the output unit then fires "
            "when the first is on and the second off.",
            _XOR_SOLUTION),
    ],
    7: [
        Exercise(
            "Exercise 7.1", "minibatches",
            "Write `minibatches(X, Y, batch_size, rng)` returning one epoch of mini-batches: a "
            "list of pairs `(X_batch, Y_batch)`. Shuffle the m columns of X (n_0, m) and Y "
            "(n_L, m) once with the numpy Generator `rng`, then cut them into consecutive "
            "batches of `batch_size` columns (the last may be smaller).",
            _check_minibatches,
            "`rng.permutation(m)` is a shuffled order of the column indices 0..m-1. Fancy "
            "indexing `X[:, idx]` takes those columns; use the same `idx` for Y so that every "
            "x keeps its y. Slices of the order, `start:start + batch_size`, give the batches, "
            "and a slice past the end is just shorter.",
            _minibatches_solution),
        Exercise(
            "Exercise 7.2", "init_weights",
            "Write `init_weights(sizes, rng)` returning the list `[W^1, ..., W^L]` of starting "
            "weights for layer widths `sizes = [n_0, ..., n_L]`: W^l has shape (n_l, n_{l-1}) "
            "and entries drawn from N(0, 1/n_{l-1}) with the numpy Generator `rng`.",
            _check_init_weights,
            "`rng.standard_normal(shape)` draws N(0, 1) entries. N(0, 1/n) has variance 1/n, "
            "so its standard deviation is 1/sqrt(n): scale the draws by that. Walk over the "
            "layers with `zip(sizes[:-1], sizes[1:])`, which gives (n_{l-1}, n_l) pairs.",
            _init_weights_solution),
    ],
}


def chapter(number: int) -> tuple[Exercise, ...]:
    """The exercises of chapter ``number``, in order: ``q1, q2 = questions.chapter(1)``."""
    if number not in _CHAPTERS:
        raise ValueError(f"number: expected a chapter with exercises, one of "
                         f"{sorted(_CHAPTERS)}, got {number!r}")
    return tuple(_CHAPTERS[number])


def all_exercises() -> list[Exercise]:
    """Every exercise of the book, chapter by chapter."""
    return [q for n in sorted(_CHAPTERS) for q in _CHAPTERS[n]]
