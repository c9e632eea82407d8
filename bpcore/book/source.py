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
    docstring = ast.get_docstring(node, clean=True)
    if docstring is not None:
        first = node.body[0]                         # the docstring's own statement
        line = lines[first.lineno - 1]
        indent = line[:len(line) - len(line.lstrip())]
        lines[first.lineno - 1:first.end_lineno] = [f"{indent}# {docstring.splitlines()[0]}"]
    if "." in function.__qualname__:                 # a method: say whose
        lines.insert(0, f"# {function.__qualname__}, a method of class "
                        f"{function.__qualname__.rsplit('.', 1)[0]}")
    return "\n".join(lines)


def show_source(*functions):
    """The sources of ``functions`` (:func:`source_of`), one after the other, as an
    ``IPython.display.Code`` block that the book and JupyterLab highlight."""
    from IPython.display import Code
    return Code("\n\n".join(source_of(f) for f in functions), language="python")
