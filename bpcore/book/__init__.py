"""The book's apparatus: what the chapters, exercises, tests and benchmarks use to *show* what
the engine computes. The engine (``bpcore`` itself) never imports anything from here.

- ``plots``:   the figures (network drawings, decision regions, cost curves, error surfaces).
- ``figures``: how a figure is shown: an <img> with alt text said from what is drawn.
- ``graph``:   a computation graph of ``bpcore.autograd.Value`` nodes, drawn from the graph.
- ``explore``: slider explorers, every frame rendered in advance so they work without a kernel.
- ``surface``: the cost over two weights, and gradient descent walking on it.
- ``speed``:   one gradient timed three ways (backpropagation, finite differences, sympy).
- ``tables``:  Markdown tables of computed values.
- ``replay``:  the worked example updated in the order of the article's printed figures.
- ``source``:  the engine's own code, shown in a chapter (chapter 3's BP1-BP4).

Import the modules themselves (``from bpcore.book import plots, tables``): this package imports
nothing on its own, so that none of matplotlib, ipywidgets or sympy is loaded before it is used.
"""
