"""The self-check exercises (bpcore.questions, bpcore.exercises): every solution is judged right,
a known-wrong answer wrong (with a message that does not give the expected values away), a stub
"not attempted", and nothing a reader can type makes a check raise. Each chapter poses its own
exercises, and check() finds the answer in the notebook's namespace."""
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from bpcore import Network, questions
from bpcore.exercises import CORRECT, INCORRECT, NOT_ATTEMPTED, Exercise, compare

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = questions.all_exercises()
IDS = [q.name for q in EXERCISES]
BY_NAME = {q.name: q for q in EXERCISES}
VALUE_EXERCISES = {q.name for q in EXERCISES if not callable(q.right_answer)}


def chapter_files():
    """Every numbered chapter of the book: each one poses exercises."""
    return {int(p.name[:2]): p for p in sorted((ROOT / "chapters").glob("[0-9][0-9]-*.md"))}


def code_cells(path):
    return re.findall(r"```\{code-cell\}[^\n]*\n(.*?)\n```", path.read_text(), re.S)


# -- one known-wrong answer per exercise: (answer, a phrase its message must contain) -----------

def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _cut(X, Y, idx_x, idx_y, batch_size, stop=None):
    """An epoch cut from the column orders idx_x (for X) and idx_y (for Y)."""
    stop = len(idx_x) if stop is None else stop
    return [(X[:, idx_x[s:s + batch_size]], Y[:, idx_y[s:s + batch_size]])
            for s in range(0, stop, batch_size)]


def _shuffled_separately(X, Y, batch_size, rng):
    m = X.shape[1]
    return _cut(X, Y, rng.permutation(m), rng.permutation(m), batch_size)


def _layers(sizes, draw):
    """[draw(n_in, n_out) for each layer]: a way of initialising every layer."""
    return [draw(n_in, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:])]


def _unscaled(sizes, rng):
    return _layers(sizes, lambda n_in, n_out: rng.standard_normal((n_out, n_in)))


WRONG = {
    # samples as rows: both results transposed
    "layer_forward": (lambda W, b, a_prev: tuple(
        x.T for x in questions._layer_forward_solution(W, b, a_prev)), "transposed"),
    # the last layer's sigmoid forgotten
    "network_output": (lambda Ws, bs, X: Ws[-1] @ _sigmoid(
        questions._network_output_solution(Ws[:-1], bs[:-1], X)) + bs[-1], "wrong value"),
    # the factor sigma'(net_o1) = out_o1 (1 - out_o1) missing
    "dE_dw5": (lambda out_h1, out_o1, t1: (out_o1 - t1) * out_h1, "fails the gradient check"),
    # only the path through o1
    "dE_dw1": (lambda d1, d2, w5, w7, h1, i1: w5 * d1 * h1 * (1 - h1) * i1,
               "only the path through o1"),
    # sigma'(a) in place of sigma'(z) (seed 002's slip)
    "output_delta": (lambda a, y, z: (a - y) * _sigmoid(a) * (1 - _sigmoid(a)),
                     "fails the gradient check"),
    # sigma'(z) = sigma(z) (1 - sigma(z)) with the factor (1 - sigma(z)) forgotten
    "hidden_delta": (lambda W_next, delta_next, z: (W_next.T @ delta_next) * _sigmoid(z),
                     "wrong values"),
    # no average over the m samples
    "parameter_gradients": (lambda delta, a_prev: (delta @ a_prev.T,
                                                   delta.sum(axis=1, keepdims=True)),
                            "fails the gradient check"),
    # the derivative taken at z instead of at a = sigma(z)
    "sigmoid_prime": (lambda z: z * (1 - z), "not z"),
    # ReLU itself instead of its slope
    "relu_prime": (lambda z: np.maximum(z, 0.0), "returns ReLU(z) itself"),
    # the flattest direction instead of the steepest
    "largest_stable_lr": (lambda H: 2 / np.linalg.eigvalsh(H).min(), "too large"),
    # a rate above 2/h at the valley floor
    "lr_that_converges": (1.5, "still bouncing"),
    # the biases forgotten
    "n_parameters": (lambda sizes: sum(a * b for a, b in zip(sizes[:-1], sizes[1:])),
                     "weights only"),
    # the output unit computes OR of the hidden units: wrong at (1, 1)
    "xor_weights": (([[1.0, 1.0], [1.0, 1.0]], [-0.5, -1.5], [[1.0, 1.0]], [-0.5]), "(1, 1)"),
    # X and Y shuffled with two different permutations: the pairs (x, y) are broken
    "minibatches": (_shuffled_separately, "no longer paired"),
    # N(0, 1) weights, not divided by sqrt(n_{l-1})
    "init_weights": (_unscaled, "too large by about sqrt(n_{l-1})"),
}


def test_every_exercise_has_a_known_wrong_answer():
    assert set(WRONG) == set(BY_NAME)


def test_labels_names_and_chapters():
    for n in questions._CHAPTERS:
        exercises = questions.chapter(n)
        assert len(exercises) >= 2, f"chapter {n} has fewer than two exercises"
        for k, q in enumerate(exercises, start=1):
            assert q.label == f"Exercise {n}.{k}"
            assert q.name.isidentifier() and q.task and q._hint
    assert sorted(questions._CHAPTERS) == [1, 2, 3, 4, 5, 6, 7]
    assert len(set(IDS)) == len(IDS), "two exercises share a name"
    with pytest.raises(ValueError, match="one of"):
        questions.chapter(8)


def test_every_chapter_has_exercises_and_every_exercise_a_chapter():
    files, posed = set(chapter_files()), set(questions._CHAPTERS)
    if posed - files == {7}:
        pytest.skip("chapters/07-training-in-practice.md is still being written")
    assert files == posed, (f"chapters without exercises: {sorted(files - posed)}, "
                            f"exercises without a chapter: {sorted(posed - files)}")


# -- the solution, the solution as shown, a wrong answer, a stub -------------------------------

@pytest.mark.parametrize("q", EXERCISES, ids=IDS)
def test_the_solution_is_correct(q):
    feedback = q.evaluate(q.right_answer)
    assert feedback.status == CORRECT, feedback
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


def revealing_strings(values):
    """The expected numbers as a message might print them (3 significant digits), where that
    means something: not whole numbers below 10 (such as 0 and 1 of a ReLU slope)."""
    shown = set()
    for v in values:
        if not np.isfinite(v) or (float(v).is_integer() and abs(v) < 10):
            continue
        shown.add(f"{v:.3g}")
        if float(v).is_integer():
            shown.add(str(int(v)))
    return shown


@pytest.mark.parametrize("q", EXERCISES, ids=IDS)
def test_a_wrong_answer_is_incorrect_and_the_message_keeps_the_answer_secret(q):
    answer, phrase = WRONG[q.name]
    feedback = q.evaluate(answer)
    assert feedback.status == INCORRECT, feedback
    assert phrase in feedback.message, feedback.message
    leaked = [s for s in revealing_strings(reference_values(q)) if s in feedback.message]
    assert not leaked, f"the message gives expected values away: {leaked} in {feedback.message!r}"


def _stub_returning_none(*args):
    ...


def _stub_returning_ellipsis(*args):
    return ...


def _stub_raising(*args):
    raise NotImplementedError


@pytest.mark.parametrize("q", EXERCISES, ids=IDS)
def test_a_stub_is_not_attempted(q):
    stubs = [None, Ellipsis]
    if q.name not in VALUE_EXERCISES:
        stubs += [_stub_returning_none, _stub_returning_ellipsis, _stub_raising]
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


def _raises(*args):
    return 1 / 0


def bad_answers(q):
    """(what, answer) pairs that are never right, with the phrase the message should hold."""
    if q.name in VALUE_EXERCISES:
        return [("an object equal to everything", EqualsEverything(), "expected"),
                ("NaN", _nan_like(q.right_answer), ""),
                ("a string", str(q.right_answer), "expected"),
                ("a function", lambda *a: q.right_answer, "expected"),
                ("an empty list", [], "expected")]
    solution = q.right_answer
    return [("a function that raises", _raises, "raised ZeroDivisionError"),
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

@pytest.mark.parametrize("n", sorted(chapter_files()))
def test_each_chapter_poses_its_exercises(n):
    path = chapter_files()[n]
    text = path.read_text()
    cells = code_cells(path)
    exercises = questions.chapter(n)
    calls = re.findall(r"^(.*?)= questions\.chapter\((\d+)\)", text, re.M)
    assert len(calls) == 1, f"{path.name} should call questions.chapter once, found {calls}"
    names, number = calls[0]
    assert int(number) == n, f"{path.name} takes the exercises of chapter {number}"
    assert [s.strip() for s in names.split(",")] == [f"q{k}" for k in
                                                     range(1, len(exercises) + 1)]
    assert sum(".check()" in c for c in cells) >= 2
    # "## Exercises" holds every exercise cell, and only the chapter's last section follows.
    start = text.index("\n## Exercises\n")
    assert start < text.index("questions.chapter(")
    assert text.index("\n## ", start + 1) == text.rindex("\n## ")
    assert text.rindex(".solution()") < text.rindex("\n## ")
    for k, q in enumerate(exercises, start=1):
        stub = [c for c in cells if f"q{k}.check()" in c]
        assert len(stub) == 1, f"{path.name}: q{k}.check() should be in one cell"
        assert re.search(rf"^(def {q.name}\(|{q.name} = \.\.\.)", stub[0], re.M), (
            f"{path.name}: the cell with q{k}.check() should define the stub `{q.name}`")
        assert any(c.strip() == f"q{k}.hint()" for c in cells), f"q{k}.hint() missing"
        assert any(c.strip() == f"q{k}.solution()" for c in cells), f"q{k}.solution() missing"
        assert any(c.strip().endswith(f"\nq{k}") or c.strip() == f"q{k}" for c in cells), (
            f"{path.name}: no cell shows the task of q{k}")
        # The stub really is a stub: run the cell, as the book does, and see "Not attempted".
        namespace = {"np": np, f"q{k}": q}
        code = stub[0].replace(f"q{k}.check()", "")
        exec(code, namespace)
        assert q.evaluate(namespace=namespace).status == NOT_ATTEMPTED


@pytest.mark.parametrize("n", sorted(chapter_files()))
def test_stub_names_do_not_clash_with_the_chapter(n):
    """A stub must not overwrite a name that the chapter's own code uses elsewhere."""
    path = chapter_files()[n]
    cells = code_cells(path)
    for k, q in enumerate(questions.chapter(n), start=1):
        others = [c for c in cells if f"q{k}.check()" not in c]
        used = [c for c in others if re.search(rf"\b{q.name}\b", c)]
        assert not used, f"{path.name}: `{q.name}` is also used by the chapter: {used[0][:200]}"


# -- check(), hint(), solution() --------------------------------------------------------------

def test_check_finds_the_answer_in_the_callers_globals(capsys):
    q = questions.chapter(4)[0]
    namespace = {"q": q, "np": np}
    exec("def run():\n    q.check()\n", namespace)       # a notebook cell calling q.check()
    namespace["run"]()
    assert "Not attempted" in capsys.readouterr().out
    exec(q.solution_text(), namespace)                   # the reader defines sigmoid_prime
    namespace["run"]()
    assert capsys.readouterr().out.strip() == f"{q.label}: Correct."
    namespace["sigmoid_prime"] = WRONG["sigmoid_prime"][0]
    namespace["run"]()
    assert "Incorrect" in capsys.readouterr().out
    q.check(questions._sigmoid_prime_solution)           # or the answer as an argument
    assert "Correct" in capsys.readouterr().out


def test_check_does_not_see_a_local_variable(capsys):
    """check() reads the notebook's globals, where a cell's definitions go."""
    q = questions.chapter(6)[0]
    namespace = {"q": q}
    exec("def run():\n    n_parameters = lambda sizes: 0\n    q.check()\n", namespace)
    namespace["run"]()
    assert "Not attempted" in capsys.readouterr().out


def test_hint_and_solution_are_folded_boxes(monkeypatch):
    from bpcore import exercises
    shown = []
    monkeypatch.setattr(exercises, "_show", shown.append)
    q = questions.chapter(2)[0]
    q.hint()
    q.solution()
    hint, solution = shown
    assert hint._repr_html_().startswith('<details class="bpcore-hint">')
    assert q._hint.split()[0] in hint._repr_html_()
    html = solution._repr_html_()
    assert html.startswith('<details class="bpcore-solution">') and " open" not in html
    assert "def dE_dw5(out_h1, out_o1, target_o1):" in html
    assert q._repr_markdown_().startswith(f"**{q.label}.** Write `dE_dw5(")
    value = questions.chapter(5)[1]
    assert value.solution_text() == "lr_that_converges = 0.6"


def test_feedback_html_names_its_status():
    q = questions.chapter(1)[0]
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
    assert "too slow" in slow.message and "after 300 updates" in slow.message
    assert q.evaluate(-1).status == INCORRECT and "> 0" in q.evaluate(-1).message


def test_a_learning_rate_limit_is_judged_by_running_gradient_descent():
    q = BY_NAME["largest_stable_lr"]
    assert "too small" in q.evaluate(lambda H: 1 / np.linalg.eigvalsh(H).max()).message
    assert "too large" in q.evaluate(lambda H: 4 / np.linalg.eigvalsh(H).max()).message
    assert "too small" in q.evaluate(lambda H: 1e-300).message
    assert "too large" in q.evaluate(lambda H: 1e300).message


def test_the_activation_slopes_are_never_tested_at_the_kink():
    for z in questions._activation_inputs(42, avoid_zero=True):
        assert np.all(np.abs(z) >= 1e-3)
    q = BY_NAME["relu_prime"]
    assert q.evaluate(lambda z: (z >= 0).astype(float)).status == CORRECT  # either slope at 0


MINIBATCH_MISTAKES = {
    "X and Y shuffled separately": (_shuffled_separately, "no longer paired"),
    "not shuffled": (lambda X, Y, size, rng: _cut(X, Y, np.arange(X.shape[1]),
                                                  np.arange(X.shape[1]), size),
                     "not shuffled"),
    "np.random's global state": (
        lambda X, Y, size, rng: questions._minibatches_solution(
            X, Y, size, np.random.default_rng(np.random.randint(2**31))),
        "same seed gave different batches, so it ignores rng"),
    "a fixed seed": (lambda X, Y, size, rng: questions._minibatches_solution(
        X, Y, size, np.random.default_rng(0)), "different seeds gave the same batches"),
    "the last partial batch dropped": (
        lambda X, Y, size, rng: (lambda idx: _cut(X, Y, idx, idx, size, len(idx) - size + 1))(
            rng.permutation(X.shape[1])),
        "drops the last partial batch"),
    "samples drawn with replacement": (
        lambda X, Y, size, rng: (lambda idx: _cut(X, Y, idx, idx, size))(
            rng.integers(0, X.shape[1], X.shape[1])),
        "exactly once per epoch"),
    "m // batch_size batches of uneven sizes": (
        lambda X, Y, size, rng: [(X[:, k], Y[:, k]) for k in np.array_split(
            rng.permutation(X.shape[1]), max(X.shape[1] // size, 1))],
        "expected ceil(m / batch_size) batches"),
    "samples as rows": (lambda X, Y, size, rng: [(x.T, y.T) for x, y in
                                                 questions._minibatches_solution(X, Y, size, rng)],
                        "looks transposed"),
    "one column as a 1-d array": (
        lambda X, Y, size, rng: [(x[:, 0], y[:, 0]) if x.shape[1] == 1 else (x, y) for x, y in
                                 questions._minibatches_solution(X, Y, size, rng)],
        "single integer drops the column axis"),
    "a generator": (lambda X, Y, size, rng: iter(questions._minibatches_solution(X, Y, size, rng)),
                    "list(...)"),
    "the same batches in the same order, shuffled within each batch": (
        lambda X, Y, size, rng: [(lambda p: (x[:, p], y[:, p]))(rng.permutation(x.shape[1]))
                                 for x, y in (_cut(X, Y, np.arange(X.shape[1]),
                                                   np.arange(X.shape[1]), size))],
        "not shuffled across batches"),
}


@pytest.mark.parametrize("mistake", MINIBATCH_MISTAKES)
def test_each_minibatch_mistake_gets_its_own_message(mistake):
    answer, phrase = MINIBATCH_MISTAKES[mistake]
    feedback = BY_NAME["minibatches"].evaluate(answer)
    assert feedback.status == INCORRECT and phrase in feedback.message, feedback.message


def test_the_minibatch_data_tell_every_sample_apart():
    """The checker finds a column's sample by its first entry: those must all differ, and no
    entry may print like a whole number (the messages count samples and batches)."""
    for m, size, seed in questions._EPOCH_CASES:
        X, Y = questions._epoch_data(m, seed)
        assert X.shape == (3, m) and Y.shape == (2, m)
        assert len(set(X[0])) == m and len(set(Y[0])) == m
        assert np.all((X > 0.05) & (X < 0.95)) and np.all((Y > 0.05) & (Y < 0.95))


def test_bpcore_own_batches_pass_the_minibatch_check():
    from bpcore.train import batches
    q = BY_NAME["minibatches"]
    assert q.evaluate(lambda X, Y, size, rng: list(batches(X, Y, size, rng))).status == CORRECT
    # Other correct ways: a shuffled copy of the indices, or of the data's columns.
    def shuffle_in_place(X, Y, size, rng):
        idx = np.arange(X.shape[1])
        rng.shuffle(idx)
        return [(X[:, idx[s:s + size]], Y[:, idx[s:s + size]])
                for s in range(0, len(idx), size)]

    def stack_and_permute(X, Y, size, rng):
        both = rng.permutation(np.vstack([X, Y]), axis=1)
        n = X.shape[0]
        return tuple((both[:n, s:s + size], both[n:, s:s + size])
                     for s in range(0, both.shape[1], size))
    for answer in (shuffle_in_place, stack_and_permute):
        assert q.evaluate(answer).status == CORRECT, answer.__name__


def test_the_chapter_7_checks_are_quick():
    import time
    for name in ("minibatches", "init_weights"):
        q = BY_NAME[name]
        start = time.perf_counter()
        assert q.evaluate(q.right_answer).status == CORRECT
        assert time.perf_counter() - start < 0.3, name


def _scaled(sizes, rng):
    return _layers(sizes, lambda n_in, n_out: rng.standard_normal((n_out, n_in)) / np.sqrt(n_in))


INIT_MISTAKES = {
    "zeros": (lambda sizes, rng: _layers(sizes, lambda n_in, n_out: np.zeros((n_out, n_in))),
              "symmetry"),
    "a constant": (lambda sizes, rng: _layers(sizes, lambda n_in, n_out: np.full((n_out, n_in),
                                                                                 0.01)),
                   "stay copies of each other"),
    "unscaled N(0, 1)": (_unscaled, "too large by about sqrt(n_{l-1})"),
    "divided by n": (lambda sizes, rng: _layers(
        sizes, lambda n_in, n_out: rng.standard_normal((n_out, n_in)) / n_in),
        "divided by n_{l-1} instead of its square root"),
    "scaled by the layer's own width": (lambda sizes, rng: _layers(
        sizes, lambda n_in, n_out: rng.standard_normal((n_out, n_in)) / np.sqrt(n_out)),
        "scale by the number of inputs of each unit"),
    "He's sqrt(2 / n)": (lambda sizes, rng: _layers(
        sizes, lambda n_in, n_out: rng.standard_normal((n_out, n_in)) * np.sqrt(2 / n_in)),
        "spread of W^1 is wrong (too large)"),
    "uniform with the right spread": (lambda sizes, rng: _layers(
        sizes, lambda n_in, n_out: rng.uniform(-1, 1, (n_out, n_in)) * np.sqrt(3 / n_in)),
        "draw from a normal distribution"),
    "uniform on [0, 1)": (lambda sizes, rng: _layers(
        sizes, lambda n_in, n_out: rng.random((n_out, n_in))), "not centred on 0"),
    "transposed": (lambda sizes, rng: [W.T for W in _scaled(sizes, rng)],
                   "W^l has shape (n_l, n_{l-1})"),
    "np.random's global state": (lambda sizes, rng: _layers(
        sizes, lambda n_in, n_out: np.random.randn(n_out, n_in) / np.sqrt(n_in)),
        "same seed gave different weights, so it ignores rng"),
    "bpcore's Network with a fixed seed": (lambda sizes, rng: Network(sizes, seed=0).W[1:],
                                           "different seeds gave the same weights"),
    "a list like net.W, with W^0": (lambda sizes, rng: [None] + _scaled(sizes, rng),
                                    "starts with W^1"),
    "the same weight along each row": (lambda sizes, rng: _layers(
        sizes, lambda n_in, n_out: np.repeat(rng.standard_normal((n_out, 1)), n_in, axis=1)),
        "repeats the same values"),
}


@pytest.mark.parametrize("mistake", INIT_MISTAKES)
def test_each_initialisation_mistake_gets_its_own_message(mistake):
    answer, phrase = INIT_MISTAKES[mistake]
    feedback = BY_NAME["init_weights"].evaluate(answer)
    assert feedback.status == INCORRECT and phrase in feedback.message, feedback.message


def test_bpcore_own_initialisation_passes_the_init_weights_check():
    q = BY_NAME["init_weights"]
    assert q.evaluate(_scaled).status == CORRECT
    # bpcore's Network draws the same way from default_rng(seed): a seed taken from rng will do.
    assert q.evaluate(lambda sizes, rng: Network(sizes, seed=int(rng.integers(2**31))).W[1:]
                      ).status == CORRECT
    # Other correct ways: normal(0, scale) draws, the transpose of (n_in, n_out) draws, float32.
    others = [
        lambda sizes, rng: _layers(sizes, lambda n_in, n_out: rng.normal(
            0, 1 / np.sqrt(n_in), (n_in, n_out)).T),
        lambda sizes, rng: _layers(sizes, lambda n_in, n_out: rng.standard_normal(
            (n_out, n_in), dtype=np.float32) / np.float32(np.sqrt(n_in))),
        lambda sizes, rng: tuple(reversed(_layers(sizes[::-1], lambda n_out, n_in: (
            rng.standard_normal((n_out, n_in)) / np.sqrt(n_in))))),
    ]
    for k, answer in enumerate(others):
        assert q.evaluate(answer).status == CORRECT, k


def test_xor_weights_must_be_a_network_of_the_right_shapes():
    q = BY_NAME["xor_weights"]
    W1, b1, W2, b2 = questions._XOR_SOLUTION
    assert "W1 should have shape (H, 2)" in q.evaluate((np.ones((2, 3)), b1, W2, b2)).message
    assert "W2 should have shape (1, 2)" in q.evaluate((W1, b1, np.array(W2).T, b2)).message
    assert "b1 should hold 2 biases, one per hidden unit" in q.evaluate((W1, [0.0], W2, b2)).message
    assert q.evaluate((W1, b1, W2, ...)).status == NOT_ATTEMPTED
    assert "W1 should have shape (H, 2)" in q.evaluate((np.ones((0, 2)), [], [[]], 0.0)).message
    # Three hidden units work as well as two.
    assert q.evaluate(([[1, 1], [1, 1], [0, 0]], [-0.5, -1.5, -1], [[1, -1, 5]], [-0.5])).status \
        == CORRECT


# -- compare ----------------------------------------------------------------------------------

def test_compare_says_transposed():
    e = np.zeros((2, 5))
    assert "transposed" in compare(np.zeros((5, 2)), e)
    assert "arranged differently" in compare(np.zeros(10), e)
    assert compare(np.zeros((2, 5)), e) is None


def test_compare_reports_nan_and_inf():
    assert "NaN or inf" in compare(np.array([1.0, np.nan]), np.array([1.0, 2.0]))
    assert "NaN or inf" in compare(np.inf, 1.0)


def test_compare_tuples():
    e = (np.zeros(2), np.ones(2))
    assert "expected 2 results, got 3" in compare((1, 2, 3), e)
    assert "as a tuple" in compare(np.zeros(2), e, parts=("z", "a"))
    assert "(z, a)" in compare(np.zeros(2), e, parts=("z", "a"))
    assert "its result a" in compare((np.zeros(2), np.zeros(2)), e, parts=("z", "a"))
    assert compare([np.zeros(2), np.ones(2)], e) is None


def test_compare_values():
    assert compare(1.0 + 1e-9, 1.0) is None
    assert compare(1.1, 1.0) == "your answer: right shape, wrong value"
    assert "1 of 3 entries differ" in compare([1.0, 2.0, 4.0], np.array([1.0, 2.0, 3.0]))
    assert compare(np.array([[2.0]]), 2.0) is None                   # one number, any shape
    assert "got bool" in compare(True, 1.0)
    assert "got str" in compare("1.0", 1.0)
    assert "got EqualsEverything" in compare(EqualsEverything(), 1.0)
    assert "nothing was returned" in compare(None, 1.0)


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


def test_compare_is_silent_for_huge_values():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert compare(np.array([1e308]), np.array([-1e308]))


def test_compare_refuses_complex_arrays():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "complex" in compare(np.array([1 + 2j]), np.array([1.0]))
        assert "complex" in compare(1 + 2j, 1.0)


def test_compare_refuses_huge_integers():
    assert "cannot read as floats" in compare(10**400, 1.0)


def test_evaluate_never_raises_even_when_compare_does():
    q = BY_NAME["n_parameters"]
    feedback = q.evaluate(lambda sizes: 10**400)
    assert feedback.status == INCORRECT


def test_an_exercise_with_a_broken_checker_still_gives_a_verdict():
    def checker(answer):
        raise KeyError("oops")
    q = Exercise("Exercise 0.1", "x", "set x", checker, "hint", 1)
    assert q.evaluate(2).status == INCORRECT
