"""The self-check exercises (bpcore.exercises): every solution is judged right, every known-wrong
answer (kept with its exercise, in the chapter module) wrong with a message that does not give the
expected values away, a stub "not attempted", and nothing a reader can type makes a check raise.
Each chapter states the tasks in its Markdown; check() finds the answer in the notebook."""
import functools
import re
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from bpcore import exercises
from bpcore.exercises import CORRECT, INCORRECT, NOT_ATTEMPTED, Incorrect, compare, core
from bpcore.exercises import ch04_activations, ch06_hidden_width, ch07_training, derivation

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = exercises.all_exercises()
IDS = [q.name for q in EXERCISES]
BY_NAME = {q.name: q for q in EXERCISES}
VALUE_EXERCISES = {q.name for q in EXERCISES if not callable(q.right_answer)}
#: The derivations: their answer is an expression (a string), judged by sympy.
DERIVATIONS = {q.name for q in EXERCISES if isinstance(q, derivation.DerivationExercise)}
WRONG = [(q, what) for q in EXERCISES for what in q.wrong]
RIGHT = [(q, what) for q in EXERCISES for what in q.right]


def chapter_files():
    """Every numbered chapter of the book: each one poses exercises."""
    return {int(p.name[:2]): p for p in sorted((ROOT / "chapters").glob("[0-9][0-9]-*.md"))}


CELL = re.compile(r"```\{code-cell\}[^\n]*\n(?::[^\n]*\n)*(.*?)\n```", re.S)  # options (:tags:) skipped


def code_cells(path):
    return CELL.findall(path.read_text())


def test_every_exercise_has_a_known_wrong_answer():
    assert {q.name for q in EXERCISES if q.wrong} == set(BY_NAME)
    assert all(isinstance(q.wrong[what][1], str) and q.wrong[what][1] for q, what in WRONG)


def test_labels_names_and_chapters():
    for n in exercises.chapters():
        chapter = exercises.chapter(n)
        assert len(chapter) >= 2, f"chapter {n} has fewer than two exercises"
        for k, q in enumerate(chapter, start=1):
            assert q.label == f"Exercise {n}.{k}"
            assert q.name.isidentifier() and q.title and q._hint
            assert not hasattr(q, "task"), "the task is stated in the chapter, not in Python"
    assert sorted(exercises.chapters()) == sorted(chapter_files()) == list(range(1, 9))
    assert len(set(IDS)) == len(IDS), "two exercises share a name"
    with pytest.raises(ValueError, match="one of"):
        exercises.chapter(9)


def test_every_chapter_has_exercises_and_every_exercise_a_chapter():
    files, posed = set(chapter_files()), set(exercises.chapters())
    assert files == posed, (f"chapters without exercises: {sorted(files - posed)}, "
                            f"exercises without a chapter: {sorted(posed - files)}")


def test_the_machinery_alone_is_imported_for_the_assignments():
    """``from bpcore.exercises import assert_close`` (the assignments' tests) loads no chapter
    module. (Which room may import which is tests/test_architecture.py's.)"""
    code = ("import sys\nfrom bpcore.exercises import assert_close, compare, Exercise\n"
            "print(sorted(m for m in sys.modules if m.startswith('bpcore.exercises')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['bpcore.exercises', 'bpcore.exercises.core']"


# -- the solution, the solution as shown, a wrong answer, a stub -------------------------------

@pytest.mark.parametrize("q", EXERCISES, ids=IDS)
def test_the_solution_is_correct(q):
    feedback = q.evaluate(q.right_answer)
    assert feedback.status == CORRECT, feedback
    with np.errstate(all="ignore"):
        assert q.checker(q.right_answer) is None      # the protocol: None, or raise Incorrect
    assert bool(feedback) and str(feedback) == f"{q.label}: Correct."


@pytest.mark.parametrize("q", EXERCISES, ids=IDS)
def test_the_solution_shown_to_the_reader_is_itself_correct(q):
    """solution() shows source code: run that code, as a reader pasting it would."""
    namespace = {"np": np}
    exec(q.solution_text(), namespace)
    assert q.evaluate(namespace=namespace).status == CORRECT


@pytest.mark.parametrize("q", EXERCISES, ids=IDS)
def test_the_solution_fits_the_page(q):
    """The solution box does not scroll sideways: no line longer than 72 characters."""
    long = [line for line in q.solution_text().splitlines() if len(line) > 72]
    assert not long, long


def _numbers_in(value):
    """Every number in a reference value (a float, an array, a tuple of them)."""
    if isinstance(value, (tuple, list)):
        return [x for v in value for x in _numbers_in(v)]
    return [float(x) for x in np.ravel(np.asarray(value, dtype=float))]


def reference_values(q):
    """What the checker expects: the solution's outputs on the checker's own inputs (a spy
    records them), or the solution value itself."""
    if q.name in VALUE_EXERCISES:
        return _numbers_in(q.right_answer)
    seen = []

    def spy(*args):
        out = q.right_answer(*args)
        seen.append(out)
        return out

    assert q.evaluate(spy).status == CORRECT
    assert seen
    return _numbers_in(seen)


def expression_forms(q):
    """A derivation's right answer as a message might spell it, without spaces, with ** or ^:
    the solution, the other right strings, sympy's reference as it is, expanded and factored."""
    reference = q.checker.reference
    texts = {q.right_answer, str(reference), str(sp.expand(reference)),
             str(sp.factor(reference)), *(r for r in q.right.values() if isinstance(r, str))}
    plain = {re.sub(r"\s", "", text) for text in texts}
    return plain | {text.replace("**", "^") for text in plain}


@functools.cache
def secret_strings(name):
    """The expected numbers as a message might print them (3 significant digits), where that
    means something: not whole numbers below 10 (such as 0 and 1 of a ReLU slope). For a
    derivation, the right expression's spellings (compared with the message without spaces)."""
    if name in DERIVATIONS:
        return expression_forms(BY_NAME[name])
    shown = set()
    for v in reference_values(BY_NAME[name]):
        if not np.isfinite(v) or (float(v).is_integer() and abs(v) < 10):
            continue
        shown.add(f"{v:.3g}")
        if float(v).is_integer():
            shown.add(str(int(v)))
    return shown


@pytest.mark.parametrize("q, what", WRONG, ids=[f"{q.name}: {w}" for q, w in WRONG])
def test_a_wrong_answer_is_incorrect_and_the_message_keeps_the_answer_secret(q, what):
    answer, phrase = q.wrong[what]
    feedback = q.evaluate(answer)
    assert feedback.status == INCORRECT, feedback
    with pytest.raises(Incorrect), np.errstate(all="ignore"):  # the checker's one way to say it
        q.checker(answer)
    assert phrase in feedback.message, feedback.message
    message = (re.sub(r"\s", "", feedback.message) if q.name in DERIVATIONS
               else feedback.message)
    leaked = [s for s in secret_strings(q.name) if s in message]
    assert not leaked, f"the message gives expected values away: {leaked} in {feedback.message!r}"


def test_a_leaked_expression_would_be_caught():
    """The secrecy test of a derivation sees its answer however a message would spell it."""
    assert len(DERIVATIONS) >= 3
    for message in ["write s * (1 - s)", "it is -s*(s - 1)", "s - s^2 is right"]:
        squeezed = re.sub(r"\s", "", message)
        assert any(form in squeezed for form in secret_strings("slope_in_s")), message
    assert "a-y" in secret_strings("delta_cross_entropy")


@pytest.mark.parametrize("q, what", RIGHT, ids=[f"{q.name}: {w}" for q, w in RIGHT])
def test_other_right_answers_are_correct(q, what):
    """Other ways of being right (another slope at a kink, bpcore's own batches, a tuple of
    float32 weights, ...) pass the check too."""
    feedback = q.evaluate(q.right[what])
    assert feedback.status == CORRECT, feedback


def _stub_raising(*args):
    raise NotImplementedError


@pytest.mark.parametrize("q", EXERCISES, ids=IDS)
def test_a_stub_is_not_attempted(q):
    stubs = [None, Ellipsis]
    if q.name not in VALUE_EXERCISES:
        stubs += [lambda *args: None, lambda *args: ..., _stub_raising]
    for stub in stubs:
        feedback = q.evaluate(stub)
        assert feedback.status == NOT_ATTEMPTED, (stub, feedback)
        assert feedback.message and not bool(feedback)
    # Nothing defined yet: the name is missing from the notebook's namespace.
    assert q.evaluate(namespace={}).status == NOT_ATTEMPTED
    assert q.evaluate(namespace={q.name: None}).status == NOT_ATTEMPTED


# -- answers that must not break a check -----------------------------------------------------

class EqualsEverything:
    """Claims to equal anything, and is not a number."""

    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


def _nan_like(value):
    """The same structure as ``value`` with every number NaN."""
    if isinstance(value, tuple):
        return tuple(_nan_like(v) for v in value)
    if isinstance(value, list):
        return [_nan_like(v) for v in value]
    if isinstance(value, np.ndarray):
        return np.full(value.shape, np.nan)
    return float("nan")


def bad_answers(q):
    """(what, answer) pairs that are never right, with the phrase the message should hold."""
    if q.name in DERIVATIONS:
        return [("an object equal to everything", EqualsEverything(), "expected an expression"),
                ("NaN", float("nan"), "not finite"),
                ("a function", lambda *a: q.right_answer, "expected an expression"),
                ("an empty list", [], "expected an expression"),
                ("the answer in a list", [q.right_answer], "expected an expression"),
                ("bytes", q.right_answer.encode(), "expected an expression"),
                ("a bool", True, "expected an expression"),
                ("an equation", f"0 = {q.right_answer}", "could not read"),
                ("words", "the answer", "unknown name `the`"),
                ("the answer with a stray quote", q.right_answer + "'", "could not read")]
    if q.name in VALUE_EXERCISES:
        return [("an object equal to everything", EqualsEverything(), "expected"),
                ("NaN", _nan_like(q.right_answer), ""),
                ("a string", str(q.right_answer), "expected"),
                ("a function", lambda *a: q.right_answer, "expected"),
                ("an empty list", [], "expected")]
    solution = q.right_answer
    return [("a function that raises", lambda *a: 1 / 0, "raised ZeroDivisionError"),
            ("not a function", 42, "should be a function"),
            ("an object equal to everything", lambda *a: EqualsEverything(), "expected"),
            ("NaN of the right shape", lambda *a: _nan_like(solution(*a)), "NaN"),
            ("a string", lambda *a: "0.5", "expected"),
            ("inf", lambda *a: float("inf"), ""),
            ("a bool", lambda *a: True, "")]


@pytest.mark.parametrize("q", EXERCISES, ids=IDS)
def test_bad_answers_are_incorrect_and_never_raise(q):
    for what, answer, phrase in bad_answers(q):
        feedback = q.evaluate(answer)           # must not raise
        assert feedback.status == INCORRECT, (what, feedback)
        assert feedback.message and phrase in feedback.message, (what, feedback.message)
        assert "failed with" not in feedback.message, (
            f"{what}: the checker itself crashed: {feedback.message}")


values = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5),
    st.lists(st.floats(-1e6, 1e6), max_size=4),
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
               elements=st.floats(allow_nan=True, allow_infinity=True)),
    st.tuples(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3)), st.complex_numbers(),
    st.builds(EqualsEverything))


@pytest.mark.parametrize("q", EXERCISES, ids=IDS)
@settings(max_examples=30)
@given(value=values)
def test_no_answer_crashes_a_checker(q, value):
    """Whatever the reader sets or returns, the check gives a verdict of its own: the checker
    never falls back on "checking failed with ...", and no numpy warning escapes it."""
    answer = value if q.name in VALUE_EXERCISES else (lambda *a: value)
    feedback = q.evaluate(answer)
    assert feedback.status in (CORRECT, INCORRECT, NOT_ATTEMPTED)
    assert "failed with" not in feedback.message, feedback.message
    if q.name not in VALUE_EXERCISES:
        assert feedback.status != CORRECT, f"a constant answer was judged right: {value!r}"


# -- the chapters pose their own exercises ----------------------------------------------------

def markdown_above(text, cell):
    """The Markdown between ``cell`` (a code cell's match) and the code cell before it."""
    before = [m for m in CELL.finditer(text) if m.end() <= cell.start()]
    return text[before[-1].end() if before else 0:cell.start()]


@pytest.mark.parametrize("n", sorted(chapter_files()))
def test_each_chapter_poses_its_exercises(n):
    path = chapter_files()[n]
    text = path.read_text()
    cells = code_cells(path)
    chapter = exercises.chapter(n)
    module = exercises.chapters()[n]
    imports = re.findall(r"^from (bpcore\.exercises\.\w+) import (.*)$", text, re.M)
    assert len(imports) == 1, f"{path.name} should import its exercises once, found {imports}"
    name, names = imports[0]
    assert name == module, f"{path.name} takes the exercises of {name}, not {module}"
    assert [s.strip() for s in names.split(",")] == [f"q{k}" for k in range(1, len(chapter) + 1)]
    assert sum(".check()" in c for c in cells) >= 2
    # "## Exercises" holds every exercise cell, and only the chapter's last section follows.
    start = text.index("\n## Exercises\n")
    assert start < text.index(f"from {module} import")
    assert text.index("\n## ", start + 1) == text.rindex("\n## ")
    assert text.rindex(".solution()") < text.rindex("\n## ")
    for k, q in enumerate(chapter, start=1):
        stub = [m for m in CELL.finditer(text) if f"q{k}.check()" in m.group(1)]
        assert len(stub) == 1, f"{path.name}: q{k}.check() should be in one cell"
        code = stub[0].group(1)
        assert re.search(rf"^(def {q.name}\(|{q.name} = \.\.\.)", code, re.M), (
            f"{path.name}: the cell with q{k}.check() should define the stub `{q.name}`")
        assert any(c.strip() == f"q{k}.hint()" for c in cells), f"q{k}.hint() missing"
        assert any(c.strip() == f"q{k}.solution()" for c in cells), f"q{k}.solution() missing"
        # The task is the Markdown right above the stub: the label in bold, then what to write
        # or set, with its maths in LaTeX.
        task = markdown_above(text, stub[0])
        poses = rf"^\*\*{re.escape(q.label)}\.\*\* (Write `{q.name}\(|Set `{q.name}[` ])"
        assert re.search(poses, task, re.M), f"{path.name}: no task for {q.label} above its stub"
        assert "$" in task, f"{path.name}: the task of {q.label} has no maths in LaTeX"
        assert not any(c.strip() == f"q{k}" for c in cells), (
            f"{path.name}: q{k} is displayed, but its task is in the Markdown")
        # The stub really is a stub: run the cell, as the book does, and see "Not attempted".
        namespace = {"np": np, f"q{k}": q}
        exec(code.replace(f"q{k}.check()", ""), namespace)
        assert q.evaluate(namespace=namespace).status == NOT_ATTEMPTED


@pytest.mark.parametrize("n", sorted(chapter_files()))
def test_stub_names_do_not_clash_with_the_chapter(n):
    """A stub must not overwrite a name that the chapter's own code uses elsewhere."""
    path = chapter_files()[n]
    cells = code_cells(path)
    for k, q in enumerate(exercises.chapter(n), start=1):
        others = [c for c in cells if f"q{k}.check()" not in c]
        used = [c for c in others if re.search(rf"\b{q.name}\b", c)]
        assert not used, f"{path.name}: `{q.name}` is also used by the chapter: {used[0][:200]}"


# -- check(), hint(), solution() --------------------------------------------------------------

def test_check_finds_the_answer_in_the_callers_globals(capsys):
    q = exercises.chapter(4)[0]
    namespace = {"q": q, "np": np}
    exec("def run():\n    q.check()\n", namespace)       # a notebook cell calling q.check()
    namespace["run"]()
    assert "Not attempted" in capsys.readouterr().out
    exec(q.solution_text(), namespace)                   # the reader defines sigmoid_prime
    namespace["run"]()
    assert capsys.readouterr().out.strip() == f"{q.label}: Correct."
    namespace["sigmoid_prime"] = next(iter(q.wrong.values()))[0]
    namespace["run"]()
    assert "Incorrect" in capsys.readouterr().out
    q.check(ch04_activations.sigmoid_prime)              # or the answer as an argument
    assert "Correct" in capsys.readouterr().out


def test_check_does_not_see_a_local_variable(capsys):
    """check() reads the notebook's globals, where a cell's definitions go."""
    q = exercises.chapter(6)[0]
    namespace = {"q": q}
    exec("def run():\n    n_parameters = lambda sizes: 0\n    q.check()\n", namespace)
    namespace["run"]()
    assert "Not attempted" in capsys.readouterr().out


def test_hint_and_solution_are_folded_boxes(monkeypatch):
    shown = []
    monkeypatch.setattr(core, "_show", shown.append)
    q = exercises.chapter(2)[0]
    q.hint()
    q.solution()
    hint, solution = shown
    assert hint._repr_html_().startswith('<details class="bpcore-hint" ')
    assert q._hint.split()[0] in hint._repr_html_()
    html = solution._repr_html_()
    assert html.startswith('<details class="bpcore-solution" ') and " open" not in html
    assert "def dE_dw5(out_h1, out_o1, target_o1):" in html
    assert q._repr_markdown_().startswith(f"**{q.label}.** `dE_dw5`")
    value = exercises.chapter(5)[1]
    assert value.solution_text() == "lr_that_converges = 0.7"


def test_feedback_html_names_its_status():
    q = exercises.chapter(1)[0]
    html = q.evaluate(None)._repr_html_()
    assert 'class="bpcore-feedback bpcore-not-attempted"' in html and "Not attempted" in html
    html = q.evaluate(q.right_answer)._repr_html_()
    assert "bpcore-correct" in html


def test_a_learning_rate_that_diverges_says_so():
    q = BY_NAME["lr_that_converges"]
    for lr in (6.0, 1e300):
        feedback = q.evaluate(lr)
        assert feedback.status == INCORRECT and "diverged with lr=" in feedback.message
    slow = q.evaluate(0.01)
    assert "too slow" in slow.message and "after 200 updates" in slow.message
    assert q.evaluate(-1).status == INCORRECT and "> 0" in q.evaluate(-1).message


def test_a_learning_rate_limit_is_judged_by_running_gradient_descent():
    q = BY_NAME["largest_stable_lr"]
    assert "too small" in q.evaluate(lambda H: 1 / np.linalg.eigvalsh(H).max()).message
    assert "too large" in q.evaluate(lambda H: 4 / np.linalg.eigvalsh(H).max()).message
    assert "too small" in q.evaluate(lambda H: 1e-300).message
    assert "too large" in q.evaluate(lambda H: 1e300).message


def test_the_activation_slopes_are_never_tested_at_the_kink():
    for z in ch04_activations._activation_inputs(42, avoid_zero=True):
        assert np.all(np.abs(z) >= 1e-3)
    q = BY_NAME["relu_prime"]
    either = q.right["slope 1 at the kink (either one-sided slope will do)"]
    assert either(np.zeros(1))[0] == 1.0 and q.right_answer(np.zeros(1))[0] == 0.0
    assert q.evaluate(either).status == CORRECT                  # either slope at 0


def test_the_minibatch_data_tell_every_sample_apart():
    """The checker finds a column's sample by its first entry: those must all differ, and no
    entry may print like a whole number (the messages count samples and batches)."""
    for m, size, seed in ch07_training._EPOCH_CASES:
        X, Y = ch07_training._epoch_data(m, seed)
        assert X.shape == (3, m) and Y.shape == (2, m)
        assert len(set(X[0])) == m and len(set(Y[0])) == m
        assert np.all((X > 0.05) & (X < 0.95)) and np.all((Y > 0.05) & (Y < 0.95))


def test_the_chapter_7_checks_are_quick():
    for name in ("minibatches", "init_weights"):
        q = BY_NAME[name]
        start = time.perf_counter()
        assert q.evaluate(q.right_answer).status == CORRECT
        assert time.perf_counter() - start < 0.3, name


def test_xor_weights_must_be_a_network_of_the_right_shapes():
    q = BY_NAME["xor_weights"]
    W1, b1, W2, b2 = ch06_hidden_width.XOR_WEIGHTS
    assert "W1 should have shape (H, 2)" in q.evaluate((np.ones((2, 3)), b1, W2, b2)).message
    assert "W2 should have shape (1, 2)" in q.evaluate((W1, b1, np.array(W2).T, b2)).message
    assert "b1 should hold 2 biases, one per hidden unit" in q.evaluate((W1, [0.0], W2, b2)).message
    assert q.evaluate((W1, b1, W2, ...)).status == NOT_ATTEMPTED
    assert "W1 should have shape (H, 2)" in q.evaluate((np.ones((0, 2)), [], [[]], 0.0)).message
    # Three hidden units work as well as two.
    assert q.evaluate(q.right["three hidden units"]).status == CORRECT


# -- compare: its docstring shows (and tests) what it says of each kind of answer -------------

expected_arrays = hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=2, max_side=3),
                             elements=st.floats(-1e6, 1e6))


@settings(max_examples=200)
@given(actual=st.one_of(values, st.tuples(values, values), st.lists(values, max_size=3)),
       expected=st.one_of(expected_arrays, st.tuples(expected_arrays, expected_arrays)))
def test_compare_never_raises(actual, expected):
    with warnings.catch_warnings():                 # and never warns under the cell
        warnings.simplefilter("error")
        result = compare(actual, expected)
    assert result is None or (isinstance(result, str) and result)


@settings(max_examples=100)
@given(expected=expected_arrays)
def test_compare_accepts_the_expected_value_itself(expected):
    assert compare(expected.copy(), expected) is None
    assert compare(expected.tolist(), expected) is None


def test_evaluate_never_raises_even_when_compare_does():
    q = BY_NAME["n_parameters"]
    feedback = q.evaluate(lambda sizes: 10**400)
    assert feedback.status == INCORRECT
