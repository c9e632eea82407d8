"""A computation graph of :class:`bpcore.autograd.Value` nodes, drawn from the graph itself.

:func:`draw_graph` lays the graph out left to right in the order the forward pass computes it:
each operation one column right of its latest input, each input (a leaf: a weight, a data
value) one column left of its first use. Every node is a box with its name or operation, its
value and, after ``backward()``, its gradient; the edges carry the forward direction.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from bpcore.autograd import Value
>>> from bpcore.book.graph import columns
>>> w, x = Value(0.5, "w"), Value(2.0, "x")
>>> z = w * x
>>> [[n.label or n.op for n in col] for col in columns(z.sigmoid())]
[['w', 'x'], ['*'], ['sigmoid']]
"""
from __future__ import annotations

#: Colours: leaves (inputs and parameters), operations, and the result.
LEAF, OPERATION, RESULT = "#cfe2f3", "#d9ead3", "#fde9c9"


def columns(root) -> list[list]:
    """The nodes of ``root``'s graph in columns: an operation one column right of its latest
    parent; a leaf one column left of its first consumer. Within a column, in the order the
    forward pass made them."""
    order = root.graph()                                  # parents before children
    consumers: dict[int, list] = {}
    for node in order:
        for p in node.parents:
            consumers.setdefault(id(p), []).append(node)
    column: dict[int, int] = {}
    for node in order:
        if node.parents:
            column[id(node)] = 1 + max(column.get(id(p), 0) for p in node.parents)
        else:
            column[id(node)] = 0
    for node in order:                                    # leaves: next to their first use
        if not node.parents and id(node) in consumers:
            column[id(node)] = max(min(column[id(c)] for c in consumers[id(node)]) - 1, 0)
    out = [[] for _ in range(max(column.values()) + 1)]
    for node in order:
        out[column[id(node)]].append(node)
    return out


def _text(node, decimals) -> str:
    """Name (``label = op`` for a named operation; a bare number has no name), value, grad."""
    if node.label and node.op:
        name = f"{node.label} = {node.op}"
    else:
        name = node.label or node.op or "number"
    return f"{name}\n{node.data:.{decimals}g}\ngrad {node.grad:.{decimals}g}"


def draw_graph(root, ax=None, title=None, decimals=3, width=6.8):
    """Draw the graph of ``root`` (a Value): one box per node with its name (its label, else
    its operation), its value and its grad; an edge from each input to the operation using
    it. Returns the axes. The figure is ``width`` inches wide and as tall as the busiest
    column needs."""
    from matplotlib.patches import FancyBboxPatch
    cols = columns(root)
    rows = max(len(c) for c in cols)
    if ax is None:
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(width, 0.8 * rows + 0.6))
        # The whole width for the boxes: a graph has no tick labels to leave room for.
        fig.subplots_adjust(left=0.005, right=0.995, bottom=0.01,
                            top=0.99 if not title else 1 - 0.35 / (0.8 * rows + 0.6))
    box_w, box_h = 0.74, 0.66     # in column widths / row steps of 1 and 0.85: gaps for arrows
    pos = {}
    for x, col in enumerate(cols):
        for y, node in enumerate(col):
            pos[id(node)] = (x, -(y - (len(col) - 1) / 2) * 0.85)
    for node in root.graph():
        for p in node.parents:
            (x0, y0), (x1, y1) = pos[id(p)], pos[id(node)]
            ax.annotate("", xy=(x1 - box_w / 2, y1), xytext=(x0 + box_w / 2, y0), zorder=1,
                        arrowprops=dict(arrowstyle="-|>", color="0.25", lw=1.1,
                                        shrinkA=0, shrinkB=1, mutation_scale=10))
    for node in root.graph():
        x, y = pos[id(node)]
        colour = RESULT if node is root else (OPERATION if node.parents else LEAF)
        ax.add_patch(FancyBboxPatch((x - box_w / 2, y - box_h / 2), box_w, box_h,
                                    boxstyle="round,pad=0.02", facecolor=colour,
                                    edgecolor="0.3", lw=0.8, zorder=2))
        ax.text(x, y, _text(node, decimals), ha="center", va="center", fontsize=8,
                linespacing=1.15, zorder=3)
    ax.set_xlim(-box_w / 2 - 0.02, len(cols) - 1 + box_w / 2 + 0.02)
    half = 0.85 * (rows - 1) / 2 + box_h / 2 + 0.03
    ax.set_ylim(-half, half)
    ax.axis("off")
    # What the alt text says of a drawing without axes (bpcore.book.figures.describe).
    ax.set_label(f"a computation graph of {sum(map(len, cols))} nodes in {len(cols)} "
                 f"columns, inputs left, the result {_text(root, decimals).replace(chr(10), ' ')} "
                 f"right; each box shows a node's value and its grad")
    if title:
        ax.set_title(title)
    return ax
