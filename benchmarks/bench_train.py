"""Time per training update: bpcore against a hand-optimised numpy loop, a per-neuron pure
Python network and PyTorch (not a test).

    make bench          (or: .venv/bin/python benchmarks/bench_train.py [--rounds 7] [--quick]
                                                                         [--profile])

Every implementation does the same work per update (forward pass, cost, BP1-BP4, update of every
weight, and of every bias unless they are frozen), in float64 on one thread, from the same
starting parameters taken from the bpcore network. Workloads:

- the worked example (Mazur's, as in the worked-example article): the 2-2-2 sigmoid
  network, quadratic cost, one sample,
  learning rate 0.5, biases not trained. After 10000 updates every implementation must give
  E = 3.51018778e-05 (checked once, untimed); the timings use batches of fewer updates (the
  first ones of the same run) and are reported per update;
- moons, 200 points, 2-H-2 (tanh, sigmoid, cross-entropy) for H = 1, 2, 4, 10, 20, 50, lr 1.0;
- regression, 1000 points, 3-30-10-3-1 (sigmoid, sigmoid, relu, identity, mse), lr 0.01.

All of them train on the full batch.

Implementations (the table's columns):

- hand loop: the baseline (ratio 1.00), written here for speed: every buffer preallocated,
  every operation in place (``out=``); with frozen biases it skips their gradient;
- bpcore: ``net.copy().train(X, Y, lr=..., steps=..., train_biases=...)``, as the book trains;
- per-neuron: plain Python in the style of a per-neuron tutorial (Neuron objects holding a list
  of weights and a bias, loops over neurons and inputs, ``math.exp``), worked example only;
- torch: PyTorch CPU eager (float64 tensors, autograd's ``cost.backward()``, the update under
  ``torch.no_grad()``), only when torch 2.13.0 is installed.

Before a workload is timed, each implementation trains 20 updates and must hold the same
parameters as bpcore (max abs difference < 1e-10): a benchmark of different work is worthless.
Timings are medians over interleaved rounds in one process (the machine is shared, so single
timings drift); the order of the implementations rotates from round to round, and each ratio is
the median of the ratios within a round, which the drift between rounds does not move.
Targets: bpcore/hand <= 1.5 and torch/bpcore >= 3 on every workload.

``--profile`` prints instead where bpcore's time goes (cProfile) on the worked example and the
regression workload.
"""
import os

# One BLAS thread, set before numpy (and torch) are imported: these networks are small, and on
# a 2-core machine a second thread mostly waits.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import gc  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import numpy as np  # noqa: E402

from bpcore import Network, data  # noqa: E402

#: E after 10000 updates of the worked example (gradient descent on E, biases frozen).
WORKED_EXAMPLE_E = 3.51018778e-05
#: The reference is printed to 9 significant digits: half a unit of the last one, and a bit.
WORKED_EXAMPLE_TOL = 1e-13
#: The PyTorch version the torch column is for.
TORCH_VERSION = "2.13.0"
CHECK_STEPS = 20
SAME_PARAMS = 1e-10
TARGET_BPCORE = 1.5          # bpcore / hand loop, at most
TARGET_TORCH = 3.0           # torch / bpcore, at least


@dataclass
class Workload:
    """One row of the table: a network and its data, and how to train it.

    steps: updates per timing (each timing should take about 50-200 ms).
    per_neuron: whether the per-neuron pure Python network takes part (worked example only).
    reference: the cost every implementation must reach after ``reference[0]`` updates.
    """

    name: str
    net: Network
    X: np.ndarray
    Y: np.ndarray
    lr: float
    steps: int
    train_biases: bool = True
    per_neuron: bool = False
    reference: tuple = None


# Every implementation below is built from a Workload (a fresh copy of its starting parameters)
# and has the same three methods: run(steps) trains, cost() is C at the current parameters, and
# params() gives ([W^1..W^L], [b^1..b^L]) as numpy arrays.

# -- the baseline: a hand-optimised numpy loop ----------------------------------------------------

class Stepper:
    """An implementation that trains one ``step()`` at a time."""

    def run(self, steps):
        for _ in range(steps):
            self.step()


class HandLoop(Stepper):
    """Full-batch gradient descent with preallocated buffers and in-place numpy operations."""

    def __init__(self, w: Workload):
        net = w.net
        self.acts = [None] + [a.name for a in net.activations[1:]]
        self.cost_name = net.cost_function.name
        self.W = [None] + [W.copy() for W in net.W[1:]]
        self.b = [None] + [b.copy() for b in net.b[1:]]
        self.X, self.Y, self.lr, self.train_biases = w.X, w.Y, w.lr, w.train_biases
        m, L = w.X.shape[1], net.L
        self.m, self.L = m, L
        self.z = [None] + [np.empty((n, m)) for n in net.sizes[1:]]
        self.a = [w.X] + [np.empty((n, m)) for n in net.sizes[1:]]
        self.d = [None] + [np.empty((n, m)) for n in net.sizes[1:]]
        self.t = [None] + [np.empty((n, m)) for n in net.sizes[1:]]
        self.gW = [None] + [np.empty_like(W) for W in self.W[1:]]
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

    def _forward(self):
        W, b, z = self.W, self.b, self.z
        for l in range(1, self.L + 1):
            np.matmul(W[l], self.a[l - 1], out=z[l])
            z[l] += b[l]
            self._activate(l)

    def _cost_and_output_delta(self) -> float:
        """C at the current forward pass, and delta^L into d[L] (BP1)."""
        L, m = self.L, self.m
        aL, Y, t, dL = self.a[L], self.Y, self.t[L], self.d[L]
        if self.cost_name == "cross_entropy":                      # sigmoid output: delta = a - y
            np.log(aL, out=t)
            cost = -float(np.vdot(Y, t))
            np.subtract(1.0, aL, out=t)
            np.log(t, out=t)
            cost -= float(np.vdot(1.0 - Y, t))
            cost /= m
            np.subtract(aL, Y, out=dL)
            return cost
        np.subtract(aL, Y, out=dL)
        if self.cost_name == "quadratic":                          # C = 1/2 sum (a - y)^2 / m
            cost = 0.5 * float(np.vdot(dL, dL)) / m
        else:                                                 # mse: sum (a - y)^2 / (n_L m)
            cost = float(np.vdot(dL, dL)) / aL.size
            dL *= 2.0 / aL.shape[0]
        self._times_derivative(L)
        return cost

    def step(self) -> float:
        """One update; returns the cost before it."""
        W, b, a, d, L = self.W, self.b, self.a, self.d, self.L
        self._forward()
        cost = self._cost_and_output_delta()
        scale = self.lr / self.m
        for l in range(L, 0, -1):
            np.matmul(d[l], a[l - 1].T, out=self.gW[l])
            if self.train_biases:
                np.sum(d[l], axis=1, keepdims=True, out=self.gb[l])
            if l > 1:
                np.matmul(W[l].T, d[l], out=d[l - 1])
                self._times_derivative(l - 1)
            self.gW[l] *= scale
            W[l] -= self.gW[l]
            if self.train_biases:
                self.gb[l] *= scale
                b[l] -= self.gb[l]
        return cost

    def cost(self) -> float:
        self._forward()
        return self._cost_and_output_delta()

    def params(self):
        return self.W[1:], self.b[1:]


# -- bpcore, as the book trains -------------------------------------------------------------------

class Bpcore:
    """``Network.train`` on a fresh copy of the workload's network."""

    def __init__(self, w: Workload):
        self.net, self.w = w.net.copy(), w

    def run(self, steps):
        w = self.w
        self.net.train(w.X, w.Y, lr=w.lr, steps=steps, train_biases=w.train_biases)

    def cost(self) -> float:
        return self.net.cost(self.w.X, self.w.Y)

    def params(self):
        return self.net.W[1:], self.net.b[1:]


# -- a per-neuron network in plain Python ---------------------------------------------------------

def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


class Neuron:
    """One sigmoid neuron: a weight per input and a bias, and what the last pass left in it."""

    def __init__(self, weights, bias):
        self.weights = [float(v) for v in weights]
        self.bias = float(bias)
        self.inputs = []
        self.output = 0.0
        self.delta = 0.0          # dE/dz of this neuron, set by the backward pass

    def fire(self, inputs):
        """z = sum_k w_k x_k + b, out = sigmoid(z)."""
        self.inputs = inputs
        z = 0.0
        for w, x in zip(self.weights, inputs):
            z += w * x
        self.output = sigmoid(z + self.bias)
        return self.output


class PerNeuronNetwork(Stepper):
    """Sigmoid layers of :class:`Neuron` objects, quadratic cost E = 1/2 sum (t - o)^2, trained
    on one sample by gradient descent, weight by weight."""

    def __init__(self, w: Workload):
        net = w.net
        assert w.X.shape[1] == 1 and net.cost_function.name == "quadratic"
        assert all(a.name == "sigmoid" for a in net.activations[1:])
        self.layers = [[Neuron(net.W[l][j], net.b[l][j, 0]) for j in range(net.sizes[l])]
                       for l in range(1, net.L + 1)]
        self.x = [float(v) for v in w.X[:, 0]]
        self.target = [float(v) for v in w.Y[:, 0]]
        self.lr, self.train_biases = w.lr, w.train_biases

    def feed_forward(self):
        values = self.x
        for layer in self.layers:
            values = [neuron.fire(values) for neuron in layer]
        return values

    def total_error(self, outputs):
        return sum(0.5 * (t - o) ** 2 for t, o in zip(self.target, outputs))

    def step(self) -> float:
        """One update; returns E before it. Every delta is computed before any weight moves,
        so that all derivatives are taken at the same point."""
        outputs = self.feed_forward()
        error = self.total_error(outputs)
        for neuron, t in zip(self.layers[-1], self.target):        # output layer: dE/dz
            o = neuron.output
            neuron.delta = (o - t) * o * (1.0 - o)
        for l in range(len(self.layers) - 2, -1, -1):              # hidden layers, backwards
            above = self.layers[l + 1]
            for k, neuron in enumerate(self.layers[l]):
                back = 0.0
                for upper in above:
                    back += upper.delta * upper.weights[k]
                h = neuron.output
                neuron.delta = back * h * (1.0 - h)
        for layer in self.layers:                                  # dE/dw = delta * input
            for neuron in layer:
                for k, x in enumerate(neuron.inputs):
                    neuron.weights[k] -= self.lr * neuron.delta * x
                if self.train_biases:
                    neuron.bias -= self.lr * neuron.delta
        return error

    def cost(self) -> float:
        return self.total_error(self.feed_forward())

    def params(self):
        return ([np.array([n.weights for n in layer]) for layer in self.layers],
                [np.array([[n.bias] for n in layer]) for layer in self.layers])


# -- PyTorch, eager -------------------------------------------------------------------------------

def load_torch():
    """torch with one thread, or None and the reason when torch 2.13.0 is not there."""
    try:
        import torch
    except ImportError:
        return None, f"torch {TORCH_VERSION} not installed: pip install torch=={TORCH_VERSION}"
    if not torch.__version__.startswith(TORCH_VERSION):
        return None, (f"torch {TORCH_VERSION} not installed (found {torch.__version__}): "
                      f"pip install torch=={TORCH_VERSION}")
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    return torch, None


class TorchLoop:
    """The same network as float64 torch tensors: forward with torch operations, the cost with
    bpcore's formula, gradients by autograd, the update in place under ``torch.no_grad()``
    (``p.sub_(p.grad, alpha=lr)``, that is p -= lr * p.grad without a temporary)."""

    torch = None                 # set by main() once torch is loaded

    def __init__(self, w: Workload):
        torch, net = self.torch, w.net
        self.W = [torch.tensor(W, dtype=torch.float64, requires_grad=True) for W in net.W[1:]]
        self.b = [torch.tensor(b, dtype=torch.float64, requires_grad=w.train_biases)
                  for b in net.b[1:]]
        self.trained = self.W + (self.b if w.train_biases else [])
        funcs = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
                 "identity": lambda z: z}
        self.f = [funcs[a.name] for a in net.activations[1:]]
        self.cost_name = net.cost_function.name
        self.X = torch.tensor(w.X, dtype=torch.float64)
        self.Y = torch.tensor(w.Y, dtype=torch.float64)
        self.Y1 = 1.0 - self.Y
        self.lr = w.lr

    def _cost(self):
        torch, a = self.torch, self.X
        for W, b, f in zip(self.W, self.b, self.f):
            a = f(W @ a + b)
        m = a.shape[1]
        if self.cost_name == "cross_entropy":
            return -(self.Y * torch.log(a) + self.Y1 * torch.log1p(-a)).sum() / m
        err = a - self.Y
        if self.cost_name == "quadratic":
            return 0.5 * (err * err).sum() / m
        return (err * err).sum() / a.numel()                     # mse

    def run(self, steps):
        torch, lr = self.torch, self.lr
        for _ in range(steps):
            cost = self._cost()
            cost.backward()
            with torch.no_grad():
                for p in self.trained:
                    p.sub_(p.grad, alpha=lr)
                    p.grad = None

    def cost(self) -> float:
        with self.torch.no_grad():
            return float(self._cost())

    def params(self):
        return ([W.detach().numpy() for W in self.W], [b.detach().numpy() for b in self.b])


# -- the benchmark --------------------------------------------------------------------------------

def workloads(quick=False):
    """The table's rows. Steps per timing are chosen for about 50-200 ms each on a slow
    2-core machine; --quick uses a fifth of them."""
    ex = data.worked_example()
    rows = [Workload("worked example 2-2-2, 1 sample", ex.network(), ex.X, ex.Y, ex.lr, 1000,
                     train_biases=False, per_neuron=True,
                     reference=(10000, WORKED_EXAMPLE_E))]
    X, Y = data.moons(200, noise=0.2, seed=0)
    for H, steps in [(1, 800), (2, 800), (4, 800), (10, 800), (20, 600), (50, 400)]:
        rows.append(Workload(f"moons 2-{H}-2, 200 points",
                             Network([2, H, 2], ["tanh", "sigmoid"], "cross_entropy", seed=0),
                             X, Y, 1.0, steps))
    X, Y = data.regression(1000, seed=0)
    rows.append(Workload("regression 3-30-10-3-1, 1000 points",
                         Network([3, 30, 10, 3, 1], ["sigmoid", "sigmoid", "relu", "identity"],
                                 "mse", seed=0), X, Y, 0.01, 150))
    if quick:
        for w in rows:
            w.steps = max(w.steps // 5, 20)
    return rows


def implementations(w: Workload, torch_ok: bool) -> dict:
    """name -> class, for the implementations that take part in workload ``w``."""
    impls = {"hand": HandLoop, "bpcore": Bpcore}
    if w.per_neuron:
        impls["per-neuron"] = PerNeuronNetwork
    if torch_ok:
        impls["torch"] = TorchLoop
    return impls


def check_same_work(w: Workload, impls: dict):
    """Every implementation, after CHECK_STEPS updates, holds bpcore's parameters; with a
    reference, every one reaches the reference cost after its number of updates."""
    ref = Bpcore(w)
    ref.run(CHECK_STEPS)
    ref_W, ref_b = ref.params()
    for name, cls in impls.items():
        impl = cls(w)
        impl.run(CHECK_STEPS)
        Ws, bs = impl.params()
        diff = max(float(np.max(np.abs(p - q)))
                   for p, q in zip(list(Ws) + list(bs), list(ref_W) + list(ref_b)))
        assert diff < SAME_PARAMS, (f"{w.name}: {name} holds other parameters than bpcore after "
                                    f"{CHECK_STEPS} updates (max abs difference {diff:.3g})")
    if w.reference:
        steps, expected = w.reference
        for name, cls in impls.items():
            impl = cls(w)
            impl.run(steps)
            got = impl.cost()
            assert abs(got - expected) < WORKED_EXAMPLE_TOL, (
                f"{w.name}: {name} gives E = {got:.9g} after {steps} updates, "
                f"expected {expected:.9g}")


def time_once(cls, w: Workload) -> float:
    """Seconds per update of ``w.steps`` updates from the starting parameters (set-up and
    copying the network are not timed)."""
    impl = cls(w)
    gc.collect()
    start = time.perf_counter()
    impl.run(w.steps)
    return (time.perf_counter() - start) / w.steps


def time_workload(w: Workload, impls: dict, rounds: int):
    """Median seconds per update of each implementation, and the median of each round's
    bpcore/hand and torch/bpcore ratios (None where torch does not take part)."""
    names = list(impls)
    times = {name: [] for name in names}
    bp_hand, torch_bp = [], []
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(time_once(impls[name], w))
        bp_hand.append(times["bpcore"][-1] / times["hand"][-1])
        if "torch" in times:
            torch_bp.append(times["torch"][-1] / times["bpcore"][-1])
    medians = {name: statistics.median(t) for name, t in times.items()}
    return (medians, statistics.median(bp_hand),
            statistics.median(torch_bp) if torch_bp else None)


def profile_bpcore():
    """Print the functions bpcore's training spends its time in, on the worked example and the
    regression workload."""
    import cProfile
    import pstats

    for w in workloads():
        if not (w.per_neuron or w.name.startswith("regression")):
            continue
        steps = w.steps * 2
        net = w.net.copy()
        prof = cProfile.Profile()
        prof.enable()
        net.train(w.X, w.Y, lr=w.lr, steps=steps, train_biases=w.train_biases)
        prof.disable()
        print(f"== bpcore on {w.name}: {steps} updates (cProfile adds its own overhead to "
              f"every Python call)")
        pstats.Stats(prof).sort_stats("tottime").print_stats(14)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=None,
                        help="interleaved rounds, median taken (default 7, --quick 3)")
    parser.add_argument("--quick", action="store_true",
                        help="3 rounds of a fifth of the updates: a rough look in a few seconds")
    parser.add_argument("--profile", action="store_true",
                        help="only print where bpcore's time goes (cProfile)")
    args = parser.parse_args()
    if args.profile:
        profile_bpcore()
        return
    rounds = args.rounds or (3 if args.quick else 7)

    torch, torch_note = load_torch()
    TorchLoop.torch = torch
    versions = f"numpy {np.__version__}" + (f", torch {torch.__version__}" if torch else "")
    print(f"{versions}; float64, 1 thread; median of {rounds} interleaved rounds; "
          f"microseconds per update;\nratios: the median of each round's ratio (interleaved "
          f"rounds pair the timings), not the ratio of the medians")
    if torch_note:
        print(f"note: torch column skipped: {torch_note}")
    rows = workloads(args.quick)
    print("worked example: timed in batches of the first "
          f"{rows[0].steps} updates (not all 10000), reported per update; "
          f"E after 10000 checked for every implementation\n")

    head = (f"{'workload':<37}{'hand loop':>10}{'bpcore':>10}{'per-neuron':>11}{'torch':>10}"
            f"{'bpcore/hand':>13}{'':7}{'torch/bpcore':>13}")
    print(head)
    print(f"{'':<37}{'(us)':>10}{'(us)':>10}{'(us)':>11}{'(us)':>10}"
          f"{f'<= {TARGET_BPCORE:g}':>13}{'':7}{f'>= {TARGET_TORCH:g}':>13}")
    print("-" * (len(head) + 7))
    bp_results, torch_results = [], []
    for w in rows:
        impls = implementations(w, torch is not None)
        check_same_work(w, impls)
        medians, bp_hand, torch_bp = time_workload(w, impls, rounds)

        def us(name):
            return f"{medians[name] * 1e6:.1f}" if name in medians else "-"

        bp_mark = "ok" if bp_hand <= TARGET_BPCORE else "MISSED"
        bp_results.append((bp_hand, w.name))
        if torch_bp is None:
            torch_cell = f"{'-':>13}"
        else:
            torch_results.append((torch_bp, w.name))
            torch_cell = (f"{torch_bp:>13.2f} {'ok' if torch_bp >= TARGET_TORCH else 'MISSED'}")
        print(f"{w.name:<37}{us('hand'):>10}{us('bpcore'):>10}{us('per-neuron'):>11}"
              f"{us('torch'):>10}{bp_hand:>13.2f} {bp_mark:<6}{torch_cell}", flush=True)

    met = sum(r <= TARGET_BPCORE for r, _ in bp_results)
    worst = max(bp_results)
    print(f"\nbpcore/hand <= {TARGET_BPCORE:g}: {met} of {len(bp_results)} workloads "
          f"{'(all met)' if met == len(bp_results) else 'met'}; worst {worst[0]:.2f} "
          f"({worst[1]})")
    if torch_results:
        met = sum(r >= TARGET_TORCH for r, _ in torch_results)
        least = min(torch_results)
        print(f"torch/bpcore >= {TARGET_TORCH:g}: {met} of {len(torch_results)} workloads "
              f"{'(all met)' if met == len(torch_results) else 'met'}; smallest {least[0]:.2f} "
              f"({least[1]})")
    else:
        print(f"torch/bpcore >= {TARGET_TORCH:g}: not measured ({torch_note})")


if __name__ == "__main__":
    main()
