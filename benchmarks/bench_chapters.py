"""Each chapter run top to bottom in a fresh kernel, as a student's Run All (not a test).

    .venv/bin/python benchmarks/bench_chapters.py [--rounds 3] [--chapters 04 06] [--cells 2]

A student opens a chapter in JupyterLab and runs every cell. This script does the same with
nbclient, in this process: each chapter ``chapters/NN-*.md`` is read with jupytext, run in a
fresh ``python3`` kernel (the venv's, started by nbclient) in the chapter's folder, and timed
from before the kernel starts to the end of its last cell (the kernel's shutdown is not
counted). A fixed reference notebook runs the same way in every round: kernel start, the
imports every chapter makes (numpy, matplotlib, bpcore, ipywidgets) and one figure. The kernels
import the book's own bpcore (its folder first on PYTHONPATH), so that ``--book DIR`` measures
another copy of the book, e.g. a checkout of an older commit.

The kernels run as a student's do, without the book build's environment: the variable that makes
the slider explorers compute every frame (``BPBOOK_PRECOMPUTE``, set by ``make book`` and
``make test`` for the build only; see bpcore.book.explore) is removed from the environment the
kernels inherit. Each chapter's row says how many explorer frames its run computed, read from
the widget state nbclient stores: the initial ones, not every one. One BLAS thread, as in the
other benchmarks (the networks are small; timings should not depend on the cores). The book's
bpcore is byte-compiled first (``compileall``), as pip does when a student installs the wheel:
where ``PYTHONDONTWRITEBYTECODE`` is set (this machine's sessions set it), an editable checkout
would otherwise compile bpcore.book, the exercises and bpcore.symbolic again in every kernel.

The rounds are interleaved (the reference, then every chapter, then again), so that a slow
moment of a shared machine hits them alike. Printed per chapter: the median seconds, the
median of each round's ratio to that round's reference run (target: at most 3x), and the
chapter's execution time in the book's last build, read from the build's execution cache
(``_build/.jupyter_cache``: the record jupyter-book stored for the chapter's code as it is now;
"-" when the chapter changed since, or nothing is built; ``make book`` first). ``--cells N``
also prints each chapter's N slowest cells. Ratios only: timing is never a test.
"""
import os

from common import argument_parser, ok, one_blas_thread, print_header

one_blas_thread()
# A student's kernel never sees the build's variable: remove it before any kernel starts.
PRECOMPUTE_VARIABLE = "BPBOOK_PRECOMPUTE"
os.environ.pop(PRECOMPUTE_VARIABLE, None)

import compileall  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 3.0
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"

#: The reference: what every chapter does before its own work, and one figure.
REFERENCE_CELLS = [
    "import numpy as np\nimport matplotlib.pyplot as plt\nimport ipywidgets\n\nimport bpcore",
    "z = np.linspace(-6, 6, 200)\n"
    "fig, ax = plt.subplots(figsize=(6.8, 3.4))\n"
    "ax.plot(z, 1 / (1 + np.exp(-z)))\n"
    "ax.set(xlabel='z', ylabel='sigmoid(z)')\n"
    "plt.show()",
]


def reference_notebook():
    import nbformat
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in REFERENCE_CELLS]
    return nb


def chapter_notebook(path: Path):
    import jupytext
    return jupytext.read(path)


def run(nb, cwd: Path) -> dict:
    """Run ``nb`` in a fresh kernel in ``cwd``. Returns the seconds from before the kernel
    started to the end of the last cell, each code cell's seconds, and the executed notebook."""
    import nbclient
    ends, starts = {}, {}
    client = nbclient.NotebookClient(
        nb, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(cwd)}},
        on_cell_execute=lambda cell, cell_index: starts.__setitem__(cell_index,
                                                                    time.perf_counter()),
        on_cell_executed=lambda cell, cell_index, execute_reply: ends.__setitem__(
            cell_index, time.perf_counter()))
    t0 = time.perf_counter()
    # The kernel's own stderr (a warning that it listens on TCP) is not shown; an error in a
    # cell is, from the notebook's outputs.
    client.execute(stderr=subprocess.DEVNULL)
    errors = [o for c in nb.cells for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    cells = {i: ends[i] - starts[i] for i in ends if i in starts}
    return {"seconds": max(ends.values()) - t0 if ends else time.perf_counter() - t0,
            "cells": cells, "nb": nb, "errors": errors}


def explorer_frames(nb) -> tuple:
    """(frames drawn, frame slots) of the explorers in the executed notebook's widget state:
    an explorer's frame is an HTML widget under its Stacks, holding a figure once drawn."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    drawn = slots = 0
    for model in state.values():
        value = model.get("state", {}).get("value")
        if model.get("model_name") != "HTMLModel" or not isinstance(value, str):
            continue
        if "bpcore-frame-pending" in value:
            slots += 1
        elif 'class="bpcore-figure"' in value and "Frame for " in value:
            slots += 1
            drawn += 1
    return drawn, slots


def build_seconds(book: Path, chapters: list) -> tuple:
    """{chapter path: seconds its execution took in the last build}, for the chapters whose
    code is as the cached record was executed, and a note (None, or why there is nothing)."""
    path = book / "_build" / ".jupyter_cache"
    if not path.is_dir():
        return {}, f"no execution cache at {path} (make book first)"
    try:
        from jupyter_cache import get_cache
    except ImportError as exc:
        return {}, f"jupyter_cache not importable ({exc})"
    cache = get_cache(str(path))
    found = {}
    for chapter in chapters:
        try:
            record = cache.match_cache_notebook(chapter_notebook(chapter))
        except KeyError:
            continue
        seconds = (record.data or {}).get("execution_seconds")
        if seconds is not None:
            found[chapter] = seconds
    return found, None


def main():
    parser = argument_parser(__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument("--chapters", nargs="*", default=[],
                        help="only these chapters, by prefix (e.g. 04 06-hidden-width)")
    parser.add_argument("--cells", type=int, default=0,
                        help="also print each chapter's N slowest cells")
    parser.add_argument("--book", type=Path, default=ROOT,
                        help="the book's folder (default: this repository)")
    args = parser.parse_args()
    book = args.book.resolve()
    chapters = [p for p in sorted((book / "chapters").glob("[0-9][0-9]-*.md"))
                if not args.chapters or any(p.stem.startswith(c) for c in args.chapters)]
    if not chapters:
        sys.exit(f"no chapter in {book / 'chapters'} matches {args.chapters}")
    # The kernels (which inherit this environment) import the book's own bpcore, also with --book.
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(book),
                                                             os.environ.get("PYTHONPATH")]))
    # As installed from the wheel: every module of bpcore compiled once, not in each kernel.
    compileall.compile_dir(str(book / "bpcore"), quiet=1)
    started = time.perf_counter()
    print(f"{len(chapters)} chapters and the reference notebook, each in a fresh kernel "
          f"(nbclient), {args.rounds} interleaved rounds; {PRECOMPUTE_VARIABLE} unset, "
          f"one BLAS thread\n", flush=True)

    reference_times, times = [], {c: [] for c in chapters}
    ratios = {c: [] for c in chapters}
    last = {}
    for r in range(args.rounds):
        ref = run(reference_notebook(), book)["seconds"]
        reference_times.append(ref)
        line = [f"round {r + 1}: reference {ref:.1f} s"]
        for chapter in chapters:
            result = run(chapter_notebook(chapter), chapter.parent)
            if result["errors"]:
                e = result["errors"][0]
                sys.exit(f"{chapter.name}: error output {e.get('ename')}: {e.get('evalue')}")
            times[chapter].append(result["seconds"])
            ratios[chapter].append(result["seconds"] / ref)
            last[chapter] = result
            line.append(f"{chapter.stem[:2]} {result['seconds']:.1f}")
        print(", ".join(line), flush=True)

    built, note = build_seconds(book, chapters)
    ref = statistics.median(reference_times)
    print()
    print_header(f"{'notebook':<30}{'fresh kernel s':>15}{'x reference':>13}  "
                 f"{f'<= {TARGET_RATIO:g}x':<8}{'frames drawn':>14}{'build s':>10}")
    print(f"{'reference (imports, 1 figure)':<30}{ref:>15.1f}{1.0:>13.2f}")
    met = 0
    for chapter in chapters:
        ratio = statistics.median(ratios[chapter])
        met += ratio <= TARGET_RATIO
        drawn, slots = explorer_frames(last[chapter]["nb"])
        frames = f"{drawn} of {slots}" if slots else "-"
        build = f"{built[chapter]:.1f}" if chapter in built else "-"
        print(f"{chapter.stem[:29]:<30}{statistics.median(times[chapter]):>15.1f}"
              f"{ratio:>13.2f}  {ok(ratio <= TARGET_RATIO):<8}{frames:>14}{build:>10}")
    print(f"\nat most {TARGET_RATIO:g}x the reference: {met} of {len(chapters)} chapters"
          f"{' (all met)' if met == len(chapters) else ''}")
    print("x reference: the median of each round's ratio; build s: the chapter's execution in "
          "the last build (every explorer frame computed), from the execution cache")
    if note:
        print(f"build times: {note}")
    elif len(built) < len(chapters):
        print("build s '-': no cached execution of the chapter as it is now (make book)")
    if args.cells:
        print()
        for chapter in chapters:
            nb, cells = last[chapter]["nb"], last[chapter]["cells"]
            slow = sorted(cells.items(), key=lambda kv: -kv[1])[:args.cells]
            for i, seconds in slow:
                first = next((s for s in nb.cells[i].source.splitlines()
                              if s.strip() and not s.startswith("#")), "")
                first = re.sub(r"\s+", " ", first)[:60]
                print(f"{chapter.stem[:24]:<25}cell {i:>3} {seconds:>6.2f} s  {first}")
    print(f"\n(benchmark took {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
