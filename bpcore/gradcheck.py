"""Finite-difference gradient check: is backpropagation right?

For every weight and bias p, the central difference

    D(eps) = (C(p + eps) - C(p - eps)) / (2 eps)  =  dC/dp + O(eps^2)

needs two forward passes, so checking all P parameters costs 2P forward passes, while
backpropagation gets all of them from one forward and one backward pass.

By default the check uses the 4-point stencil (4 D(eps) - D(2 eps)) / 3 = dC/dp + O(eps^4)
(Richardson extrapolation of two central differences): with eps = 1e-4 it is accurate to about
1e-12, where the plain central difference stalls near 1e-10 because C itself is only known to
rounding (~1e-16 C), and that rounding is divided by eps. ``stencil=2`` gives the plain one.

That rounding sets the **resolution** of finite differences: a numeric derivative is only known
to about RESOLUTION_FACTOR * u |C| / eps (u = 2.2e-16, the float64 unit roundoff). The error
reported for the gradient G_bp of one layer against the numeric G_fd is the disagreement beyond
that resolution, relative to the largest entry of that gradient (W and b separately):

    max(max |G_bp - G_fd| - resolution, 0) / max(max |G_bp|, max |G_fd|, resolution, floor)

An entry that is tiny next to its neighbours is not judged against its own size, and a layer
whose whole gradient lies below the resolution (a long chain of saturating units gives
dC/dW^1 ~ 7e-13) is reported as "below resolution" rather than as a bug: finite differences
cannot tell it from zero. Rules of thumb for float64: 1e-9 or smaller means the two agree;
1e-3 or larger means a bug (or a ReLU/step kink within eps of some z).

The same nudging measures the **error of a neuron** by its definition, delta^l_j = dC/dz^l_j:
:func:`nudged_costs` moves one weighted input z^l_j and runs the forward pass on from layer l,
and :func:`numeric_deltas` turns two such nudges into a central difference for every neuron,
to set beside backpropagation's ``Gradients.delta``.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

#: The numeric derivative is known to RESOLUTION_FACTOR * u * |C| / eps: the rounding of each of
#: the four costs in the 4-point stencil (weights 4/3 and 1/6 of 1/eps), with room for the
#: rounding of the forward pass itself.
RESOLUTION_FACTOR = 16.0


@dataclass
class GradCheck:
    """Result of :func:`gradcheck`, indexed by layer l = 1..L (index 0 is None).

    backprop_W/b, numeric_W/b: the two gradients.
    error_W[l], error_b[l]:    the error (module docstring) of dC/dW^l and of dC/db^l.
    resolution:                what finite differences can resolve here (gradient units).
    worst[l]:                  the larger of the two errors.
    max_error:                 the worst over all layers.
    """

    backprop_W: list
    backprop_b: list
    numeric_W: list
    numeric_b: list
    error_W: list
    error_b: list
    resolution: float = 0.0

    @property
    def worst(self) -> list:
        return [None] + [max(w, b) for w, b in zip(self.error_W[1:], self.error_b[1:])]

    @property
    def max_error(self) -> float:
        return max(self.worst[1:])

    def resolved(self, grad) -> bool:
        """Whether the gradient ``grad`` (an array) has an entry above the resolution."""
        return float(np.max(np.abs(grad), initial=0.0)) > self.resolution

    def table(self) -> str:
        """A plain-text table: one row per layer, the error of dC/dW and of dC/db, or
        "below resolution" where that gradient is smaller than finite differences resolve."""
        rows = ["layer  rel. error dC/dW  rel. error dC/db"]
        for l in range(1, len(self.error_W)):
            cells = [f"{err:>16.2e}" if self.resolved(g) else f"{'below resolution':>16}"
                     for err, g in [(self.error_W[l], self.backprop_W[l]),
                                    (self.error_b[l], self.backprop_b[l])]]
            rows.append(f"{l:>5}  {cells[0]}  {cells[1]}")
        rows.append(f"(finite differences resolve gradients down to about "
                    f"{self.resolution:.1e})")
        return "\n".join(rows)

    def __str__(self) -> str:
        return self.table()


def relative_error(a, b, floor=1e-12, resolution=0.0) -> float:
    """max(max |a - b| - resolution, 0) / max(max |a|, max |b|, resolution, floor): the
    disagreement beyond ``resolution``, relative to the gradient's scale (the largest entry)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    scale = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0)),
                resolution, floor)
    return max(float(np.max(np.abs(a - b), initial=0.0)) - resolution, 0.0) / scale


def _check_stencil(eps, stencil) -> None:
    """Raise ValueError naming ``stencil`` (not 2 or 4) or ``eps`` (not a float in (0, 1))."""
    if stencil not in (2, 4):
        raise ValueError(f"stencil: expected 2 or 4, got {stencil!r}")
    if not (isinstance(eps, float) and 0 < eps < 1):
        raise ValueError(f"eps: expected a small positive float such as 1e-4, got {eps!r}")


def _difference(central, eps, stencil):
    """The derivative from ``central(h)``, a central difference with step h: D(eps) for
    ``stencil=2``, (4 D(eps) - D(2 eps)) / 3 for ``stencil=4`` (module docstring)."""
    d = central(eps)
    return d if stencil == 2 else (4 * d - central(2 * eps)) / 3


def numeric_gradients(net, X, Y, eps=1e-4, stencil=4, which="Wb"):
    """Finite-difference dC/dW^l and dC/db^l for every layer.

    ``X`` (n_0, m) and ``Y`` (n_L, m) as for :meth:`bpcore.Network.cost`. Returns (W, b): two
    lists indexed by layer like ``net.W`` and ``net.b`` (index 0 None), each entry the numeric
    gradient with the parameter's shape.
    ``stencil=2``: central difference, 2 forward passes per parameter, error O(eps^2).
    ``stencil=4``: (4 D(eps) - D(2 eps)) / 3, 4 forward passes per parameter, error O(eps^4).
    ``which``: "Wb" nudges every weight and bias; "W" only the weights (``b`` is then None),
    "b" only the biases (``W`` is then None), so that checking BP3 alone costs forward passes
    per bias, not per parameter. Each entry is the same, to the bit, as with "Wb".
    Each parameter is nudged in place and put back exactly, so ``net`` ends as it began.
    Raises ValueError naming ``stencil`` (not 2 or 4), ``eps`` (not a float in (0, 1)),
    ``which``, or the data (as :meth:`bpcore.Network.cost`).
    """
    _check_stencil(eps, stencil)
    if which not in ("Wb", "W", "b"):
        raise ValueError(f'which: expected "Wb", "W" or "b", got {which!r}')
    X, Y = net._check_data(X, Y)

    def central(P, idx, h):
        saved = P[idx]
        P[idx] = saved + h
        up = net._cost(X, Y)
        P[idx] = saved - h
        down = net._cost(X, Y)
        P[idx] = saved
        return (up - down) / (2 * h)

    numeric = {key: [None] for key in which}
    for l in range(1, net.L + 1):
        for key, P in (("W", net.W[l]), ("b", net.b[l])):
            if key not in which:
                continue
            G = np.zeros_like(P)
            for idx in np.ndindex(P.shape):
                G[idx] = _difference(lambda h: central(P, idx, h), eps, stencil)
            numeric[key].append(G)
    return numeric.get("W"), numeric.get("b")


def resolution(cost: float, eps: float = 1e-4) -> float:
    """What finite differences with step ``eps`` can resolve in a derivative of a cost whose
    value is ``cost``: RESOLUTION_FACTOR * u * |C| / eps (module docstring)."""
    return RESOLUTION_FACTOR * np.finfo(float).eps * abs(cost) / eps


def gradcheck(net, X, Y, eps=1e-4, stencil=4, floor=1e-12) -> GradCheck:
    """Compare backpropagation's gradients with finite differences, layer by layer.

    ``X`` (n_0, m), ``Y`` (n_L, m); ``eps`` and ``stencil`` as in :func:`numeric_gradients`;
    ``floor`` keeps the relative error finite for a gradient that is exactly zero.
    Returns a :class:`GradCheck`; print it for a table of the error per layer. The errors are
    measured beyond what finite differences resolve (:func:`resolution`). Raises as
    :func:`numeric_gradients`.
    """
    g = net.gradients(X, Y)
    numeric_W, numeric_b = numeric_gradients(net, X, Y, eps, stencil)
    res = resolution(g.cost, eps)
    L = net.L
    error_W = [None] + [relative_error(g.W[l], numeric_W[l], floor, res) for l in range(1, L + 1)]
    error_b = [None] + [relative_error(g.b[l], numeric_b[l], floor, res) for l in range(1, L + 1)]
    return GradCheck(g.W, g.b, numeric_W, numeric_b, error_W, error_b, res)


# -- the error of a neuron, measured: delta^l_j = dC/dz^l_j by nudging z^l_j --------------------

def _layer_and_neuron(net, layer, neuron):
    """Check ``layer`` (1..L) and ``neuron`` (0..n_l - 1, or None); return them as ints."""
    if isinstance(layer, bool) or not isinstance(layer, numbers.Integral):
        raise TypeError(f"layer: expected a whole number from 1 to {net.L}, got {layer!r}")
    if not 1 <= layer <= net.L:
        raise ValueError(f"layer: expected a layer from 1 to L = {net.L} (layer 0, the input, "
                         f"has no weighted input z), got {layer}")
    if neuron is None:
        return int(layer), None
    n = net.sizes[layer]
    if isinstance(neuron, bool) or not isinstance(neuron, numbers.Integral):
        raise TypeError(f"neuron: expected a whole number from 0 to {n - 1}, got {neuron!r}")
    if not 0 <= neuron < n:
        raise ValueError(f"neuron: layer {layer} has {n} neurons, counted from 0 as in "
                         f"g.delta[{layer}]: expected 0 to {n - 1}, got {neuron}")
    return int(layer), int(neuron)


def _costs_from(net, layer, z, Y):
    """C_x of every sample x (shape (m,)) when layer ``layer``'s weighted input is ``z``
    (n_l, m): the forward pass z^l -> a^l -> z^{l+1} -> ... -> a^L, then the cost of each
    column on its own (no average over the samples)."""
    t = net._forward(None, start=layer, z_start=z)
    a, z, cost = t.a[-1], t.z[-1], net.cost_function
    return np.array([cost.value(a[:, [x]], Y[:, [x]], z[:, [x]]) for x in range(Y.shape[1])])


def nudged_costs(net, X, Y, layer, neuron, shift):
    """The cost of each sample after its weighted input z^l_j is moved by ``shift``.

    ``X`` (n_0, m) and ``Y`` (n_L, m) as for :meth:`bpcore.Network.cost`; ``layer`` is l (1..L)
    and ``neuron`` is j, counted from 0 as numpy counts the rows of ``g.delta[l]``. The forward
    pass runs up to z^l, adds ``shift`` to row j of z^l (every sample), and runs on from there
    with the network's own weights: a^l = sigma(z^l), z^{l+1} = W^{l+1} a^l + b^{l+1}, ... .
    Returns C_x for each sample x, an array of shape (m,); with ``shift=0`` it is the cost of
    each sample as the network computes it. By the definition delta^l_j = dC_x/dz^l_j,

        C_x(z^l_j + eps) - C_x(z^l_j)  ~  delta^{x,l}_j * eps      for a small eps.

    The network is not changed. Raises TypeError or ValueError naming ``layer``, ``neuron``,
    ``shift`` (not a finite number) or the data (as :meth:`bpcore.Network.cost`).
    """
    layer, neuron = _layer_and_neuron(net, layer, neuron)
    if isinstance(shift, bool) or not isinstance(shift, numbers.Real):
        raise TypeError(f"shift: expected a number such as 1e-4, got {shift!r}")
    if not np.isfinite(shift):
        raise ValueError(f"shift: expected a finite number, got {shift}")
    X, Y = net._check_data(X, Y)
    z = net._forward(X).z[layer].copy()
    z[neuron] += shift
    return _costs_from(net, layer, z, Y)


def numeric_deltas(net, X, Y, eps=1e-4, stencil=4):
    """delta^l measured by its definition, for every layer l = 1..L, neuron and sample.

    Entry [l][j, x] is the central difference (C_x(z^l_j + eps) - C_x(z^l_j - eps)) / (2 eps)
    of sample x's cost (:func:`nudged_costs`), which approaches delta^{x,l}_j = dC_x/dz^l_j as
    eps shrinks: the same list layout as backpropagation's ``net.gradients(X, Y).delta``
    (index 0 None, ``[l]`` of shape (n_l, m)). That is ``stencil=2`` (error O(eps^2)); the
    default ``stencil=4`` uses (4 D(eps) - D(2 eps)) / 3, as :func:`numeric_gradients` does
    (error O(eps^4), module docstring). ``X`` (n_0, m), ``Y`` (n_L, m).
    The network is not changed. Raises ValueError naming ``eps`` or ``stencil`` (as
    :func:`numeric_gradients`) or the data (as :meth:`bpcore.Network.cost`).
    """
    _check_stencil(eps, stencil)
    X, Y = net._check_data(X, Y)
    trace = net._forward(X)

    def central(l, j, h):
        up, down = trace.z[l].copy(), trace.z[l].copy()
        up[j] += h
        down[j] -= h
        return (_costs_from(net, l, up, Y) - _costs_from(net, l, down, Y)) / (2 * h)

    deltas = [None]
    for l in range(1, net.L + 1):
        D = np.zeros_like(trace.z[l])
        for j in range(net.sizes[l]):
            D[j] = _difference(lambda h: central(l, j, h), eps, stencil)
        deltas.append(D)
    return deltas
