"""bpcore.train_together: networks trained side by side in one stacked computation end exactly (to
the last bit) as separate calls of Network.train leave them, with the same histories, and a
network that diverges stops as train would stop it while the others go on."""
import numpy as np
import pytest

from bpcore import Network, TrainingDiverged, data, train_together


def separately(nets, X, Y, lrs, **options):
    """Each network trained on its own by Network.train: (History or TrainingDiverged)."""
    results = []
    for net, lr in zip(nets, lrs):
        try:
            results.append(net.train(X, Y, lr=lr, **options))
        except TrainingDiverged as error:
            results.append(error)
    return results


def assert_same(make_nets, X, Y, lrs, **options):
    """train_together on one set of networks, Network.train on an identical set: the same
    parameters and histories, bit for bit. Returns the results."""
    alone, together = make_nets(), make_nets()
    expected = separately(alone, X, Y, lrs, **options)
    got = train_together(together, X, Y, lr=lrs, **options)
    assert len(got) == len(expected)
    for i, (a, b, net_a, net_b) in enumerate(zip(expected, got, alone, together)):
        assert type(a) is type(b), (i, a, b)
        for l in range(1, net_a.L + 1):
            np.testing.assert_array_equal(net_a.W[l], net_b.W[l], err_msg=f"net {i}, W^{l}")
            np.testing.assert_array_equal(net_a.b[l], net_b.b[l], err_msg=f"net {i}, b^{l}")
            assert net_b.W[l].flags.c_contiguous and net_b.W[l].base is None
        if isinstance(a, TrainingDiverged):
            assert str(a) == str(b) and a.step == b.step and a.lr == b.lr
            a, b = a.history, b.history
        np.testing.assert_array_equal(a.cost, b.cost)
        np.testing.assert_array_equal(a.step, b.step)
        assert (a.lr, a.batch_size, a.updates, a.epochs, a.updates_per_epoch) == \
            (b.lr, b.batch_size, b.updates, b.epochs, b.updates_per_epoch)
        assert len(b.seconds) == len(b.cost) and np.all(np.diff(b.seconds) >= 0)
    return got


def test_full_batch_xor_from_several_starts():
    X, Y = data.xor()
    for sizes in ([2, 1], [2, 2, 1], [2, 3, 1]):
        assert_same(lambda: [Network(sizes, "sigmoid", "cross_entropy", seed=s)
                             for s in range(5)], X, Y, [2.0] * 5, steps=300)


def test_a_grid_of_learning_rates_some_diverging():
    X, Y = data.regression(60, seed=0)
    lrs = [0.01, 0.5, 5.0, 50.0]
    got = assert_same(lambda: [Network([3, 4, 1], ["relu", "identity"], "mse", seed=0)
                               for _ in lrs], X, Y, lrs, steps=200, record_every=10)
    assert any(isinstance(r, TrainingDiverged) for r in got)
    assert not isinstance(got[0], TrainingDiverged)
    X, Y = data.moons(60, noise=0.2, seed=0)
    assert_same(lambda: [Network([2, 4, 2], ["tanh", "sigmoid"], "cross_entropy", seed=0)
                         for _ in lrs], X, Y, lrs, steps=200, record_every=10)


def test_single_samples_and_mini_batches_share_the_batches():
    X, Y = data.regression(120, seed=0)
    sizes, acts = [3, 6, 4, 1], ["sigmoid", "relu", "identity"]

    def starts():
        return [Network(sizes, acts, "mse", seed=0), Network(sizes, acts, "mse", init_scale=0),
                Network(sizes, acts, "mse", seed=1, init_scale=4),
                Network(sizes, acts, "mse", seed=2, init_scale=10)]

    assert_same(starts, X, Y, [0.01] * 4, epochs=2, batch_size=1, seed=0, record_every=25)
    assert_same(starts, X, Y, [0.05, 0.01, 0.01, 0.2], epochs=3, batch_size=32, seed=3,
                record_every=2, train_biases=False)


def test_one_learning_rate_for_all_and_diverging_at_the_end():
    X, Y = data.moons(40, noise=0.2, seed=1)
    nets = [Network([2, 3, 2], ["tanh", "sigmoid"], "cross_entropy", seed=s) for s in range(3)]
    results = train_together(nets, X, Y, lr=0.5, steps=20)
    assert all(r.lr == 0.5 and r.updates == 20 for r in results)
    assert_same(lambda: [Network([2, 1], "identity", "mse", seed=s) for s in range(2)],
                X[:, :8], np.full((1, 8), 1e200), [1.0, 1.0], steps=3)


def test_bad_input_is_named_and_changes_nothing():
    X, Y = data.xor()
    nets = [Network([2, 2, 1], "sigmoid", "cross_entropy", seed=0),
            Network([2, 3, 1], "sigmoid", "cross_entropy", seed=0)]
    before = [w.copy() for w in nets[0].W[1:]]
    with pytest.raises(ValueError, match="nets: every network needs the sizes"):
        train_together(nets, X, Y, lr=1.0, steps=5)
    with pytest.raises(ValueError, match="nets: every network"):
        train_together([Network([2, 2, 1], "sigmoid", seed=0),
                        Network([2, 2, 1], "tanh", seed=0)], X, Y, lr=1.0, steps=5)
    same = [Network([2, 2, 1], "sigmoid", "cross_entropy", seed=s) for s in range(2)]
    with pytest.raises(ValueError, match="lr: expected one learning rate or one per network"):
        train_together(same, X, Y, lr=[1.0], steps=5)
    with pytest.raises(ValueError, match="lr"):
        train_together(same, X, Y, lr=[1.0, -1.0], steps=5)
    with pytest.raises(TypeError, match="nets"):
        train_together([], X, Y, lr=1.0, steps=5)
    with pytest.raises(TypeError, match="steps"):
        train_together(same, X, Y, lr=1.0)
    with pytest.raises(ValueError, match="X"):
        train_together(same, X.T, Y, lr=1.0, steps=5)
    for w, w0 in zip(nets[0].W[1:], before):
        np.testing.assert_array_equal(w, w0)
