"""bpcore.book.figures: alt text said from what is drawn, the smallest text measured, and in a
notebook every figure shown as an <img> with both."""
import base64
import re

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402

from bpcore.book import figures, plots  # noqa: E402
from bpcore.book.surface import ErrorSurface  # noqa: E402
from bpcore import data  # noqa: E402


def test_alt_text_names_every_panel_axis_line_and_colour_bar():
    fig = Figure(figsize=(6.8, 3))
    left, right = fig.subplots(1, 2)
    net, X, Y = data.two_minima()
    surface = ErrorSurface(net, X, Y, p=(1, 1, 1), q=(2, 1, 1))
    u = v = np.linspace(-2, 2, 21)
    C = surface.grid(u, v)
    plots.error_surface(u, v, C, ax=left, names=("p", "q"), title="surface",
                        minima=[(0.5, 1.0, "global minimum")])
    right.plot([0, 10], [1.0, 0.1], label="η = 0.5")
    right.set(xlabel="update", ylabel="cost C", title="cost")
    alt = figures.describe(fig)
    assert alt.startswith("2 panels. Panel 1: a plot titled \"surface\": p from -2 to 2 across, "
                          "q from -2 to 2 up"), alt
    assert "Panel 2: a plot titled \"cost\": update from 0 to 10 across, cost C from 0.1 to 1 up; "\
           "1 line: η = 0.5" in alt, alt
    assert re.search(r"With a colour bar of cost C \(log scale\) from [\d.e-]+ to [\d.e+]+\.$",
                     alt), alt


def test_a_log_axis_and_an_unnamed_axis_are_said_so():
    fig = Figure()
    ax = fig.add_subplot()
    ax.semilogy([1, 2, 3], [1, 0.1, 0.01])
    assert figures.describe(fig) == ("A plot: x from 1 to 3 across, y from 0.01 to 1 "
                                     "(log scale) up.")


def test_smallest_text_is_the_smallest_font_in_pixels_at_the_figures_dpi():
    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()
    ax.set_xlabel("big", fontsize=14)
    ax.tick_params(labelsize=9)
    ax.text(0.5, 0.5, "tiny note", fontsize=6)
    assert figures.smallest_text_px(fig) == pytest.approx(6 * 100 / 72)
    assert figures.smallest_text_px(fig, dpi=200) == pytest.approx(6 * 200 / 72)
    assert figures.smallest_text_px(Figure()) == float("inf")


def test_img_tag_holds_the_png_and_escapes_the_alt_text():
    fig = Figure(figsize=(2, 1))
    fig.add_subplot().set_title('say "hi" & <go>')
    tag = figures.to_html(fig)
    src = re.search(r'src="data:image/png;base64,([^"]+)"', tag).group(1)
    assert base64.b64decode(src).startswith(b"\x89PNG")
    assert 'alt="A plot titled &quot;say &quot;hi&quot; &amp; &lt;go&gt;&quot;' in tag
    assert re.search(r'data-min-text-px="\d+\.\d"', tag) and "max-width:100%" in tag


def test_in_a_notebook_every_figure_is_an_img_with_alt_text():
    """The inline backend resets figure formatters when it starts; install() starts it first."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\n"
                                          "from bpcore.book import figures\n"
                                          "figures.install()"),
                nbformat.v4.new_code_cell("fig, ax = plt.subplots(figsize=(3, 2))\n"
                                          "ax.plot([1, 2], [3, 4])\nax.set_xlabel('epoch')"),
                nbformat.v4.new_code_cell("print(plt.rcParams['axes.titley'])")]
    nbclient.NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    assert nb.cells[2].outputs[0].text.strip() == str(figures.STYLE["axes.titley"])
    shown = [o for o in nb.cells[1].outputs if o.output_type == "display_data"]
    assert len(shown) == 1 and set(shown[0].data) == {"text/plain", "text/html"}, shown
    assert 'alt="A plot: epoch from 1 to 2 across, y from 3 to 4 up."' in shown[0].data["text/html"]
    assert np.isfinite(float(re.search(r'data-min-text-px="([\d.]+)"',
                                       shown[0].data["text/html"]).group(1)))


def test_mathtext_in_labels_is_said_plainly():
    assert figures.plain(r"$p = w^1_{11}$") == "p = w^1_11"
    assert figures.plain(r"learning rate $\eta$") == "learning rate η"
    assert figures.plain(r"$\mathrm{cost}\ C$ of $\delta^l$") == "cost C of δ^l"
    assert figures.plain("no math: 50% and a/b") == "no math: 50% and a/b"
    fig = Figure()
    fig.add_subplot().set_xlabel(r"$\eta$")
    assert "η from" in figures.describe(fig) and "$" not in figures.describe(fig)


@pytest.mark.parametrize("layout", ["none", "tight_layout", "constrained"])
def test_png_is_what_savefig_tight_makes_and_the_figure_is_left_as_it_was(layout):
    """png_bytes measures the tight box itself where no layout engine runs at drawing time;
    the PNG is byte for byte savefig(bbox_inches="tight")'s, and the figure keeps its dpi and
    layout engine."""
    import io

    def figure():
        fig = Figure(figsize=(5, 3), dpi=72,
                     layout="constrained" if layout == "constrained" else None)
        left, right = fig.subplots(1, 2)
        left.loglog([1, 10, 100], [1e-3, 1e-1, 1], label="$\\eta$ = 0.5")
        left.set(xlabel="number of parameters $P$", ylabel="seconds", title="timing")
        left.legend()
        right.plot([0, 1], [2, -3])
        right.set_ylabel("a long label that reaches far to the left", fontsize=8)
        if layout == "tight_layout":
            fig.tight_layout()
        return fig

    expected = io.BytesIO()
    figure().savefig(expected, format="png", dpi=figures.DPI, bbox_inches="tight",
                     facecolor="white")
    fig = figure()
    engine = type(fig.get_layout_engine())
    assert figures.png_bytes(fig) == expected.getvalue()
    assert fig.dpi == 72 and type(fig.get_layout_engine()) is engine


@pytest.mark.parametrize("layout", ["none", "tight_layout", "constrained"])
def test_the_books_title_setting_leaves_titles_where_matplotlib_puts_them(layout):
    """STYLE fixes titles at the top of their axes, which skips matplotlib's search for what is
    drawn above an axes; with nothing there (as in the book's figures) the PNG is unchanged."""
    def png():
        fig = Figure(figsize=(6, 4), layout="constrained" if layout == "constrained" else None)
        grid = fig.subplots(2, 2)
        for i, ax in enumerate(grid.flat):
            ax.plot([0, 1, 2], [1, 1e-2, 1e-3 * (i + 1)], label=f"run {i}")
            ax.set(title=f"panel {i}\nsecond line", xlabel="update", ylabel="cost $C$")
        grid[0, 1].set_yscale("log")
        grid[1, 0].legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2)
        if layout == "tight_layout":
            fig.tight_layout()
        return figures.png_bytes(fig)

    with matplotlib.rc_context(figures.STYLE):
        fixed = png()
    with matplotlib.rc_context({"axes.titley": None}):
        automatic = png()
    assert fixed == automatic


def test_with_ticks_on_top_the_title_setting_does_change_the_figure():
    """The other side of the test above: the setting is not a no-op, so the equality there
    says something (a figure with top tick labels is drawn differently)."""
    def png():
        fig = Figure(figsize=(4, 3))
        ax = fig.subplots()
        ax.plot([0, 1], [0, 1])
        ax.xaxis.tick_top()
        ax.set_title("title")
        return figures.png_bytes(fig)

    with matplotlib.rc_context(figures.STYLE):
        fixed = png()
    with matplotlib.rc_context({"axes.titley": None}):
        automatic = png()
    assert fixed != automatic
