"""The chapters' sources, as the built page will lay them out: code that fits the column, figures
shown through bpcore.book.figures (alt text), exercise checks that show nothing in the web page.
(The browser tests, tests/book/test_reader.py, measure the built pages themselves.)"""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("0*.md"))
#: Characters of code that fit the content column at 1280 px (688 px, 14 px monospace, padding),
#: and inside the fold of a hidden cell (`hide-input`), which takes a little of that width.
CODE_COLUMNS, HIDDEN_CODE_COLUMNS = 76, 74


def code_cells(path):
    """(first line number, options and tags text, source lines) of every code cell."""
    lines = path.read_text(encoding="utf-8").splitlines()
    cells, i = [], 0
    while i < len(lines):
        if lines[i].startswith("```{code-cell}"):
            start, body = i + 1, []
            i += 1
            while not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            options = [b for b in body if b.startswith(":")]
            cells.append((start, " ".join(options), [b for b in body if not b.startswith(":")]))
        i += 1
    return cells


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_every_code_line_fits_the_column(chapter):
    long = [(start + k, len(line)) for start, options, body in code_cells(chapter)
            for k, line in enumerate(body)
            if len(line) > (HIDDEN_CODE_COLUMNS if "hide-input" in options else CODE_COLUMNS)]
    assert not long, (f"{chapter.name}: (line, length) of lines longer than {CODE_COLUMNS} "
                      f"characters ({HIDDEN_CODE_COLUMNS} in a hidden cell): {long}")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_figures_go_through_bpcore_figures(chapter):
    first = code_cells(chapter)[0][2]
    assert "figures.install()" in "\n".join(first), (
        f"{chapter.name}: its first cell must call figures.install(), or its figures have no "
        f"alt text")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_exercise_checks_show_nothing_in_the_web_page(chapter):
    """A check of an empty stub would say "Not attempted" in a box that looks like an error;
    the web page cannot run the reader's code, so the cell's output is removed there."""
    checks = [(start, options) for start, options, body in code_cells(chapter)
              if any(re.match(r"q\d+\.check\(\)", line) for line in body)]
    assert checks, f"{chapter.name}: no exercise check found"
    shown = [start for start, options in checks if "remove-output" not in options]
    assert not shown, f"{chapter.name}: checks at lines {shown} are shown in the web page"
