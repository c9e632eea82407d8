"""Slider explorers: one figure per slider value, rendered in advance, swapped in the browser.

A slider made with ``ipywidgets.interact`` needs a running kernel: in the built HTML book it
moves but its figure never changes. An :class:`Explorer` works everywhere because it computes
and draws *every* figure the controls can ask for when it is created (at build time, for the
book), and lets the browser pick the one to show:

- every combination of control values gets one frame, a PNG image in an ``ipywidgets.HTML``
  ``<img>`` whose alt text says what is drawn and at which control values
  (:func:`bpcore.book.figures.describe`): an ``ipywidgets.Image`` has no alt text;
- the frames sit in an ``ipywidgets.Stack`` (one Stack per control, nested: the outer Stack has
  one child per value of the first control, each child a Stack over the second control, ...);
- each control's ``index`` is linked to the ``selected_index`` of every Stack at its level with
  ``ipywidgets.jslink``, which runs in the browser: no kernel, no round trip. (A kernel-side
  ``link`` does the same in Python, so that the selected frame can be read and tested there.)

>>> from bpcore.book import explore
>>> def draw(fig, lr):
...     fig.add_subplot().set_title(f"learning rate {lr:g}")
>>> ex = explore.Explorer([explore.slider("learning rate", [0.1, 1.0])], draw, progress=False)
>>> len(ex.frames), ex.selected()
(2, (0.1,))
>>> ex.set(**{"learning rate": 1.0}); ex.selected()
(1.0,)

Two controls make a grid: 7 learning rates x 8 widths is 56 frames. Keep grids small: each
frame costs its computation and about 50-130 ms of drawing, and every frame is stored in the
page (a few tens of kB each after :func:`png` quantises its colours).
"""
from __future__ import annotations

import io
import itertools
import time
from dataclasses import dataclass
from typing import Callable, Sequence

#: Pixel density of the frames, that of every figure of the book (bpcore.book.figures.DPI): a
#: 6.8 x 3.4 inch figure gives a 680 x 340 px image, the width of the book's content column.
DPI = 100


@dataclass(frozen=True)
class Control:
    """One control of an explorer: a slider or a dropdown over a fixed list of values.

    name:   shown beside the control (and the keyword of :meth:`Explorer.set`).
    values: the values, in slider order.
    labels: how each value is written on the control (real values: "0.01", "50", "tanh").
    kind:   "slider" or "dropdown".
    """

    name: str
    values: tuple
    labels: tuple
    kind: str

    def index(self, value) -> int:
        """Position of ``value`` in :attr:`values` (a clear error if it is not one of them)."""
        for i, v in enumerate(self.values):
            if v == value:
                return i
        raise ValueError(f"{self.name}: {value!r} is not one of the explorer's values; "
                         f"choose from {list(self.values)}")


def slider(name: str, values: Sequence, fmt: str | Callable = "{:g}") -> Control:
    """A slider over ``values`` (numbers or names); its readout shows ``fmt`` of the value.

    ``fmt`` is a format string such as "{:g}" or a function value -> str.
    """
    return _control(name, values, fmt, "slider")


def dropdown(name: str, values: Sequence, fmt: str | Callable = "{}") -> Control:
    """A dropdown menu over ``values`` (for choices with no order, such as activations)."""
    return _control(name, values, fmt, "dropdown")


def _control(name, values, fmt, kind) -> Control:
    if not isinstance(name, str) or not name:
        raise TypeError(f"name: expected a non-empty string, got {name!r}")
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"values: expected a list of values for {name!r}, got {values!r}")
    values = tuple(values)
    if not values:
        raise ValueError(f"values: {name!r} needs at least one value, got none")
    show = fmt.format if isinstance(fmt, str) else fmt
    labels = tuple(str(show(v)) for v in values)
    if len(set(labels)) != len(labels):
        raise ValueError(f"fmt: two values of {name!r} get the same label: {list(labels)}; "
                         f"use a format with more digits")
    return Control(name, values, labels, kind)


def png(fig, dpi: int = DPI, colours: int = 96) -> bytes:
    """The figure as PNG bytes, its colours reduced to a palette of ``colours``.

    Line plots, filled regions and text use few colours, so a palette image is 3-5x smaller
    than the full-colour PNG and looks the same: what keeps a page of 50 frames small. The
    figure is rasterised once by Agg and its pixels handed to Pillow directly.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image
    fig.set_dpi(dpi)
    fig.patch.set_facecolor("white")
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(),
                             "raw", "RGBA", 0, 1).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=colours, method=Image.Quantize.MEDIANCUT).save(
        out, format="png", optimize=True)
    return out.getvalue()


class Explorer:
    """Figures for every combination of control values, behind sliders and dropdowns.

    controls: one or more :class:`Control` (from :func:`slider` and :func:`dropdown`).
    draw:     ``draw(fig, *values)`` draws the figure for one combination into the empty
              matplotlib Figure ``fig``: one value per control, in the controls' order.
              It computes (trains) what it needs with bpcore; the explorer calls it once per
              combination, in the order of ``itertools.product`` over the controls.
    figsize:  size of every frame in inches; ``dpi`` its pixel density.
    start:    the values shown first, as a dict name -> value (default: each control's first).
    progress: show a progress bar while the frames are computed: True, False, or None (the
              default) for "when running in a Jupyter kernel". The bar is removed when done,
              which also clears what the cell printed before.

    Attributes: ``controls``, ``frames`` (dict: tuple of values -> PNG bytes), ``alt`` (dict:
    tuple of values -> the frame's alt text), ``min_text_px`` (smallest text of any frame, in
    pixels as drawn),
    ``seconds`` (time to compute and draw all frames), ``nbytes`` (total size of the frames),
    ``widget`` (the ipywidgets box that a notebook displays).
    """

    def __init__(self, controls, draw, figsize=(6.8, 3.4), dpi: int = DPI, start=None,
                 progress=None, title: str | None = None):
        if isinstance(controls, Control):
            controls = [controls]
        controls = list(controls)
        if not controls or not all(isinstance(c, Control) for c in controls):
            raise TypeError("controls: expected a list of explore.slider(...) or "
                            f"explore.dropdown(...) controls, got {controls!r}")
        names = [c.name for c in controls]
        if len(set(names)) != len(names):
            raise ValueError(f"controls: every control needs its own name, got {names}")
        if not callable(draw):
            raise TypeError(f"draw: expected a function draw(fig, *values), got {draw!r}")
        self.controls = controls
        self.title = title
        start = dict(start or {})
        unknown = set(start) - set(names)
        if unknown:
            raise ValueError(f"start: unknown control(s) {sorted(unknown)}; the controls are "
                             f"{names}")
        start_index = [c.index(start[c.name]) if c.name in start else 0 for c in controls]

        keys = list(itertools.product(*(c.values for c in controls)))
        bar = _ProgressBar(len(keys), title or "frames") if _want_progress(progress) else None
        from matplotlib.figure import Figure

        from . import figures
        t0 = time.perf_counter()
        self.frames: dict[tuple, bytes] = {}
        self.alt: dict[tuple, str] = {}
        self.min_text_px = float("inf")
        for n, key in enumerate(keys):
            fig = Figure(figsize=figsize)
            draw(fig, *key)
            self.frames[key] = png(fig, dpi)
            self.alt[key] = self._alt(fig, key)
            self.min_text_px = min(self.min_text_px, figures.smallest_text_px(fig, dpi))
            if bar:
                bar.update(n + 1)
        self.seconds = time.perf_counter() - t0
        if bar:
            bar.close()
        self.widget = self._build_widget(start_index)

    def _alt(self, fig, key) -> str:
        """Alt text of the frame for ``key``: the control values, then what is drawn."""
        from . import figures
        values = ", ".join(f"{c.name} {label}" for c, label in
                           zip(self.controls, (c.labels[c.index(v)]
                                               for c, v in zip(self.controls, key))))
        return f"Frame for {values}. {figures.describe(fig)}"

    # -- the widgets -----------------------------------------------------------------------

    def _build_widget(self, start_index):
        import ipywidgets as W

        from . import figures
        self._inputs = []
        for c, i in zip(self.controls, start_index):
            options = list(zip(c.labels, range(len(c.values))))
            common = dict(options=options, value=i, description=c.name,
                          style={"description_width": "initial"})
            if c.kind == "slider":
                box = W.SelectionSlider(continuous_update=True,
                                        layout=W.Layout(width="380px"), **common)
            else:
                box = W.Dropdown(layout=W.Layout(width="260px"), **common)
            self._inputs.append(box)
        # One Stack per node of the grid's tree; levels[d] holds every Stack of depth d.
        self._levels = [[] for _ in self.controls]
        self._images = {}

        def stack(depth, prefix):
            control = self.controls[depth]
            if depth == len(self.controls) - 1:
                children = []
                for v in control.values:
                    key = prefix + (v,)
                    image = W.HTML(figures.img_tag(self.frames[key], self.alt[key],
                                                   self.min_text_px),
                                   layout=W.Layout(max_width="100%"))
                    self._images[key] = image
                    children.append(image)
            else:
                children = [stack(depth + 1, prefix + (v,)) for v in control.values]
            s = W.Stack(children, selected_index=start_index[depth])
            self._levels[depth].append(s)
            return s

        self._root = stack(0, ())
        self._links = []
        for control_widget, stacks in zip(self._inputs, self._levels):
            for s in stacks:
                # In the browser (HTML book and JupyterLab alike), with no kernel involved ...
                self._links.append(W.jslink((control_widget, "index"), (s, "selected_index")))
                # ... and in the kernel, so that Python sees the same selection.
                W.link((control_widget, "index"), (s, "selected_index"))
        children = [W.HBox(self._inputs, layout=W.Layout(flex_flow="row wrap"))]
        if self.title:
            children.insert(0, W.HTML(f"<b>{self.title}</b>"))
        box = W.VBox(children + [self._root])
        box.add_class("bpcore-explorer")
        return box

    # -- reading and setting the controls from Python --------------------------------------

    @property
    def inputs(self) -> dict:
        """The control widgets by name (SelectionSlider or Dropdown)."""
        return {c.name: w for c, w in zip(self.controls, self._inputs)}

    def set(self, **values) -> None:
        """Move controls to the given values: ``ex.set(**{"learning rate": 0.1})``."""
        for name, value in values.items():
            if name not in self.inputs:
                raise ValueError(f"{name!r} is not a control of this explorer; its controls "
                                 f"are {[c.name for c in self.controls]}")
            control = self.controls[[c.name for c in self.controls].index(name)]
            self.inputs[name].index = control.index(value)

    def selected(self) -> tuple:
        """The values of the frame the Stacks show now, found by walking down the Stacks."""
        node, key = self._root, ()
        for control in self.controls:
            i = node.selected_index
            key += (control.values[i],)
            node = node.children[i]
        if node is not self._images[key]:
            raise AssertionError(f"the Stacks lead to the wrong frame for {key}")
        return key

    @property
    def nbytes(self) -> int:
        """Total size of the frames' PNG images in bytes (the page stores them base64-encoded,
        a third more)."""
        return sum(len(b) for b in self.frames.values())

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        shape = " x ".join(f"{len(c.values)} {c.name}" for c in self.controls)
        return (f"Explorer({shape}: {len(self.frames)} frames, {self.nbytes / 1e3:.0f} kB, "
                f"{self.seconds:.1f} s)")


# -- progress while the frames are computed ----------------------------------------------------

def _want_progress(progress) -> bool:
    if progress is not None:
        return bool(progress)
    try:
        from IPython import get_ipython
    except ImportError:                      # pragma: no cover - IPython comes with Jupyter
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


class _ProgressBar:
    """An ipywidgets progress bar in the cell's output, removed (output cleared) when done."""

    def __init__(self, total: int, what: str):
        import ipywidgets as W
        from IPython.display import display
        self.total, self.what = total, what
        self.bar = W.IntProgress(value=0, min=0, max=total, description=f"0 / {total}",
                                 style={"description_width": "initial"})
        self.t0 = time.perf_counter()
        display(self.bar)

    def update(self, done: int) -> None:
        self.bar.value = done
        self.bar.description = (f"{self.what}: {done} / {self.total} "
                                f"({time.perf_counter() - self.t0:.0f} s)")

    def close(self) -> None:
        from IPython.display import clear_output
        self.bar.close()
        clear_output()
