"""Time per training step: bpcore against a hand-optimised numpy loop (not a test).

    make bench          (or: .venv/bin/python benchmarks/bench_train.py [--rounds 7])

Both implementations do the same work per step (forward pass, cost, BP1-BP4, update of every
weight and bias), in float64 on one BLAS thread, from the same starting parameters. The hand loop
is written here for speed: every buffer preallocated, every operation in place (``out=``).
Timings are medians over interleaved rounds in one process (the machine is shared, so single
timings drift; ratios from interleaved rounds do not), and the table prints bpcore's time as a
ratio of the hand loop's. Target: ratio <= 1.5 on every workload.
"""
import os

# One BLAS thread, set before numpy is imported: these networks are small, and on a 2-core
# machine a second thread mostly waits.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from bpcore import Network, data  # noqa: E402


class HandLoop:
    """Full-batch gradient descent with preallocated buffers and in-place numpy operations."""

    def __init__(self, net: Network, X, Y, lr):
        self.acts = [None] + [a.name for a in net.activations[1:]]
        self.loss = net.loss.name
        self.W = [None] + [w.copy() for w in net.W[1:]]
        self.b = [None] + [b.copy() for b in net.b[1:]]
        self.X, self.Y, self.lr = X, Y, lr
        m, L = X.shape[1], net.L
        self.m, self.L = m, L
        self.z = [None] + [np.empty((n, m)) for n in net.sizes[1:]]
        self.a = [X] + [np.empty((n, m)) for n in net.sizes[1:]]
        self.d = [None] + [np.empty((n, m)) for n in net.sizes[1:]]
        self.t = [None] + [np.empty((n, m)) for n in net.sizes[1:]]
        self.gW = [None] + [np.empty_like(w) for w in self.W[1:]]
        self.gb = [None] + [np.empty_like(b) for b in self.b[1:]]

    def _activate(self, l):
        z, a = self.z[l], self.a[l]
        name = self.acts[l]
        if name == "tanh":
            np.tanh(z, out=a)
        elif name == "sigmoid":
            np.negative(z, out=a)
            np.exp(a, out=a)
            a += 1.0
            np.reciprocal(a, out=a)
        elif name == "relu":
            np.maximum(z, 0.0, out=a)
        else:
            np.copyto(a, z)

    def _times_derivative(self, l):
        """d[l] *= sigma'(z[l]), using a[l] where that is cheaper."""
        name, a, t, d = self.acts[l], self.a[l], self.t[l], self.d[l]
        if name == "tanh":
            np.multiply(a, a, out=t)
            np.subtract(1.0, t, out=t)
            d *= t
        elif name == "sigmoid":
            np.subtract(1.0, a, out=t)
            t *= a
            d *= t
        elif name == "relu":
            np.greater(self.z[l], 0.0, out=t)
            d *= t

    def step(self) -> float:
        W, b, z, a, d, L, m = self.W, self.b, self.z, self.a, self.d, self.L, self.m
        for l in range(1, L + 1):
            np.matmul(W[l], a[l - 1], out=z[l])
            z[l] += b[l]
            self._activate(l)
        aL, Y, t = a[L], self.Y, self.t[L]
        if self.loss == "cross_entropy":                      # sigmoid output: delta = a - y
            np.log(aL, out=t)
            cost = -float(np.vdot(Y, t))
            np.subtract(1.0, aL, out=t)
            np.log(t, out=t)
            cost -= float(np.vdot(1.0 - Y, t))
            cost /= m
            np.subtract(aL, Y, out=d[L])
        else:                                                 # mse
            np.subtract(aL, Y, out=d[L])
            cost = float(np.vdot(d[L], d[L])) / aL.size
            d[L] *= 2.0 / aL.shape[0]
            self._times_derivative(L)
        for l in range(L, 0, -1):
            np.sum(d[l], axis=1, keepdims=True, out=self.gb[l])
            np.matmul(d[l], a[l - 1].T, out=self.gW[l])
            if l > 1:
                np.matmul(W[l].T, d[l], out=d[l - 1])
                self._times_derivative(l - 1)
            self.gW[l] *= self.lr / m
            self.gb[l] *= self.lr / m
            W[l] -= self.gW[l]
            b[l] -= self.gb[l]
        return cost


def workloads():
    """(name, network, X, Y, lr, steps per timing)."""
    X, Y = data.moons(200, noise=0.2, seed=0)
    yield ("moons 2-50-2, 200 points", Network([2, 50, 2], ["tanh", "sigmoid"],
                                               "cross_entropy", seed=0), X, Y, 1.0, 300)
    X, Y = data.moons(200, noise=0.2, seed=0)
    yield ("moons 2-10-2, 200 points", Network([2, 10, 2], ["tanh", "sigmoid"],
                                               "cross_entropy", seed=0), X, Y, 1.0, 500)
    X, Y = data.regression(1000, seed=0)
    yield ("regression 3-30-10-3-1, 1000 points",
           Network([3, 30, 10, 3, 1], ["sigmoid", "sigmoid", "relu", "identity"], "mse",
                   seed=0), X, Y, 0.01, 100)


def time_bpcore(net, X, Y, lr, steps):
    fresh = net.copy()
    start = time.perf_counter()
    fresh.train(X, Y, lr=lr, steps=steps)
    return (time.perf_counter() - start) / steps, fresh


def time_hand(net, X, Y, lr, steps):
    loop = HandLoop(net, X, Y, lr)
    start = time.perf_counter()
    for _ in range(steps):
        loop.step()
    return (time.perf_counter() - start) / steps, loop


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (median)")
    args = parser.parse_args()
    print(f"numpy {np.__version__}, float64, 1 BLAS thread, median of {args.rounds} "
          f"interleaved rounds; time per full-batch training step\n")
    header = f"{'workload':<38}{'hand loop':>12}{'bpcore':>12}{'ratio':>8}  target <= 1.5"
    print(header)
    print("-" * len(header))
    worst = 0.0
    for name, net, X, Y, lr, steps in workloads():
        # Same work: after the same number of steps both hold the same parameters.
        _, trained = time_bpcore(net, X, Y, lr, 20)
        _, loop = time_hand(net, X, Y, lr, 20)
        diff = max(float(np.max(np.abs(trained.W[l] - loop.W[l]))) for l in range(1, net.L + 1))
        assert diff < 1e-10, f"{name}: the two implementations disagree by {diff}"
        hand_t, bp_t = [], []
        for _ in range(args.rounds):
            hand_t.append(time_hand(net, X, Y, lr, steps)[0])
            bp_t.append(time_bpcore(net, X, Y, lr, steps)[0])
        h, p = statistics.median(hand_t), statistics.median(bp_t)
        ratio = p / h
        worst = max(worst, ratio)
        print(f"{name:<38}{h * 1e6:>9.1f} us{p * 1e6:>9.1f} us{ratio:>8.2f}  "
              f"{'ok' if ratio <= 1.5 else 'MISSED'}")
    print(f"\nworst ratio {worst:.2f} ({'meets' if worst <= 1.5 else 'misses'} the 1.5x target)")


if __name__ == "__main__":
    main()
