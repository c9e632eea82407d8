"""The figures are drawn from bpcore objects: check what they show, not their pixels."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from bpcore import Network, data  # noqa: E402
from bpcore.book import plots  # noqa: E402
from bpcore.book.tables import Table  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(ax):
    return [t.get_text() for t in ax.texts]


def test_network_drawing_shows_every_weight_and_the_forward_values():
    ex = data.worked_example()
    net = ex.network()
    trace = net.forward(ex.X)
    names = {ljk: name for name, ljk in data.WEIGHT_NAMES.items()}
    ax = plots.draw_network(net, trace, weight_names=names)
    shown = " ".join(texts(ax))
    for name, value in ex.weights.items():
        assert f"{name} = {value:.3g}" in shown
    assert f"out {trace.a[2][0, 0]:.4g}" in shown and f"net {trace.z[1][1, 0]:.4g}" in shown
    assert shown.count("b = 0.35") == 2 and shown.count("b = 0.6") == 2
    assert len(ax.lines) == 8                               # one edge per weight


def test_backward_drawing_shows_every_gradient_and_delta():
    ex = data.worked_example()
    net = ex.network()
    g = net.gradients(ex.X, ex.Y)
    names = {ljk: f"$w_{name[1:]}$" for name, ljk in data.WEIGHT_NAMES.items()}
    ax = plots.draw_network(net, gradients=g, weight_names=names, cost_name="E")
    shown = " ".join(texts(ax))
    for name, (l, j, k) in data.WEIGHT_NAMES.items():
        assert rf"$\partial E/\partial w_{name[1:]}$ = {g.W[l][j - 1, k - 1]:.3g}" in shown
    for l, j in [(1, 0), (1, 1), (2, 0), (2, 1)]:
        assert f"δ {g.delta[l][j, 0]:.4g}" in shown
    assert "b = " not in shown and "net " not in shown
    arrows = [t for t in ax.texts if getattr(t, "arrow_patch", None) is not None]
    assert len(arrows) == 8, "one backward arrow per weight"
    assert all(a.xy[0] < a.xyann[0] for a in arrows), "every arrow points towards the input"


def test_large_networks_skip_weight_labels_but_keep_every_edge():
    net = Network([2, 5, 3])
    ax = plots.draw_network(net)
    assert len(ax.lines) == 2 * 5 + 5 * 3
    assert not any("=" in t and "w" in t for t in texts(ax) if not t.startswith("b ="))


def test_decision_regions_and_neuron_line():
    X, Y = data.clouds(20, seed=1)
    neuron = Network([2, 1], "step", weights=[[[1.0, -1.0]]], biases=[0.5])
    ax = plots.decision_regions(neuron, X, Y)
    plots.neuron_line(neuron, ax)
    (x, y), = [np.c_[line.get_xdata(), line.get_ydata()].T for line in ax.lines]
    np.testing.assert_allclose(x - y + 0.5, 0, atol=1e-12)  # the line is where z = 0
    assert ax.get_legend_handles_labels()[1][-1] == "$1\\,x_1 - 1\\,x_2 + 0.5 = 0$"
    with pytest.raises(ValueError, match="sizes"):
        plots.neuron_line(Network([2, 2]), ax)


def test_activation_curve_plots_the_registered_function():
    ax = plots.activation_curve("sigmoid", derivative=True)
    f, df = ax.lines[:2]
    z = f.get_xdata()
    np.testing.assert_allclose(f.get_ydata(), 1 / (1 + np.exp(-z)))
    np.testing.assert_allclose(df.get_ydata(), f.get_ydata() * (1 - f.get_ydata()))


def test_table_formats_to_significant_digits():
    t = Table(["a", "b"], [["x", 0.123456789123], [2, 1e-7]])
    md = t._repr_markdown_()
    assert "| x | 0.123456789 |" in md and "| 2 | 1e-07 |" in md
    assert md.splitlines()[1] == "| --- | --- |"
    with pytest.raises(ValueError, match="2 cells"):
        Table(["a", "b"], [[1]])



def test_log_ticks_in_view_draws_the_same_picture_with_fewer_ticks():
    """Chapter 7's cost panels: the fixed ticks are exactly the automatic ones inside the view,
    so the PNG is the same byte for byte."""
    import numpy as np
    from matplotlib.figure import Figure

    from bpcore.book import explore

    def figure(fixed):
        fig = Figure(figsize=(4, 3))
        ax = fig.add_subplot()
        ax.plot(np.geomspace(1e-4, 2.0, 30), np.geomspace(1.6, 0.09, 30))
        ax.set(xscale="log", yscale="log", ylim=(0.05, 1.5), ylabel="cost $C$")
        if fixed:
            assert plots.log_ticks_in_view(ax) is ax
        return fig, ax

    auto, ax_auto = figure(False)
    fixed, ax_fixed = figure(True)
    assert explore.png(auto) == explore.png(fixed)
    lo, hi = ax_fixed.get_ylim()
    minor = ax_fixed.yaxis.get_minorticklocs()
    assert len(minor) and all(lo <= t <= hi for t in minor)
    assert len(minor) < len(ax_auto.yaxis.get_minor_locator()())
