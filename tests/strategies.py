"""Random networks with random data, shared by the property tests (hypothesis strategies)."""
import numpy as np
from hypothesis import strategies as st

from bpcore import ACTIVATIONS, COSTS, Network

#: The activations gradient descent can train through (all but the step function).
DIFFERENTIABLE = [name for name, a in ACTIVATIONS.items() if a.trainable]


def network_case(sizes, acts, cost, seed, m):
    """A network with random weights and biases, and m random samples, all from ``seed``.

    Random (not zero) biases: a ReLU layer fed all zeros would sit exactly on its kink, where no
    derivative exists and finite differences disagree with any convention."""
    rng = np.random.default_rng(seed)
    net = Network(sizes, acts, cost, biases=[rng.standard_normal(n) for n in sizes[1:]],
                  seed=seed)
    return net, rng.standard_normal((sizes[0], m)), rng.uniform(0, 1, (sizes[-1], m))


@st.composite
def networks(draw, max_depth=4, max_width=8, max_samples=5):
    """(net, X, Y): 1 to ``max_depth`` weight layers, widths 1 to ``max_width``, any
    differentiable activation per layer, any cost (cross-entropy with a sigmoid output, as it
    requires), 1 to ``max_samples`` samples."""
    depth = draw(st.integers(1, max_depth))
    sizes = draw(st.lists(st.integers(1, max_width), min_size=depth + 1, max_size=depth + 1))
    acts = draw(st.lists(st.sampled_from(DIFFERENTIABLE), min_size=depth, max_size=depth))
    cost = draw(st.sampled_from(sorted(COSTS)))
    if cost == "cross_entropy":
        acts[-1] = "sigmoid"
    seed = draw(st.integers(0, 2**32 - 1))
    m = draw(st.integers(1, max_samples))
    return network_case(sizes, acts, cost, seed, m)
