"""Activation functions sigma, their derivatives sigma', and their sympy expressions.

Every activation is an :class:`Activation` in the registry ``ACTIVATIONS``, looked up by name
with :func:`get_activation`. The network applies ``a = f(z)`` elementwise (forward pass) and
needs ``f'(z)`` in BP1 and BP2 (backward pass).

``df`` receives both ``z`` and ``a = f(z)``: sigmoid and tanh have derivatives that are cheapest
written in terms of their own output (sigma' = a (1 - a), tanh' = 1 - a^2), the others use ``z``.

``sympy(z)`` returns the same function as a sympy expression of a sympy symbol ``z``; the book's
symbolic chapter differentiates it and checks ``df`` against the result. sympy is imported only
when that is called, so ``import bpcore`` stays fast.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .validate import registry_name

#: Slope of leaky ReLU for z < 0.
LEAKY_SLOPE = 0.01


@dataclass(frozen=True)
class Activation:
    """One activation function.

    name:       registry name, e.g. ``"sigmoid"``.
    f:          a = f(z), elementwise.
    df:         f'(z), called as ``df(z, a)`` with ``a = f(z)`` already computed; it is the
                sigma'(z^l) factor of BP1 (output layer) and BP2 (hidden layers).
    sympy:      ``sympy(z)`` -> sympy expression of f for a sympy symbol ``z``.
    trainable:  False when f' is zero almost everywhere (the step function): gradient descent
                through it can never move the weights, so training refuses it.
    """

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray, np.ndarray], np.ndarray]
    sympy: Callable
    trainable: bool = True

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


# -- the functions ---------------------------------------------------------------------------

def _identity(z):
    return z


def _identity_df(z, a):
    return np.ones_like(z)


def _step(z):
    """Unit step: 1 where z > 0, else 0 (the threshold unit of the neurons-and-functions
    article)."""
    return (z > 0).astype(float)


def _step_df(z, a):
    return np.zeros_like(z)


@np.errstate(over="ignore")
def _sigmoid(z):
    """sigma(z) = 1 / (1 + e^-z), with no overflow warning for very negative z.

    For z < -709, e^-z overflows to inf and 1 / (1 + inf) = 0 exactly, which is the right
    limit; only the warning is silenced (speed (make bench): a decorator costs less per call
    than a ``with`` block). Written this way (not via tanh) the tails keep full relative precision,
    which the cross-entropy cost needs.
    """
    a = np.negative(z)                 # speed (make bench): every step in this one new array
    np.exp(a, out=a)                   # e^-z
    a += 1.0                           # 1 + e^-z
    return np.reciprocal(a, out=a)     # 1 / (1 + e^-z)


def _sigmoid_df(z, a):
    d = 1.0 - a
    d *= a                             # sigma'(z) = a (1 - a); speed (make bench): in place
    return d


def _tanh_df(z, a):
    d = a * a
    return np.subtract(1.0, d, out=d)  # tanh'(z) = 1 - a^2; speed (make bench): in place


def _relu(z):
    return np.maximum(z, 0.0)


def _relu_df(z, a):
    """ReLU'(z) = 1 for z > 0, else 0 (we take 0 at the kink z = 0)."""
    return (z > 0).astype(float)


def _leaky_relu(z):
    return np.where(z > 0, z, LEAKY_SLOPE * z)


def _leaky_relu_df(z, a):
    return np.where(z > 0, 1.0, LEAKY_SLOPE)


# -- their sympy expressions -------------------------------------------------------------------

def _sym_identity(z):
    return z


def _sym_step(z):
    import sympy as sp
    return sp.Piecewise((1, z > 0), (0, True))


def _sym_sigmoid(z):
    import sympy as sp
    return 1 / (1 + sp.exp(-z))


def _sym_tanh(z):
    import sympy as sp
    return sp.tanh(z)


def _sym_relu(z):
    import sympy as sp
    return sp.Piecewise((z, z > 0), (0, True))


def _sym_leaky_relu(z):
    import sympy as sp
    return sp.Piecewise((z, z > 0), (sp.Rational(1, 100) * z, True))


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in [
        Activation("identity", _identity, _identity_df, _sym_identity),
        Activation("step", _step, _step_df, _sym_step, trainable=False),
        Activation("sigmoid", _sigmoid, _sigmoid_df, _sym_sigmoid),
        Activation("tanh", np.tanh, _tanh_df, _sym_tanh),
        Activation("relu", _relu, _relu_df, _sym_relu),
        Activation("leaky_relu", _leaky_relu, _leaky_relu_df, _sym_leaky_relu),
    ]
}


def get_activation(name, argument: str = "activation") -> Activation:
    """Return the registered :class:`Activation` called ``name`` (an Activation passes through).

    Raises ValueError naming ``argument`` and listing the valid names when ``name`` is unknown,
    TypeError when it is not a string.
    """
    return registry_name(name, ACTIVATIONS, "activation", argument)


def per_layer(activation, L: int) -> list[Activation]:
    """One :class:`Activation` per layer 1..L from a single name (every layer) or a list of L
    names (layer 1 first), as ``Network`` and ``SymbolicNetwork`` take them.

    Raises TypeError when ``activation`` is neither, ValueError when the list does not have L
    entries or a name is unknown (the message names the entry and its layer).
    """
    if isinstance(activation, (str, Activation)):
        return [get_activation(activation)] * L
    if not hasattr(activation, "__len__"):
        raise TypeError(f"activation: expected a name or a list of {L} names, "
                        f"got {type(activation).__name__} {activation!r}")
    if len(activation) != L:
        raise ValueError(
            f"activation: expected {L} names (one per layer 1..{L}, since len(sizes) - 1 = {L}), "
            f"got {len(activation)}: {list(activation)}")
    return [get_activation(name, f"activation[{i}] (layer {i + 1})")
            for i, name in enumerate(activation)]
