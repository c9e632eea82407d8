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


# -- the pieces chapter 7 puts together: batches, bp1..bp4, History.seconds, init_scale --------

def test_ten_lines_of_batches_and_bp1_to_bp4_are_exactly_network_train():
    """The recap of chapter 7: a loop over ``batches`` with bp1..bp4 and the update gives the
    very same parameters as ``Network.train`` with the same seed (bit for bit)."""
    from bpcore import batches, bp1, bp2, bp3, bp4
    X, Y = data.regression(90, seed=3)
    sizes, acts = [3, 6, 4, 1], ["sigmoid", "tanh", "identity"]
    net, same = Network(sizes, acts, "mse", seed=4), Network(sizes, acts, "mse", seed=4)
    L, lr, rng = net.L, 0.05, np.random.default_rng(7)
    for _ in range(3):
        for X_b, Y_b in batches(X, Y, 16, rng):
            t = net.forward(X_b)
            delta = {L: bp1(net.cost_function, net.activations[L], t.z[L], t.a[L], Y_b)}
            for l in range(L - 1, 0, -1):
                delta[l] = bp2(net.W[l + 1], delta[l + 1], net.activations[l], t.z[l], t.a[l])
            for l in range(1, L + 1):
                net.W[l] = net.W[l] - lr * bp4(delta[l], t.a[l - 1])
                net.b[l] = net.b[l] - lr * bp3(delta[l])
    history = same.train(X, Y, lr=lr, epochs=3, batch_size=16, seed=7)
    assert history.updates == 3 * 6
    for l in range(1, L + 1):
        assert np.array_equal(net.W[l], same.W[l]) and np.array_equal(net.b[l], same.b[l])
    assert not np.array_equal(net.W[1], Network(sizes, acts, "mse", seed=4).W[1])


def test_batches_cover_every_sample_once_keep_pairs_and_are_seeded():
    from bpcore import batches
    X = np.vstack([np.arange(23.0), -np.arange(23.0)])
    Y = (10 * np.arange(23.0)).reshape(1, 23)
    epoch = list(batches(X, Y, 5, np.random.default_rng(1)))
    assert [b[0].shape[1] for b in epoch] == [5, 5, 5, 5, 3]
    seen = np.concatenate([b[0][0] for b in epoch])
    assert sorted(seen) == list(range(23)) and list(seen) != list(range(23))   # shuffled
    for X_b, Y_b in epoch:
        assert np.array_equal(Y_b[0], 10 * X_b[0]) and np.array_equal(X_b[1], -X_b[0])
    again = list(batches(X, Y, 5, np.random.default_rng(1)))
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(epoch, again))
    (whole, whole_Y), = batches(X, Y, None)          # full batch: the data as it is
    assert whole is X and whole_Y is Y
    with pytest.raises(ValueError, match="batch_size"):
        list(batches(X, Y, 0))
    with pytest.raises(ValueError, match="same number of columns"):
        list(batches(X, Y.T, 5))


def test_bp1_to_bp4_are_the_pieces_of_gradients():
    from bpcore import bp1, bp2, bp3, bp4
    rng = np.random.default_rng(0)
    net = Network([2, 5, 3], ["relu", "sigmoid"], "quadratic", seed=1,
                  biases=[rng.standard_normal(5), rng.standard_normal(3)])
    X, Y = rng.standard_normal((2, 7)), rng.uniform(0, 1, (3, 7))
    g = net.gradients(X, Y)
    t = g.trace
    d2 = bp1(net.cost_function, net.activations[2], t.z[2], t.a[2], Y)
    d1 = bp2(net.W[2], d2, net.activations[1], t.z[1], t.a[1])
    assert np.array_equal(d2, g.delta[2]) and np.array_equal(d1, g.delta[1])
    assert np.allclose(d2, (t.a[2] - Y) * t.a[2] * (1 - t.a[2]))            # BP1 by hand
    assert np.allclose(d1, (net.W[2].T @ d2) * (t.z[1] > 0))                 # BP2 by hand
    assert np.allclose(bp3(d1), d1.mean(axis=1, keepdims=True))              # BP3
    assert np.allclose(bp4(d1, X), sum(np.outer(d1[:, x], X[:, x]) for x in range(7)) / 7)


def test_history_measures_training_time_and_epochs():
    X, Y = data.moons(60, seed=0)
    net = Network([2, 4, 2], ["tanh", "sigmoid"], "cross_entropy", seed=0)
    h = net.train(X, Y, lr=0.5, epochs=4, batch_size=8, record_every=8)
    assert len(h.seconds) == len(h.cost) == len(h.step)
    assert h.seconds[0] == 0.0 and np.all(np.diff(h.seconds) >= 0) and h.seconds[-1] > 0
    assert h.updates_per_epoch == 8 and h.updates == 32
    assert np.array_equal(h.epoch, h.step / 8) and h.epoch[-1] == 4.0


def test_diverged_history_has_one_time_per_cost():
    X, Y = data.regression(50, seed=0)
    net = Network([3, 8, 1], ["relu", "identity"], "mse", seed=0)
    with pytest.raises(TrainingDiverged) as err:
        net.train(X, Y, lr=50.0, steps=1000)
    h = err.value.history
    assert len(h.seconds) == len(h.cost) == len(h.step)


def test_init_scale_scales_the_random_start_and_zero_starts_at_zero():
    sizes = [3, 30, 10, 1]
    base, big = Network(sizes, seed=5), Network(sizes, seed=5, init_scale=10)
    zero = Network(sizes, seed=5, init_scale=0)
    for l in range(1, 4):
        assert np.allclose(big.W[l], 10 * base.W[l])
        assert not np.any(zero.W[l]) and not np.any(zero.b[l])
    wide = Network([400, 300], seed=0)
    assert abs(wide.W[1].std() * np.sqrt(400) - 1) < 0.02        # N(0, 1/n_{l-1})
    with pytest.raises(ValueError, match="init_scale"):
        Network(sizes, init_scale=-1)
    with pytest.raises(TypeError, match="init_scale"):
        Network(sizes, init_scale=True)


def test_a_zero_start_with_a_relu_layer_only_learns_the_output_bias():
    """Chapter 7's claim: z = 0 in the ReLU layer stops every error there (ReLU'(0) = 0)."""
    X, Y = data.regression(50, seed=0)
    net = Network([3, 5, 3, 1], ["sigmoid", "relu", "identity"], "mse", init_scale=0)
    net.train(X, Y, lr=0.1, steps=300)
    for l in range(1, 4):
        assert not np.any(net.W[l])
    assert not np.any(net.b[1]) and not np.any(net.b[2])
    assert abs(net.b[3][0, 0] - Y.mean()) < 1e-3


def test_equal_weights_stay_equal_through_training():
    X, Y = data.regression(50, seed=0)
    sizes = [3, 6, 4, 1]
    net = Network(sizes, ["sigmoid", "tanh", "identity"], "mse",
                  weights=[np.full((sizes[l], sizes[l - 1]), 0.1) for l in range(1, 4)])
    net.train(X, Y, lr=0.1, epochs=5, batch_size=10)
    for l in (1, 2):
        assert np.allclose(net.W[l], net.W[l][0]) and np.allclose(net.b[l], net.b[l][0])
    assert not np.allclose(net.W[1], 0.1)                          # yet it did learn
