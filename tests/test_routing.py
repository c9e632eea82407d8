"""bpcore.book.routing: BP2's transpose drawn from a real network. What is highlighted must be
exactly row j (forward) and column k (backward) of the network's W^{l+1}, labelled with its
values, and the figure must fit the book's column with readable text."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from bpcore import Network  # noqa: E402
from bpcore.book import figures, routing  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def case(sizes=(2, 4, 3, 2), seed=1):
    rng = np.random.default_rng(seed)
    net = Network(list(sizes), "sigmoid", seed=seed,
                  biases=[rng.standard_normal(n) for n in sizes[1:]])
    return net, rng.standard_normal((sizes[0], 2)), rng.uniform(0, 1, (sizes[-1], 2))


def edge_lines(ax):
    """{gid: Line2D} of every edge drawn in the panel."""
    return {line.get_gid(): line for line in ax.get_lines()
            if (line.get_gid() or "").startswith("w^")}


def highlighted(ax):
    return {gid: line for gid, line in edge_lines(ax).items() if line.get_linewidth() > 2}


def labels(ax):
    """{edge gid: the label's text} of the labelled edges."""
    return {t.get_gid()[len("label "):]: t.get_text() for t in ax.texts
            if (t.get_gid() or "").startswith("label ")}


@pytest.mark.parametrize("layer, j, k", [(1, 2, 3), (1, 1, 1), (2, 2, 3), (2, 1, 1)])
def test_the_highlighted_edges_are_row_j_and_column_k_with_their_weights(layer, j, k):
    net, X, Y = case()
    W = net.W[layer + 1]
    fig = routing.draw_transpose(net, X, Y, layer, j, k)
    forward, backward = fig.axes
    for ax in (forward, backward):
        assert len(edge_lines(ax)) == W.size              # every weight is an edge
    row = {f"w^{layer + 1}_{j},{c + 1}" for c in range(W.shape[1])}
    column = {f"w^{layer + 1}_{r + 1},{k}" for r in range(W.shape[0])}
    assert set(highlighted(forward)) == set(labels(forward)) == row
    assert set(highlighted(backward)) == set(labels(backward)) == column
    for ax in (forward, backward):
        for gid, text in labels(ax).items():
            r, c = map(int, gid.split("_")[1].split(","))
            assert text == f"{W[r - 1, c - 1]:.2f}"
    # the row's edges all end at one neuron of layer l+1 and start at every neuron of layer l;
    # the column's all start at one neuron of layer l and end at every neuron of layer l+1
    ends = {tuple(line.get_xydata()[1]) for line in highlighted(forward).values()}
    starts = {tuple(line.get_xydata()[0]) for line in highlighted(forward).values()}
    assert len(ends) == 1 and len(starts) == W.shape[1]
    ends = {tuple(line.get_xydata()[1]) for line in highlighted(backward).values()}
    starts = {tuple(line.get_xydata()[0]) for line in highlighted(backward).values()}
    assert len(starts) == 1 and len(ends) == W.shape[0]
    # forward and backward differ in more than colour
    assert {line.get_linestyle() for line in highlighted(forward).values()} == {"-"}
    assert {line.get_linestyle() for line in highlighted(backward).values()} == {"--"}


def test_the_values_shown_are_the_networks():
    net, X, Y = case()
    g = net.gradients(X, Y)
    sample, j, k = 1, 2, 3
    fig = routing.draw_transpose(net, X, Y, 1, j, k, sample=sample)
    forward, backward = (" ".join(t.get_text() for t in ax.texts) for ax in fig.axes)
    routed = (net.W[2].T @ g.delta[2][:, sample])[k - 1]
    sigma_prime = g.trace.a[1][k - 1, sample] * (1 - g.trace.a[1][k - 1, sample])
    assert g.delta[1][k - 1, sample] == pytest.approx(routed * sigma_prime)   # BP2
    assert f"= {routed:.2g}" in backward and f"= {g.delta[1][k - 1, sample]:.2g}" in backward
    for i in range(3):
        assert f"$\\delta^{{2}}_{{{i + 1}}}$ = {g.delta[2][i, sample]:.2g}" in backward
    for i in range(4):
        assert f"$a^{{1}}_{{{i + 1}}}$ = {g.trace.a[1][i, sample]:.2g}" in forward
    assert f"= {g.trace.z[2][j - 1, sample]:.2g}" in forward
    for W_entry in net.W[2].ravel():                       # the matrix under each panel
        assert f"{W_entry:.2f}" in forward and f"{W_entry:.2f}" in backward


def test_it_fits_the_column_with_readable_text_and_says_what_it_shows():
    net, X, Y = case()
    fig = routing.draw_transpose(net, X, Y, 1, 2, 3)
    png = figures.png_bytes(fig)
    width = int.from_bytes(png[16:20], "big")              # the PNG header's width
    assert width <= 680
    assert figures.smallest_text_px(fig) >= 8 * figures.DPI / 72
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:                                    # nothing spills into the other panel
        box = ax.get_window_extent(renderer)
        for text in ax.texts + [ax.title]:
            e = text.get_window_extent(renderer)
            assert box.x0 - 1 <= e.x0 and e.x1 <= box.x1 + 1, text.get_text()
            assert box.y0 - 1 <= e.y0 and e.y1 <= box.y1 + 1, text.get_text()
    alt = figures.describe(fig)
    assert alt.startswith('2 panels. Panel 1: a plot titled "Forward: row 2 of W^2"'), alt
    assert 'Panel 2: a plot titled "Backward: column 3 of W^2"' in alt
    assert ", ".join(f"{w:.2f}" for w in net.W[2][1]) in alt
    assert ", ".join(f"{w:.2f}" for w in net.W[2][:, 2]) in alt
    assert "$" not in alt and "\\" not in alt


@pytest.mark.parametrize("kwargs, words", [
    (dict(layer=0), ["layer", "from 1 to 2", "got 0"]),
    (dict(layer=3), ["layer", "got 3"]),
    (dict(j=4), ["j", "layer 2", "from 1 to 3", "got 4"]),
    (dict(j=0), ["j", "got 0"]),
    (dict(k=5), ["k", "layer 1", "from 1 to 4", "got 5"]),
    (dict(sample=2), ["sample", "from 0 to 1", "got 2"]),
    (dict(k=True), ["k", "True"]),
])
def test_bad_indices_are_named(kwargs, words):
    net, X, Y = case()
    args = dict(layer=1, j=1, k=1, sample=0)
    args.update(kwargs)
    with pytest.raises(ValueError) as info:
        routing.draw_transpose(net, X, Y, **args)
    assert all(w in str(info.value) for w in words), str(info.value)
    assert plt.get_fignums() == []                         # no half-drawn figure left behind
