"""The architecture, enforced: which room may import which, how large a module may grow, and
that the repository stands on its own.

Rooms (README, "What is in bpcore: four rooms and a grader"):

- the engine: the modules directly in ``bpcore/`` (what ``import bpcore`` loads; numpy only);
- ``bpcore.symbolic``: the network in sympy, checked against the engine;
- ``bpcore.book``: the book's apparatus (plots, slider explorers, error surfaces, timings);
- ``bpcore.exercises``: the self-check exercises;
- ``grader``: the sandboxed batch grader, a general tool that knows nothing of bpcore.

Imports point one way: each room may import only the rooms listed for it in ``ALLOWED``. The
rule is read from the source (ast), so a forbidden import fails ``make test``.
"""
from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: room -> the rooms it may import (besides itself).
ALLOWED = {
    "engine": set(),
    "symbolic": {"engine"},
    "book": {"engine", "symbolic"},
    "exercises": {"engine", "symbolic", "book"},
    "grader": set(),
}

#: The largest a source module may be, in lines.
MAX_LINES = 450


def room_of_module(name: str) -> str | None:
    """The room of a dotted module name, or None for a module outside the project."""
    parts = name.split(".")
    if parts[0] == "grader":
        return "grader"
    if parts[0] != "bpcore":
        return None
    if len(parts) > 1 and parts[1] in ("symbolic", "book", "exercises"):
        return parts[1]
    return "engine"


def module_name(path: Path, root: Path) -> str:
    """The dotted name of the module in ``path`` (a package's ``__init__`` is the package)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in the file, relative ones resolved.

    ``from . import x`` counts as importing ``package.x`` (x may be a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            stem = ".".join(base + ([node.module] if node.module else []))
            found.append((node.lineno, stem))
            found += [(node.lineno, f"{stem}.{alias.name}") for alias in node.names]
    return found


def forbidden_imports(root: Path) -> list[str]:
    """Every import in ``root``'s bpcore/ and grader/ that breaks :data:`ALLOWED`."""
    problems = []
    for top in ("bpcore", "grader"):
        for path in sorted((root / top).rglob("*.py")):
            here = room_of_module(module_name(path, root))
            bad = {}                           # line -> the first forbidden name on it
            for line, name in imported_names(path, root):
                there = room_of_module(name)
                if there is not None and there != here and there not in ALLOWED[here]:
                    bad.setdefault(line, f"{name} ({there})")
            problems += [f"{path.relative_to(root)}:{line}: the {here} imports {what}"
                         for line, what in sorted(bad.items())]
    return problems


def test_imports_point_one_way():
    assert forbidden_imports(ROOT) == []


@pytest.mark.parametrize("where, line", [
    ("bpcore/network.py", "from .book import plots"),
    ("bpcore/train.py", "from bpcore.exercises import core"),
    ("bpcore/data.py", "from . import symbolic"),
    ("bpcore/book/plots.py", "from ..exercises import core"),
    ("grader/sandbox.py", "import bpcore"),
    ("grader/sandbox.py", "from bpcore.exercises import assert_close"),
])
def test_a_forbidden_import_is_caught(tmp_path, where, line):
    """The checker itself can fail: plant one forbidden import in a copy of the layout."""
    for room in ("bpcore/book", "bpcore/exercises", "bpcore/symbolic", "grader"):
        (tmp_path / room).mkdir(parents=True, exist_ok=True)
        (tmp_path / room / "__init__.py").write_text("")
    (tmp_path / "bpcore" / "__init__.py").write_text("from . import network\n")
    (tmp_path / "bpcore" / "network.py").write_text("import numpy as np\n")
    (tmp_path / "bpcore" / "book" / "ok.py").write_text("from .. import network\n")
    (tmp_path / "bpcore" / "exercises" / "ok.py").write_text("from ..book import ok\n")
    assert forbidden_imports(tmp_path) == []
    target = tmp_path / where
    target.write_text(textwrap.dedent(line) + "\n")
    problems = forbidden_imports(tmp_path)
    assert len(problems) == 1 and problems[0].startswith(where), problems


def test_no_source_module_is_over_450_lines():
    sizes = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
             for top in ("bpcore", "grader") for p in (ROOT / top).rglob("*.py")}
    assert sizes and {p: n for p, n in sizes.items() if n > MAX_LINES} == {}


def test_import_bpcore_loads_numpy_only():
    code = ("import sys, bpcore; heavy = {'sympy', 'matplotlib', 'ipywidgets', 'IPython'}; "
            "loaded = {m.split('.')[0] for m in sys.modules}; "
            "print(sorted(heavy & loaded)); "
            "print(sorted(m for m in sys.modules if m.startswith(('bpcore.', 'grader'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.splitlines()
    assert out[0] == "[]"
    assert not any(room_of_module(m) != "engine" for m in ast.literal_eval(out[1])), out[1]


def test_the_repository_does_not_point_outside_itself():
    """Nothing tracked refers to the design notes kept beside the repository."""
    files = subprocess.run(["git", "ls-files"], capture_output=True, text=True, cwd=ROOT,
                           check=True).stdout.split()
    if not files:
        pytest.skip("not a git checkout")
    needle = "../" + "shared"                  # spelled apart, so that this file is no hit
    hits = [f for f in files if (ROOT / f).is_file()
            and needle in (ROOT / f).read_text(encoding="utf-8", errors="replace")]
    assert hits == []
