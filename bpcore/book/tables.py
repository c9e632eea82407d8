"""Tables for the book: rows of computed values, shown as Markdown in Jupyter and the HTML book.

A :class:`Table` has ``_repr_markdown_``, so a cell that ends with one shows a formatted table in
JupyterLab and in the built book, and ``str(table)`` gives plain text for a terminal.
"""
from __future__ import annotations

import numbers


def fmt(value, digits=9) -> str:
    """A number with ``digits`` significant digits (ints and strings as they are)."""
    if isinstance(value, bool) or isinstance(value, str):
        return str(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return f"{float(value):.{digits}g}"
    return str(value)


class Table:
    """``Table(headers, rows, digits=9)``: numbers are formatted to ``digits`` significant
    digits; strings may hold Markdown and $math$."""

    def __init__(self, headers, rows, digits=9):
        self.headers = [str(h) for h in headers]
        self.rows = [[fmt(v, digits) for v in row] for row in rows]
        for row in self.rows:
            if len(row) != len(self.headers):
                raise ValueError(f"rows: every row needs {len(self.headers)} cells "
                                 f"(one per header), got {len(row)}: {row}")

    def _repr_markdown_(self) -> str:
        lines = ["| " + " | ".join(self.headers) + " |",
                 "|" + "|".join(" --- " for _ in self.headers) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)

    def __str__(self) -> str:
        widths = [max(len(c) for c in col) for col in zip(self.headers, *self.rows)]
        line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths))  # noqa: E731
        return "\n".join([line(self.headers), line(["-" * w for w in widths])]
                         + [line(r) for r in self.rows])

    __repr__ = __str__
