"""Chapter 7's exercises, training in practice: one epoch of mini-batches, and the starting
weights. Their answers are random (a shuffle, an initialisation), so the checkers test
properties instead of values: every sample once per epoch with X and Y still paired, weights
with the right shapes and spread, and both drawn from the reader's ``rng``.

Each exercise is one block: solution, checker, then the declaration with the hint and the
known-wrong answers (many here: each mistake has its own message). The tasks are stated in
chapters/07-training-in-practice.md.
"""
from collections.abc import Iterator

import numpy as np

from bpcore.network import Network
from bpcore.train import batches
from bpcore.validate import looks_transposed

from .core import Exercise, Incorrect, as_numbers, call, incorrect_if


def _rng(seed):
    return np.random.default_rng(seed)


def _finite(arr, says):
    """``arr``, or Incorrect when it holds NaN or inf: the message ``says`` so."""
    if not np.all(np.isfinite(arr)):
        raise Incorrect(f"{says} NaN or inf")
    return arr


def _rng_problem(draw, seed, what, things, verb, np_function, example):
    """Do the reader's draws come from the ``rng`` passed in? ``draw(s)`` calls the reader's
    function with ``rng = default_rng(s)`` and returns a list of arrays: the same seed must give
    the same ones, another seed others."""
    drawn = [draw(s) for s in (seed, seed, seed + 100)]

    def same(A, B):
        return len(A) == len(B) and all(np.array_equal(a, b) for a, b in zip(A, B))

    if not same(drawn[0], drawn[1]):
        return (f"{what}: two Generators with the same seed gave different {things}, so it "
                f"ignores rng (np.random's own functions, such as {np_function}, do not use "
                f"it): {verb} with rng itself, {example}")
    if same(drawn[0], drawn[2]):
        return (f"{what}: Generators with different seeds gave the same {things}, so it ignores "
                f"rng (a fixed seed?): {verb} with the rng passed in, {example}")
    return None


# == Exercise 7.1: minibatches ===================================================================

def minibatches(X, Y, batch_size, rng):
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


_ONE_INDEX = {1: " (indexing with a single integer drops the column axis: index with an array "
                 "or a slice, X[:, idx])"}


def _batch_columns(value, data_, letter, what, i):
    """Which samples (columns of ``data_``, called X or Y: ``letter``) one part of batch ``i``
    holds, in order."""
    label = f"{what}, {letter}_batch of batch {i}"
    arr = as_numbers(value, label)
    n = data_.shape[0]
    if arr.ndim == 2 and arr.shape[0] != n and arr.shape[1] == n:
        raise Incorrect(f"{label}: shape {arr.shape} looks transposed. In this book samples "
                        f"are columns, so a batch has {n} rows and one column per sample: "
                        f"take columns, X[:, idx]")
    if arr.ndim != 2:
        raise Incorrect(f"{label}: expected a 2-d array with {n} rows and one column per "
                        f"sample, got shape {arr.shape}{_ONE_INDEX.get(arr.ndim, '')}")
    if arr.shape[0] != n:
        raise Incorrect(f"{label}: expected {n} rows, got shape {arr.shape}. Samples are "
                        f"columns: shuffle and cut the columns, X[:, idx], not the rows")
    _finite(arr, f"{label}: it contains")
    where = {v: j for j, v in enumerate(data_[0])}
    cols = [where.get(v) for v in arr[0]]
    if None in cols or not np.array_equal(arr, data_[:, cols]):
        raise Incorrect(f"{label}: its columns are not columns of {letter} as given: keep "
                        f"every sample's column whole and unchanged")
    return np.array(cols, dtype=int)


def _epoch_of(got, X, Y, what):
    """The reader's epoch as (x_ids, y_ids): for each batch, which samples (columns of X, and
    of Y) it holds, in order; Incorrect if it is not a list of such batches."""
    if isinstance(got, Iterator):
        raise Incorrect(f"{what}: it returns {type(got).__name__}, an iterator; return a list "
                        f"of (X_batch, Y_batch) pairs (wrap it in list(...))")
    if not isinstance(got, (list, tuple)) or not got:
        kind = "an empty list" if isinstance(got, (list, tuple)) else type(got).__name__
        raise Incorrect(f"{what}: expected a list of (X_batch, Y_batch) pairs, got {kind}")
    x_ids, y_ids = [], []
    for i, pair in enumerate(got, start=1):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            kind = (f"{len(pair)} items" if isinstance(pair, (tuple, list))
                    else type(pair).__name__)
            raise Incorrect(f"{what}: expected every batch to be a pair (X_batch, Y_batch), "
                            f"batch {i} is {kind}")
        x_ids.append(_batch_columns(pair[0], X, "X", what, i))
        y_ids.append(_batch_columns(pair[1], Y, "Y", what, i))
    return x_ids, y_ids


def _batch_sizes_problem(sizes, m, batch_size, what):
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
    return None


def _shuffle_problem(x_ids, y_ids, m, batch_size, what):
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
    if batch_size >= m or m < 20:       # a real shuffle of 20 is never the same order twice
        return None
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


def check_minibatches(f):
    def epoch(m, size, seed, rng_seed):
        """The reader's epoch of the data drawn with ``seed``, shuffled by rng_seed's rng."""
        X, Y = _epoch_data(m, seed)
        got = call(f, X, Y, size, _rng(rng_seed), name="minibatches")
        return _epoch_of(got, X, Y, what(m, size))

    def what(m, size):
        return f"minibatches(X, Y, batch_size={size}, rng) with m = {m} samples"

    for m, size, seed in _EPOCH_CASES:
        x_ids, y_ids = epoch(m, size, seed, seed)
        incorrect_if(_batch_sizes_problem([len(ix) for ix in x_ids], m, size, what(m, size)))
        incorrect_if(_shuffle_problem(x_ids, y_ids, m, size, what(m, size)))
    m, size, seed = _EPOCH_CASES[0]
    incorrect_if(_rng_problem(lambda s: [np.concatenate(epoch(m, size, seed, s)[0])], seed,
                              what(m, size), "batches", "shuffle", "np.random.permutation",
                              "rng.permutation(m)"))


def _cut(X, Y, idx_x, idx_y, batch_size, stop=None):
    """An epoch cut from the column orders idx_x (for X) and idx_y (for Y)."""
    stop = len(idx_x) if stop is None else stop
    return [(X[:, idx_x[s:s + batch_size]], Y[:, idx_y[s:s + batch_size]])
            for s in range(0, stop, batch_size)]


def _in_order(X, Y, size):
    return _cut(X, Y, np.arange(X.shape[1]), np.arange(X.shape[1]), size)


def _shuffle_in_place(X, Y, size, rng):
    idx = np.arange(X.shape[1])
    rng.shuffle(idx)
    return _cut(X, Y, idx, idx, size)


def _stack_and_permute(X, Y, size, rng):
    both = rng.permutation(np.vstack([X, Y]), axis=1)
    n = X.shape[0]
    return tuple((both[:n, s:s + size], both[n:, s:s + size])
                 for s in range(0, both.shape[1], size))


q1 = Exercise(
    "Exercise 7.1", "minibatches", minibatches, check_minibatches,
    "`rng.permutation(m)` is a shuffled order of the column indices 0..m-1. Fancy "
    "indexing `X[:, idx]` takes those columns; use the same `idx` for Y so that every "
    "x keeps its y. Slices of the order, `start:start + batch_size`, give the batches, "
    "and a slice past the end is just shorter.",
    title="one epoch of shuffled mini-batches",
    wrong={
        "X and Y shuffled separately": (lambda X, Y, size, rng: _cut(
            X, Y, rng.permutation(X.shape[1]), rng.permutation(X.shape[1]), size),
            "no longer paired"),
        "not shuffled": (lambda X, Y, size, rng: _in_order(X, Y, size), "not shuffled"),
        "np.random's global state": (lambda X, Y, size, rng: minibatches(
            X, Y, size, np.random.default_rng(np.random.randint(2**31))),
            "same seed gave different batches, so it ignores rng"),
        "a fixed seed": (lambda X, Y, size, rng: minibatches(X, Y, size, _rng(0)),
                         "different seeds gave the same batches"),
        "the last partial batch dropped": (lambda X, Y, size, rng: (
            lambda idx: _cut(X, Y, idx, idx, size, len(idx) - size + 1))(
                rng.permutation(X.shape[1])), "drops the last partial batch"),
        "samples drawn with replacement": (lambda X, Y, size, rng: (
            lambda idx: _cut(X, Y, idx, idx, size))(rng.integers(0, X.shape[1], X.shape[1])),
            "exactly once per epoch"),
        "m // batch_size batches of uneven sizes": (lambda X, Y, size, rng: [
            (X[:, k], Y[:, k]) for k in np.array_split(rng.permutation(X.shape[1]),
                                                       max(X.shape[1] // size, 1))],
            "expected ceil(m / batch_size) batches"),
        "samples as rows": (lambda X, Y, size, rng: [
            (x.T, y.T) for x, y in minibatches(X, Y, size, rng)], "looks transposed"),
        "one column as a 1-d array": (lambda X, Y, size, rng: [
            (x[:, 0], y[:, 0]) if x.shape[1] == 1 else (x, y)
            for x, y in minibatches(X, Y, size, rng)], "single integer drops the column axis"),
        "a generator": (lambda X, Y, size, rng: iter(minibatches(X, Y, size, rng)),
                        "list(...)"),
        "the same batches in the same order, shuffled within each batch": (
            lambda X, Y, size, rng: [(lambda p: (x[:, p], y[:, p]))(rng.permutation(
                x.shape[1])) for x, y in _in_order(X, Y, size)],
            "not shuffled across batches"),
    },
    right={
        "bpcore's own batches": lambda X, Y, size, rng: list(batches(X, Y, size, rng)),
        "the indices shuffled in place": _shuffle_in_place,
        "the stacked data's columns permuted": _stack_and_permute,
    })


# == Exercise 7.2: init_weights ==================================================================

def init_weights(sizes, rng):
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
    """The reader's weights as float arrays of the right shapes; Incorrect saying why not."""
    L = len(sizes) - 1
    if not isinstance(got, (list, tuple)):
        raise Incorrect(f"{what}: expected a list [W^1, ..., W^L] of {L} arrays, got "
                        f"{type(got).__name__}")
    if len(got) != L:
        tip = (": the input layer has no weights, so the list starts with W^1"
               if len(got) == L + 1 else "")
        raise Incorrect(f"{what}: expected {L} arrays [W^1, ..., W^L], one per layer, got "
                        f"{len(got)}{tip}")
    return [_layer_weights(value, l, sizes[l - 1], sizes[l], what)
            for l, value in enumerate(got, start=1)]


def _layer_weights(value, l, n_in, n_out, what):
    """The reader's W^l as a float array of shape (n_out, n_in); Incorrect saying why not."""
    W, shape = as_numbers(value, f"{what}, W^{l}"), (n_out, n_in)
    if looks_transposed(W.shape, shape):
        raise Incorrect(f"{what}: W^{l} is transposed: W^l has shape (n_l, n_{{l-1}}) = "
                        f"{shape}, one row per unit of layer {l} and one column per input, so "
                        f"that W^l a^(l-1) works; got {W.shape}")
    if W.shape != shape:
        raise Incorrect(f"{what}: W^{l} should have shape (n_l, n_{{l-1}}) = {shape}, got "
                        f"{W.shape}")
    return _finite(W, f"{what}: W^{l} contains")


def _normal_tails(W):
    """Does W look drawn from a normal distribution? Its excess kurtosis is near 0 (a uniform
    distribution's is -1.2; with 10,000 draws a normal one's is 0 +- 0.05)."""
    centred = W - W.mean()
    kurtosis = np.mean(centred ** 4) / np.mean(centred ** 2) ** 2 - 3
    return bool(abs(kurtosis) <= 0.3)


def _symmetry_problem(W, l, n_out, what):
    """Do rows of W^l, or its values, repeat?"""
    if n_out > 1 and len(np.unique(W, axis=0)) < n_out:
        return (f"{what}: rows of W^{l} repeat (all zeros? a constant?): units of layer {l} "
                f"with the same weights compute the same output, get the same delta and the "
                f"same update, so they stay copies of each other and learn the same thing. "
                f"Draw the weights at random to break this symmetry")
    if W.size > 1 and np.unique(W).size < 0.9 * W.size:
        return (f"{what}: W^{l} repeats the same values: draw every weight independently at "
                f"random")
    return None


def _spread_problem(W, l, n_in, n_out, what):
    """Are the entries of a wide layer's W^l drawn from N(0, 1/n_{l-1})?"""
    spread, mean, target = float(np.std(W)), float(np.mean(W)), 1 / np.sqrt(n_in)
    normal = "" if _normal_tails(W) else (
        "; also, they do not look normally distributed: draw from a normal distribution")
    if not abs(mean) <= 0.05 * max(target, spread):     # 5 standard errors of the mean
        return (f"{what}: the entries of W^{l} are not centred on 0: draw them from "
                f"N(0, 1/n_{{l-1}}), whose mean is 0{normal}")
    scales = [(target, None), (1.0, "unscaled"), (1 / n_in, "by n"),
              (1 / np.sqrt(n_out), "by n_l")]
    why = next((w for scale, w in scales if abs(spread / scale - 1) <= _INIT_RTOL), "other")
    if why is None:
        return None if not normal else (
            f"{what}: the entries of W^{l} have the right spread but do not look normally "
            f"distributed (a uniform distribution, say, has no tails): draw from a normal "
            f"distribution, e.g. rng.standard_normal")
    problem = {
        "unscaled": (f"the entries of W^{l} are too large by about sqrt(n_{{l-1}}): they are "
                     f"not scaled, so z = W a adds up n_{{l-1}} terms of size 1 and sigmoid "
                     f"units saturate. Divide N(0, 1) draws by sqrt(n_{{l-1}})"),
        "by n": (f"the entries of W^{l} are too small: divided by n_{{l-1}} instead of its "
                 f"square root (the variance is 1/n_{{l-1}}, so the standard deviation "
                 f"is 1/sqrt(n_{{l-1}}))"),
        "by n_l": (f"W^{l} is scaled by the width of layer {l}, n_l: scale by the number of "
                   f"inputs of each unit, n_{{l-1}}"),
        "other": (f"the spread of W^{l} is wrong (too "
                  f"{'large' if spread > target else 'small'}): its entries should have "
                  f"variance 1/n_{{l-1}}, a standard deviation of 1/sqrt(n_{{l-1}})"),
    }[why]
    return f"{what}: {problem}{normal}"


def check_init_weights(f):
    def weights(sizes, rng_seed):
        """The reader's weights for ``sizes``, drawn with rng_seed's rng."""
        return _weights_of(call(f, list(sizes), _rng(rng_seed), name="init_weights"), sizes,
                           f"init_weights({sizes}, rng)")

    for sizes, seed in _INIT_CASES:
        for l, W in enumerate(weights(sizes, seed), start=1):
            what = f"init_weights({sizes}, rng)"
            incorrect_if(_symmetry_problem(W, l, sizes[l], what))
            if W.size >= _INIT_STATS_FROM:
                incorrect_if(_spread_problem(W, l, sizes[l - 1], sizes[l], what))
    sizes, seed = _INIT_CASES[1]
    incorrect_if(_rng_problem(lambda s: weights(sizes, s), seed,
                              f"init_weights({sizes}, rng)", "weights", "draw",
                              "np.random.randn", "e.g. rng.standard_normal"))


def _layers(sizes, draw):
    """[draw(n_in, n_out) for each layer]: a way of initialising every layer."""
    return [draw(n_in, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:])]


def _unscaled(sizes, rng):
    return _layers(sizes, lambda n_in, n_out: rng.standard_normal((n_out, n_in)))


def _scaled_by(scale):
    """Weights N(0, 1) times ``scale(n_in, n_out)``."""
    return lambda sizes, rng: _layers(sizes, lambda n_in, n_out: (
        rng.standard_normal((n_out, n_in)) * scale(n_in, n_out)))


q2 = Exercise(
    "Exercise 7.2", "init_weights", init_weights, check_init_weights,
    "`rng.standard_normal(shape)` draws N(0, 1) entries. N(0, 1/n) has variance 1/n, "
    "so its standard deviation is 1/sqrt(n): scale the draws by that. Walk over the "
    "layers with `zip(sizes[:-1], sizes[1:])`, which gives (n_{l-1}, n_l) pairs.",
    title="random starting weights, N(0, 1/n_{l-1})",
    wrong={
        "unscaled N(0, 1)": (_unscaled, "too large by about sqrt(n_{l-1})"),
        "zeros": (lambda sizes, rng: _layers(sizes, lambda n_in, n_out: np.zeros(
            (n_out, n_in))), "symmetry"),
        "a constant": (lambda sizes, rng: _layers(sizes, lambda n_in, n_out: np.full(
            (n_out, n_in), 0.01)), "stay copies of each other"),
        "divided by n": (_scaled_by(lambda n_in, n_out: 1 / n_in),
                         "divided by n_{l-1} instead of its square root"),
        "scaled by the layer's own width": (_scaled_by(lambda n_in, n_out: 1 / np.sqrt(n_out)),
                                            "scale by the number of inputs of each unit"),
        "He's sqrt(2 / n)": (_scaled_by(lambda n_in, n_out: np.sqrt(2 / n_in)),
                             "spread of W^1 is wrong (too large)"),
        "uniform with the right spread": (lambda sizes, rng: _layers(
            sizes, lambda n_in, n_out: rng.uniform(-1, 1, (n_out, n_in)) * np.sqrt(3 / n_in)),
            "draw from a normal distribution"),
        "uniform on [0, 1)": (lambda sizes, rng: _layers(
            sizes, lambda n_in, n_out: rng.random((n_out, n_in))), "not centred on 0"),
        "transposed": (lambda sizes, rng: [W.T for W in init_weights(sizes, rng)],
                       "W^l has shape (n_l, n_{l-1})"),
        "np.random's global state": (lambda sizes, rng: _layers(
            sizes, lambda n_in, n_out: np.random.randn(n_out, n_in) / np.sqrt(n_in)),
            "same seed gave different weights, so it ignores rng"),
        "bpcore's Network with a fixed seed": (lambda sizes, rng: Network(sizes, seed=0).W[1:],
                                               "different seeds gave the same weights"),
        "a list like net.W, with W^0": (lambda sizes, rng: [None] + init_weights(sizes, rng),
                                        "starts with W^1"),
        "the same weight along each row": (lambda sizes, rng: _layers(
            sizes, lambda n_in, n_out: np.repeat(rng.standard_normal((n_out, 1)), n_in, axis=1)),
            "repeats the same values"),
    },
    right={
        "N(0, 1) draws times 1/sqrt(n_{l-1})": _scaled_by(lambda n_in, n_out: 1 / np.sqrt(n_in)),
        "bpcore's Network, seeded from rng": lambda sizes, rng: Network(
            sizes, seed=int(rng.integers(2**31))).W[1:],
        "normal(0, scale) draws of the transpose": lambda sizes, rng: _layers(
            sizes, lambda n_in, n_out: rng.normal(0, 1 / np.sqrt(n_in), (n_in, n_out)).T),
        "float32": lambda sizes, rng: _layers(sizes, lambda n_in, n_out: rng.standard_normal(
            (n_out, n_in), dtype=np.float32) / np.float32(np.sqrt(n_in))),
        "a tuple, drawn from the last layer back": lambda sizes, rng: tuple(reversed(_layers(
            sizes[::-1], lambda n_out, n_in: rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)
        ))),
    })
