"""bpcore.symbolic: sympy's gradients against backpropagation, the chain-rule factors against
DESIGN.md's independently computed reference values, and the CAS proof of BP1-BP4."""
import dataclasses

import numpy as np
import pytest
from hypothesis import example, given, settings

from bpcore import ACTIVATIONS, Network, data
from bpcore import symbolic as S
from bpcore.gradcheck import relative_error
from strategies import network_case, networks
from tests.conftest import assert_sig

EX = data.worked_example()


@pytest.fixture(scope="module")
def worked():
    return S.SymbolicNetwork([2, 2, 2], "sigmoid", "quadratic", names="worked")


def test_chain_rule_for_w5_has_the_reference_factors(worked):
    cr = worked.chain_rule("w5", EX.network(), EX.X, EX.Y)
    assert len(cr.paths) == 1
    dE_dout, dout_dnet, dnet_dw5 = cr.paths[0]
    assert_sig(dE_dout.value, "0.74136507", what="dE/dout_o1")
    assert_sig(dout_dnet.value, "0.186815602", what="dout_o1/dnet_o1")
    assert_sig(dnet_dw5.value, "0.593269992", what="dnet_o1/dw5 = out_h1")
    assert_sig(cr.value, "0.082167041", what="dE/dw5")
    assert cr.value == pytest.approx(cr.sympy_value, rel=1e-12)
    latex = cr.latex()
    for part in (r"\frac{\partial E}{\partial w_{5}}",
                 r"\frac{\partial E}{\partial \mathit{out}_{o1}}",
                 r"\frac{\partial \mathit{out}_{o1}}{\partial \mathit{net}_{o1}}",
                 r"\frac{\partial \mathit{net}_{o1}}{\partial w_{5}}",
                 "0.74136507", "0.186815602", "0.593269992"):
        assert part in latex


def test_chain_rule_for_w1_sums_the_two_paths(worked):
    net = EX.network()
    cr = worked.chain_rule("w1", net, EX.X, EX.Y)
    assert len(cr.paths) == 2, "out_h1 feeds both o1 and o2"
    assert [f.numerator for f in cr.paths[0]][:3] == ["E", r"\mathit{out}_{o1}",
                                                      r"\mathit{net}_{o1}"]
    assert [f.numerator for f in cr.paths[1]][:3] == ["E", r"\mathit{out}_{o2}",
                                                      r"\mathit{net}_{o2}"]
    # dnet_o1/dout_h1 is w5 and dnet_o2/dout_h1 is w7: the weights the error flows back along.
    assert cr.paths[0][2].value == 0.40 and cr.paths[1][2].value == 0.50
    assert_sig(cr.value, "0.000438568", what="dE/dw1")
    assert cr.value == pytest.approx(cr.sympy_value, rel=1e-12)
    assert cr.value == pytest.approx(net.gradients(EX.X, EX.Y).W[1][0, 0], rel=1e-12)


def test_every_worked_example_derivative_and_delta_match_backprop(worked):
    net = EX.network()
    g = net.gradients(EX.X, EX.Y)
    for name, (l, j, k) in data.WEIGHT_NAMES.items():
        assert worked.gradient(name, net, EX.X, EX.Y) == pytest.approx(
            g.W[l][j - 1, k - 1], rel=1e-12, abs=1e-15), name
        # The chain rule's delta is the error of the neuron the weight feeds.
        assert worked.chain_rule(name, net, EX.X, EX.Y).delta == pytest.approx(
            g.delta[l][j - 1, 0], rel=1e-12)
    # b1 is one bias shared by h1 and h2: its derivative is the sum of the two neurons' deltas.
    for l in (1, 2):
        assert worked.gradient(f"b{l}", net, EX.X, EX.Y) == pytest.approx(
            float(g.b[l].sum()), rel=1e-12)


def test_sympy_derivative_is_a_formula_of_the_books_symbols(worked):
    d = worked.derivative("w5")
    names = {s.name for s in d.free_symbols}
    assert names == {"w1", "w2", "w3", "w4", "w5", "w6", "b1", "b2", "i1", "i2", "target_o1"}
    book = S.SymbolicNetwork([2, 2, 2])
    assert "w^{2}_{11}" in book.latex(book.derivative("w_2_1_1"))
    assert [q.latex for q in book.params[:2]] == ["w^{1}_{11}", "w^{1}_{12}"]


# Always tried: the largest ReLU network drawn. While ReLU was written out as a Piecewise in the
# formulas, it took minutes (sympy expands a ReLU of ReLUs into every combination of branches).
@settings(max_examples=25)
@given(networks(max_depth=3, max_width=3, max_samples=4))
@example(network_case([3, 3, 3, 3], ["relu", "relu", "relu"], "quadratic", seed=1, m=1))
def test_lambdified_sympy_gradients_match_backprop(case):
    net, X, Y = case
    W, b = S.from_network(net).gradients(net, X, Y)
    g = net.gradients(X, Y)
    for l in range(1, net.L + 1):
        assert relative_error(W[l], g.W[l]) < 1e-10, (net, l)
        assert relative_error(b[l], g.b[l]) < 1e-10, (net, l)


def one_neuron(x, y):
    """One sigmoid neuron with w = 1, b = 0 and the cross-entropy cost, so z = x; its symbolic
    network; and the sample (x, y)."""
    net = Network([1, 1], "sigmoid", "cross_entropy", weights=[[[1.0]]], biases=[0.0])
    return net, S.from_network(net), np.array([[x]]), np.array([[y]])


def test_cross_entropy_of_a_saturated_sigmoid_is_exact_symbolically():
    """z = 30: a = sigma(30) is 1 - 9.4e-14, and C = -ln(1 - a) = softplus(30). Written from
    a = 1 / (1 + e^-z), the lambdified cost loses those digits (and is ln 0 = -inf from z = 37
    on); the cost is written from z^L instead."""
    net, sym, X, Y = one_neuron(30.0, 0.0)
    assert "softplus" in str(sym.cost) and "log" not in str(sym.cost)
    assert sym.cost_value(net, X, Y) == pytest.approx(30.000000000000092, rel=1e-12)
    W, b = sym.gradients(net, X, Y)
    g = net.gradients(X, Y)
    assert np.isfinite(W[1]).all() and np.isfinite(b[1]).all()
    assert b[1][0, 0] == pytest.approx(g.b[1][0, 0], rel=1e-12)       # sigma(30) * 1
    assert W[1][0, 0] == pytest.approx(g.W[1][0, 0], rel=1e-12)       # sigma(30) * 30


@pytest.mark.parametrize("z", [40.0, -800.0])
@pytest.mark.parametrize("y", [0.0, 1.0, 0.25])
def test_lambdified_cross_entropy_is_finite_at_any_z(z, y):
    """Lambdified cost and gradient at an output saturated at 1 (z = 40) or at 0 (z = -800):
    finite (no overflow warning either: warnings fail the tests) and equal to the exact value,
    C_x = softplus(z) - y z, and to backpropagation's gradient."""
    net, sym, X, Y = one_neuron(z, y)
    cost = sym.cost_value(net, X, Y)
    assert np.isfinite(cost)
    assert cost == pytest.approx(float(np.logaddexp(0.0, z) - y * z), rel=1e-12, abs=1e-15)
    W, b = sym.gradients(net, X, Y)
    g = net.gradients(X, Y)
    for mine, backprop in ((W[1], g.W[1]), (b[1], g.b[1])):
        assert np.isfinite(mine).all()
        assert mine[0, 0] == pytest.approx(backprop[0, 0], rel=1e-12, abs=1e-15)


def test_a_relu_of_relus_is_one_function_in_the_formulas():
    """In a deep ReLU network's cost, each ReLU is relu(...), not a Piecewise; sympy's derivative
    of the cost, with relu' from relu's formula, is backprop's gradient."""
    net, X, Y = network_case([2, 3, 2, 1], ["relu", "leaky_relu", "relu"], "quadratic",
                             seed=1, m=1)
    sym = S.from_network(net)
    assert "leaky_relu(" in str(sym.cost) and "Piecewise" not in str(sym.cost)
    assert "Piecewise((1, " in str(sym.derivative("w_1_1_1")), "relu' from relu's formula"
    g = net.gradients(X, Y)
    assert np.count_nonzero(g.W[1]) > 0, "the gradient reaches layer 1 through live ReLUs"
    for q in sym.params:
        (l, j, k), = q.positions
        bp = g.W[l][j - 1, k - 1] if q.kind == "w" else g.b[l][j - 1, 0]
        assert sym.gradient(q, net, X, Y) == pytest.approx(bp, rel=1e-12, abs=1e-15), q
    cr = sym.chain_rule("w_1_1_1", net, X, Y)
    assert cr.value == pytest.approx(cr.sympy_value, rel=1e-12, abs=1e-15)


def test_three_way_comparison_on_a_2_4_3_2_network():
    rng = np.random.default_rng(3)
    net = Network([2, 4, 3, 2], "sigmoid", biases=[rng.standard_normal(n) for n in (4, 3, 2)],
                  seed=3)
    X, Y = rng.standard_normal((2, 5)), rng.uniform(0, 1, (2, 5))
    c = S.compare(net, X, Y)
    assert [r[0] for r in c.rows] == [1, 2, 3]
    assert c.max_error < 1e-9
    assert "symbolic vs backprop" in c._repr_markdown_()


def test_three_way_comparison_exposes_a_broken_backward_pass():
    """A sigmoid whose derivative forgot the factor (1 - a): backprop is wrong, and both other
    methods, which never call df, say so; they still agree with each other."""
    bad = dataclasses.replace(ACTIVATIONS["sigmoid"], df=lambda z, a: a)
    rng = np.random.default_rng(4)
    net = Network([2, 4, 3, 2], [bad, bad, "sigmoid"], seed=4)
    X, Y = rng.standard_normal((2, 5)), rng.uniform(0, 1, (2, 5))
    c = S.compare(net, X, Y)
    sym_bp, sym_fd, bp_fd = zip(*[r[1:] for r in c.rows])
    assert max(sym_fd) < 1e-9
    assert sym_bp[0] > 1e-2 and bp_fd[0] > 1e-2, "layer 1's gradient goes through the bad df"
    assert sym_bp[2] < 1e-9, "the output layer uses the good sigmoid"


@pytest.mark.parametrize("sizes", [[2, 2, 2], [2, 3, 2, 1]])
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "generic"])
def test_cas_proves_bp1_to_bp4(sizes, activation):
    proof = S.prove_bp(sizes, activation)
    assert proof.holds
    n = sizes
    L = len(n) - 1
    expected = {"BP1": n[L], "BP2": sum(n[1:L]), "BP3": sum(n[1:]),
                "BP4": sum(n[l] * n[l - 1] for l in range(1, L + 1))}
    assert proof.counts() == {eq: (c, c) for eq, c in expected.items() if c}


def test_cas_proves_bp1_for_cross_entropy():
    proof = S.prove_bp([2, 2, 2], "sigmoid", "cross_entropy")
    assert proof.holds


@pytest.mark.parametrize("broken, equation", [("BP2-no-transpose", "BP2"),
                                              ("BP1-no-sigma-prime", "BP1")])
def test_cas_proof_fails_for_a_wrong_equation(broken, equation):
    proof = S.prove_bp([2, 3, 2, 1], "sigmoid", broken=broken)
    assert not proof.holds
    done, total = proof.counts()[equation]
    assert done < total
    assert all(ok for eq, _, ok in proof.rows if eq != equation), "only the broken one fails"


def test_only_the_equations_asked_for_are_checked():
    """A broken BP2 needs only BP2 checked to fail; the rows are those of the full proof."""
    full = S.prove_bp([2, 3, 2, 1], "sigmoid", broken="BP2-no-transpose")
    bp2 = S.prove_bp([2, 3, 2, 1], "sigmoid", broken="BP2-no-transpose", equations=["BP2"])
    assert bp2.rows == [row for row in full.rows if row[0] == "BP2"]
    assert not bp2.holds
    bp4 = S.prove_bp([2, 2, 2], "generic", equations="BP4")
    assert bp4.holds and bp4.counts() == {"BP4": (8, 8)}
    for bad in ([], ["BP5"], "bp1"):
        with pytest.raises(ValueError, match="equations: expected some of BP1, BP2"):
            S.prove_bp([2, 2, 2], "generic", equations=bad)


def test_three_way_comparison_without_sympy_keeps_the_other_route():
    """sym=False: the two columns against sympy read "not run"; backprop against finite
    differences is the same number as with sympy."""
    rng = np.random.default_rng(3)
    net = Network([2, 3, 2], "sigmoid", seed=3)
    X, Y = rng.standard_normal((2, 4)), rng.uniform(0, 1, (2, 4))
    both, alone = S.compare(net, X, Y), S.compare(net, X, Y, sym=False)
    assert alone.symbolic is None
    assert [r[3] for r in alone.rows] == [r[3] for r in both.rows]
    assert all(r[1] is None and r[2] is None for r in alone.rows)
    assert alone.max_error == max(r[3] for r in both.rows)
    assert alone.table().count("not run") == 2 * net.L


def test_a_sigmoid_is_kept_whole_and_written_out_for_reading(worked):
    """The formulas keep sigma(z) whole (half the work for sympy); derivative() writes it out
    as 1 / (1 + e^-z), the same function as the kept-whole derivative."""
    assert "sigmoid(" in str(worked.cost)
    d = worked.derivative("w1")
    assert "sigmoid" not in str(d) and "exp(" in str(d)
    vals = worked.values(EX.network(), EX.X[:, 0], EX.Y[:, 0])
    assert float(d.xreplace(vals)) == pytest.approx(
        float(worked._derivative("w1").xreplace(vals)), rel=1e-14)


def test_errors_name_the_argument(worked):
    with pytest.raises(ValueError, match="names: 'worked'.*2-2-2"):
        S.SymbolicNetwork([2, 3, 2], names="worked")
    with pytest.raises(ValueError, match="p: expected one of .*w5"):
        worked.derivative("w9")
    with pytest.raises(ValueError, match="net: expected a network with sizes"):
        worked.gradient("w1", Network([2, 3, 2]), EX.X, EX.Y)
    with pytest.raises(ValueError, match="net: b1 is one bias shared"):
        worked.gradient("w1", Network([2, 2, 2], biases=[[0.1, 0.2], 0.3]), EX.X, EX.Y)
    with pytest.raises(ValueError, match="activation: unknown"):
        S.SymbolicNetwork([2, 2], "sigmod")


def test_chain_rule_delta_needs_one_neuron_and_its_latex_brackets_negatives(worked):
    net = EX.network()
    with pytest.raises(ValueError, match="param: b1 feeds several neurons"):
        worked.chain_rule("b1", net, EX.X, EX.Y).delta
    # Negative factors are bracketed, so "+ (-0.2...)" never reads as "+ -0.2...".
    assert "+ (-0.217071535)" in worked.chain_rule("w1", net, EX.X, EX.Y).latex().replace(
        r"&\quad + ", "+ ").replace(" \\cdot", "")
