"""bpcore: the small numpy engine behind *Backprop, Step by Step*.

Every number, table and figure in the book comes from here. The names follow the book's
notation (layers l = 0..L, W^l, b^l, z^l, a^l, delta^l, cost C; data as columns, X is (n_0, m)):

>>> from bpcore import Network, data
>>> ex = data.worked_example()
>>> net = ex.network()                       # the worked example's 2-2-2 sigmoid network
>>> round(net.cost(ex.X, ex.Y), 9)           # E_total before training
0.298371109
>>> g = net.gradients(ex.X, ex.Y)            # BP1-BP4
>>> round(float(g.W[2][0, 0]), 9)            # dE/dw5 = dE/dw^2_11
0.082167041

The engine (what ``import bpcore`` loads; numpy only): ``network`` (forward pass; BP1-BP4 as
the functions ``bp1`` ... ``bp4``), ``activations``, ``costs`` (each cost owns its BP1),
``train`` (gradient descent, mini-batches), ``gradcheck`` (finite differences), ``data``,
``validate`` (input checks), and ``autograd`` (imported on its own: ``from bpcore.autograd
import Value``; backpropagation on a graph of scalars, pure Python).

Around it, each imported on its own and never by the engine:
``bpcore.symbolic`` (the network in sympy: derivatives, chain rule, the CAS proof of BP1-BP4),
``bpcore.book`` (the book's plots, slider explorers, error surfaces, timings, tables, the
engine's source as a chapter shows it) and
``bpcore.exercises`` (the self-check exercises, one module per chapter).
"""
from . import data
from .activations import ACTIVATIONS, Activation, get_activation
from .costs import COSTS, Cost, get_cost
from .gradcheck import GradCheck, gradcheck, numeric_gradients, relative_error
from .network import Gradients, Network, Trace, bp1, bp2, bp3, bp4
from .train import History, TrainingDiverged, batches, gradient_step, train, train_together

__all__ = [
    "ACTIVATIONS", "Activation", "COSTS", "Cost", "GradCheck", "Gradients", "History",
    "Network", "Trace", "TrainingDiverged", "batches", "bp1", "bp2", "bp3", "bp4", "data",
    "get_activation", "get_cost", "gradcheck", "gradient_step", "numeric_gradients",
    "relative_error", "train", "train_together",
]
__version__ = "0.1.0"
