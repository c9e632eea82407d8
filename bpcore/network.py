"""The multilayer perceptron: forward pass, and backpropagation by the four equations BP1-BP4.

Notation (the book's, after Nielsen): layers l = 0..L, a^0 = x.

    z^l = W^l a^{l-1} + b^l        a^l = sigma(z^l)                       (forward pass)
    BP1  delta^L = grad_a C (.) sigma'(z^L)
    BP2  delta^l = ((W^{l+1})^T delta^{l+1}) (.) sigma'(z^l)
    BP3  dC/db^l_j    = delta^l_j
    BP4  dC/dw^l_{jk} = a^{l-1}_k delta^l_j

Data are columns: ``X`` has shape (n_0, m), one sample per column, so the same equations work on a
whole batch at once (z^l is then (n_l, m)). Python lists are indexed like the book's layers:
``net.W[l]`` is W^l with shape (n_l, n_{l-1}), ``net.b[l]`` is b^l as a column (n_l, 1), and
index 0 is unused (None) because the input layer has no weights.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import validate
from .activations import Activation, per_layer
from .costs import Cost, get_cost
from .train import train


@dataclass
class Trace:
    """Everything the forward pass computed: ``z[l]`` and ``a[l]`` for l = 0..L.

    ``a[0]`` is the input X and ``z[0]`` is None (the input layer has no weighted input).
    Each ``z[l]`` and ``a[l]`` has shape (n_l, m).
    """

    z: list
    a: list

    @property
    def output(self) -> np.ndarray:
        """a^L, the network's output, shape (n_L, m)."""
        return self.a[-1]


@dataclass
class Gradients:
    """What backpropagation computed, indexed by layer l = 1..L (index 0 is None).

    delta[l]: delta^l, one column per sample: column x is delta^{x,l} = dC_x/dz^l (BP1, BP2).
    W[l]:     dC/dW^l, shape (n_l, n_{l-1}), averaged over the samples (BP4).
    b[l]:     dC/db^l, shape (n_l, 1), averaged over the samples (BP3).
    cost:     C at the parameters the gradients were taken at.
    trace:    the forward pass they came from.
    """

    delta: list
    W: list
    b: list
    cost: float
    trace: Trace

    def delta_rms(self) -> np.ndarray:
        """The size of delta^l for l = 1..L: the root mean square of its entries over neurons and
        samples. Layers whose delta is tiny learn slowly (BP3 and BP4 scale with delta^l): a
        falling sequence from layer L down to layer 1 is the vanishing gradient."""
        return np.array([float(np.sqrt(np.mean(d * d))) for d in self.delta[1:]])


class Network:
    """A fully connected feed-forward network with sizes [n_0, n_1, ..., n_L].

    Parameters
    ----------
    sizes:      layer widths, inputs first: [2, 2, 2] is the worked example's 2-2-2 network.
    activation: one name for every layer, or a list of L names (one per layer 1..L), from
                ``bpcore.ACTIVATIONS``: identity, step, sigmoid, tanh, relu, leaky_relu.
    cost:       the cost C, one of ``bpcore.COSTS``: quadratic, mse, cross_entropy.
    weights:    optional list [W^1, ..., W^L], W^l of shape (n_l, n_{l-1}); copied as given.
    biases:     optional list [b^1, ..., b^L], each (n_l,), (n_l, 1) or one number shared by
                the layer; copied.
    seed:       seed of the random initialisation (None means seed 0: every run is the same).
    init_scale: how large the random weights start (default 1; see below).

    Initialisation when weights/biases are not given: scaled Gaussian weights
    w^l_{jk} ~ init_scale * N(0, 1) / sqrt(n_{l-1}) (with init_scale 1, z^l starts with
    variance about 1 for inputs of variance 1, as in the neurons-and-functions article) and
    zero biases, drawn from ``numpy.random.default_rng(seed)``. ``init_scale=0`` starts every weight at zero, and a large
    ``init_scale`` saturates sigmoid and tanh units from the start (chapter 7 shows both).

    Raises TypeError or ValueError naming the argument: sizes that are not at least two
    positive whole numbers, an unknown activation or cost name, a list of activations whose
    length is not L, a cost whose required output activation is not layer L's (cross_entropy
    needs sigmoid), weights or biases of the wrong number or shape, NaN in them, a negative
    ``init_scale``.
    """

    def __init__(self, sizes, activation="sigmoid", cost="quadratic",
                 weights=None, biases=None, seed=None, init_scale=1.0):
        self.sizes = validate.sizes(sizes)
        self.L = L = len(self.sizes) - 1
        self.activations: list[Activation | None] = [None] + per_layer(activation, L)
        self.cost_function: Cost = get_cost(cost)
        needs = self.cost_function.output
        if needs is not None and self.activations[L].name != needs:
            raise ValueError(
                f"cost: {self.cost_function.name!r} needs the output layer (layer {L}) to use "
                f"activation {needs!r}, got {self.activations[L].name!r}. Use cost='quadratic' "
                f"or 'mse' with other output activations.")
        Ws, bs = validate.parameters(weights, biases, self.sizes)
        init_scale = validate.non_negative(init_scale, "init_scale")
        rng = np.random.default_rng(0 if seed is None else seed)
        if Ws is None:
            Ws = [init_scale * rng.standard_normal((self.sizes[l], self.sizes[l - 1]))
                  / np.sqrt(self.sizes[l - 1]) for l in range(1, L + 1)]
        if bs is None:
            bs = [np.zeros((self.sizes[l], 1)) for l in range(1, L + 1)]
        self.W: list = [None] + Ws
        self.b: list = [None] + bs

    # -- forward ---------------------------------------------------------------------------

    def forward(self, X) -> Trace:
        """Forward pass: z^l = W^l a^{l-1} + b^l, a^l = sigma(z^l) for l = 1..L.

        ``X`` has shape (n_0, m), one sample per column. Returns the :class:`Trace`.
        Raises ValueError naming ``X`` for a wrong shape (saying so when it looks transposed),
        NaN or infinity, and TypeError for what is not numbers.
        """
        return self._forward(validate.inputs(X, self.sizes[0]))

    def _forward(self, X: np.ndarray, start: int = 0, z_start=None) -> Trace:
        """The forward pass on checked inputs ``X``; or, with ``start`` = l >= 1, from a given
        weighted input ``z_start`` = z^l (n_l, m) on, the layers below left None (how
        :func:`bpcore.gradcheck.nudged_costs` moves one z^l_j)."""
        z, a = [None], [X]
        if start:
            z = [None] * start + [z_start]
            a = [None] * start + [self.activations[start].f(z_start)]
        for l in range(start + 1, self.L + 1):
            z_l = self.W[l] @ a[l - 1]
            z_l += self.b[l]                  # in place, for speed (make bench)
            z.append(z_l)
            a.append(self.activations[l].f(z_l))
        return Trace(z, a)

    def predict(self, X) -> np.ndarray:
        """The output a^L, shape (n_L, m), for inputs X of shape (n_0, m) (errors as
        :meth:`forward`)."""
        return self.forward(X).output

    def cost(self, X, Y) -> float:
        """The cost C, the average over the m samples of C_x, on inputs X (n_0, m) and targets
        Y (n_L, m). Raises ValueError naming ``X`` or ``Y`` for wrong shapes (saying so when
        one looks transposed), NaN, or targets outside [0, 1] for cross_entropy."""
        return self._cost(*self._check_data(X, Y))

    def _cost(self, X: np.ndarray, Y: np.ndarray) -> float:
        """C at the current parameters on checked data: one forward pass, then the cost of
        a^L (with z^L, which keeps cross-entropy exact at saturated outputs)."""
        t = self._forward(X)
        return self.cost_function.value(t.a[-1], Y, t.z[-1])

    def accuracy(self, X, Y) -> float:
        """Fraction of samples classified right, X (n_0, m) and Y (n_L, m): argmax of the
        outputs against argmax of the targets (one-hot), or, with one output, a^L > 0.5
        against Y > 0.5. Errors as :meth:`cost`."""
        X, Y = self._check_data(X, Y)
        A = self._forward(X).output
        if A.shape[0] == 1:
            return float(np.mean((A > 0.5) == (Y > 0.5)))
        return float(np.mean(A.argmax(axis=0) == Y.argmax(axis=0)))

    # -- backward --------------------------------------------------------------------------

    def gradients(self, X, Y) -> Gradients:
        """Backpropagation: delta^l, dC/dW^l and dC/db^l for every layer, by BP1-BP4.

        ``X`` is (n_0, m) and ``Y`` is (n_L, m). The cost is the average over the m samples,
        so BP3 and BP4 average the per-sample terms over the columns. Returns
        :class:`Gradients`; errors as :meth:`cost`.
        """
        X, Y = self._check_data(X, Y)
        return self._gradients(X, Y)

    def _gradients(self, X: np.ndarray, Y: np.ndarray, biases: bool = True) -> Gradients:
        """Backpropagation on checked data; ``biases=False`` skips BP3 (``b[l]`` is then None),
        for training that keeps the biases fixed."""
        L, W, sigma = self.L, self.W, self.activations
        t = self._forward(X)
        z, a = t.z, t.a
        delta, dW, db = [None] * (L + 1), [None] * (L + 1), [None] * (L + 1)
        delta[L] = bp1(self.cost_function, sigma[L], z[L], a[L], Y)
        for l in range(L, 0, -1):
            if l < L:
                delta[l] = bp2(W[l + 1], delta[l + 1], sigma[l], z[l], a[l])
            if biases:
                db[l] = bp3(delta[l])
            dW[l] = bp4(delta[l], a[l - 1])
        return Gradients(delta, dW, db, self.cost_function.value(a[L], Y, z[L]), t)

    # -- training --------------------------------------------------------------------------

    def train(self, X, Y, lr, steps=None, epochs=None, batch_size=None, train_biases=True,
              seed=None, record_every=1):
        """Gradient descent on C; see :func:`bpcore.train.train` for every argument."""
        return train(self, X, Y, lr, steps=steps, epochs=epochs, batch_size=batch_size,
                     train_biases=train_biases, seed=seed, record_every=record_every)

    # -- helpers ---------------------------------------------------------------------------

    def _check_data(self, X, Y):
        X = validate.inputs(X, self.sizes[0], "X")
        Y = validate.targets(Y, self.sizes[-1], X.shape[1], "Y")
        if self.cost_function.probabilities:
            validate.probabilities(Y, "Y", self.cost_function.name)
        return X, Y

    def copy(self) -> "Network":
        """An independent copy with the same sizes, activations, cost and parameters."""
        return Network(self.sizes, self.activations[1:], self.cost_function,
                       weights=self.W[1:], biases=self.b[1:])

    @property
    def n_params(self) -> int:
        """Number of weights and biases."""
        return sum(self.W[l].size + self.b[l].size for l in range(1, self.L + 1))

    def __repr__(self) -> str:
        acts = [s.name for s in self.activations[1:]]
        act = acts[0] if len(set(acts)) == 1 else acts
        return f"Network({self.sizes}, activation={act!r}, cost={self.cost_function.name!r})"


# -- the four equations, one function each (Network.gradients calls them in this order) ------
#
# Every array has one column per sample: z, a and delta of layer l are (n_l, m).

def bp1(cost: Cost, sigma: Activation, z_L: np.ndarray, a_L: np.ndarray,
        Y: np.ndarray) -> np.ndarray:
    """BP1, the output error: delta^L = grad_a C (.) sigma'(z^L), (n_L, m).

    ``z_L``, ``a_L`` and ``Y`` are (n_L, m), unchecked; ``cost`` gives grad_a C (one column per
    sample) and ``sigma`` is the output layer's activation. The cost owns the product (:meth:`bpcore.Cost.delta`), so that cross-entropy
    on its sigmoid output can give the form where grad_a C = (a - y) / (a (1 - a)) and
    sigma'(z) = a (1 - a) cancel: delta^L = a^L - y, exact even where the output has saturated
    at 0 or 1 (chapter 4).
    """
    return cost.delta(sigma, z_L, a_L, Y)


def bp2(W_next: np.ndarray, delta_next: np.ndarray, sigma: Activation,
        z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """BP2, one layer back: delta^l = ((W^{l+1})^T delta^{l+1}) (.) sigma'(z^l).

    ``W_next`` is W^{l+1}, (n_{l+1}, n_l); ``delta_next`` is delta^{l+1}, (n_{l+1}, m); ``sigma``,
    ``z``, ``a`` are layer l's activation, weighted input and output, (n_l, m) (sigma' may use
    a, which is cheaper). Returns delta^l, (n_l, m). Unchecked.
    """
    delta = W_next.T @ delta_next
    delta *= sigma.df(z, a)     # in place, for speed (make bench)
    return delta


def bp3(delta: np.ndarray) -> np.ndarray:
    """BP3, the bias gradient: dC/db^l_j = delta^l_j, averaged over the samples.

    ``delta`` is delta^l, shape (n_l, m); the result is a column (n_l, 1).
    """
    m = delta.shape[1]
    total = delta.sum(axis=1, keepdims=True)
    # one sample: the sum is the average (no division: faster, make bench)
    return total / m if m > 1 else total


def bp4(delta: np.ndarray, a_prev: np.ndarray) -> np.ndarray:
    """BP4, the weight gradient: dC/dw^l_jk = a^{l-1}_k delta^l_j, averaged.

    As matrices, dC/dW^l = delta^l (a^{l-1})^T / m: ``delta`` is (n_l, m) and ``a_prev`` is
    a^{l-1}, (n_{l-1}, m); the result has the shape of W^l, (n_l, n_{l-1}).
    """
    m = delta.shape[1]
    total = delta @ a_prev.T    # the sum over the samples of a_k delta_j
    # one sample: the sum is the average (no division: faster, make bench)
    return total / m if m > 1 else total
