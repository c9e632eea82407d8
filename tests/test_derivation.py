"""The derivation exercises (bpcore.exercises.derivation and chapter 4's Exercises 4.3-4.6): the
answer is an expression, judged by sympy. Their references agree with the engine, right answers
in any form pass, each kind of mistake gets its own diagnosis without the answer, and nothing a
reader types makes a check raise or run code. (tests/test_exercises.py also runs every one of
them through the checks every exercise gets: solution, known-wrong answers, stubs.)"""
import re
import time

import numpy as np
import pytest
import sympy as sp

from bpcore import COSTS, exercises
from bpcore.activations import get_activation
from bpcore.exercises import CORRECT, INCORRECT, NOT_ATTEMPTED, derivation
from bpcore.exercises import ch04_activations as ch4

DERIVATIONS = [q for q in exercises.chapter(4) if isinstance(q, derivation.DerivationExercise)]
Q3, Q4, Q5, Q6 = (ch4.q3, ch4.q4, ch4.q5, ch4.q6)
SIGMOID, TANH = get_activation("sigmoid"), get_activation("tanh")


def verdict(q, answer):
    feedback = q.evaluate(answer)
    assert "failed with" not in feedback.message, feedback.message       # no checker crash
    return feedback.status, feedback.message


def test_chapter_4_has_four_derivations_after_the_code_exercises():
    assert [q.label for q in DERIVATIONS] == [f"Exercise 4.{k}" for k in (3, 4, 5, 6)]
    assert [q.name for q in DERIVATIONS] == ["slope_in_s", "second_derivative_in_s",
                                             "delta_tanh", "delta_cross_entropy"]
    assert all(isinstance(q.right_answer, str) for q in DERIVATIONS)


# -- the references: derived by sympy, and the engine agrees ----------------------------------

def lambdified(q):
    return sp.lambdify(q.symbols, q.checker.reference, "numpy")


def test_the_slopes_written_with_s_are_bpcores_slopes():
    z = np.linspace(-6, 6, 121)
    s = SIGMOID.f(z)
    assert np.allclose(lambdified(Q3)(s), SIGMOID.df(z, s), rtol=1e-12, atol=1e-15)
    h = 1e-4                                           # sigma'' by differences of bpcore's sigma'
    slope = [SIGMOID.df(z + d, SIGMOID.f(z + d)) for d in (-2 * h, -h, h, 2 * h)]
    second = (slope[0] - 8 * slope[1] + 8 * slope[2] - slope[3]) / (12 * h)
    assert np.allclose(lambdified(Q4)(s), second, atol=1e-10)


@pytest.mark.parametrize("q, act, cost", [(Q5, TANH, "quadratic"),
                                          (Q6, SIGMOID, "cross_entropy")], ids=["q5", "q6"])
def test_the_output_errors_are_bpcores_bp1(q, act, cost):
    rng = np.random.default_rng(5)
    Z = rng.uniform(-4, 4, size=(1, 50))
    Y = rng.uniform(0, 1, size=(1, 50))
    A = act.f(Z)
    assert np.allclose(lambdified(q)(A, Y), COSTS[cost].delta(act, Z, A, Y), atol=1e-12)


def test_the_reference_is_derived_not_typed():
    """A checker's reference is what sympy derives from the form it is given (here the square
    of tanh), rewritten with the output a = f(z) by written_with; nothing is typed."""
    z, a = sp.Symbol("z", real=True), sp.Symbol("a", real=True)
    assert derivation.written_with(sp.diff(sp.tanh(z), z), z, sp.tanh(z), a, 0.3) == (
        sp.factor(1 - a ** 2))
    checker = derivation.Expression(
        "w", lambda: sp.diff(sp.tanh(z) ** 2, z), (a,), (a, sp.tanh(z)),
        domain={a: (-0.9, 0.9), z: (-2, 2)}, what="w", note="a stands for tanh(z)")
    assert checker("2a(1 - a^2)") is None
    with pytest.raises(derivation.Incorrect):
        checker("1 - a^2")
    with pytest.raises(ValueError, match="no inverse"):
        derivation.written_with(z, z, sp.exp(z) ** 0, a, 0.3)


# -- right answers in every form --------------------------------------------------------------

@pytest.mark.parametrize("q, answers", [
    (Q3, ["s*(1 - s)", "s - s**2", "s - s^2", "s(1-s)", "-s(s - 1)", "(1 - s) s",
          "s*(1-s)*exp(0)", "sigma(log(s/(1 - s)))(1 - s)", "0.5*s*(2 - 2*s)"]),
    (Q4, ["s(1 - s)(1 - 2s)", "2s^3 - 3s^2 + s", "s*(s - 1)*(2*s - 1)"]),
    (Q5, ["(a - y)(1 - a^2)", "(a-y)*(1-a**2)", "a - y - a^3 + a^2 y", "(y - a)(a^2 - 1)",
          "(a - y)(1 - a)(1 + a)"]),
    (Q6, ["a - y", "-y(1 - a) + (1 - y)a", "(a - y)/(a(1 - a)) * a(1 - a)",
          "-(y - a)", "a*(1 - y) - y*(1 - a)"]),
], ids=["q3", "q4", "q5", "q6"])
def test_equivalent_strings_are_right(q, answers):
    for answer in answers:
        assert verdict(q, answer)[0] == CORRECT, answer


def test_sympy_expressions_are_right_whatever_their_symbols_assume():
    (s,) = Q3.symbols
    assert verdict(Q3, s * (1 - s))[0] == CORRECT
    assert verdict(Q3, sp.expand(s * (1 - s)))[0] == CORRECT
    plain = sp.Symbol("s")                                 # the reader's own symbol, no assumptions
    assert verdict(Q3, plain - plain ** 2)[0] == CORRECT
    a, y = Q6.symbols
    assert verdict(Q6, a - y)[0] == CORRECT
    a, y = sp.symbols("a y", real=True)                    # as the chapter's own a and y
    assert verdict(Q6, a - y)[0] == CORRECT
    assert verdict(Q5, (a - y) * (1 - a ** 2))[0] == CORRECT
    sigma = sp.Function("sigma")                           # an undefined sigma is the sigmoid
    z = sp.Symbol("z")
    assert "but written with z" in verdict(Q6, sigma(z) - y)[1]


def test_the_chapters_s_is_sigma_of_z_and_is_told_so():
    """In chapter 4, `s` is sympy's sigma(z), not a symbol: an answer built from it is right in
    z, and the check says to write it with s."""
    z = sp.Symbol("z", real=True)
    s = SIGMOID.sympy(z)
    status, message = verdict(Q3, s * (1 - s))
    assert status == INCORRECT and "is sigma'(z), but written with z" in message


# -- each mistake, its own diagnosis ----------------------------------------------------------

@pytest.mark.parametrize("q, answer, phrase", [
    (Q3, "-s(1 - s)", "is off by a sign"),
    (Q3, "3s(1 - s)", "is off by a constant factor"),
    (Q3, "s(1 - s) + 1/2", "is off by an added constant"),
    (Q3, "1/4", "is right at s = 1/2, wrong elsewhere: it is a constant"),
    (Q3, "s^2", "is right at s = 1/2, wrong elsewhere"),
    (Q3, "exp(-z)/(1 + exp(-z))^2", "is sigma'(z), but written with z"),
    (Q3, "s(1 - s) + z", "depends on z, where it should not: write it with s only"),
    (Q3, "z(1 - z)", "takes z for s"),
    (Q4, "1 - 2s", "with respect to s, but sigma'' is with respect to z"),
    (Q4, "s(1 - s)", "is sigma'(z) itself"),
    (Q4, "0", "is right at s = 1/2, wrong elsewhere: it is a constant"),
    (Q5, "a - y", "is dC/da, the first factor of BP1"),
    (Q5, "(a - y)(1 - tanh(a)^2)", "sigma'(a), where BP1 needs sigma'(z)"),
    (Q5, "(a - y) a (1 - a)", "uses the sigmoid's slope"),
    (Q5, "(a - y)(1 + a^2)", "is right at a = 0, wrong elsewhere"),
    (Q5, "a(1 - a^2)", "it does not depend on y, but delta^L does"),
    (Q5, "(a - y)(1 - tanh(z)^2)", "is delta^L, but written with z"),
    (Q6, "(a - y)/(a(1 - a))", "is dC/da, not dC/dz: BP1 multiplies dC/da by sigma'(z^L)"),
    (Q6, "-y/a + (1 - y)/(1 - a)", "is dC/da, not dC/dz"),
    (Q6, "(a - y)/(a(1 - a))^2", "divides dC/da by sigma'(z^L)"),
    (Q6, "(a - y)a(1 - a)", "is the quadratic cost's delta^L"),
    (Q6, "y - a", "is off by a sign"),
    (Q6, "a", "is right at y = 0, wrong at y = 1"),
    (Q6, "a - 1", "is right at y = 1, wrong at y = 0"),
    (Q6, "a - y^2", "is right at y = 0 and y = 1, wrong elsewhere"),
    (Q6, "a - y + 1", "is off by an added constant"),
    (Q6, "a - y + 1e-13", "is off by an added constant"),
    (Q6, "sigma(z) - y", "is delta^L, but written with z: write it with a and y only"),
    (Q6, "a y", "is not delta^L"),
])
def test_each_mistake_has_its_diagnosis_and_keeps_the_answer_secret(q, answer, phrase):
    status, message = verdict(q, answer)
    assert status == INCORRECT and phrase in message, message
    assert message.startswith(f"`{q.name}` ")
    squeezed = re.sub(r"\s", "", message)
    reference = q.checker.reference
    for form in (q.right_answer, str(reference), str(sp.expand(reference)),
                 str(sp.factor(reference))):
        assert re.sub(r"\s", "", form) not in squeezed, (form, message)


def test_a_known_wrong_form_is_recognised_in_any_form():
    for answer in ["(a - y)/(a - a^2)", "(a/(1 - a) - y/(1 - a))/a", "1/(1 - a) - y/(a(1 - a))"]:
        assert "is dC/da, not dC/dz" in verdict(Q6, answer)[1], answer


# -- what cannot be read ----------------------------------------------------------------------

def test_an_unknown_name_is_named_with_the_names_allowed():
    status, message = verdict(Q6, "x - y")
    assert status == INCORRECT
    assert "unknown name `x`" in message
    assert "write it with a and y" in message and "exp, log, ln, sqrt, tanh and sigma" in message
    assert "(a product? write `a*y`)" in verdict(Q6, "ay")[1]
    assert "unknown name `s`" in verdict(Q6, "s")[1]              # 4.3's symbol is not 4.6's
    assert "unknown name `pi`" in verdict(Q6, "pi*a")[1]
    assert "unknown function `f`" in verdict(Q6, sp.Function("f")(sp.Symbol("a")))[1]
    assert "unknown name `b`" in verdict(Q6, sp.Symbol("b"))[1]
    assert "uses sin" in verdict(Q6, sp.sin(sp.Symbol("a")))[1]


@pytest.mark.parametrize("answer, phrase", [
    ("(a - y", "check that the brackets pair up"),
    ("a -* y", "could not read"),
    ("log a", "could not read"),
    ("a $ y", "it contains `$`"),
    ("a = y", "could not read"),
    ("a == y", "expected an expression, got bool"),
    ("a < y", "expected an expression, got StrictLessThan"),
    ("[a, y]", "expected an expression, got list"),
    ("exp", "is a function, not an expression"),
    ("1/(a - a)", "is not finite"),
    ("a//2", "uses floor"),
    ("sqrt(-1)", "is not real: it contains the imaginary unit"),
    ("log(-2) + a - y", "is not real"),
])
def test_an_unreadable_string_gets_a_clear_message(answer, phrase):
    status, message = verdict(Q6, answer)
    assert status == INCORRECT and phrase in message, message
    assert "Traceback" not in message


@pytest.mark.parametrize("answer", [..., None, "", "   \n"], ids=repr)
def test_a_stub_or_an_empty_string_is_not_attempted(answer):
    for q in DERIVATIONS:
        assert verdict(q, answer)[0] == NOT_ATTEMPTED


@pytest.mark.parametrize("answer", [[1.0], np.array([0.5]), 1 + 2j, b"a - y", {"a": 1},
                                    lambda a, y: a - y, True, sp.Matrix([1]), object()],
                         ids=lambda a: type(a).__name__)
def test_neither_string_nor_sympy_is_incorrect_with_a_clear_message(answer):
    status, message = verdict(Q6, answer)
    assert status == INCORRECT
    assert re.search(r"expected an expression, (a string such as \"\(a \+ 1\)/2\" or a sympy "
                     r"expression, )?got \w+", message), message


def test_a_number_is_a_constant():
    assert verdict(Q3, 0.25) == (INCORRECT, "`slope_in_s` is right at s = 1/2, wrong elsewhere: "
                                 "it is a constant, but sigma'(z) changes with s")
    assert "it is a constant" in verdict(Q6, np.float64(0.5))[1]
    assert "is not finite" in verdict(Q6, float("nan"))[1]
    assert "it is a constant" in verdict(Q6, 10 ** 400)[1]


def test_typeset_characters_read_as_maths():
    assert verdict(Q6, "a \u2212 y")[0] == CORRECT                 # a minus sign
    assert verdict(Q5, "(a \u2212 y)(1 \u2212 a\u00b2)")[0] == CORRECT
    assert "written with z" in verdict(Q6, "\u03c3(z) \u2212 y")[1]
    assert verdict(Q3, "s \u00b7 (1 \u2212 s)")[0] == CORRECT


# -- nothing typed runs code or hangs ---------------------------------------------------------

def test_names_are_refused_before_anything_is_evaluated(monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("parse_expr was called")
    monkeypatch.setattr(derivation, "parse_expr", never)
    for answer, name in [("__import__('os').getcwd()", "__import__"), ("a.__class__", "__class__"),
                         ("(lambda: a)()", "lambda"), ("open('x')", "open"),
                         ("exec('1')", "exec"), ("a if y else a", "if")]:
        status, message = verdict(Q6, answer)
        assert status == INCORRECT and f"unknown name `{name}`" in message, message
    status, message = verdict(Q6, "'a' + 'y'")
    assert status == INCORRECT and "could not read" in message


def test_a_huge_power_is_refused_before_it_is_computed():
    for answer in ["9^9^9", "a^(10^9)", "(a - y)^1000", "2**(2**(2**(2**5)))"]:
        start = time.perf_counter()
        status, message = verdict(Q6, answer)
        assert time.perf_counter() - start < 1.0, answer
        assert status == INCORRECT and "an exponent over 100" in message, message
    assert verdict(Q6, "(a - y)^1 * 2^10 / 1024")[0] == CORRECT


def test_an_over_long_string_is_refused():
    assert "over 400 characters" in verdict(Q6, "a - y" + " + 0" * 200)[1]


# -- how the verdict is reached ---------------------------------------------------------------

def test_the_points_decide_where_simplify_cannot(monkeypatch):
    """simplify is not complete: where it leaves the difference undecided (here: it gives the
    difference back unchanged) or fails, the 40 points decide, both ways."""
    checker = derivation.Expression(
        "w", Q6.checker.derive, Q6.symbols, (Q6.symbols[0], Q6.checker.f_z),
        domain=Q6.checker.domain, what="delta^L", note="a stands for sigma(z)")
    calls = []

    def undecided(expr, *args, **kwargs):
        calls.append(expr)
        return expr
    monkeypatch.setattr(sp, "simplify", undecided)
    a, y = checker.symbols
    checker._reference = a - y
    assert checker("a(1 - y) - y(1 - a)") is None and calls
    # Equal at the first 8 points, where the quick comparison looks, and nowhere else.
    bump = sp.Mul(*[a - point[a] for point in checker._points[:8]])
    assert checker._same(a - y + bump, a - y)
    with pytest.raises(derivation.Incorrect):
        checker(a - y + bump)

    def broken(expr, *args, **kwargs):
        raise RecursionError("simplify gave up")
    monkeypatch.setattr(sp, "simplify", broken)
    assert checker("(a - y)/(a(1 - a)) * a(1 - a)") is None


def test_a_difference_simplify_proves_nonzero_is_wrong():
    assert verdict(Q6, "a - y + 10^-14")[0] == INCORRECT     # within the points' tolerance


def test_symbols_and_the_solution_shown():
    assert [str(v) for v in Q5.symbols] == ["a", "y"] and len(Q3.symbols) == 1
    text = Q6.solution_text()
    assert text.startswith("# dC/da = ") and text.endswith("delta_cross_entropy = 'a - y'")
    namespace = {}
    exec(text, namespace)
    assert Q6.evaluate(namespace=namespace).status == CORRECT


def test_the_checks_are_quick():
    for q in DERIVATIONS:
        q.evaluate(q.right_answer)                          # the reference, derived once
        start = time.perf_counter()
        for answer in [q.right_answer, *(w for w, _ in q.wrong.values())]:
            q.evaluate(answer)
        assert time.perf_counter() - start < 2.0, q.name


def test_a_check_that_sympy_cannot_finish_is_stopped_with_a_verdict(monkeypatch):
    """exp(exp(exp(20))) makes sympy raise its working precision to the size of the number
    (minutes); the check stops at TIME_LIMIT and says so, and no exception escapes."""
    import time
    from bpcore.exercises import derivation
    from bpcore.exercises.ch04_activations import q6
    monkeypatch.setattr(derivation, "TIME_LIMIT", 0.5)
    start = time.perf_counter()
    verdict = str(q6.evaluate("exp(exp(exp(20)))"))
    assert time.perf_counter() - start < 3
    assert "Incorrect" in verdict and "more than 0.5 s" in verdict, verdict
    assert "Correct." in str(q6.evaluate("a - y"))              # the timer is gone afterwards


@pytest.mark.parametrize("answer", ["a^(1/log(1))", "exp(exp(exp(exp(10))))",
                                    "a*exp(exp(exp(exp(10))))"])
def test_arithmetic_errors_inside_sympy_are_verdicts_not_checker_failures(answer):
    from bpcore.exercises.ch04_activations import q6
    verdict = str(q6.evaluate(answer))
    assert "Incorrect" in verdict and "failed with" not in verdict, verdict


@pytest.mark.parametrize("answer", ["a - y + y*exp(-40)", "(a - y)*(1 + exp(-30))",
                                    "a - y + sigma(-40 - a)"])
def test_an_exact_answer_a_hair_from_right_is_wrong(answer):
    from bpcore.exercises.ch04_activations import q6
    assert "Incorrect" in str(q6.evaluate(answer))
