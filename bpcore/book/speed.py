"""How long one full gradient takes three ways: backpropagation, finite differences, sympy.

Chapter 3 ("why backprop is fast") and ``benchmarks/bench_symbolic.py`` call
:func:`gradient_times`. For a network with P weights and biases:

- backpropagation: one forward and one backward pass, whatever P is (each pass costs about as
  much as the matrix products, so the time grows roughly like P, and slower than that while
  Python's fixed costs dominate small networks);
- finite differences (central, ``stencil=2``): two forward passes *per parameter*, so about P
  times a forward pass, that is about P^2;
- sympy: write the cost as one formula, differentiate it P times, lambdify, evaluate. Every
  path from a weight to the cost is a term, and the formulas grow faster still.

Times are wall-clock seconds from ``time.perf_counter`` (the best of ``repeats`` runs), so they
change from machine to machine and run to run; the slopes of log(time) against log(P) are what
the comparison is about.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..gradcheck import numeric_gradients
from ..network import Network

METHODS = ("backprop", "finite differences", "sympy")


@dataclass
class Timing:
    """One network's gradient, timed: ``seconds[method]`` (None where not run)."""

    sizes: list
    n_params: int
    seconds: dict


def _best(fn, repeats, budget):
    """The shortest of at least ``repeats`` runs, more while they add up to under ``budget``
    seconds (short calls are noisy, so they get more tries)."""
    best, spent, runs = np.inf, 0.0, 0
    while runs < repeats or spent < budget:
        start = time.perf_counter()
        fn()
        took = time.perf_counter() - start
        best, spent, runs = min(best, took), spent + took, runs + 1
    return best


def gradient_times(sizes_list, sympy_max_params=30, m=10, repeats=1, seed=0,
                   progress=None, budget=0.05) -> list[Timing]:
    """Time one full gradient of a sigmoid network with quadratic cost for each sizes in
    ``sizes_list``, on m random samples, by each of :data:`METHODS`.

    Backprop and finite differences: the best of at least ``repeats`` runs, more while the
    runs add up to under ``budget`` seconds.

    sympy is run only on networks with at most ``sympy_max_params`` parameters (it grows too
    fast to go further; 0 leaves it out, chapter 8), once each from a cleared sympy cache: building the formulas,
    differentiating, lambdifying and evaluating. ``progress``, if given, is called with a short
    message before each network.
    """
    out = []
    for sizes in sizes_list:
        net = Network(sizes, "sigmoid", seed=seed)
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((sizes[0], m))
        Y = rng.uniform(0, 1, (sizes[-1], m))
        if progress:
            progress(f"timing {'-'.join(map(str, sizes))} ({net.n_params} parameters)")
        seconds = {
            "backprop": _best(lambda: net.gradients(X, Y), repeats, budget),
            "finite differences": _best(lambda: numeric_gradients(net, X, Y, stencil=2),
                                        repeats, budget),
            "sympy": None,
        }
        if net.n_params <= sympy_max_params:
            import sympy                          # here: without sympy, no sympy import
            from .. import symbolic
            sympy.core.cache.clear_cache()
            start = time.perf_counter()
            symbolic.from_network(net).gradients(net, X, Y)
            seconds["sympy"] = time.perf_counter() - start
        out.append(Timing(list(sizes), net.n_params, seconds))
    return out


def slope(timings: list[Timing], method: str, min_params=0) -> float:
    """The least-squares slope of log(seconds) against log(parameters) for ``method``, over
    the networks with at least ``min_params`` parameters: time grows like P^slope."""
    pts = [(t.n_params, t.seconds[method]) for t in timings
           if t.seconds[method] is not None and t.n_params >= min_params]
    if len(pts) < 2:
        raise ValueError(f"method: need at least two timed networks for {method!r}, "
                         f"got {len(pts)}")
    P, s = np.log(np.array(pts)).T
    return float(np.polyfit(P, s, 1)[0])
