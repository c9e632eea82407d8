"""Scalar reverse-mode automatic differentiation: backpropagation on a graph of numbers.

A :class:`Value` holds a number (``data``) and, after :meth:`Value.backward`, the derivative of
the final result with respect to it (``grad``). Every operation on Values records its inputs
and its *local derivatives*; ``backward()`` then walks the graph from the result back to the
leaves and applies the chain rule at each node:

    grad of an input  +=  local derivative  x  grad of the node (the "upstream" gradient),

summed over every path by which the input reaches the result. This is what BP1-BP4 do a
layer at a time with matrices (chapter 3), and what a framework's ``.backward()`` does with
tensors. Pure Python: no numpy.

>>> from bpcore.autograd import Value
>>> x = Value(3.0)
>>> y = x * x + 2 * x          # x reaches y by three paths
>>> y.backward()
>>> y.data, x.grad             # dy/dx = 2x + 2
(15.0, 8.0)

A second ``backward()`` on the same graph *adds* the same gradients again, as PyTorch's
leaves accumulate: every Value then holds twice the derivative. Call :meth:`Value.zero_grad`
on the result first to start from zero.
"""
from __future__ import annotations

import math
import numbers


def _as_value(other, operation: str) -> "Value":
    if isinstance(other, Value):
        return other
    if isinstance(other, numbers.Real) and not isinstance(other, bool):
        return Value(float(other))
    raise TypeError(f"{operation}: expected a Value or a real number, got "
                    f"{type(other).__name__} {other!r}")


class Value:
    """One number in a computation graph.

    data:    the number (a float).
    grad:    dR/d(this value) for the result R of the last ``R.backward()``; 0 before.
    op:      the operation that made it ("" for a leaf, e.g. "*", "tanh").
    label:   an optional name (used by drawings: "w5", "out_o1").
    parents: the Values it was computed from, in order.

    Raises TypeError for data that is not a real number (a bool, a string, a list).
    """

    __slots__ = ("data", "grad", "op", "label", "parents", "_local")

    def __init__(self, data, label: str = "", *, _parents=(), _op="", _local=()):
        if isinstance(data, bool) or not isinstance(data, numbers.Real):
            raise TypeError(f"data: expected a real number, got {type(data).__name__} "
                            f"{data!r}")
        self.data = float(data)
        self.grad = 0.0
        self.op = _op
        self.label = label
        self.parents = tuple(_parents)
        self._local = tuple(_local)       # d(this)/d(parent i), one per parent

    def __repr__(self) -> str:
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.6g}, grad={self.grad:.6g})"

    # -- arithmetic: each node stores its local derivatives ---------------------------------

    def __add__(self, other):
        other = _as_value(other, "+")
        return Value(self.data + other.data, _parents=(self, other), _op="+",
                     _local=(1.0, 1.0))

    __radd__ = __add__

    def __mul__(self, other):
        other = _as_value(other, "*")
        return Value(self.data * other.data, _parents=(self, other), _op="*",
                     _local=(other.data, self.data))

    __rmul__ = __mul__

    def __neg__(self):
        return Value(-self.data, _parents=(self,), _op="neg", _local=(-1.0,))

    def __sub__(self, other):
        other = _as_value(other, "-")
        return Value(self.data - other.data, _parents=(self, other), _op="-",
                     _local=(1.0, -1.0))

    def __rsub__(self, other):
        return _as_value(other, "-") - self

    def __pow__(self, exponent):
        if isinstance(exponent, Value):
            raise TypeError("**: the exponent must be a plain number, not a Value (x ** y with "
                            "y a Value needs exp(y log x))")
        if isinstance(exponent, bool) or not isinstance(exponent, numbers.Real):
            raise TypeError(f"**: expected a real-number exponent, got {exponent!r}")
        n = float(exponent)
        if self.data == 0.0 and n < 1.0:
            raise ValueError(f"**: 0 ** {n:g} has no finite derivative at 0")
        if self.data < 0.0 and n != int(n):
            raise ValueError(f"**: a negative base ({self.data:g}) with a fractional exponent "
                             f"({n:g}) is not a real number")
        return Value(self.data ** n, _parents=(self,), _op=f"**{n:g}",
                     _local=(n * self.data ** (n - 1.0),))

    def __truediv__(self, other):
        other = _as_value(other, "/")
        if other.data == 0.0:
            raise ZeroDivisionError("/: division by a Value whose data is 0")
        return self * other ** -1.0

    def __rtruediv__(self, other):
        return _as_value(other, "/") / self

    # -- functions ------------------------------------------------------------------------

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, _parents=(self,), _op="tanh", _local=(1.0 - t * t,))

    def sigmoid(self):
        # Written so that neither branch overflows: exp of a non-positive number only.
        if self.data >= 0:
            s = 1.0 / (1.0 + math.exp(-self.data))
        else:
            e = math.exp(self.data)
            s = e / (1.0 + e)
        return Value(s, _parents=(self,), _op="sigmoid", _local=(s * (1.0 - s),))

    def relu(self):
        return Value(max(self.data, 0.0), _parents=(self,), _op="relu",
                     _local=(1.0 if self.data > 0 else 0.0,))

    def exp(self):
        e = math.exp(self.data)
        return Value(e, _parents=(self,), _op="exp", _local=(e,))

    def log(self):
        if self.data <= 0:
            raise ValueError(f"log: the argument must be positive, got {self.data:g}")
        return Value(math.log(self.data), _parents=(self,), _op="log",
                     _local=(1.0 / self.data,))

    # -- the backward pass ------------------------------------------------------------------

    def graph(self) -> list["Value"]:
        """Every Value this one depends on, itself last, each after all of its parents (a
        topological order, found by a depth-first walk without recursion)."""
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(node.parents) if id(p) not in seen)
        return order

    def backward(self) -> None:
        """Add to ``grad`` of every Value in the graph d(self)/d(that value).

        The pass starts with 1 at ``self``; then, in reverse topological order, each node
        passes ``local derivative x its upstream gradient`` to each of its parents. A node
        reached by several paths receives the sum: it is visited only after every node that
        uses it. The pass's gradients are *added* to ``grad``, so a second call adds them
        again (see the module's docstring); :meth:`zero_grad` starts over.
        """
        order = self.graph()
        upstream = {id(self): 1.0}
        for node in reversed(order):
            g = upstream.get(id(node), 0.0)
            node.grad += g
            for parent, local in zip(node.parents, node._local):
                upstream[id(parent)] = upstream.get(id(parent), 0.0) + local * g

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 for every Value in this one's graph."""
        for node in self.graph():
            node.grad = 0.0
