"""The README's Python examples run as written, and their comments tell the truth."""
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def test_readme_has_examples_and_they_run(capsys):
    blocks = python_blocks()
    assert len(blocks) >= 2
    namespace = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)
    printed = capsys.readouterr().out
    # The first example prints E after one update and after 10000, as its comment says.
    first, last = map(float, printed.splitlines()[0].split())
    assert round(first, 9) == 0.291027774 and round(last, 13) == 3.51018778e-05
    assert namespace["net"].accuracy(namespace["X"], namespace["Y"]) >= 0.95


def test_readme_names_the_test_command_that_ci_runs():
    ci = (README.parent / ".ci" / "run").read_text()
    assert "make test" in README.read_text() and "\nmake test\n" in ci
