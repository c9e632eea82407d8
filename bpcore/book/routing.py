"""BP2's transpose, drawn: the weights that carry a^l forward carry delta^{l+1} back.

The weight w^{l+1}_{jk} sits on the edge from neuron k of layer l to neuron j of layer l+1, in
row j and column k of W^{l+1} (shape (n_{l+1}, n_l)). The same edge is used both ways:

    forward    z^{l+1}_j = sum_k w^{l+1}_{jk} a^l_k + b^{l+1}_j
               row j of W^{l+1}: the edges INTO neuron j of layer l+1
    backward   ((W^{l+1})^T delta^{l+1})_k = sum_j w^{l+1}_{jk} delta^{l+1}_j
               column k of W^{l+1}: the edges OUT OF neuron k of layer l
    BP2        delta^l_k = ((W^{l+1})^T delta^{l+1})_k sigma'(z^l_k)

:func:`draw_transpose` draws the two side by side for a real network and sample: the edges of
row j (left) and of column k (right) thick and labelled with their weights, every other edge
thin, and under each panel the matrix W^{l+1} with that row or column boxed. Forward and
backward differ in line style (solid, dashed), arrow direction and colour, so colour is never
the only cue. Each panel says in its axes label what it shows, which becomes the figure's alt
text (:func:`bpcore.book.figures.describe`).

Indices j and k are the book's, counted from 1 (w^{l+1}_{jk} is ``net.W[l + 1][j - 1, k - 1]``).
"""
from __future__ import annotations

import numpy as np

#: Colours of the forward row and the backward column (the backward one is the network
#: drawing's, :data:`bpcore.book.plots.BACKWARD`), and their line styles.
FORWARD, BACKWARD = "#1f5fa8", "#a61c3c"
STYLE = {"forward": "-", "backward": (0, (4, 2))}
#: Panel geometry in inches (one data unit is one inch): panel width, the x of layer l and of
#: layer l+1, the vertical gap between neurons, a neuron's radius, a matrix cell's size.
PANEL_W, X_LEFT, X_RIGHT, GAP, RADIUS = 3.3, 1.05, 2.2, 0.5, 0.12
CELL_W, CELL_H = 0.5, 0.24
#: Text size in points (>= 8 pt everywhere, 9 pt at the figure's 100 dpi is 12.5 px).
FONT = 9
#: Room above the first neuron, for the panel's title and the layers' names (inches).
HEAD = 0.62


def _index(value, argument, low, high, what):
    """Raise ValueError naming ``argument`` unless ``value`` is a whole number low..high."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
            or not low <= value <= high:
        raise ValueError(f"{argument}: expected {what} from {low} to {high}, got {value!r}")


def _check(net, layer, j, k, sample, m):
    """Check ``layer`` (BP2 links l to l+1 for l = 1..L-1), ``j`` (1..n_{l+1}), ``k``
    (1..n_l) and ``sample`` (0..m-1)."""
    _index(layer, "layer", 1, net.L - 1, "a layer l whose errors BP2 computes, l")
    _index(j, "j", 1, net.sizes[layer + 1], f"a neuron of layer {layer + 1}")
    _index(k, "k", 1, net.sizes[layer], f"a neuron of layer {layer}")
    _index(sample, "sample", 0, m - 1, "a column of X")


def _positions(n, top):
    """y of n neurons GAP apart, from ``top`` down."""
    return [top - GAP * i for i in range(n)]


def _layer(ax, x, ys, colour_of, names, values, side, show_value=True):
    """Neurons at (x, y) for y in ``ys``: a circle each, with "name = value" beside it
    (``side`` "left" or "right"; the name alone without ``show_value``; nothing where the
    name is None), in the colour ``colour_of(i)`` (None: plain)."""
    from matplotlib.patches import Circle
    for i, y in enumerate(ys):
        colour = colour_of(i)
        ax.add_patch(Circle((x, y), RADIUS, facecolor="white" if colour is None else colour,
                            edgecolor="0.25" if colour is None else colour, lw=1.4, zorder=4))
        if names[i] is None:
            continue
        dx = -(RADIUS + 0.06) if side == "left" else RADIUS + 0.06
        text = f"{names[i]} = {values[i]:.2g}" if show_value else names[i]
        ax.text(x + dx, y, text, ha="right" if side == "left"
                else "left", va="center", fontsize=FONT, zorder=5,
                color="black" if colour is None else colour,
                fontweight="normal" if colour is None else "bold")


def _edge(ax, start, end, highlighted, direction, label, frac, gid):
    """The edge from ``start`` (layer l) to ``end`` (layer l+1). Highlighted: thick, in the
    direction's colour and style, with an arrowhead at the end the signal arrives at, and
    ``label`` at ``frac`` of the way from ``start``."""
    (x0, y0), (x1, y1) = start, end
    if not highlighted:
        ax.plot([x0, x1], [y0, y1], color="0.75", lw=0.8, zorder=1, gid=gid)
        return
    colour = FORWARD if direction == "forward" else BACKWARD
    ax.plot([x0, x1], [y0, y1], color=colour, lw=2.4, ls=STYLE[direction], zorder=2, gid=gid)
    # the arrowhead just outside the neuron the signal flows into
    (ax_, ay), (bx, by) = ((start, end) if direction == "forward" else (end, start))
    length = np.hypot(bx - ax_, by - ay)
    tip = (bx - (bx - ax_) * (RADIUS + 0.02) / length, by - (by - ay) * (RADIUS + 0.02) / length)
    back = (tip[0] - (bx - ax_) * 0.2 / length, tip[1] - (by - ay) * 0.2 / length)
    ax.annotate("", xy=tip, xytext=back, zorder=3,
                arrowprops=dict(arrowstyle="-|>", color=colour, lw=0, mutation_scale=14,
                                shrinkA=0, shrinkB=0))
    ax.text(x0 + frac * (x1 - x0), y0 + frac * (y1 - y0), label, fontsize=FONT, ha="center",
            va="center", zorder=6, color=colour, gid=f"label {gid}",
            bbox=dict(boxstyle="round,pad=0.15", fc="white", ec=colour, lw=0.8))


def _matrix(ax, W, top, row=None, column=None, name="W"):
    """W's entries as a grid of text under the drawing, its top at ``top``, with ``row`` (from
    1, forward) or ``column`` (from 1, backward) boxed in that direction's colour and style."""
    from matplotlib.patches import Rectangle
    n_rows, n_cols = W.shape
    left = (PANEL_W - n_cols * CELL_W) / 2 + 0.25
    bottom = top - n_rows * CELL_H
    ax.text(left - 0.12, top - n_rows * CELL_H / 2, f"{name} =", ha="right", va="center",
            fontsize=FONT)
    for side in (left - 0.04, left + n_cols * CELL_W + 0.04):        # the brackets
        inward = 0.06 if side < left else -0.06
        ax.plot([side + inward, side, side, side + inward], [top, top, bottom, bottom],
                color="black", lw=1)
    for r in range(n_rows):
        for c in range(n_cols):
            chosen = (row == r + 1) or (column == c + 1)
            colour = (FORWARD if row else BACKWARD) if chosen else "0.2"
            ax.text(left + (c + 0.5) * CELL_W, top - (r + 0.5) * CELL_H, f"{W[r, c]:.2f}",
                    ha="center", va="center", fontsize=FONT, color=colour,
                    fontweight="bold" if chosen else "normal")
    if row is not None:
        box = (left, top - row * CELL_H, n_cols * CELL_W, CELL_H)
    else:
        box = (left + (column - 1) * CELL_W, bottom, CELL_W, n_rows * CELL_H)
    direction = "forward" if row is not None else "backward"
    ax.add_patch(Rectangle(box[:2], box[2], box[3], fill=False, lw=2, ls=STYLE[direction],
                           edgecolor=FORWARD if row is not None else BACKWARD, zorder=3))
    return bottom


def draw_transpose(net, X, Y, layer, j, k, sample=0, fig=None):
    """Draw BP2's transpose for layers l = ``layer`` and l+1 of ``net`` on one sample.

    X (n_0, m), Y (n_L, m): the data; column ``sample`` (from 0) is drawn. ``j`` (a neuron of
    layer l+1) and ``k`` (a neuron of layer l) count from 1. Left panel, forward: the n_l edges
    of row j of W^{l+1}, each labelled with its weight, carrying a^l into
    z^{l+1}_j = sum_k w^{l+1}_{jk} a^l_k + b^{l+1}_j. Right panel, backward: the n_{l+1} edges
    of column k, the same weights, carrying delta^{l+1} back into
    ((W^{l+1})^T delta^{l+1})_k = sum_j w^{l+1}_{jk} delta^{l+1}_j, which BP2 multiplies by
    sigma'(z^l_k) to give delta^l_k. Under each panel, W^{l+1} with the row or column boxed.

    Returns the figure (6.6 inches wide, 680 px as the book saves it with its margin; a new
    one unless ``fig`` is given). Each edge's line
    has the gid "w^{l+1}_{j},{k}" (its label's text has "label " before it), so that what is
    highlighted can be read back. Raises ValueError naming ``layer`` (BP2 needs 1 <= l <= L-1),
    ``j``, ``k`` or ``sample`` out of range, or the data (as :meth:`bpcore.Network.gradients`).
    """
    g = net.gradients(X, Y)
    _check(net, layer, j, k, sample, g.trace.a[0].shape[1])
    l, W = layer, net.W[layer + 1]
    values = dict(a=g.trace.a[l][:, sample], delta=g.delta[l + 1][:, sample],
                  z=float(g.trace.z[l + 1][j - 1, sample]),
                  out=float(g.trace.a[l + 1][j - 1, sample]),
                  routed=float((W.T @ g.delta[l + 1][:, sample])[k - 1]),   # BP2 before sigma'
                  delta_k=float(g.delta[l][k - 1, sample]))
    tallest = max(W.shape)
    height = HEAD + GAP * (tallest - 1) + 2 * RADIUS + 0.75 + W.shape[0] * CELL_H + 0.3
    if fig is None:
        import matplotlib.pyplot as plt
        fig = plt.figure(figsize=(2 * PANEL_W, height))
    share = PANEL_W / fig.get_figwidth()
    for left, forward in ((0.0, True), (1 - share, False)):
        ax = fig.add_axes([left, 0, share, 1])
        ax.set_xlim(0, PANEL_W)
        ax.set_ylim(0, height)
        ax.axis("off")
        bottom = _panel(ax, W, l, j, k, forward, values, height)
        _matrix(ax, W, bottom - 0.12, row=j if forward else None,
                column=None if forward else k, name=f"$W^{{{l + 1}}}$")
        ax.set_title(f"Forward: row {j} of $W^{{{l + 1}}}$" if forward else
                     f"Backward: column {k} of $W^{{{l + 1}}}$", y=1 - 0.06 / height,
                     va="top", pad=0, fontsize=FONT + 1, fontweight="bold")
        ax.set_label(_said(W, l, j, k, forward, values))
    return fig


def _panel(ax, W, l, j, k, forward, v, height):
    """One panel's drawing: every edge, the chosen row's or column's highlighted, the neurons
    with their values, and two lines of equations under them. Returns the y under the text."""
    n_next, n_l = W.shape
    top = height - HEAD - RADIUS
    centre = top - GAP * (max(W.shape) - 1) / 2
    ys_l = _positions(n_l, centre + GAP * (n_l - 1) / 2)
    ys_next = _positions(n_next, centre + GAP * (n_next - 1) / 2)
    direction, colour = ("forward", FORWARD) if forward else ("backward", BACKWARD)
    for x, name in ((X_LEFT, f"layer {l}"), (X_RIGHT, f"layer {l + 1}")):
        ax.text(x, top + RADIUS + 0.1, name, ha="center", va="bottom", fontsize=FONT,
                color="0.3")
    for r in range(n_next):
        for c in range(n_l):
            chosen = (r + 1 == j) if forward else (c + 1 == k)
            _edge(ax, (X_LEFT, ys_l[c]), (X_RIGHT, ys_next[r]), chosen, direction,
                  f"{W[r, c]:.2f}", 0.3 if forward else 0.7, f"w^{l + 1}_{r + 1},{c + 1}")
    L1 = l + 1
    if forward:
        _layer(ax, X_LEFT, ys_l, lambda i: None,
               [f"$a^{{{l}}}_{{{i + 1}}}$" for i in range(n_l)], v["a"], "left")
        _layer(ax, X_RIGHT, ys_next, lambda i: colour if i == j - 1 else None,
               [f"$z^{{{L1}}}_{{{j}}}$" if i == j - 1 else None for i in range(n_next)],
               [v["z"]] * n_next, "right")
        lines = [f"$z^{{{L1}}}_{{{j}}} = \\sum_k w^{{{L1}}}_{{{j}k}}\\, a^{{{l}}}_k"
                 f" + b^{{{L1}}}_{{{j}}}$ = {v['z']:.2g}",
                 f"$a^{{{L1}}}_{{{j}}} = \\sigma(z^{{{L1}}}_{{{j}}})$ = {v['out']:.2g}"]
    else:
        _layer(ax, X_LEFT, ys_l, lambda i: colour if i == k - 1 else None,
               ["sum" if i == k - 1 else None for i in range(n_l)], [v["routed"]] * n_l,
               "left", show_value=False)
        _layer(ax, X_RIGHT, ys_next, lambda i: None,
               [f"$\\delta^{{{L1}}}_{{{i + 1}}}$" for i in range(n_next)], v["delta"],
               "right")
        lines = [f"sum $= \\sum_j w^{{{L1}}}_{{j{k}}}\\, \\delta^{{{L1}}}_j$"
                 f" = {v['routed']:.2g}",
                 f"$\\delta^{{{l}}}_{{{k}}} =$ sum $\\times\\, \\sigma'(z^{{{l}}}_{{{k}}})$"
                 f" = {v['delta_k']:.2g}"]
    y = top - GAP * (max(W.shape) - 1) - RADIUS - 0.25
    for line in lines:
        ax.text(PANEL_W / 2, y, line, ha="center", va="center", fontsize=FONT, color=colour)
        y -= 0.27
    return y + 0.1


def _said(W, l, j, k, forward, v) -> str:
    """What one panel shows, in words for the alt text (no TeX)."""
    L1 = l + 1
    if forward:
        weights = ", ".join(f"{W[j - 1, c]:.2f}" for c in range(W.shape[1]))
        return (f"layer {l} on the left, layer {L1} on the right, every weight an edge; the "
                f"{W.shape[1]} edges into neuron {j} of layer {L1}, row {j} of W^{L1}, are "
                f"thick, solid and point right, labelled with their weights {weights}; they "
                f"carry the activations a^{l} into z^{L1}_{j} = {v['z']:.2g}; below, the "
                f"matrix W^{L1} with row {j} boxed")
    weights = ", ".join(f"{W[r, k - 1]:.2f}" for r in range(W.shape[0]))
    return (f"the same edges; the {W.shape[0]} edges out of neuron {k} of layer {l}, column "
            f"{k} of W^{L1}, are thick, dashed and point left, labelled with the same "
            f"weights {weights}; they carry the errors δ^{L1} back into the sum "
            f"{v['routed']:.2g}, which BP2 multiplies by σ'(z^{l}_{k}) to give "
            f"δ^{l}_{k} = {v['delta_k']:.2g}; "
            f"below, W^{L1} with column {k} boxed")
