"""bpcore: the small numpy engine behind *Backprop, Step by Step*.

Every number, table and figure in the book comes from here. The names follow the book's
notation (layers l = 0..L, W^l, b^l, z^l, a^l, delta^l, cost C; data as columns, X is (n_0, m)):

>>> from bpcore import Network, data
>>> ex = data.worked_example()
>>> net = ex.network()                       # the 2-2-2 sigmoid network of seed 000
>>> round(net.cost(ex.X, ex.Y), 9)           # E_total before training
0.298371109
>>> g = net.gradients(ex.X, ex.Y)            # BP1-BP4
>>> round(float(g.W[2][0, 0]), 9)            # dE/dw5 = dE/dw^2_11
0.082167041

Modules: ``network`` (forward pass; BP1-BP4 as the functions ``bp1`` ... ``bp4``),
``activations``, ``losses``, ``train`` (gradient descent, mini-batches), ``gradcheck`` (finite
differences), ``data``, ``validate`` (input checks),
``symbolic`` (the network in sympy: derivatives, chain rule, the CAS proof of BP1-BP4; imported
on its own, ``from bpcore import symbolic``, so that ``import bpcore`` does not load sympy).
"""
from . import data
from .activations import ACTIVATIONS, Activation, get_activation
from .gradcheck import GradCheck, gradcheck, numeric_gradients, relative_error
from .losses import LOSSES, Loss, get_loss
from .network import Gradients, Network, Trace, bp1, bp2, bp3, bp4
from .train import History, TrainingDiverged, batches, train

__all__ = [
    "ACTIVATIONS", "Activation", "GradCheck", "Gradients", "History", "LOSSES", "Loss",
    "Network", "Trace", "TrainingDiverged", "batches", "bp1", "bp2", "bp3", "bp4", "data",
    "get_activation", "get_loss", "gradcheck", "numeric_gradients", "relative_error", "train",
]
__version__ = "0.1.0"
