"""The worked example (the worked-example article, Mazur's example), from bpcore alone, against
the design notes' reference numbers (DESIGN.md, computed independently in float64), to 9
significant digits."""
import numpy as np
import pytest

from bpcore import Network, data
from bpcore.book.replay import published_step
from bpcore.data import weight_by_name
from conftest import assert_sig

EX = data.worked_example()

# Reference values from DESIGN.md, "The worked example: reference numbers".
# Strings, so that the check uses exactly the digits written there.
FORWARD = {"out_h1": "0.593269992", "out_h2": "0.596884378",
           "out_o1": "0.75136507", "out_o2": "0.772928465"}
E_TOTAL = "0.298371109"
UPDATED = {"w1": "0.149780716", "w2": "0.19956143", "w3": "0.24975114", "w4": "0.29950229",
           "w5": "0.35891648", "w6": "0.408666186", "w7": "0.511301270", "w8": "0.561370121"}
E_AFTER_ONE = "0.291027774"
E_AFTER_10000 = "3.51018778e-05"
OUT_AFTER_10000 = ("0.015913620", "0.984064274")


def test_weights_sit_where_the_notation_table_says():
    net = EX.network()
    # w^l_jk joins neuron k of layer l-1 to neuron j of layer l; the article's w2 joins i2 to h1.
    assert net.W[1][0, 1] == 0.20 and net.W[1][1, 0] == 0.25
    assert net.W[2][0, 1] == 0.45 and net.W[2][1, 0] == 0.50
    for name, value in EX.weights.items():
        assert weight_by_name(net, name) == value


def test_forward_pass_every_intermediate_value():
    net = EX.network()
    t = net.forward(EX.X)
    # net_h1 = w1 i1 + w2 i2 + b1, written out by hand as in the article.
    assert t.z[1][0, 0] == pytest.approx(0.15 * 0.05 + 0.20 * 0.10 + 0.35, rel=1e-15)
    assert_sig(t.a[1][0, 0], FORWARD["out_h1"], what="out_h1")
    assert_sig(t.a[1][1, 0], FORWARD["out_h2"], what="out_h2")
    assert_sig(t.a[2][0, 0], FORWARD["out_o1"], what="out_o1")
    assert_sig(t.a[2][1, 0], FORWARD["out_o2"], what="out_o2")
    assert t.a[0] is not None and np.array_equal(t.a[0], EX.X) and t.z[0] is None
    assert_sig(net.cost(EX.X, EX.Y), E_TOTAL, what="E_total")


def test_backward_pass_gradients_and_one_update():
    net = EX.network()
    g = net.gradients(EX.X, EX.Y)
    assert_sig(g.W[2][0, 0], "0.082167041", what="dE/dw5")
    assert_sig(g.W[1][0, 0], "0.000438568", what="dE/dw1")
    assert_sig(g.cost, E_TOTAL, what="cost returned with the gradients")
    # BP3 with one sample: dE/db^l = delta^l.
    np.testing.assert_array_equal(g.b[2], g.delta[2])
    # BP4: dE/dw^l_jk = a^{l-1}_k delta^l_j.
    np.testing.assert_allclose(g.W[2], g.delta[2] @ g.trace.a[1].T, rtol=1e-15)

    biases_before = [b.copy() for b in net.b[1:]]
    hist = net.train(EX.X, EX.Y, lr=EX.lr, steps=1, train_biases=False)
    for name, expected in UPDATED.items():
        assert_sig(weight_by_name(net, name), expected, what=f"{name} after one update")
    # Each update is w - lr dE/dw with the gradients of the *old* weights (BP2 uses W^{l+1}
    # before the update): spot-check w6 against its own gradient.
    assert weight_by_name(net, "w6") == pytest.approx(0.45 - 0.5 * g.W[2][0, 1], rel=1e-15)
    assert_sig(hist.cost[0], E_TOTAL, what="cost before the update")
    assert_sig(hist.cost[1], E_AFTER_ONE, what="E after one update")
    for b, before in zip(net.b[1:], biases_before):
        np.testing.assert_array_equal(b, before)


def test_ten_thousand_updates():
    net = EX.network()
    hist = net.train(EX.X, EX.Y, lr=EX.lr, steps=10000, train_biases=False)
    assert len(hist.cost) == 10001
    assert_sig(hist.cost[-1], E_AFTER_10000, what="E after 10000 updates")
    out = net.predict(EX.X).ravel()
    assert_sig(out[0], OUT_AFTER_10000[0], what="out_o1 after 10000 updates")
    assert_sig(out[1], OUT_AFTER_10000[1], what="out_o2 after 10000 updates")
    assert np.all(np.diff(hist.cost) < 0), "the cost falls at every step for this example"


def test_hidden_deltas_from_updated_weights_give_the_articles_figure():
    """The article's 0.291027924 comes from using the already-updated w5..w8 in BP2.

    Computed here independently of bpcore's training loop: update the output layer first,
    then backpropagate through the *new* W^2.
    """
    net = EX.network()
    g = net.gradients(EX.X, EX.Y)
    W2_new = net.W[2] - EX.lr * g.W[2]
    delta1_wrong = (W2_new.T @ g.delta[2]) * g.trace.a[1] * (1 - g.trace.a[1])
    W1_wrong = net.W[1] - EX.lr * (delta1_wrong @ EX.X.T)
    net_wrong = Network([2, 2, 2], weights=[W1_wrong, W2_new], biases=[EX.b1, EX.b2])
    assert_sig(net_wrong.cost(EX.X, EX.Y), "0.291027924", what="E with the published ordering")
    net.train(EX.X, EX.Y, lr=EX.lr, steps=1, train_biases=False)
    assert net.cost(EX.X, EX.Y) != pytest.approx(0.291027924, rel=1e-9)


def test_published_ordering_reproduces_every_figure_the_article_prints():
    """bpcore.book.replay.published_step: w5..w8 first, then BP2 through the new weights."""
    net = EX.network()
    published_step(net, EX)
    assert_sig(net.cost(EX.X, EX.Y), "0.291027924", what="E after one update (article)")
    for _ in range(9_999):
        published_step(net, EX)
    assert_sig(net.cost(EX.X, EX.Y), "0.000035085", what="E after 10000 (article)")
    out = net.predict(EX.X)[:, 0]
    assert_sig(out[0], "0.015912196", what="out_o1 after 10000 (article)")
    assert_sig(out[1], "0.984065734", what="out_o2 after 10000 (article)")
    np.testing.assert_array_equal(net.b[1], EX.network().b[1])   # biases untouched


def test_the_digit_check_has_teeth():
    assert_sig(0.5932699924, "0.593269992")
    with pytest.raises(AssertionError):
        assert_sig(0.5932699926, "0.593269992")
    with pytest.raises(AssertionError):
        assert_sig(3.5102e-05, "3.51018778e-05")
