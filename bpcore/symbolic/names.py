"""The two ways the symbolic network names its symbols.

- ``"book"``: w^l_{jk}, b^l_j, z^l_j, a^l_j, inputs x_k, targets y_j, cost C.
- ``"worked"``, for the 2-2-2 network of the worked-example article (Mazur's example): weights
  w1..w8 numbered layer by layer, one bias b1 shared by the hidden layer and b2 by the
  outputs, weighted inputs net_h1, outputs out_o1, inputs i1, targets target_o1, cost E
  (symbol names; their LaTeX is w_{1}, net_{h1}, ...).

Each scheme gives, for every kind of symbol, a template of its name and of its LaTeX, filled in
by :class:`Names` (``str.format``: "{{" is a literal brace).
"""
from __future__ import annotations

SCHEMES = {
    "book": {
        "cost": "C", "shared_biases": False,
        "input": ("x_{k}", "x_{{{k}}}"),
        "target": ("y_{j}", "y_{{{j}}}"),
        "z": ("z_{l}_{j}", "z^{{{l}}}_{{{j}}}"),
        "a": ("a_{l}_{j}", "a^{{{l}}}_{{{j}}}"),
        "weight": ("w_{l}_{j}_{k}", "w^{{{l}}}_{{{jk}}}"),
        "bias": ("b_{l}_{j}", "b^{{{l}}}_{{{j}}}"),
    },
    "worked": {
        "cost": "E", "shared_biases": True,          # b_l serves every neuron of layer l
        "input": ("i{k}", "i_{{{k}}}"),
        "target": ("target_o{j}", r"\mathit{{target}}_{{o{j}}}"),
        "z": ("net_{unit}", r"\mathit{{net}}_{{{unit}}}"),
        "a": ("out_{unit}", r"\mathit{{out}}_{{{unit}}}"),
        "weight": ("w{number}", "w_{{{number}}}"),
        "bias": ("b{l}", "b_{{{l}}}"),
    },
}


class Names:
    """The names of one network's symbols in one scheme (a key of :data:`SCHEMES`).

    ``names(kind, l, j, k)`` -> (symbol name, LaTeX) for kind "input" (give k), "target" (j),
    "z", "a", "bias" (l, j) or "weight" (l, j, k); layers and neurons count from 1. ``cost`` is
    the cost's LaTeX, ``shared_biases`` whether one bias serves a whole layer.
    """

    def __init__(self, scheme: str, sizes):
        self.sizes = sizes
        self._templates = SCHEMES[scheme]
        self.cost = self._templates["cost"]
        self.shared_biases = self._templates["shared_biases"]

    def __call__(self, kind, l=0, j=0, k=0) -> tuple[str, str]:
        n, L = self.sizes, len(self.sizes) - 1
        fields = {
            "l": l, "j": j, "k": k,
            "jk": f"{j},{k}" if max(j, k) > 9 else f"{j}{k}",          # w^l_{jk}
            "unit": ("i" if l == 0 else "h" if l < L else "o") + str(j),  # h1, o2
            # w1, w2, ...: counted through the layers, row by row (neuron j, then k).
            "number": sum(n[m] * n[m - 1] for m in range(1, l)) + (j - 1) * n[l - 1] + k,
        }
        name, latex = self._templates[kind]
        return name.format(**fields), latex.format(**fields)
