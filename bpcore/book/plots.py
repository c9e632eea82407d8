"""Figures of the book, drawn with matplotlib from bpcore objects (never from typed-in numbers).

- :func:`draw_network`:     the network as a graph: neurons, weights on the edges, and (given a
                            forward trace) each neuron's weighted input z and activation a.
- :func:`decision_regions`: what a classifier says over the plane, with the data on top.
- :func:`neuron_line`:      the line w1 x1 + w2 x2 + b = 0 of a single neuron with two inputs.
- :func:`activation_curve`: an activation function f(z) (and optionally f'(z)).
- :func:`cost_curve`:       the cost against updates for one or more training runs (log scale).
- :func:`error_surface`:    contours of C over two weights, with gradient-descent paths on top.
- :func:`log_ticks_in_view`: a log axis's ticks fixed to those in view (faster to draw).

Every function but ``neuron_line`` and ``log_ticks_in_view`` (which need their ``ax``) draws
into ``ax`` if given, else into a new figure, and returns the axes.
"""
from __future__ import annotations

import numpy as np

#: Colours of the two classes, used by every figure (colour-blind safe pair), and their
#: markers, so that the classes differ in shape as well as colour.
CLASS_COLOURS = ("#d95f02", "#1b9e77")
CLASS_MARKERS = ("o", "s")
#: Colours of successive runs: the same run has the same colour in a path and in a cost curve.
RUN_COLOURS = ("#d62728", "#ff7f0e", "#e377c2", "#17becf", "#1f77b4", "black")
#: Line styles and markers of successive runs, so that runs are told apart without colour too.
RUN_STYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (8, 2)))
RUN_MARKERS = ("o", "s", "^", "D", "v", "x")


def _axes(ax, figsize):
    if ax is None:
        import matplotlib.pyplot as plt
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _finish(ax, xlabel, ylabel, title=None, legend=None):
    """Name the axes, add the legend (``legend``: its keyword arguments; None for no legend)
    and the title (if any); return ``ax``."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if legend is not None:
        ax.legend(**legend)
    if title:
        ax.set_title(title)
    return ax


def _runs(items, labels):
    """(item, label, colour) for each run: labels default to None, colours cycle RUN_COLOURS,
    so that run i has the same colour in every figure (and the same style: :func:`_style`)."""
    labels = labels or [None] * len(items)
    return list(zip(items, labels, RUN_COLOURS * len(items)))


def _style(colour):
    """Line style and marker of the run drawn in ``colour``: run i gets RUN_STYLES[i] and
    RUN_MARKERS[i] as well as RUN_COLOURS[i], so that a reader who cannot tell the colours
    apart (or prints in grey) still can tell the runs."""
    i = RUN_COLOURS.index(colour) if colour in RUN_COLOURS else 0
    return RUN_STYLES[i], RUN_MARKERS[i]


#: Layout of :func:`draw_network`, in data units: layer spacing, neuron spacing, box size.
DX, DY, BOX_W, BOX_H = 3.0, 1.5, 1.25, 0.95


def _layer_positions(sizes):
    """(x, y) of the centre of neuron j of layer l: layers DX apart left to right, neurons DY
    apart from y = 0 down, each layer centred on the tallest one."""
    tallest = max(sizes)
    return [[(DX * l, -DY * (j + (tallest - n) / 2)) for j in range(n)]
            for l, n in enumerate(sizes)]


def draw_network(net, trace=None, sample=0, neuron_names=None, weight_names=None,
                 ax=None, title=None, decimals=4, show_weights=None, gradients=None,
                 cost_name="C"):
    """Draw ``net``: every weight w^l_jk on its edge, each neuron as a box with its bias.

    trace:        a :class:`bpcore.Trace` from ``net.forward``; if given, each box also shows
                  the neuron's z (``net``) and a (``out``) for column ``sample`` of the batch.
    neuron_names: optional labels per layer, e.g. [["i1", "i2"], ["h1", "h2"], ["o1", "o2"]].
    weight_names: optional dict (l, j, k) -> label (1-based, as w^l_jk), e.g. "w5".
    show_weights: write each weight on its edge; by default only when no layer has more than
                  3 neurons (beyond that the labels cover each other).
    gradients:    a :class:`bpcore.Gradients` from ``net.gradients``: draws the backward pass
                  instead. Each edge then carries dC/dw (BP4) with an arrow pointing back
                  towards the input, and each box shows the neuron's a and delta (BP1, BP2).
                  ``cost_name`` names the cost in the labels (the worked example's "E").
    """
    if show_weights is None:
        show_weights = max(net.sizes) <= 3
    if gradients is not None:
        trace = gradients.trace
    sizes = net.sizes
    ax = _axes(ax, (3.3 * len(sizes), 1.8 * max(sizes) + 1.2))
    pos = _layer_positions(sizes)
    for l in range(1, len(sizes)):
        for j in range(sizes[l]):
            for k in range(sizes[l - 1]):
                label = (_weight_label(net, gradients, weight_names, (l, j, k), decimals,
                                       cost_name) if show_weights else None)
                _draw_edge(ax, pos[l - 1][k], pos[l][j], label, backward=gradients is not None)
    for l, layer in enumerate(pos):
        colour = "#cfe2f3" if l == 0 else ("#fde9c9" if l == len(sizes) - 1 else "#d9ead3")
        for j, xy in enumerate(layer):
            label = neuron_names[l][j] if neuron_names else (
                f"$x_{{{j + 1}}}$" if l == 0 else f"$a^{{{l}}}_{{{j + 1}}}$")
            _draw_neuron(ax, xy, colour, label,
                         _neuron_lines(net, trace, gradients, l, j, sample, decimals))
    _frame_layers(ax, sizes)
    if title:
        ax.set_title(title)
    return ax


#: Colour of everything the backward pass computed, in :func:`draw_network`.
BACKWARD = "#a61c3c"


def _weight_label(net, gradients, weight_names, ljk, decimals, cost_name) -> str:
    """The label of the edge of w^l_jk (``ljk`` = (l, j, k), j and k from 0): its value, or
    with ``gradients``, dC/dw^l_jk."""
    l, j, k = ljk
    name = (weight_names or {}).get((l, j + 1, k + 1), f"$w^{{{l}}}_{{{j + 1}{k + 1}}}$")
    if gradients is None:
        return f"{name} = {net.W[l][j, k]:.{min(decimals, 3)}g}"
    return (rf"$\partial {cost_name}/\partial {name.strip('$')}$ = "
            f"{gradients.W[l][j, k]:.{min(decimals, 3)}g}")


def _draw_edge(ax, start, end, label, backward):
    """The edge from the neuron at ``start`` to the one at ``end`` (box centres), with
    ``label`` on it unless None; ``backward``: an arrow back towards the input."""
    (x0, y0), (x1, y1) = start, end
    x0, x1 = x0 + BOX_W / 2, x1 - BOX_W / 2
    if not backward:
        ax.plot([x0, x1], [y0, y1], color="0.55", lw=1.2, zorder=1)
    else:                                # the error flows back: arrows from layer l to l - 1
        ax.annotate("", xy=(x0, y0), xytext=(x1, y1), zorder=1,
                    arrowprops=dict(arrowstyle="-|>", color=BACKWARD, lw=1.2,
                                    shrinkA=0, shrinkB=0, mutation_scale=12))
    if label is None:
        return
    # Straight edges are labelled at their middle. Crossing edges meet at their middles, so
    # they are labelled a quarter of the way along, where they are apart. (Gradient labels are
    # longer: they go a little further in, clear of the box.)
    frac = 0.5 if y0 == y1 else (0.37 if backward else 0.25)
    ax.text(x0 + frac * (x1 - x0), y0 + frac * (y1 - y0), label,
            fontsize=8.5 if backward else 9, ha="center", va="center", zorder=3,
            color=BACKWARD if backward else "black",
            bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="0.8", lw=0.6))


def _neuron_lines(net, trace, gradients, l, j, sample, decimals) -> list:
    """What the box of neuron j (from 0) of layer l shows under its name."""
    lines = []
    if trace is not None:
        if l == 0:
            lines.append(f"in {trace.a[0][j, sample]:.{decimals}g}")
        elif gradients is None:
            lines.append(f"net {trace.z[l][j, sample]:.{decimals}g}")
            lines.append(f"out {trace.a[l][j, sample]:.{decimals}g}")
        else:
            lines.append(f"out {trace.a[l][j, sample]:.{decimals}g}")
            lines.append(f"δ {gradients.delta[l][j, sample]:.{decimals}g}")
    if l > 0 and gradients is None:
        lines.append(f"b = {net.b[l][j, 0]:.{min(decimals, 3)}g}")
    return lines


def _draw_neuron(ax, xy, colour, label, lines):
    """A neuron's box centred at ``xy``: ``label`` in bold, then ``lines``."""
    from matplotlib.patches import FancyBboxPatch
    x, y = xy
    ax.add_patch(FancyBboxPatch((x - BOX_W / 2, y - BOX_H / 2), BOX_W, BOX_H,
                                boxstyle="round,pad=0.02", facecolor=colour,
                                edgecolor="0.25", lw=1.2, zorder=4))
    ax.text(x, y + BOX_H / 2 - 0.08, label, ha="center", va="top", fontsize=11,
            fontweight="bold", zorder=5)
    if lines:
        ax.text(x, y + BOX_H / 2 - 0.36, "\n".join(lines), ha="center", va="top",
                fontsize=8.5, zorder=5, linespacing=1.25)


def _frame_layers(ax, sizes):
    """Limits fitting the network, no axes, and each layer's name above it."""
    ax.set_xlim(-BOX_W / 2 - 0.2, DX * (len(sizes) - 1) + BOX_W / 2 + 0.2)
    ax.set_ylim(-DY * (max(sizes) - 1) - BOX_H / 2 - 0.2, BOX_H / 2 + 0.65)
    ax.set_aspect("equal")
    ax.axis("off")
    layer_names = ["input layer"] + ["hidden layer"] * (len(sizes) - 2) + ["output layer"]
    for l, name in enumerate(layer_names):
        ax.text(DX * l, BOX_H / 2 + 0.15, f"{name} (l = {l})", ha="center", va="bottom",
                fontsize=9, color="0.3")


def decision_regions(net, X, Y, ax=None, title=None, resolution=200, margin=0.5, legend=True):
    """Shade the plane by the class ``net`` predicts and draw the samples on top.

    Works for one output (class 1 where a^L > 0.5) and for one-hot outputs (argmax).
    ``X`` is (2, m); ``Y`` is (1, m) labels or (2, m) one-hot. ``legend=False`` leaves out
    the legend (placing it costs a slider frame a third of its drawing time).
    """
    from matplotlib.colors import ListedColormap
    ax = _axes(ax, (5, 4.5))
    x_lo, y_lo = X.min(axis=1) - margin
    x_hi, y_hi = X.max(axis=1) + margin
    gx, gy = np.meshgrid(np.linspace(x_lo, x_hi, resolution), np.linspace(y_lo, y_hi, resolution))
    A = net.predict(np.vstack([gx.ravel(), gy.ravel()]))
    region = (A[0] > 0.5) if A.shape[0] == 1 else A.argmax(axis=0)
    ax.contourf(gx, gy, region.reshape(gx.shape).astype(float), levels=[-0.5, 0.5, 1.5],
                cmap=ListedColormap(CLASS_COLOURS), alpha=0.22)
    labels = (Y[0] > 0.5) if Y.shape[0] == 1 else Y.argmax(axis=0)
    for c in (0, 1):
        pts = X[:, labels == c]
        ax.scatter(pts[0], pts[1], s=22, color=CLASS_COLOURS[c], marker=CLASS_MARKERS[c],
                   edgecolor="black", lw=0.4, label=f"class {c}", zorder=3)
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    return _finish(ax, "$x_1$", "$x_2$", title, dict(loc="best", fontsize=9) if legend else None)


def neuron_line(net, ax, **style):
    """Draw the line w1 x1 + w2 x2 + b = 0 of a network with sizes [2, 1] across ``ax``."""
    if net.sizes != [2, 1]:
        raise ValueError(f"net: neuron_line needs a single neuron with two inputs "
                         f"(sizes [2, 1]), got sizes {net.sizes}")
    (w1, w2), b = net.W[1][0], net.b[1][0, 0]
    x_lo, x_hi = ax.get_xlim()
    y_lo, y_hi = ax.get_ylim()
    style = {"color": "black", "lw": 2, "label": f"${w1:.3g}\\,x_1 {_signed(w2)}\\,x_2 "
             f"{_signed(b)} = 0$", **style}
    if abs(w2) > abs(w1):
        xs = np.array([x_lo, x_hi])
        ax.plot(xs, -(w1 * xs + b) / w2, **style)
    else:
        ys = np.array([y_lo, y_hi])
        ax.plot(-(w2 * ys + b) / w1, ys, **style)
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ax.legend(loc="best", fontsize=9)
    return ax


def _signed(value) -> str:
    """'+ 0.3' or '- 0.3': a term written after another one."""
    return f"{'-' if value < 0 else '+'} {abs(value):.3g}"


def activation_curve(name, ax=None, derivative=False, z=None, title=None):
    """Plot the activation ``name`` from the registry (and its derivative f' if asked)."""
    from ..activations import get_activation
    act = get_activation(name)
    ax = _axes(ax, (4.5, 3.2))
    z = np.linspace(-5, 5, 1001) if z is None else z
    a = act.f(z)
    ax.plot(z, a, lw=2, label=f"{act.name}(z)")
    if derivative:
        ax.plot(z, act.df(z, a), lw=2, ls="--", label=f"{act.name}'(z)")
    ax.axhline(0, color="0.7", lw=0.8)
    ax.axvline(0, color="0.7", lw=0.8)
    return _finish(ax, "weighted input z", "activation a = f(z)", title or act.name,
                   dict(loc="best", fontsize=9))


def _plain_log_axis(axis):
    """Log-scale tick labels written as plain numbers (0.01, 0.1, 1), not mathtext powers:
    easier to read, and much faster to draw (mathtext parsing dominates a small frame)."""
    from matplotlib.ticker import FuncFormatter, NullFormatter
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


def log_ticks_in_view(ax):
    """Fix the ticks of ``ax``'s log-scale axes to those its automatic locators give inside the
    current view: the same ticks and labels, drawn the same, but only the ticks seen are made
    (a log locator also returns a decade beyond each end, and every tick costs its text).
    Call it once the limits are final. Returns ``ax``."""
    from matplotlib.ticker import FixedLocator
    for axis, (lo, hi) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
        if axis.get_scale() != "log":
            continue
        lo, hi = sorted((lo, hi))
        for locator, setter in ((axis.get_major_locator(), axis.set_major_locator),
                                (axis.get_minor_locator(), axis.set_minor_locator)):
            ticks = np.asarray(locator())
            inside = ticks[(ticks >= lo * (1 - 1e-9)) & (ticks <= hi * (1 + 1e-9))]
            setter(FixedLocator(inside))
    return ax


def cost_curve(histories, ax=None, labels=None, title=None, x="step", logy=True):
    """Plot the cost of one or more :class:`bpcore.History` (or
    :class:`bpcore.book.surface.Path`) against the update number (``x="step"``), the epoch
    (``x="epoch"``) or the measured training time of a History (``x="seconds"``); log-scale
    cost."""
    if x not in ("step", "epoch", "seconds"):
        raise ValueError(f"x: expected 'step', 'epoch' or 'seconds', got {x!r}")
    ax = _axes(ax, (5, 3.2))
    if not isinstance(histories, (list, tuple)):
        histories = [histories]
    runs = _runs(histories, labels)
    if logy:                      # before plotting: switching scale later autoscales again
        ax.set_yscale("log")
    for h, label, colour in runs:
        steps = getattr(h, "step", None)
        steps = np.arange(len(h.cost)) if steps is None else steps
        if x == "epoch":
            steps = steps * (h.epochs / max(h.updates, 1))
        elif x == "seconds":
            steps = h.seconds
        cost = np.minimum(np.asarray(h.cost, dtype=float), 1e200) if logy else h.cost
        style, marker = _style(colour)
        ax.plot(steps, cost, lw=1.8, label=label, color=colour, linestyle=style,
                marker=marker, markevery=max(len(cost) // 6, 1), ms=5)
    if logy:
        _plain_log_axis(ax.yaxis)
        # Set the limits ourselves: autoscaling adds a margin in log space, which overflows
        # for a diverging run whose cost reached 1e300 (beyond 1e200 the curve is cut off).
        costs = np.concatenate([np.asarray(h.cost, dtype=float) for h in histories])
        costs = costs[np.isfinite(costs) & (costs > 0)]
        if costs.size:
            lo, hi = costs.min(), costs.max()
            ax.set_ylim(lo / 1.5, min(hi * 1.5, 1e200))
    xlabel = {"step": "update", "epoch": "epoch", "seconds": "training time (s)"}[x]
    legend = dict(loc="best", fontsize=9) if any(label for _, label, _ in runs) else None
    return _finish(ax, xlabel, "cost C", title, legend)


def error_surface(u, v, C, ax=None, paths=(), labels=None, title=None, names=("p", "q"),
                  levels=18, minima=(), colorbar=True):
    """Contours of the cost ``C`` (from :meth:`bpcore.book.surface.ErrorSurface.grid`) over
    the weights ``u`` (x axis) and ``v`` (y axis), log-spaced so that shallow valleys show, and
    each :class:`bpcore.book.surface.Path` in ``paths`` drawn on top (start marked with a
    circle, each path in its own colour, line style and marker).

    minima:   points to mark with a star and a label, as ``[(p, q, "label"), ...]`` (the
              valleys' bottoms, found by gradient descent).
    colorbar: draw a colour bar "cost C (log scale)" beside the axes: which colour is low.
    """
    from matplotlib.colors import LogNorm
    ax = _axes(ax, (5, 4.2))
    floor = max(float(np.min(C[C > 0])) if np.any(C > 0) else 1e-6, 1e-6)
    lev = np.geomspace(floor, float(np.max(C)), levels)
    filled = ax.contourf(u, v, np.maximum(C, floor), levels=lev, norm=LogNorm(),
                         cmap="viridis_r", alpha=0.85)
    if colorbar:
        bar = ax.figure.colorbar(filled, ax=ax, pad=0.02)
        bar.set_label("cost C (log scale)")
        low, high = lev[0], lev[-1]
        bar.set_ticks([10.0 ** k for k in range(int(np.ceil(np.log10(low))),
                                                int(np.floor(np.log10(high))) + 1)])
        _plain_log_axis(bar.ax.yaxis)
    ax.contour(u, v, np.maximum(C, floor), levels=lev, colors="white", linewidths=0.4,
               alpha=0.6)
    runs = _runs(paths, labels)
    for path, label, colour in runs:
        pts = path.points
        style, marker = _style(colour)
        ax.plot(pts[:, 0], pts[:, 1], color=colour, linestyle=style, marker=marker, ms=3,
                lw=1.4, label=label, zorder=3)
        ax.plot(pts[0, 0], pts[0, 1], "o", ms=8, mfc="none", mec=colour, mew=2, zorder=4)
    for p, q, name in minima:
        ax.plot(p, q, "*", ms=14, mfc="white", mec="black", mew=1.2, zorder=5)
        ax.annotate(name, (p, q), xytext=(7, 7), textcoords="offset points", fontsize=9,
                    zorder=5, bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none",
                                        alpha=0.85))
    ax.set_xlim(u[0], u[-1])
    ax.set_ylim(v[0], v[-1])
    legend = dict(loc="lower right", fontsize=8) if any(label for _, label, _ in runs) else None
    return _finish(ax, names[0], names[1], title, legend)
