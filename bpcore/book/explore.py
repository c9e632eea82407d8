"""Slider explorers: one figure per combination of control values, swapped in the browser.

A slider made with ``ipywidgets.interact`` needs a running kernel: in the built HTML book it
moves but its figure never changes. An :class:`Explorer` works everywhere because the browser
picks the figure to show among frames the kernel has drawn:

- every combination of control values gets one frame, a PNG image in an ``ipywidgets.HTML``
  ``<img>`` whose alt text says what is drawn and at which control values
  (:func:`bpcore.book.figures.describe`): an ``ipywidgets.Image`` has no alt text;
- the frames sit in an ``ipywidgets.Stack`` (one Stack per control, nested: the outer Stack has
  one child per value of the first control, each child a Stack over the second control, ...);
- each control's ``index`` is linked to the ``selected_index`` of every Stack at its level with
  ``ipywidgets.jslink``, which runs in the browser: no kernel, no round trip. (A kernel-side
  ``link`` does the same in Python, so that the selected frame can be read and tested there.)

When are the frames drawn? Two cases, told apart by the environment variable
``BPBOOK_PRECOMPUTE`` (:data:`PRECOMPUTE_VARIABLE`):

- **The book's build**, ``BPBOOK_PRECOMPUTE=1``: every frame is computed and drawn when the
  explorer is created (with a progress bar in a kernel). nbclient saves the widget state, every
  frame in it, with the executed notebook, and the built page embeds that state: the sliders
  of the static page need no kernel. ``make book`` and ``make test`` set the variable on the
  ``jupyter-book build`` command only; jupyter-book starts each chapter's kernel as a
  subprocess, which inherits it. (The execution cache keys a chapter on its code, not on this
  variable: the Makefile stops if a page holds a frame not drawn, by a build without it.)
- **A live kernel**, the variable unset, empty or ``0`` (a student's JupyterLab, ``make lab``,
  a downloaded notebook): only the frame of the start values is drawn when the explorer is
  created, so that running the chapter does not wait for the whole grid. Every other frame is
  a placeholder until a control moves to it; the kernel (an ``observe`` on each control) then
  computes and draws it, shows it and keeps it, so that a second visit shows it at once. A
  slider there updates when it is released, not while it is dragged past frames nobody asked
  for. The explorer's box carries the class ``bpcore-explorer-on-demand``
  (:data:`ON_DEMAND_CLASS`).

``Explorer(..., precompute=True)`` (or ``False``) decides for one explorer, whatever the
variable says.

>>> from bpcore.book import explore
>>> def draw(fig, lr):
...     fig.add_subplot().set_title(f"learning rate {lr:g}")
>>> ex = explore.Explorer([explore.slider("learning rate", [0.1, 1.0])], draw,
...                       progress=False, precompute=True)
>>> len(ex.frames), ex.selected()
(2, (0.1,))
>>> ex.set(**{"learning rate": 1.0}); ex.selected()
(1.0,)
>>> lazy = explore.Explorer([explore.slider("learning rate", [0.1, 1.0])], draw,
...                         progress=False, precompute=False)
>>> len(lazy.frames), len(lazy.keys)
(1, 2)
>>> lazy.set(**{"learning rate": 1.0}); len(lazy.frames)     # drawn when first selected
2

Two controls make a grid: 7 learning rates x 8 widths is 56 frames. Keep grids small: each
frame costs its computation and about 50-130 ms of drawing (in a live kernel, that is what a
move to a new frame waits), and every frame is stored in the built page (a few tens of kB each
after :func:`png` quantises its colours).
"""
from __future__ import annotations

import html
import io
import itertools
import time
from dataclasses import dataclass
from typing import Callable, Sequence

from . import build

#: Pixel density of the frames, that of every figure of the book (bpcore.book.figures.DPI): a
#: 6.8 x 3.4 inch figure gives a 680 x 340 px image, the width of the book's content column.
DPI = 100

#: The book build's variable (:mod:`bpcore.book.build`): set, every explorer draws all its
#: frames when created; unset, each frame is drawn when a control first selects it.
PRECOMPUTE_VARIABLE = build.VARIABLE

#: The class of an explorer's box when its frames are drawn on demand (a live kernel).
ON_DEMAND_CLASS = "bpcore-explorer-on-demand"

#: The class of the placeholder shown where a frame has not been drawn yet.
PENDING_CLASS = "bpcore-frame-pending"


def precompute_from_environment(environ=None) -> bool:
    """True when ``environ`` (default ``os.environ``) asks for every frame in advance: in the
    book's build (:func:`bpcore.book.build.is_book_build`)."""
    return build.is_book_build(environ)


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
              combination it draws (all of them in the order of ``itertools.product`` over the
              controls when precomputing), so it must depend on its arguments only.
    figsize:  size of every frame in inches; ``dpi`` its pixel density.
    start:    the values shown first, as a dict name -> value (default: each control's first).
    progress: show a progress bar while every frame is computed: True, False, or None (the
              default) for "when running in a Jupyter kernel". The bar is removed when done,
              which also clears what the cell printed before.
    precompute: draw every frame now (True), or only the start frame now and each other one
              when a control first selects it (False); None (the default) reads the build's
              variable ``BPBOOK_PRECOMPUTE`` (see the module's docstring).

    Attributes: ``controls``, ``keys`` (every combination, as tuples of values),
    ``precompute``, ``frames`` (dict: tuple of values -> PNG bytes, the frames drawn so far),
    ``alt`` (dict: tuple of values -> the frame's alt text), ``min_text_px`` (smallest text of
    any frame drawn, in pixels as drawn), ``frame_seconds`` (dict: tuple of values -> the time
    to compute and draw that frame), ``seconds`` (time to compute and draw the frames so far),
    ``nbytes`` (total size of the frames), ``widget`` (the ipywidgets box that a notebook
    displays).
    """

    def __init__(self, controls, draw, figsize=(6.8, 3.4), dpi: int = DPI, start=None,
                 progress=None, title: str | None = None, precompute: bool | None = None):
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
        self.precompute = (precompute_from_environment() if precompute is None
                           else bool(precompute))
        self._draw, self._figsize, self._dpi = draw, figsize, dpi

        self.keys = list(itertools.product(*(c.values for c in controls)))
        self.frames: dict[tuple, bytes] = {}
        self.alt: dict[tuple, str] = {}
        self.frame_seconds: dict[tuple, float] = {}
        self.min_text_px = float("inf")
        self.seconds = 0.0
        todo = (self.keys if self.precompute else
                [tuple(c.values[i] for c, i in zip(controls, start_index))])
        bar = (_ProgressBar(len(todo), title or "frames")
               if self.precompute and _want_progress(progress) else None)
        for n, key in enumerate(todo):
            self._compute(key)
            if bar:
                bar.update(n + 1)
        if bar:
            bar.close()
        self.widget = self._build_widget(start_index)
        if not self.precompute:
            for control_widget in self._inputs:
                control_widget.observe(self._moved, names="index")

    # -- the frames --------------------------------------------------------------------------

    def _compute(self, key) -> None:
        """Compute and draw the frame for ``key`` (a tuple of values) and keep it."""
        from matplotlib.figure import Figure

        from . import figures
        t0 = time.perf_counter()
        fig = Figure(figsize=self._figsize)
        self._draw(fig, *key)
        self.frames[key] = png(fig, self._dpi)
        self.alt[key] = self._alt(fig, key)
        self.min_text_px = min(self.min_text_px, figures.smallest_text_px(fig, self._dpi))
        self.frame_seconds[key] = time.perf_counter() - t0
        self.seconds += self.frame_seconds[key]

    def frame(self, *values) -> bytes:
        """The PNG of the frame for ``values`` (one per control), drawn now if it was not yet;
        the explorer's widget then shows it in place of the placeholder."""
        key = tuple(values)
        if key not in self._images:
            raise ValueError(f"values: {key!r} is not a combination of this explorer's values; "
                             f"its controls are {[c.name for c in self.controls]}")
        if key not in self.frames:
            self._compute(key)
            self._images[key].value = self._frame_html(key)
        return self.frames[key]

    def _moved(self, change=None) -> None:
        """A control moved (in the browser or from Python): draw the frame it selects if it has
        not been drawn. An error is shown in the frame's place (a kernel-side callback has no
        cell to print into) and the frame is tried again on the next visit."""
        if getattr(self, "_holding", False):    # set() moves several: it draws once, after
            return
        key = tuple(c.values[w.index] for c, w in zip(self.controls, self._inputs))
        try:
            self.frame(*key)
        except Exception as error:          # shown to the reader, not lost in the kernel's log
            self._images[key].value = (
                f'<div class="{PENDING_CLASS}" style="{self._box_style()}">'
                f'Could not draw this frame: {html.escape(type(error).__name__)}: '
                f'{html.escape(str(error))}</div>')

    def _frame_html(self, key) -> str:
        """The HTML of one frame: its ``<img>``, or the placeholder of a frame not drawn yet."""
        from . import figures
        if key in self.frames:
            return figures.img_tag(self.frames[key], self.alt[key], self.min_text_px)
        values = html.escape(self._values_said(key))
        return (f'<div class="{PENDING_CLASS}" role="img" '
                f'aria-label="The figure for {values}, being computed" '
                f'style="{self._box_style()}">Computing the figure for {values} '
                f'(in the running kernel)&hellip;</div>')

    def _box_style(self) -> str:
        """CSS of a placeholder: the size of a frame, so that the page does not jump."""
        width, height = (round(x * self._dpi) for x in self._figsize)
        return (f"width:{width}px;max-width:100%;aspect-ratio:{width}/{height};display:flex;"
                f"align-items:center;justify-content:center;text-align:center;padding:1em;"
                f"box-sizing:border-box;border:1px dashed #999;color:#555")

    def _values_said(self, key) -> str:
        """The control values of ``key`` as the controls show them: "learning rate 0.1, ..."."""
        return ", ".join(f"{c.name} {c.labels[c.index(v)]}" for c, v in zip(self.controls, key))

    def _alt(self, fig, key) -> str:
        """Alt text of the frame for ``key``: the control values, then what is drawn."""
        from . import figures
        return f"Frame for {self._values_said(key)}. {figures.describe(fig)}"

    # -- the widgets -----------------------------------------------------------------------

    def _build_widget(self, start_index):
        import ipywidgets as W

        self._inputs = []
        for c, i in zip(self.controls, start_index):
            options = list(zip(c.labels, range(len(c.values))))
            common = dict(options=options, value=i, description=c.name,
                          style={"description_width": "initial"})
            if c.kind == "slider":
                # Drawn on demand, a frame is drawn when the slider is let go, not for every
                # position it is dragged past.
                box = W.SelectionSlider(continuous_update=self.precompute,
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
                    image = W.HTML(self._frame_html(key), layout=W.Layout(max_width="100%"))
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
        if not self.precompute:
            box.add_class(ON_DEMAND_CLASS)
        return box

    # -- reading and setting the controls from Python --------------------------------------

    @property
    def inputs(self) -> dict:
        """The control widgets by name (SelectionSlider or Dropdown)."""
        return {c.name: w for c, w in zip(self.controls, self._inputs)}

    def set(self, **values) -> None:
        """Move controls to the given values: ``ex.set(**{"learning rate": 0.1})`` (drawing on
        demand, only the frame of all the new values, not one per control moved)."""
        indices = {}
        for name, value in values.items():
            if name not in self.inputs:
                raise ValueError(f"{name!r} is not a control of this explorer; its controls "
                                 f"are {[c.name for c in self.controls]}")
            indices[name] = self.controls[[c.name for c in self.controls].index(name)].index(value)
        self._holding = True
        try:
            for name, index in indices.items():
                self.inputs[name].index = index
        finally:
            self._holding = False
        if not self.precompute:
            self._moved()

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
        drawn = (f"{len(self.frames)} frames" if len(self.frames) == len(self.keys)
                 else f"{len(self.frames)} of {len(self.keys)} frames drawn")
        return f"Explorer({shape}: {drawn}, {self.nbytes / 1e3:.0f} kB, {self.seconds:.1f} s)"


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
