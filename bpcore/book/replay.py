"""The worked example replayed in the order that reproduces the article's printed figures.

The worked-example article (Mazur's step-by-step example) prints 0.291027924 for E after one
update, and 0.000035085 with outputs 0.015912196 and 0.984065734 after 10000. Exact gradient
descent (:meth:`bpcore.Network.train`) gives 0.291027774, 0.0000351019, 0.015913620 and
0.984064274. The printed figures come out when each update changes w5..w8 *first* and the hidden
deltas then go back through the *new* w5..w8 (BP2 with the updated W^2, but the old output
deltas and activations). That is not gradient descent on E: every derivative must be taken at
the same point, before any weight moves. Chapter 2 uses :func:`published_step` only to explain
these errata.
"""
from __future__ import annotations

from ..network import bp1, bp2, bp4


def published_step(net, example):
    """One update of ``net`` in the article's order; returns ``net``, changed in place.

    ``example`` gives the sample and the learning rate (``X``, ``Y``, ``lr``: a
    :class:`bpcore.data.WorkedExample`). Going back from the output layer, each layer's weights
    are updated as soon as its delta is known (BP1 or BP2, then BP4), so that the next delta
    back (BP2) uses the weights just updated. Weights only: the worked example does not train
    its biases.
    """
    L, sigma, lr = net.L, net.activations, example.lr
    t = net.forward(example.X)
    delta = bp1(net.cost_function, sigma[L], t.z[L], t.a[L], example.Y)
    for l in range(L, 0, -1):
        if l < L:                                # BP2 through W^{l+1} as already updated
            delta = bp2(net.W[l + 1], delta, sigma[l], t.z[l], t.a[l])
        net.W[l] = net.W[l] - lr * bp4(delta, t.a[l - 1])
    return net
