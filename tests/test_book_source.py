"""bpcore.book.source: the engine's code as a chapter shows it."""
import inspect

from bpcore import Cost, bp2
from bpcore.book.source import source_of


def test_source_shows_the_engine_with_one_line_docstrings():
    shown = source_of(bp2)
    assert shown.startswith("def bp2(") and "# BP2, one layer back" in shown
    assert '"""' not in shown and "W_next.T @ delta_next" in shown
    assert shown.count("\n") < inspect.getsource(bp2).count("\n")
    method = source_of(Cost.delta)
    assert method.splitlines()[0] == "# Cost.delta, a method of class Cost"
    assert method.splitlines()[1].startswith("def delta(self")    # dedented
