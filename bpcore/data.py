"""The book's data sets, all generated here with seeded numpy (nothing is downloaded).

The data sets come as inputs ``X`` of shape (n_0, m) and targets ``Y`` of shape (n_L, m): one
sample per column, as the equations and :class:`bpcore.Network` expect.

- :func:`worked_example`: a :class:`WorkedExample`, the 2-2-2 sigmoid network of the
                          worked-example article (Mazur's step-by-step example): one
                          sample, known weights; :data:`WEIGHT_NAMES` and
                          :func:`weight_by_name` read w1..w8 in the book's notation.
- :func:`clouds`:         two Gaussian clouds that a single neuron (a straight line) separates.
- :func:`xor`:            the four points of XOR, which no network without a hidden layer
                          separates.
- :func:`moons`:          two interleaving half circles with Gaussian noise (the
                          neurons-and-functions article's data set).
- :func:`two_minima`:     (net, X, Y): a 1-2-1 network whose cost over two of its weights
                          has two minima.
- :func:`regression`:     a smooth function of 3 features plus noise, for the 3-30-10-3-1 network
                          of the hand-written numpy article.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import validate
from .network import Network

#: The worked example's weight names and where they sit in the book's notation:
#: name -> (l, j, k) for w^l_{jk}, counting neurons from 1 as the book does.
#: w1 = w^1_11 joins input i1 to hidden h1, w2 = w^1_12 joins i2 to h1, and so on.
WEIGHT_NAMES = {
    "w1": (1, 1, 1), "w2": (1, 1, 2), "w3": (1, 2, 1), "w4": (1, 2, 2),
    "w5": (2, 1, 1), "w6": (2, 1, 2), "w7": (2, 2, 1), "w8": (2, 2, 2),
}


@dataclass(frozen=True)
class WorkedExample:
    """The worked-example article's network and its one training sample (after Mazur).

    Inputs i1 = 0.05, i2 = 0.10; targets 0.01, 0.99; w1..w8 = 0.15 ... 0.55; b1 = 0.35 shared by
    the hidden neurons h1, h2 and b2 = 0.60 by the outputs o1, o2; sigmoid everywhere; cost
    E = 1/2 sum (target - out)^2 (bpcore's ``quadratic``); learning rate 0.5; biases not trained.
    """

    X: np.ndarray = field(default_factory=lambda: np.array([[0.05], [0.10]]))
    Y: np.ndarray = field(default_factory=lambda: np.array([[0.01], [0.99]]))
    weights: dict = field(default_factory=lambda: {
        "w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30,
        "w5": 0.40, "w6": 0.45, "w7": 0.50, "w8": 0.55})
    b1: float = 0.35
    b2: float = 0.60
    lr: float = 0.5

    @property
    def W(self) -> list:
        """[W^1, W^2] built from w1..w8 through :data:`WEIGHT_NAMES`."""
        Ws = [np.zeros((2, 2)), np.zeros((2, 2))]
        for name, (l, j, k) in WEIGHT_NAMES.items():
            Ws[l - 1][j - 1, k - 1] = self.weights[name]
        return Ws

    def network(self):
        """A fresh :class:`bpcore.Network` set up exactly as in the worked example."""
        return Network([2, 2, 2], activation="sigmoid", cost="quadratic",
                       weights=self.W, biases=[self.b1, self.b2])


def worked_example() -> WorkedExample:
    """The worked example (see :class:`WorkedExample`)."""
    return WorkedExample()


def weight_by_name(net, name: str) -> float:
    """The value of the worked example's weight ``name`` ('w1'..'w8') in ``net``."""
    try:
        l, j, k = WEIGHT_NAMES[name]
    except KeyError:
        raise ValueError(f"name: expected one of {', '.join(WEIGHT_NAMES)}, got {name!r}") from None
    return float(net.W[l][j - 1, k - 1])


def xor():
    """XOR: X (2, 4) with the corners of the unit square, Y (1, 4) = x1 XOR x2."""
    X = np.array([[0.0, 0.0, 1.0, 1.0],
                  [0.0, 1.0, 0.0, 1.0]])
    Y = np.array([[0.0, 1.0, 1.0, 0.0]])
    return X, Y


def clouds(n=40, spread=0.5, seed=0):
    """Two round Gaussian clouds of n/2 points each, centred at (1, 3) (class 0) and (3, 1)
    (class 1), standard deviation ``spread``: a set that one straight line can separate.
    Returns X (2, n) and labels Y (1, n)."""
    n = validate.positive_int(n, "n")
    rng = np.random.default_rng(seed)
    n0 = n // 2
    centres = np.hstack([np.tile([[1.0], [3.0]], n0), np.tile([[3.0], [1.0]], n - n0)])
    labels = np.r_[np.zeros(n0), np.ones(n - n0)]
    return centres + spread * rng.standard_normal((2, n)), labels.reshape(1, n)


def moons(n=200, noise=0.2, seed=0, one_hot=True):
    """Two interleaving half moons, n points, Gaussian noise of standard deviation ``noise``.

    The upper moon is the arc (cos t, sin t), the lower one (1 - cos t, 1/2 - sin t), t in [0, pi];
    the columns are shuffled. Returns X (2, n) and, with ``one_hot`` (the neurons-and-functions
    article's 2-output network), Y (2, n) with columns [1, 0] (upper moon) or [0, 1] (lower
    moon); otherwise Y (1, n) with the label 0 or 1.
    """
    n = validate.positive_int(n, "n")
    if n < 2:
        raise ValueError(f"n: need at least 2 points (one per moon), got {n}")
    noise = validate.non_negative(noise, "noise")
    rng = np.random.default_rng(seed)
    n_upper = n // 2
    t_upper = np.linspace(0, np.pi, n_upper)
    t_lower = np.linspace(0, np.pi, n - n_upper)
    X = np.hstack([np.vstack([np.cos(t_upper), np.sin(t_upper)]),
                   np.vstack([1 - np.cos(t_lower), 0.5 - np.sin(t_lower)])])
    labels = np.r_[np.zeros(n_upper), np.ones(n - n_upper)]
    X = X + noise * rng.standard_normal(X.shape)
    order = rng.permutation(n)
    X, labels = X[:, order], labels[order]
    if one_hot:
        return X, np.vstack([1 - labels, labels])
    return X, labels.reshape(1, n)


def two_minima(n=41):
    """A 1-2-1 network (tanh hidden layer, identity output, quadratic cost) and n points that it
    fits exactly, for drawing an error surface with a local and a global minimum.

    The targets are the network's own outputs on x in [-2, 2], with w^1_11 = 0.5, w^1_21 = 0.3,
    b^1 = (-0.3, 0), w^2_11 = 2.0, w^2_12 = -1.5, b^2 = 0. Over the two weights
    (w^1_11, w^2_11), with every other parameter fixed, the cost is 0 at (0.5, 2.0) (the global
    minimum) and has a second, higher valley near (-2.5, -0.9): the first hidden unit then
    bends the wrong way and the output weight makes the best of it.
    Returns (net, X, Y); X and Y have shape (1, n).
    """
    n = validate.positive_int(n, "n")
    X = np.linspace(-2.0, 2.0, n).reshape(1, n)
    net = Network([1, 2, 1], ["tanh", "identity"], "quadratic",
                  weights=[[[0.5], [0.3]], [[2.0, -1.5]]], biases=[[-0.3, 0.0], 0.0])
    return net, X, net.predict(X)


def regression(n=1000, noise=0.05, seed=0):
    """A 3-feature regression set for the 3-30-10-3-1 network of the hand-written
    numpy article.

    x ~ uniform on [-1, 1]^3 and y = 0.5 sin(pi x1) + x2 x3 + 0.3 x3^2 + noise (Gaussian,
    standard deviation ``noise``). Returns X (3, n) and Y (1, n).
    """
    n = validate.positive_int(n, "n")
    noise = validate.non_negative(noise, "noise")
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(3, n))
    y = 0.5 * np.sin(np.pi * X[0]) + X[1] * X[2] + 0.3 * X[2] ** 2
    Y = (y + noise * rng.standard_normal(n)).reshape(1, n)
    return X, Y
