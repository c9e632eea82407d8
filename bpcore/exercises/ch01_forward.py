"""Chapter 1's exercises, forward propagation: one sigmoid layer, then a whole network.

Each exercise is one block: solution, checker, then the declaration with the hint and the
known-wrong answers. The tasks are stated in chapters/01-forward.md.
"""
import numpy as np

from bpcore.activations import get_activation
from bpcore.network import Network

from .core import Exercise, call, compare, incorrect_if

_sigmoid = get_activation("sigmoid").f


# == Exercise 1.1: layer_forward =================================================================

def layer_forward(W, b, a_prev):
    # (n_l, n_{l-1}) @ (n_{l-1}, m) + (n_l, 1) -> (n_l, m)
    z = W @ a_prev + b
    a = 1 / (1 + np.exp(-z))       # sigma(z), elementwise
    return z, a


def check_layer_forward(f):
    for n_in, n_out, m, seed in [(2, 3, 1, 1), (3, 2, 5, 2), (4, 4, 7, 3)]:
        r = np.random.default_rng(seed)
        W, b = r.normal(size=(n_out, n_in)), r.normal(size=(n_out, 1))
        a_prev = r.normal(size=(n_in, m))
        t = Network([n_in, n_out], "sigmoid", weights=[W], biases=[b]).forward(a_prev)
        got = call(f, W, b, a_prev, name="layer_forward")
        incorrect_if(compare(
            got, (t.z[1], t.a[1]),
            f"layer_forward(W, b, a_prev) with W {W.shape}, a_prev {a_prev.shape}",
            parts=("z", "a")))


q1 = Exercise(
    "Exercise 1.1", "layer_forward", layer_forward, check_layer_forward,
    "`W @ a_prev` has one column per sample; adding `b`, a column (n_l, 1), broadcasts "
    "it across the columns. sigma(z) = 1 / (1 + exp(-z)) elementwise.",
    title="one sigmoid layer, z and a",
    wrong={"samples as rows: both results transposed": (
        lambda W, b, a_prev: tuple(x.T for x in layer_forward(W, b, a_prev)), "transposed")})


# == Exercise 1.2: network_output ================================================================

def network_output(Ws, bs, X):
    a = X
    for W, b in zip(Ws, bs):            # layers l = 1..L
        a = 1 / (1 + np.exp(-(W @ a + b)))
    return a


def check_network_output(f):
    for sizes, m, seed in [([2, 2, 2], 1, 4), ([2, 3, 4, 1], 6, 5), ([3, 5, 2], 4, 6)]:
        net = Network(sizes, "sigmoid", seed=seed)
        r = np.random.default_rng(seed)
        net.b[1:] = [r.normal(size=b.shape) for b in net.b[1:]]
        X = r.normal(size=(sizes[0], m))
        got = call(f, list(net.W[1:]), list(net.b[1:]), X, name="network_output")
        incorrect_if(compare(got, net.predict(X),
                             f"network_output for a {'-'.join(map(str, sizes))} network on X "
                             f"{X.shape}"))


q2 = Exercise(
    "Exercise 1.2", "network_output", network_output, check_network_output,
    "Start with a = X and apply one layer at a time: a = sigma(W a + b). Note that these "
    "lists start at layer 1 (unlike `net.W`, whose index 0 is unused).",
    title="the output a^L of a sigmoid network",
    wrong={"the last layer's sigmoid forgotten": (
        lambda Ws, bs, X: Ws[-1] @ _sigmoid(network_output(Ws[:-1], bs[:-1], X)) + bs[-1],
        "wrong value")})
