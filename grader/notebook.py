"""Reading notebooks: the instructor's source notebook (its questions) and a submitted one.

The source notebook's autograder test cells are the questions (nbgrader's cell metadata gives
their grade_id and points; ``### BEGIN HIDDEN TESTS`` marks hidden lines), its read-only code
cells are run before each test, and its notebook metadata ``"grader": {"allow": [...]}`` names
the extra packages the sandbox may show. A submitted notebook gives its code cells, test cells
left out, and is read with care: it is the student's file.
"""
from __future__ import annotations

import ast
import builtins
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from . import GradingError

HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
MAX_NOTEBOOK = 20 * 1024 * 1024


@dataclass
class Question:
    """One autograder test cell of the source notebook."""

    grade_id: str
    points: float
    source: str
    hidden: set = field(default_factory=set)      # line numbers (1-based) of hidden tests

    @property
    def visible(self) -> str:
        """The test cell without its hidden tests: those lines blank, the others where they
        were (the students' version holds the same tests)."""
        return "\n".join("" if n in self.hidden else line
                         for n, line in enumerate(self.source.splitlines(), start=1))


@dataclass
class Assignment:
    """What the grader reads from the instructor's source notebook."""

    id: str
    notebook: str                 # file name of the notebook in each submission
    setup: list                   # read-only code cells, run in the grader before each test
    questions: list
    allow: tuple = ()             # notebook metadata grader.allow: packages the sandbox shows

    @property
    def max_points(self) -> float:
        """The sum of the questions' points."""
        return sum(q.points for q in self.questions)


def cell_source(cell: dict) -> str:
    """A cell's source as one string.

    Takes the cell's JSON dict (its source a string or a list of lines, as notebooks store it);
    returns the text, "" when there is none. Raises nothing for a dict."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def is_test(cell: dict) -> bool:
    """Whether a notebook cell is an autograder test: graded by nbgrader, and not a solution.

    Takes the cell's JSON dict; returns a bool. Raises nothing for a dict."""
    nb = cell.get("metadata", {}).get("nbgrader", {})
    return bool(nb.get("grade")) and not nb.get("solution")


def _source_notebook(path: Path) -> Path:
    """The notebook file itself: ``path``, or the one notebook of the folder ``path``."""
    if path.is_dir():
        notebooks = sorted(p for p in path.glob("*.ipynb") if not p.name.startswith("."))
        if len(notebooks) != 1:
            raise GradingError(f"assignment: expected one .ipynb in {path}, found "
                               f"{[p.name for p in notebooks] or 'none'}")
        path = notebooks[0]
    if not path.is_file():
        raise GradingError(f"assignment: {path} does not exist; give the source folder, "
                           f"e.g. assignments/source/forward")
    return path


def allowed_packages(metadata: dict) -> tuple:
    """The packages a notebook's metadata ``"grader": {"allow": [...]}`` lets the sandbox show.

    Takes the notebook's metadata dict; returns the package names (empty when there is no
    ``grader`` block). Raises GradingError when the block has other keys or the names are not
    a list of top-level package names."""
    settings = metadata.get("grader", {})
    if not isinstance(settings, dict) or set(settings) - {"allow"}:
        raise GradingError(f'assignment: the notebook metadata "grader" must be '
                           f'{{"allow": [package, ...]}}, not {json.dumps(settings)[:200]}')
    allow = settings.get("allow", [])
    if not isinstance(allow, list) or not all(isinstance(n, str) and n.isidentifier()
                                              for n in allow):
        raise GradingError(f'assignment: "grader": {{"allow": ...}} must list top-level '
                           f'package names, e.g. ["numpy"], not {json.dumps(allow)[:200]}')
    return tuple(allow)


def load_assignment(path) -> Assignment:
    """Read the instructor's source assignment.

    Takes a folder with exactly one notebook, or the notebook itself; returns its Assignment.
    Raises GradingError when there is no such notebook, a test cell lacks grade_id or points, a
    cell is graded by hand, hidden-test markers do not pair up, there is no test cell, or the
    ``grader`` metadata is malformed."""
    path = _source_notebook(Path(path))
    nb = json.loads(path.read_text(encoding="utf-8"))
    setup, questions = [], []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {})
        source = cell_source(cell)
        if is_test(cell):
            if not meta.get("grade_id") or "points" not in meta:
                raise GradingError(f"assignment: a test cell in {path.name} has no grade_id or "
                                   f"points:\n{source[:200]}")
            q = Question(meta["grade_id"], float(meta["points"]), source,
                         hidden_lines(source, meta["grade_id"]))
            try:
                compile(q.visible, q.grade_id, "exec")
            except SyntaxError as e:
                raise GradingError(f"assignment: {q.grade_id} without its hidden tests is not "
                                   f"valid Python ({e.msg}, line {e.lineno}): put "
                                   f"{HIDDEN_BEGIN} and {HIDDEN_END} around whole "
                                   f"statements") from None
            questions.append(q)
        elif meta.get("grade") and meta.get("solution"):
            raise GradingError(f"assignment: cell {meta.get('grade_id')} is graded by hand; "
                               f"the grader grades autograder tests only")
        elif not meta.get("solution"):
            setup.append(source)
    if not questions:
        raise GradingError(f"assignment: {path.name} has no autograder test cells")
    return Assignment(path.parent.name, path.name, setup, questions,
                      allowed_packages(nb.get("metadata", {})))


def hidden_lines(source: str, grade_id: str) -> set:
    """The line numbers (1-based) of a test cell's hidden tests, markers included.

    Takes the cell's source and its grade_id (for the message); returns the set of numbers.
    Raises GradingError when a BEGIN has no END or an END no BEGIN."""
    hidden, inside = set(), False
    for n, line in enumerate(source.splitlines(), start=1):
        if line.strip() == HIDDEN_BEGIN:
            inside = True
        if inside:
            hidden.add(n)
        if line.strip() == HIDDEN_END:
            if not inside:
                raise GradingError(f"assignment: {grade_id}: {HIDDEN_END} without a BEGIN")
            inside = False
    if inside:
        raise GradingError(f"assignment: {grade_id}: {HIDDEN_BEGIN} without an END")
    return hidden


def free_names(source: str) -> list:
    """Names a test cell reads but never binds itself: the ones to fetch from the submission.

    Takes the cell's source; returns the names, sorted, builtins left out. Raises SyntaxError
    when the source does not parse."""
    tree = ast.parse(source)
    loaded, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return sorted(loaded - bound - set(dir(builtins)))


def _check_inside(path: Path, root: Path) -> None:
    """ValueError unless ``path`` is inside ``root`` with no link on the way."""
    if not path.resolve().is_relative_to(root.resolve()):
        raise ValueError("the notebook is a link to somewhere outside the submissions folder")
    step = root
    for part in path.relative_to(root).parts:        # a linked folder: someone else's work
        step = step / part
        if step.is_symlink():
            raise ValueError(f"{step.relative_to(root)} is a link, not a folder or file")


def _read_regular_file(path: Path) -> bytes:
    """The bytes of ``path``, refused unless it is a regular file of at most 20 MB."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError("the notebook is not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(MAX_NOTEBOOK + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_NOTEBOOK:
        raise ValueError(f"the notebook is larger than {MAX_NOTEBOOK // 2**20} MB")
    return data


def read_cells(path: Path, root: Path | None = None) -> list:
    """The submission's code cells, its test cells left out.

    Takes the submitted notebook's path and, to check it against, the submissions folder
    ``root``. Returns (cell number, source) pairs. Raises ValueError when the file is not a
    regular file inside ``root`` (a symlink to the instructor's notebook, a linked folder, a
    FIFO that would block) or is larger than 20 MB, OSError (FileNotFoundError among them)
    when it cannot be opened, and ValueError, KeyError, TypeError or AttributeError when it is
    not a notebook."""
    if root is not None:
        _check_inside(path, root)
    nb = json.loads(_read_regular_file(path).decode("utf-8"))
    cells = []
    for n, cell in enumerate(nb["cells"], start=1):
        if cell.get("cell_type") == "code" and not is_test(cell):
            cells.append((n, cell_source(cell)))
    return cells
