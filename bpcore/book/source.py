"""The package's own code shown in a chapter, so that the text and the engine cannot drift apart.

    from bpcore import bp1, bp2
    from bpcore.book.source import show_source
    show_source(bp1, bp2)          # highlighted in the built book and in JupyterLab

Each function is shown as it is in the package, dedented (a method reads like a function), with
its docstring cut to a one-line comment: the first line, which names the equation it implements.
"""
from __future__ import annotations

import ast
import inspect
import textwrap


def source_of(function) -> str:
    """The source of ``function`` (a function or method), dedented, its docstring replaced by
    a comment holding the docstring's first line. Raises TypeError for what has no Python
    source (a builtin)."""
    lines = textwrap.dedent(inspect.getsource(function)).splitlines()
    node = ast.parse("\n".join(lines)).body[0]
    first = node.body[0] if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None
    if (first is not None and isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)):
        indent = lines[first.lineno - 1][:len(lines[first.lineno - 1])
                                          - len(lines[first.lineno - 1].lstrip())]
        summary = first.value.value.strip().splitlines()[0]
        lines[first.lineno - 1:first.end_lineno] = [f"{indent}# {summary}"]
    if "." in function.__qualname__:                 # a method: say whose
        lines.insert(0, f"# {function.__qualname__}, a method of class "
                        f"{function.__qualname__.rsplit('.', 1)[0]}")
    return "\n".join(lines)


def show_source(*functions):
    """The sources of ``functions`` (:func:`source_of`), one after the other, as an
    ``IPython.display.Code`` block that the book and JupyterLab highlight."""
    from IPython.display import Code
    return Code("\n\n".join(source_of(f) for f in functions), language="python")
