"""Training: full batch, SGD, mini-batches, fixed biases, divergence."""
import numpy as np
import pytest

from bpcore import Network, TrainingDiverged, data
from conftest import assert_unchanged, snapshot


def test_xor_needs_and_learns_a_hidden_layer():
    X, Y = data.xor()
    net = Network([2, 3, 1], ["tanh", "sigmoid"], "cross_entropy", seed=0)
    hist = net.train(X, Y, lr=1.0, steps=3000)
    out = net.predict(X)[0]
    assert np.all((out > 0.5) == (Y[0] == 1)), out
    assert hist.cost[-1] < 0.1
    # Without a hidden layer the best a single sigmoid unit can do is 3 of 4 right.
    flat = Network([2, 1], "sigmoid", "cross_entropy", seed=0)
    flat.train(X, Y, lr=1.0, steps=3000)
    assert flat.accuracy(X, Y) <= 0.75


def test_two_moons_with_ten_tanh_units():
    X, Y = data.moons(200, noise=0.2, seed=0)
    net = Network([2, 10, 2], ["tanh", "sigmoid"], "cross_entropy", seed=0)
    net.train(X, Y, lr=1.0, steps=3000)
    assert net.accuracy(X, Y) >= 0.95


def test_full_batch_history_is_the_cost_before_each_update_and_after_the_last():
    X, Y = data.moons(40, seed=2)
    net = Network([2, 4, 2], "sigmoid", seed=2)
    first = net.cost(X, Y)
    copy = net.copy()
    hist = net.train(X, Y, lr=0.5, steps=5)
    assert len(hist.cost) == 6 and list(hist.step) == [0, 1, 2, 3, 4, 5]
    assert hist.cost[0] == first and hist.cost[-1] == net.cost(X, Y)
    # Five updates one at a time give the same parameters and costs.
    costs = [copy.cost(X, Y)]
    for _ in range(5):
        copy.train(X, Y, lr=0.5, steps=1)
        costs.append(copy.cost(X, Y))
    np.testing.assert_allclose(hist.cost, costs, rtol=1e-14)
    np.testing.assert_allclose(net.W[1], copy.W[1], rtol=1e-14)


def test_minibatch_sgd_counts_epochs_and_is_seeded():
    X, Y = data.moons(50, seed=3)
    nets = [Network([2, 5, 2], "tanh", "mse", seed=1) for _ in range(3)]
    h0 = nets[0].train(X, Y, lr=0.1, epochs=4, batch_size=16, seed=7)
    h1 = nets[1].train(X, Y, lr=0.1, epochs=4, batch_size=16, seed=7)
    h2 = nets[2].train(X, Y, lr=0.1, epochs=4, batch_size=16, seed=8)
    assert h0.updates == 4 * 4 and h0.epochs == 4          # 50 = 16 + 16 + 16 + 2
    np.testing.assert_array_equal(h0.cost, h1.cost)
    np.testing.assert_array_equal(nets[0].W[1], nets[1].W[1])
    assert not np.array_equal(nets[0].W[1], nets[2].W[1])
    assert len(h0.cost) == 17 and h0.cost[-1] < h0.cost[0]


def test_one_epoch_of_minibatches_sees_every_sample_once():
    """An epoch of batches = one full-batch step per batch on disjoint index sets covering all
    samples; reproduce it by hand with the same shuffling."""
    X, Y = data.moons(10, seed=4)
    net = Network([2, 3, 2], "sigmoid", seed=4)
    ref = net.copy()
    net.train(X, Y, lr=0.3, epochs=1, batch_size=4, seed=11)
    order = np.random.default_rng(11).permutation(10)
    for idx in (order[:4], order[4:8], order[8:]):
        ref.train(X[:, idx], Y[:, idx], lr=0.3, steps=1)
    for l in (1, 2):
        np.testing.assert_allclose(net.W[l], ref.W[l], rtol=1e-14)
        np.testing.assert_allclose(net.b[l], ref.b[l], rtol=1e-14)


def test_single_sample_sgd_and_record_every():
    X, Y = data.regression(30, seed=5)
    net = Network([3, 6, 1], ["sigmoid", "identity"], "mse", seed=5)
    hist = net.train(X, Y, lr=0.05, steps=90, batch_size=1, record_every=30)
    assert hist.batch_size == 1 and hist.epochs == 3
    assert list(hist.step) == [0, 30, 60, 90]
    assert hist.cost[-1] == pytest.approx(net.cost(X, Y))


def test_fixed_biases_stay_fixed_and_trained_biases_move():
    X, Y = data.moons(20, seed=6)
    net = Network([2, 3, 2], "sigmoid", biases=[0.1, -0.2], seed=6)
    net.train(X, Y, lr=0.5, steps=20, train_biases=False)
    np.testing.assert_array_equal(net.b[1], 0.1)
    np.testing.assert_array_equal(net.b[2], -0.2)
    net.train(X, Y, lr=0.5, steps=20)
    assert not np.allclose(net.b[1], 0.1)


def test_divergence_names_the_learning_rate_and_keeps_finite_parameters():
    X, Y = data.regression(50, seed=0)
    net = Network([3, 8, 1], ["relu", "identity"], "mse", seed=0)
    with pytest.raises(TrainingDiverged) as info:
        net.train(X, Y, lr=50.0, steps=1000)
    err = info.value
    assert "lr=50" in str(err) and err.lr == 50.0 and "smaller learning rate" in str(err)
    assert 0 < err.step < 1000
    for l in (1, 2):
        assert np.all(np.isfinite(net.W[l])) and np.all(np.isfinite(net.b[l]))
    # The kept parameters are the last ones with a finite cost: the history's last entry.
    assert np.all(np.isfinite(err.history.cost)) and len(err.history.cost) == err.step
    assert net.cost(X, Y) == err.history.cost[-1]


def test_divergence_with_minibatches_is_caught_too():
    X, Y = data.regression(64, seed=1)
    net = Network([3, 8, 1], ["relu", "identity"], "mse", seed=1)
    with pytest.raises(TrainingDiverged, match="lr=100"):
        net.train(X, Y, lr=100.0, epochs=50, batch_size=8, record_every=1000)
    assert all(np.all(np.isfinite(w)) for w in net.W[1:])


def test_step_activation_is_refused_for_training_with_the_reason():
    X, Y = data.xor()
    net = Network([2, 2, 1], ["step", "sigmoid"], seed=0)
    snap = snapshot(net)
    with pytest.raises(ValueError, match="zero almost everywhere") as info:
        net.train(X, Y, lr=0.5, steps=10)
    assert "layer 1" in str(info.value) and "'step'" in str(info.value)
    assert_unchanged(net, snap)
    # Its forward pass is fine: it is there to be looked at.
    assert set(np.unique(net.forward(X).a[1])) <= {0.0, 1.0}


def test_training_is_deterministic_across_runs():
    X, Y = data.moons(60, seed=9)
    a = Network([2, 6, 2], "tanh", "mse", seed=4)
    b = Network([2, 6, 2], "tanh", "mse", seed=4)
    ha = a.train(X, Y, lr=0.2, epochs=3, batch_size=7)
    hb = b.train(X, Y, lr=0.2, epochs=3, batch_size=7)
    np.testing.assert_array_equal(ha.cost, hb.cost)
