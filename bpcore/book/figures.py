"""Figures as a reader meets them: a PNG with alt text said from what is drawn, and the size of
its smallest text recorded so that the browser tests can check it is readable on screen.

A matplotlib figure in a notebook is shown as a bare PNG: a screen reader hears a file name, and
nothing says whether its labels are 5 px tall once the page shrinks it to the column. After
:func:`install`, every figure a cell shows is an HTML ``<img>`` instead (Jupyter and the built
book pick HTML over PNG), with

- ``alt``: :func:`describe` of the figure: its panels, each with its title, the quantity on each
  axis and its range, the named lines and the colour bar's quantity;
- ``data-min-text-px``: the height in pixels of the smallest text drawn (font size x dpi / 72),
  which, times the shown / drawn width, is the smallest text on screen.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from matplotlib.figure import Figure
>>> fig = Figure(figsize=(4, 3))
>>> ax = fig.add_subplot()
>>> _ = ax.plot([0, 1, 2], [1.0, 0.5, 0.25], label="lr 0.5")
>>> _ = ax.set(xlabel="update", ylabel="cost C", title="Training"); _ = ax.legend()
>>> describe(fig)
'A plot titled "Training": update from 0 to 2 across, cost C from 0.25 to 1 up; 1 line: lr 0.5.'

Written here because no library found says a matplotlib figure in words (alt text generators
describe photographs, not axes).
"""
from __future__ import annotations

import base64
import html
import io
import re

#: Pixel density of the figures a chapter shows: a 6.8 inch figure is 680 px, the width of the
#: book's content column at 1280 px.
DPI = 100


#: TeX commands of the figures' labels, as a screen reader should say them.
_TEX = {r"\eta": "η", r"\sigma": "σ", r"\delta": "δ", r"\Delta": "Δ", r"\partial": "∂",
        r"\nabla": "∇", r"\ell": "ℓ", r"\alpha": "α", r"\lambda": "λ", r"\cdot": "·",
        r"\times": "×", r"\to": "→", r"\infty": "∞", r"\odot": "⊙", r"\approx": "≈",
        r"\leq": "≤", r"\geq": "≥", r"\ln": "ln", r"\log": "log", r"\tanh": "tanh",
        r"\,": " ", r"\;": " ", r"\ ": " "}


def plain(text: str) -> str:
    """``text`` with its mathtext ($w^1_{11}$, $\\eta$) written out plainly: "w^1_11", "η"."""
    if "$" not in text:
        return text
    for command, said in _TEX.items():
        text = text.replace(command, said)
    text = re.sub(r"\\(?:mathrm|text|mathbf|mathit|operatorname)\{([^{}]*)\}", r"\1", text)
    text = re.sub(r"\\([A-Za-z]+)", r"\1", text)        # any other command: its name
    return text.replace("$", "").replace("{", "").replace("}", "")


def _number(x: float) -> str:
    return f"{x:.3g}"


def _finite(x) -> bool:
    return x == x and abs(x) != float("inf")


def _axis(ax, which: str) -> str | None:
    """"<label> from <low> to <high>" for axis ``which`` ("x" or "y"), with "(log scale)"."""
    axis = ax.xaxis if which == "x" else ax.yaxis
    if not axis.get_visible() or not ax.axison:
        return None
    label = plain(axis.get_label().get_text()) or f"{which}"
    # What the data span when the axis fits itself to them; what is shown when it was set.
    auto = ax.get_autoscalex_on() if which == "x" else ax.get_autoscaley_on()
    data = ax.dataLim.intervalx if which == "x" else ax.dataLim.intervaly
    if auto and ax.dataLim.width >= 0 and ax.dataLim.height >= 0 and all(map(_finite, data)):
        low, high = sorted(data)
    else:
        low, high = sorted(ax.get_xlim() if which == "x" else ax.get_ylim())
    scale = " (log scale)" if axis.get_scale() == "log" and "log" not in label else ""
    return f"{label} from {_number(low)} to {_number(high)}{scale}"


def _panel(ax) -> str:
    title = plain(ax.get_title() or ax.get_title("left") or ax.get_title("right"))
    parts = []
    x, y = _axis(ax, "x"), _axis(ax, "y")
    if x and y:
        parts.append(f"{x} across, {y} up")
    lines = [plain(line.get_label()) for line in ax.get_lines()
             if not line.get_label().startswith("_")]
    if lines:
        parts.append(f"{len(lines)} line{'s' * (len(lines) > 1)}: " + ", ".join(lines))
    legend = ax.get_legend()
    if legend is not None and not lines:
        names = [plain(t.get_text()) for t in legend.get_texts() if t.get_text()]
        if names:
            parts.append("legend: " + ", ".join(names))
    if not ax.axison and ax.get_label() and not ax.get_label().startswith("<"):
        parts.append(ax.get_label())          # a drawing says what it is (bpcore.book.graph)
    head = f'A plot titled "{title}"' if title else "A plot"
    return head + (": " + "; ".join(parts) if parts else "")


def _colour_bar(ax) -> str:
    label = plain(ax.get_ylabel() or ax.get_xlabel())
    low, high = sorted(ax.get_ylim() if ax.get_ylabel() or not ax.get_xlabel()
                       else ax.get_xlim())
    return f"a colour bar{' of ' + label if label else ''} from {_number(low)} to {_number(high)}"


def describe(fig) -> str:
    """Alt text for ``fig``: the figure's title, then per panel its title, axes (quantity and
    range), named lines, legend; colour bars by their quantity. Panels drawn without axes (a
    network drawing) are named by their title.

    fig: a ``matplotlib.figure.Figure``. Returns one or more sentences.
    """
    axes = list(fig.get_axes())
    bars = [ax for ax in axes if getattr(ax, "_colorbar", None) is not None
            or ax.get_label() == "<colorbar>"]
    panels = [ax for ax in axes if ax not in bars]
    sentences = []
    suptitle = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) else ""
    if suptitle:
        sentences.append(f'"{plain(suptitle)}"')
    if len(panels) > 1:
        sentences.append(f"{len(panels)} panels")
    for i, ax in enumerate(panels, start=1):
        text = _panel(ax)
        sentences.append((f"Panel {i}: " + text[0].lower() + text[1:]) if len(panels) > 1
                         else text)
    if bars:
        sentences.append("With " + " and ".join(_colour_bar(b) for b in bars))
    return ". ".join(s.rstrip(".") for s in sentences) + "."


def smallest_text_px(fig, dpi: float = DPI) -> float:
    """Height in pixels, as drawn at ``dpi``, of the smallest visible text of ``fig`` (titles,
    labels, tick labels, legends, annotations). Returns infinity for a figure with no text.
    Call it after the figure is drawn (saved), so that its layout is final."""
    texts = [t for t in fig.findobj(lambda a: hasattr(a, "get_fontsize")
                                    and hasattr(a, "get_text"))
             if t.get_visible() and t.get_text().strip()]
    # Smallest first: only texts up to the first one drawn need their place measured.
    for text in sorted(texts, key=lambda t: t.get_fontsize()):
        if _drawn(text):
            return text.get_fontsize() * dpi / 72
    return float("inf")


def _drawn(text) -> bool:
    """Whether ``text`` is inside the figure (tick labels outside the view limits are not)."""
    try:
        box = text.get_window_extent()
    except Exception:                        # pragma: no cover - text with no renderer yet
        return True
    fig_box = text.figure.bbox if text.figure is not None else None
    return fig_box is None or (box.width > 0 and box.overlaps(fig_box))


def png_bytes(fig, dpi: float = DPI) -> bytes:
    """``fig`` as PNG bytes at ``dpi``, cropped to what is drawn (as Jupyter shows it:
    ``savefig(bbox_inches="tight")``, the box padded by ``savefig.pad_inches``).

    Where no layout engine is left to run at drawing time (none, or the placeholder that
    ``fig.tight_layout()`` leaves behind), the box is measured here and passed to ``savefig``.
    Given "tight", savefig draws the whole figure once without rendering before measuring the
    same box, a fifth of the time a figure takes; the PNG is the same.
    """
    import matplotlib as mpl
    from matplotlib.layout_engine import PlaceHolderLayoutEngine
    out = io.BytesIO()
    engine, old_dpi = fig.get_layout_engine(), fig.dpi
    if engine is not None and not isinstance(engine, PlaceHolderLayoutEngine):
        fig.savefig(out, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
        return out.getvalue()
    try:
        fig.set_layout_engine(None)
        fig.dpi = dpi
        box = fig.get_tightbbox().padded(mpl.rcParams["savefig.pad_inches"])
        fig.savefig(out, format="png", dpi=dpi, bbox_inches=box, facecolor="white")
    finally:
        fig.dpi = old_dpi
        if engine is not None:
            fig.set_layout_engine(engine)
    return out.getvalue()


def img_tag(png: bytes, alt: str, min_text_px: float) -> str:
    """An ``<img>`` holding ``png`` (a data URI), with ``alt`` and ``data-min-text-px``; it is
    never wider than its column (``max-width: 100%``)."""
    data = base64.b64encode(png).decode("ascii")
    return (f'<img class="bpcore-figure" src="data:image/png;base64,{data}" '
            f'alt="{html.escape(alt, quote=True)}" data-min-text-px="{min_text_px:.1f}" '
            f'style="max-width:100%;height:auto">')


def to_html(fig) -> str:
    """The figure as an ``<img>`` with its alt text (:func:`describe`) and smallest text size."""
    png = png_bytes(fig)
    return img_tag(png, describe(fig), smallest_text_px(fig))


#: matplotlib settings of the book's figures (:func:`install` sets them). Titles sit at the top
#: of their axes: matplotlib's default (``axes.titley`` None) moves each title above whatever is
#: drawn on top of the axes (tick labels, an x label) at every drawing and measuring, a seventh of
#: a six-panel figure's time; the book draws nothing there, so its titles land where they did.
STYLE = {"axes.titley": 1.0}


def install() -> None:
    """Show every matplotlib figure of this IPython session through :func:`to_html`; drop the
    PNG copy so that the notebook stores each figure once; set :data:`STYLE`. Does nothing
    outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:                      # pragma: no cover - IPython comes with Jupyter
        return
    shell = get_ipython()
    if shell is None:
        return
    import matplotlib as mpl
    from matplotlib.figure import Figure
    # Turn the inline backend on now: turning it on (lazily, at the first figure) resets every
    # formatter of Figure (IPython's select_figure_formats), which would drop ours.
    shell.run_line_magic("matplotlib", "inline")
    mpl.rcParams.update(STYLE)
    formatters = shell.display_formatter.formatters
    formatters["text/html"].for_type(Figure, to_html)
    for mime in ("image/png", "image/jpeg", "image/svg+xml", "application/pdf"):
        formatters[mime].pop(Figure, None)
