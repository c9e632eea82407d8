"""bpcore.autograd: reverse-mode automatic differentiation on scalars, checked against finite
differences on random graphs that reuse nodes, and against bpcore's backpropagation on the
worked example."""
import math
import random

import pytest

from bpcore import data
from bpcore.autograd import Value


def test_gradients_accumulate_where_a_node_feeds_several_paths():
    a = Value(2.0)
    s = a + a
    s.backward()
    assert a.grad == 2.0                      # not 1: both paths count
    x = Value(-3.0)
    (x * x).backward()
    assert x.grad == -6.0
    # A hidden unit feeding two outputs: dC/dh = dC/do1 * w1 + dC/do2 * w2.
    h, w1, w2 = Value(0.5), Value(0.3), Value(-0.7)
    o1, o2 = (h * w1).sigmoid(), (h * w2).tanh()
    C = o1 * o1 + 3 * o2
    C.backward()
    s1 = 1 / (1 + math.exp(-0.15))
    expected = 2 * s1 * s1 * (1 - s1) * 0.3 + 3 * (1 - math.tanh(-0.35) ** 2) * -0.7
    assert h.grad == pytest.approx(expected, rel=1e-12)


def test_numbers_on_either_side_and_every_operation():
    x = Value(1.5)
    y = (2 - x) * 3 / (1 + x) - (-x) ** 3 + x.exp().log() + (x - 4).relu() + (4 - x).relu()
    y.backward()
    f = lambda v: (2 - v) * 3 / (1 + v) + v ** 3 + v + max(v - 4, 0) + max(4 - v, 0)  # noqa: E731
    assert y.data == pytest.approx(f(1.5), rel=1e-14)
    assert x.grad == pytest.approx((f(1.5 + 1e-6) - f(1.5 - 1e-6)) / 2e-6, rel=1e-8)


# -- random graphs, against finite differences ---------------------------------------------------

UNARY = ["tanh", "sigmoid", "exp", "square", "neg", "relu_shifted"]
BINARY = ["+", "-", "*", "/"]


def build(recipe, leaves):
    """Evaluate a recipe (list of operations on earlier nodes, reusing them) on ``leaves``,
    Values or floats alike; return the last node."""
    nodes = list(leaves)
    for op, i, j in recipe:
        a, b = nodes[i], nodes[j]
        if op == "+":
            out = a + b
        elif op == "-":
            out = a - b
        elif op == "*":
            out = a * b
        elif op == "/":
            out = a / (b * b + 1.0)                 # never divides by 0
        elif op == "tanh":
            out = a.tanh() if isinstance(a, Value) else math.tanh(a)
        elif op == "sigmoid":
            out = a.sigmoid() if isinstance(a, Value) else 1 / (1 + math.exp(-a))
        elif op == "exp":
            out = (a * 0.1).exp() if isinstance(a, Value) else math.exp(a * 0.1)
        elif op == "square":
            out = a ** 2
        elif op == "neg":
            out = -a
        else:                                         # relu away from its kink
            out = (a + 0.5).relu() if isinstance(a, Value) else max(a + 0.5, 0.0)
        nodes.append(out)
    return nodes[-1]


def random_recipe(rng, n_leaves, n_ops):
    recipe = []
    for k in range(n_ops):
        n = n_leaves + k
        op = rng.choice(UNARY + BINARY * 2)
        # Prefer recent nodes, and reuse them: the same node often feeds several later ones.
        i, j = rng.randrange(max(0, n - 4), n), rng.randrange(n)
        recipe.append((op, i, j))
    return recipe


@pytest.mark.parametrize("seed", range(40))
def test_random_graphs_that_reuse_nodes_match_finite_differences(seed):
    rng = random.Random(seed)
    x0 = [rng.uniform(-1.5, 1.5) for _ in range(3)]
    recipe = random_recipe(rng, 3, rng.randrange(4, 16))
    leaves = [Value(v) for v in x0]
    out = build(recipe, leaves)
    out.backward()
    for i in range(3):
        eps = 1e-6
        up, down = list(x0), list(x0)
        up[i] += eps
        down[i] -= eps
        slope = (build(recipe, up) - build(recipe, down)) / (2 * eps)
        assert leaves[i].grad == pytest.approx(slope, rel=1e-5, abs=1e-7), (seed, i, recipe)


def test_the_worked_example_from_values_gives_backprops_gradients():
    ex = data.worked_example()
    net = ex.network()
    g = net.gradients(ex.X, ex.Y)
    (i1, i2), (t1, t2) = ex.X[:, 0], ex.Y[:, 0]
    w = {name: Value(float(net.W[l][j - 1, k - 1]), name)
         for name, (l, j, k) in data.WEIGHT_NAMES.items()}
    b1, b2 = Value(float(net.b[1][0, 0]), "b1"), Value(float(net.b[2][0, 0]), "b2")
    out_h1 = (w["w1"] * i1 + w["w2"] * i2 + b1).sigmoid()
    out_h2 = (w["w3"] * i1 + w["w4"] * i2 + b1).sigmoid()
    out_o1 = (w["w5"] * out_h1 + w["w6"] * out_h2 + b2).sigmoid()
    out_o2 = (w["w7"] * out_h1 + w["w8"] * out_h2 + b2).sigmoid()
    E = 0.5 * (t1 - out_o1) ** 2 + 0.5 * (t2 - out_o2) ** 2
    E.backward()
    assert E.data == pytest.approx(net.cost(ex.X, ex.Y), rel=1e-14)
    for name, (l, j, k) in data.WEIGHT_NAMES.items():
        assert w[name].grad == pytest.approx(float(g.W[l][j - 1, k - 1]), rel=1e-12), name
    # The shared bias b1 gets the sum over both hidden units (BP3 summed over the pair).
    assert b1.grad == pytest.approx(float(g.b[1].sum()), rel=1e-12)


def test_a_second_backward_adds_the_gradients_again_and_zero_grad_resets():
    x = Value(0.7)
    y = (x * x).tanh() * x
    y.backward()
    first = x.grad
    y.backward()
    assert x.grad == pytest.approx(2 * first, rel=1e-15) and y.grad == 2.0
    y.zero_grad()
    assert x.grad == 0.0 and y.grad == 0.0
    y.backward()
    assert x.grad == pytest.approx(first, rel=1e-15)


def test_a_deep_graph_needs_no_recursion():
    x = Value(0.5)
    y = x
    for _ in range(20_000):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad == 1.0


def test_bad_input_is_named():
    x = Value(2.0)
    with pytest.raises(TypeError, match="exponent must be a plain number"):
        x ** Value(2.0)
    with pytest.raises(ValueError, match="log: the argument must be positive, got -1"):
        Value(-1.0).log()
    with pytest.raises(ValueError, match="log: the argument must be positive, got 0"):
        Value(0.0).log()
    with pytest.raises(TypeError, match="data: expected a real number, got str '3'"):
        Value("3")
    with pytest.raises(TypeError, match="data: expected a real number, got bool"):
        Value(True)
    with pytest.raises(TypeError, match=r"\*: expected a Value or a real number, got list"):
        x * [1, 2]
    with pytest.raises(ZeroDivisionError, match="division by a Value whose data is 0"):
        x / 0
    with pytest.raises(ValueError, match="negative base"):
        Value(-2.0) ** 0.5


def test_the_graph_is_drawn_from_the_values_with_every_value_and_gradient():
    import matplotlib
    matplotlib.use("Agg")
    from bpcore.book import figures, graph
    w, x, b, t = Value(0.4, "w"), Value(1.5, "x"), Value(0.1, "b"), Value(1.0, "t")
    a = (w * x + b).sigmoid()
    a.label = "a"
    C = 0.5 * (t - a) ** 2
    C.backward()
    cols = graph.columns(C)
    assert [[n.label or n.op for n in col] for col in cols][:3] == [["w", "x"], ["*", "b"],
                                                                     ["+"]]
    # Every node appears once, each after all of its inputs.
    where = {id(n): c for c, col in enumerate(cols) for n in col}
    assert len(where) == len(C.graph()) == 11
    assert all(where[id(p)] < where[id(n)] for n in C.graph() for p in n.parents)
    ax = graph.draw_graph(C, title="one neuron")
    shown = [t.get_text() for t in ax.texts]
    for node in C.graph():
        assert any(f"{node.data:.3g}\ngrad {node.grad:.3g}" in s for s in shown), node
    assert "computation graph of 11 nodes" in figures.describe(ax.figure)
    assert figures.smallest_text_px(ax.figure) >= 10


def test_a_wide_graph_leaves_room_for_its_arrows_and_its_text_fits_the_boxes():
    """Eight columns at the column's 6.8 in: each box's text inside its box, and between boxes
    of neighbouring columns a gap wide enough for an arrow to be seen (chapter 8's figure)."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.patches import FancyBboxPatch
    from bpcore.book import graph
    h1, h2, w5, w6, b2 = (Value(v, n) for v, n in [(0.593, "out_h1"), (0.597, "out_h2"),
                                                     (0.4, "w5"), (0.45, "w6"), (0.6, "b2")])
    E = 0.5 * (0.01 - (w5 * h1 + w6 * h2 + b2).sigmoid()) ** 2
    E.backward()
    assert len(graph.columns(E)) == 8
    ax = graph.draw_graph(E, decimals=2, title="a title")
    fig = ax.figure
    fig.set_dpi(100)
    renderer = fig.canvas.get_renderer()
    boxes = [p.get_window_extent(renderer) for p in ax.patches
             if isinstance(p, FancyBboxPatch)]
    assert len(boxes) == len(E.graph())
    for text in ax.texts:
        if not text.get_text():
            continue                                      # the arrows' empty annotations
        t = text.get_window_extent(renderer)
        assert any(b.x0 <= t.x0 and t.x1 <= b.x1 and b.y0 <= t.y0 and t.y1 <= b.y1
                   for b in boxes), text.get_text()
    lefts = sorted({round(b.x0, 1) for b in boxes})
    rights = sorted({round(b.x1, 1) for b in boxes})
    gaps = [left - right for right, left in zip(rights, lefts[1:])]
    assert min(gaps) >= 12, gaps                          # pixels at 100 dpi
    figure_box = fig.bbox
    assert all(figure_box.x0 <= b.x0 and b.x1 <= figure_box.x1 and figure_box.y0 <= b.y0
               and b.y1 <= figure_box.y1 for b in boxes)
