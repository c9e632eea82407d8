"""Chapter 8's exercises, backpropagation as automatic differentiation: the backward rule of a
``*`` node, and how many forward passes finite differences need.

Exercise 8.1's checker runs the reader's rule directly, then inside a backward pass over
:mod:`bpcore.autograd` graphs with reused nodes, and compares every leaf's gradient with
``Value.backward`` and with finite differences. Exercise 8.2's checker counts the forward
passes that ``bpcore.numeric_gradients`` really makes. Each exercise is one block: solution,
checker, then the declaration with the hint and the known-wrong answers. The tasks are stated
in chapters/08-autodiff.md.
"""
import numbers

import numpy as np

from bpcore.autograd import Value
from bpcore.gradcheck import numeric_gradients
from bpcore.network import Network

from .core import Exercise, Incorrect, as_numbers, call, compare, gradient_check


# == Exercise 8.1: mul_backward ==================================================================

def mul_backward(a, b, upstream):
    # y = a * b: dy/da = b and dy/db = a (the local
    # derivatives), each times the gradient arriving at y
    return b * upstream, a * upstream


def _rule_points(seed=8):
    """(a, b, upstream) triples, all different and none a whole number or 1."""
    rng = np.random.default_rng(seed)
    points = []
    while len(points) < 3:
        a, b, u = (float(v) for v in np.round(rng.uniform(-2.5, 2.5, 3), 3))
        values = (a, b, u, abs(a), abs(b), abs(u))
        if min(abs(a), abs(b), abs(u)) > 0.2 and len({abs(a), abs(b), abs(u)}) == 3 \
                and not any(float(v).is_integer() for v in values):
            points.append((a, b, u))
    return points


def _known_mistake(got, a, b, u):
    """What a wrong pair looks like, if it is a mistake we know (else "")."""
    try:
        pair = [float(as_numbers(x, "").reshape(-1)[0]) for x in got]
    except (Incorrect, TypeError, ValueError, IndexError):
        return ""
    if len(pair) != 2:
        return ""
    guesses = [((a * u, b * u), "; swapped: the gradient for `a` is the one that belongs "
                                "to `b`, and the other way round"),
               ((b, a), "; the upstream gradient is missing: the local derivatives alone "
                        "are the gradients only at the very end of the graph"),
               ((u, u), "; that is the rule of a + node, whose local derivatives are 1")]
    for guess, message in guesses:
        if compare(pair, np.array(guess), "") is None:
            return message
    return ""


def _graphs(seed=81):
    """(root, description, leaves) of small graphs where a Value is used more than once."""
    rng = np.random.default_rng(seed)
    r = lambda: float(np.round(rng.uniform(0.3, 1.7), 3))   # noqa: E731
    x = Value(r(), "x")
    square = (x * x, "x * x", [x])
    x2 = Value(-r(), "x")
    poly = (x2 * x2 * x2 + 1.5 * x2, "x * x * x + 1.5 x", [x2])
    w, xi, v1, v2 = Value(r(), "w"), Value(r(), "x"), Value(-r(), "v1"), Value(r(), "v2")
    h = (w * xi).tanh()                      # one hidden unit, feeding two products
    y = (h * v1).sigmoid() + (h * v2) * (h * v2)
    hidden = (y, "a hidden unit h feeding the products h v1 and h v2", [w, xi, v1, v2])
    return [square, poly, hidden]


def _backward_with(f, root):
    """The leaves' gradients from a backward pass that uses the reader's rule at every * node
    and bpcore's local derivatives elsewhere."""
    grads = {id(root): 1.0}
    for node in reversed(root.graph()):
        g = grads.get(id(node), 0.0)
        if node.op == "*":
            a, b = node.parents
            pair = call(f, a.data, b.data, g, name="mul_backward")
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise Incorrect("`mul_backward` should return 2 results (for a, for b) as a "
                                "tuple")
            local = [float(as_numbers(p, "`mul_backward`, a result").reshape(-1)[0])
                     if np.size(as_numbers(p, "`mul_backward`, a result")) == 1 else None
                     for p in pair]
            if None in local or not np.all(np.isfinite(local)):
                raise Incorrect("`mul_backward` should return two finite numbers")
            passed = zip(node.parents, local)
        else:
            passed = ((p, d * g) for p, d in zip(node.parents, node._local))
        for parent, grad in passed:
            grads[id(parent)] = grads.get(id(parent), 0.0) + grad
    return grads


def _finite_difference(root, leaf, eps=1e-6):
    """d root / d leaf, by evaluating the graph again with the leaf nudged both ways."""
    def evaluate(shift):
        values = {}
        for node in root.graph():
            if not node.parents:
                values[id(node)] = node.data + (shift if node is leaf else 0.0)
                continue
            inputs = [values[id(p)] for p in node.parents]
            values[id(node)] = _apply(node, inputs)
        return values[id(root)]
    return (evaluate(eps) - evaluate(-eps)) / (2 * eps)


def _apply(node, inputs):
    """A node's operation on new inputs (only those the checker's graphs use)."""
    if node.op == "*":
        return inputs[0] * inputs[1]
    if node.op == "+":
        return inputs[0] + inputs[1]
    if node.op == "tanh":
        return float(np.tanh(inputs[0]))
    if node.op == "sigmoid":
        return float(1 / (1 + np.exp(-inputs[0])))
    raise ValueError(f"no rule for {node.op!r}")


def check_mul_backward(f):
    for a, b, u in _rule_points():
        got = call(f, a, b, u, name="mul_backward")
        problem = compare(got, (b * u, a * u), "mul_backward(a, b, upstream)",
                          parts=("for a", "for b"))
        if problem:
            raise Incorrect(problem + _known_mistake(got, a, b, u))
    for root, description, leaves in _graphs():
        root.zero_grad()
        root.backward()                                      # bpcore's gradients
        grads = _backward_with(f, root)
        for leaf in leaves:
            got = grads.get(id(leaf), 0.0)
            problem = compare(got, leaf.grad, f"with your rule, the gradient of "
                              f"{leaf.label} in the graph of {description}")
            if problem:
                raise Incorrect(problem + gradient_check(
                    got, _finite_difference(root, leaf), "the graph's result",
                    "measured by finite differences") +
                    ". A node used twice receives one gradient from each use")


q1 = Exercise(
    "Exercise 8.1", "mul_backward", mul_backward, check_mul_backward,
    "For y = a * b, what is dy/da, and dy/db? The backward pass multiplies each local "
    "derivative by the gradient that arrived at y. Don't worry about reused nodes: the "
    "backward pass adds up what each use sends.",
    title="the backward rule of a * node",
    wrong={
        "swapped: (a * upstream, b * upstream)": (
            lambda a, b, u: (a * u, b * u), "swapped"),
        "forgets the upstream gradient": (lambda a, b, u: (b, a), "upstream"),
        "the rule of a + node": (lambda a, b, u: (u, u), "+ node"),
        "one result only": (lambda a, b, u: b * u, "expected 2 results"),
        "halves the gradient at a reused node (x * x)": (
            lambda a, b, u: (b * u, a * u) if a != b else (a * u / 2, a * u / 2),
            "used twice")},
    right={"as a list of numpy floats": (
        lambda a, b, u: [np.float64(b) * u, np.float64(a) * u])})


# == Exercise 8.2: fd_passes ======================================================================

#: Networks whose P (and the passes central differences need) print as no other's passes do.
_FD_NETWORKS = ([1, 1], [2, 3, 1], [3, 5, 2], [4, 6, 1])


def fd_passes(P):
    # central differences nudge each parameter up and
    # down: two forward passes (two costs) per parameter
    return 2 * P


def _forward_passes(net, X, Y):
    """How many forward passes ``numeric_gradients(stencil=2)`` makes, counted."""
    count, forward = 0, net._forward

    def counted(inputs):
        nonlocal count
        count += 1
        return forward(inputs)

    net._forward = counted
    try:
        numeric_gradients(net, X, Y, stencil=2)
    finally:
        del net._forward
    return count


def _is_number(value):
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(-1)[0]
    return isinstance(value, (numbers.Real, np.floating, np.integer)) and \
        bool(np.isfinite(float(value)))


def check_fd_passes(f):
    cases = []
    for sizes in _FD_NETWORKS:
        net = Network(sizes, "sigmoid", seed=8)
        rng = np.random.default_rng(8)
        X, Y = rng.normal(size=(sizes[0], 3)), rng.uniform(size=(sizes[-1], 3))
        P = net.n_params
        cases.append((sizes, P, _forward_passes(net, X, Y),
                      call(f, P, name="fd_passes")))
    answers = [got for *_, got in cases]
    if all(_is_number(g) for g in answers) and len({float(np.ravel(g)[0])
                                                    for g in answers}) == 1:
        raise Incorrect("`fd_passes` gives the same number for every P: the passes grow with "
                        "the number of parameters to nudge")
    for sizes, P, counted, got in cases:
        name = f"fd_passes({P}) for a {'-'.join(map(str, sizes))} network"
        problem = compare(got, counted, name)
        if problem and _is_number(got):
            fewer = float(np.ravel(got)[0]) < counted
            problem += ("; too few: bpcore.numeric_gradients(stencil=2) runs more forward "
                        "passes than that" if fewer else
                        "; too many: bpcore.numeric_gradients(stencil=2) runs fewer forward "
                        "passes than that")
        if problem:
            raise Incorrect(problem)


q2 = Exercise(
    "Exercise 8.2", "fd_passes", fd_passes, check_fd_passes,
    "A central difference estimates one derivative from the cost at two points. How "
    "many derivatives does a network with P parameters have?",
    title="forward passes of central finite differences",
    wrong={"one pass per parameter": (lambda P: P, "too few"),
           "one-sided differences: P + 1": (lambda P: P + 1, "too few"),
           "bpcore's default 4-point stencil: 4 P": (lambda P: 4 * P, "too many"),
           "a constant, like backprop's two passes": (lambda P: 2, "same number for every P")},
    right={"as a float": lambda P: 2.0 * P})
