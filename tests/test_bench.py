"""The benchmark compares like with like: every implementation in benchmarks/bench_train.py does
the same work as bpcore (no timing here; speed is measured by `make bench`, not by tests)."""
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_train.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_train", BENCH)
    module = importlib.util.module_from_spec(spec)
    # As when run as a script: benchmarks/ first on sys.path, for their shared `common` module.
    sys.path.insert(0, str(BENCH.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH.parent))
    return module


def test_every_implementation_does_bpcores_work_on_every_workload(bench):
    for w in bench.workloads(quick=True):
        impls = bench.implementations(w, torch_ok=False)
        assert {"hand", "bpcore"} <= set(impls)
        assert ("per-neuron" in impls) == w.name.startswith("worked example")
        bench.check_same_work(w, impls)           # raises when an implementation differs


def test_the_same_work_check_catches_a_different_learning_rate(bench):
    w = bench.workloads(quick=True)[1]
    w.lr *= 1.01
    with pytest.raises(AssertionError, match="other parameters than bpcore"):
        bench.check_same_work(w, {"hand": bench.HandLoop, "bpcore": _Fixed(bench, 1.0)})


def test_the_per_neuron_network_reaches_the_published_cost(bench):
    w = bench.workloads(quick=True)[0]
    net = bench.PerNeuronNetwork(w)
    net.run(10000)
    assert abs(net.cost() - 3.51018778e-05) < 1e-13
    W, _ = net.params()
    assert np.all(np.isfinite(W[0])) and not np.allclose(W[0], w.net.W[1])


def _Fixed(bench, lr):
    """bpcore trained with its own learning rate, whatever the workload says."""
    class Fixed(bench.Bpcore):
        def run(self, steps):
            self.net.train(self.w.X, self.w.Y, lr=lr, steps=steps,
                           train_biases=self.w.train_biases)
    return Fixed
