"""Input checks with messages that say which argument is wrong, what was expected and what came.

``Network``, its methods, ``train``, ``batches``, ``gradcheck`` and the ``data`` functions check
their arguments here *before* they change anything, so a bad call raises and leaves the network
as it was. The equations themselves (``bp1``..``bp4``, ``Cost``, ``Activation``,
``gradient_step``) take arrays as they come, unchecked: they are what the checked entry points
call. The book's data convention is stated in
every shape message: one sample per column, ``X`` has shape (n_0, m).
"""
from __future__ import annotations

import numbers

import numpy as np

COLUMNS = "bpcore keeps one sample per column: X has shape (n_0, m), Y has shape (n_L, m)"


def _describe(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return f"{type(value).__name__} {value!r}"[:200]


def positive_int(value, argument: str) -> int:
    """Return ``value`` as an int if it is a whole number >= 1 (bools are refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{argument}: expected a positive whole number, got {_describe(value)}")
    if value < 1:
        raise ValueError(f"{argument}: expected a positive whole number, got {value}")
    return int(value)


def sizes(value) -> list[int]:
    """Check the layer sizes [n_0, n_1, ..., n_L]: at least two positive integers."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise TypeError(f"sizes: expected a list of layer widths such as [2, 2, 2], "
                        f"got {_describe(value)}")
    if len(value) < 2:
        raise ValueError(f"sizes: expected at least two layers (inputs and outputs), "
                         f"got {list(value)}")
    return [positive_int(n, f"sizes[{i}]") for i, n in enumerate(value)]


def learning_rate(value, argument: str = "lr") -> float:
    """Check a learning rate: a finite real number > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{argument}: expected a positive number such as 0.5, "
                        f"got {_describe(value)}")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{argument}: the learning rate must be a finite number > 0, "
                         f"got {value}")
    return float(value)


def non_negative(value, argument: str) -> float:
    """Check a finite real number >= 0 (bools are refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{argument}: expected a number >= 0, got {_describe(value)}")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{argument}: expected a finite number >= 0, got {value}")
    return float(value)


def float_array(value, argument: str) -> np.ndarray:
    """Convert to a float64 array; refuse what is not numeric and what is not finite."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{argument}: expected numbers (an array of floats), "
                        f"got {_describe(value)}") from None
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{argument}: expected finite numbers, got {bad} NaN or infinite "
                         f"value(s) in an array of shape {arr.shape}")
    return arr


def inputs(X, n0: int, argument: str = "X") -> np.ndarray:
    """Check a data matrix X of shape (n_0, m) with m >= 1; say so when it looks transposed."""
    X = float_array(X, argument)
    if X.ndim != 2:
        hint = (f" For a single sample use {argument}.reshape(-1, 1)." if X.ndim == 1 else "")
        raise ValueError(f"{argument}: expected a 2-D array of shape (n_0, m) = ({n0}, m), "
                         f"got {X.ndim}-D shape {X.shape}. {COLUMNS}.{hint}")
    if X.shape[0] != n0:
        if X.shape[1] == n0:
            raise ValueError(transposed(argument, X.shape, f"({n0}, m)"))
        raise ValueError(f"{argument}: expected {n0} rows (one per input neuron, shape "
                         f"({n0}, m)), got shape {X.shape}. {COLUMNS}.")
    if X.shape[1] == 0:
        raise ValueError(f"{argument}: no samples (shape {X.shape}); expected at least one "
                         f"column. {COLUMNS}.")
    return X


def targets(Y, nL: int, m: int, argument: str = "Y") -> np.ndarray:
    """Check targets Y of shape (n_L, m), matching the m columns of X."""
    Y = float_array(Y, argument)
    expected = (nL, m)
    if Y.shape == expected:
        return Y
    if looks_transposed(Y.shape, expected):
        raise ValueError(transposed(argument, Y.shape, expected))
    if Y.ndim == 1 and Y.shape[0] == m and nL == 1:
        raise ValueError(f"{argument}: got a 1-D array of shape {Y.shape}, expected {expected}."
                         f" Pass {argument}.reshape(1, -1).")
    raise ValueError(f"{argument}: expected shape (n_L, m) = {expected} (n_L = {nL} outputs, "
                     f"m = {m} samples as in X), got shape {Y.shape}. {COLUMNS}.")


def looks_transposed(shape, expected) -> bool:
    """True when ``shape`` is ``expected`` (a 2-tuple of ints) reversed, and not square: the
    samples are in the rows instead of the columns."""
    return (len(shape) == 2 and tuple(shape) == tuple(expected)[::-1]
            and shape[0] != shape[1])


def transposed(argument: str, shape, expected) -> str:
    """The one message for data or an answer that looks transposed: names ``argument``, the
    ``shape`` it has, the ``expected`` one and the book's convention, and says what to pass."""
    return (f"{argument}: got shape {tuple(shape)}, expected {expected}. It looks transposed: "
            f"{COLUMNS}. Pass {argument}.T (shape {tuple(shape)[::-1]}).")


def probabilities(Y, argument: str = "Y", cost: str = "cross_entropy") -> None:
    """A cost of probabilities (cross-entropy) needs targets in [0, 1]."""
    if Y.min() < 0 or Y.max() > 1:
        raise ValueError(f"{argument}: the {cost} cost needs targets in [0, 1], got "
                         f"values from {Y.min():g} to {Y.max():g}. Rescale the targets or use "
                         f"cost='quadratic' or 'mse'.")


def parameters(weights, biases, sizes: list[int]):
    """Check given weights W^1..W^L and biases b^1..b^L against ``sizes``; return float copies.

    ``weights[l-1]`` is the book's W^l with shape (n_l, n_{l-1}); ``biases[l-1]`` is b^l, given
    as shape (n_l,), (n_l, 1) or a single number shared by the layer (the worked example's b1).
    Returns (Ws, bs) as lists of new arrays, biases as (n_l, 1) columns.
    """
    L = len(sizes) - 1
    Ws = bs = None
    if weights is not None:
        Ws = []
        for l, W in enumerate(_one_per_layer(weights, L, sizes, "weights", "matrices", "W"), 1):
            W = float_array(W, f"weights[{l - 1}] (W^{l})")
            expected = (sizes[l], sizes[l - 1])
            if W.shape != expected:
                raise ValueError(
                    f"weights[{l - 1}] (W^{l}): expected shape (n_{l}, n_{l - 1}) = {expected} "
                    f"so that z^{l} = W^{l} a^{l - 1} + b^{l} chains with sizes={sizes}, "
                    f"got shape {W.shape}")
            Ws.append(W.copy())
    if biases is not None:
        bs = []
        for l, b in enumerate(_one_per_layer(biases, L, sizes, "biases", "vectors", "b"), 1):
            b = float_array(b, f"biases[{l - 1}] (b^{l})")
            n = sizes[l]
            if b.ndim == 0:
                b = np.full((n, 1), float(b))
            elif b.shape in ((n,), (n, 1)):
                b = b.reshape(n, 1).copy()
            else:
                raise ValueError(f"biases[{l - 1}] (b^{l}): expected shape ({n},) or ({n}, 1) "
                                 f"or a single number, got shape {b.shape}")
            bs.append(b)
    return Ws, bs


def _one_per_layer(value, L, sizes, argument, things, symbol):
    """Check that ``value`` is a list with one entry per layer 1..L."""
    if isinstance(value, np.ndarray) or not hasattr(value, "__len__"):
        raise TypeError(f"{argument}: expected a list of {L} {things} [{symbol}1, ..., "
                        f"{symbol}{L}], got {_describe(value)}")
    if len(value) != L:
        raise ValueError(f"{argument}: expected {L} {things} (one per layer after the inputs, "
                         f"sizes={sizes}), got {len(value)}")
    return value


def registry_name(value, registry: dict, kind: str, argument: str):
    """Look ``value`` up by name in ``registry`` (activations or costs); objects of the
    registry's own type pass through. Unknown names list the valid ones."""
    entry_type = type(next(iter(registry.values())))
    if isinstance(value, entry_type):
        return value
    names = ", ".join(registry)
    if not isinstance(value, str):
        raise TypeError(f"{argument}: expected one of the {kind} names ({names}), "
                        f"got {_describe(value)}")
    try:
        return registry[value]
    except KeyError:
        raise ValueError(f"{argument}: unknown {kind} {value!r}; valid names are: "
                         f"{names}") from None
