"""The network in sympy: every gradient derived symbolically, independently of backpropagation.

:class:`SymbolicNetwork` writes a small network as formulas, with the book's symbols:

    z^l_j = sum_k w^l_{jk} a^{l-1}_k + b^l_j,     a^l_j = sigma(z^l_j),     C = C(a^L, y)

from the activations' and costs' sympy expressions (``Activation.sympy``, ``Cost.sympy``). sympy
then differentiates the cost C, written out as one expression of the weights, biases, inputs x and
targets y, with respect to any weight or bias: the chain rule is applied by sympy, not by us.
That gives a third, independent route to every gradient, beside backpropagation (BP1-BP4 in
:mod:`bpcore.network`) and finite differences (:mod:`bpcore.gradcheck`).

- :meth:`SymbolicNetwork.derivative`: dC/dp as a formula; :meth:`~SymbolicNetwork.gradient` its
  value at a network's numbers.
- :meth:`SymbolicNetwork.chain_rule`: dC/dp written as the chain rule along every path from p to
  C, each factor with its value (``.latex()`` for the book). Module ``chain_rule``.
- :meth:`SymbolicNetwork.gradients` and :meth:`~SymbolicNetwork.cost_value`: every derivative,
  and the cost, lambdified (``cse=True``) and evaluated on a batch.
- :func:`compare`: symbolic vs backpropagation vs finite differences, worst error per layer.
  Module ``compare``.
- :func:`prove_bp`: BP1-BP4 verified by computer algebra for a whole network with arbitrary
  symbols, the difference of the two sides of every instance simplified to 0. Module ``proof``.

The formulas' building blocks (named functions for piecewise activations, the cross-entropy of
a sigmoid output from z^L) are in ``formulas``, the two naming schemes in ``names``.

Symbolic differentiation grows quickly with the size of the network (every path from a weight
to the cost is a term), so this package is for small networks: 2-2-2 in well under a second,
2-4-4-2 in seconds. Two naming schemes: ``names="book"`` (w^l_{jk}, b^l_j, z^l_j, a^l_j, x_k,
y_j, C) and, for the 2-2-2 network of the worked-example article (Mazur's example),
``names="worked"`` (symbols w1..w8, one bias b1 shared by the hidden layer and b2 by the
outputs, net_h1, out_o1, i1, target_o1, E; ``param("w5")`` finds one).

It imports sympy, so ``import bpcore`` does not import it: ``from bpcore import symbolic``.
"""
from .chain_rule import ChainRule, Factor
from .compare import Comparison, compare
from .network import Param, SymbolicNetwork, from_network
from .proof import Proof, prove_bp

__all__ = ["ChainRule", "Comparison", "Factor", "Param", "Proof", "SymbolicNetwork", "compare",
           "from_network", "prove_bp"]
