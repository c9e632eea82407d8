"""Slider explorers: precompute time, page size, and slider latency in Chromium (not a test).

    .venv/bin/python benchmarks/bench_explore.py [--skip-precompute] [--skip-browser]
                                                 [--chapters 04 05] [--moves 5]

Looks at every chapter ``chapters/NN-*.md`` whose code creates a ``bpcore.book.explore.Explorer``
and prints one table per part:

1. Precompute. Each such chapter runs on its own in a fresh Python subprocess (matplotlib's Agg
   backend, one BLAS thread, the cells in order in an IPython shell, with the build's
   ``BPBOOK_PRECOMPUTE=1``, as the book's build runs them); every Explorer it creates is
   recorded with its controls, its number of frames, the time to compute and draw them
   (``Explorer.seconds``), the slowest frame but the first drawn, which also warms matplotlib
   up) and the frames' PNG bytes. Target: each explorer under 30 s. Then the chapter runs again
   as in a student's kernel (without ``BPBOOK_PRECOMPUTE``: quick versions, only the start
   frames drawn), and every other frame is drawn on demand, one after another, as
   ``Explorer.frame`` draws it when a control first reaches it: the slowest of these is what a
   move to a frame not drawn yet waits for (target: under 0.5 s).
2. Page size. The chapter's built page in _build/html: the HTML file (which embeds the widget
   state, so every frame as base64) plus every image under _images that it shows.
   Target: each page under 5 MB. Needs the book built (``make book``); the page is checked
   as built, so rebuild after changing a chapter.
3. Slider latency. The built pages are served on 127.0.0.1 and opened in Debian's Chromium
   (headless, offline; never a downloaded browser). For every control of every explorer, a
   slider's handle gets the keyboard focus and ArrowRight/ArrowLeft is pressed, a dropdown gets
   its next option; in the page, ``performance.now()`` is read in a capture-phase listener of
   that keydown (or input) event, and again at the first animation frame in which the explorer
   shows a different, loaded image. The median over ``--moves`` moves is printed per control
   (no target: for comparison, Chromium's animation frame is measured and printed too).

Part 1 needs no built book, parts 2 and 3 need no chapter execution: ``--skip-precompute``
and ``--skip-browser`` leave parts out. ``--book DIR`` points at another book with the same
layout (chapters/, _build/html), e.g. a throwaway copy to try an explorer on.
"""
import os

from common import argument_parser, ok, one_blas_thread, print_header

# One BLAS thread, set before numpy is imported (here and, inherited, in the chapter
# subprocesses), and every frame drawn in advance, as in the book's build.
one_blas_thread()
os.environ["MPLBACKEND"] = "Agg"
os.environ["BPBOOK_PRECOMPUTE"] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from html.parser import HTMLParser  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PRECOMPUTE_TARGET_S = 30.0
FRAME_TARGET_S = 0.5
PAGE_TARGET_MB = 5.0
EXPLORER_CLASS = "bpcore-explorer"
USES_EXPLORER = re.compile(r"\bexplore\.|\bExplorer\(|\bimport (\w+, )*explore\b"
                           r"|\bbpcore\.book\.explore\b")


# -- which chapters -------------------------------------------------------------------------

def explorer_chapters(book: Path, only=()) -> list:
    """The chapter files of ``book`` whose code cells use bpcore.book.explore, in chapter order.

    ``only``: chapter prefixes such as "04" or "04-activations" (empty: every chapter).
    """
    import jupytext
    found = []
    for path in sorted((book / "chapters").glob("[0-9][0-9]-*.md")):
        if only and not any(path.stem.startswith(p) for p in only):
            continue
        cells = jupytext.read(path).cells
        if any(c.cell_type == "code" and USES_EXPLORER.search(c.source) for c in cells):
            found.append(path)
    return found


# -- part 1: precompute time, one subprocess per chapter ------------------------------------

def run_chapter(path: Path, out: Path, student: bool = False) -> None:
    """Run in the subprocess: execute the chapter's code cells, write its explorers to ``out``.

    ``student``: run it as a student's kernel does (the build's variable removed: quick
    versions, start frames only), then draw every other frame on demand and time each.

    Every ``Explorer`` is recorded as it is created (``Explorer.__init__`` is wrapped), so one
    made inside a function or overwritten by a later cell counts too. Cells tagged
    ``skip-execution`` are skipped and errors of cells tagged ``raises-exception`` are
    allowed, as in the book's build.
    """
    if student:
        os.environ.pop("BPBOOK_PRECOMPUTE", None)
    sys.path.insert(0, str(path.parents[1]))   # the book's own bpcore (also with --book)
    import jupytext
    from IPython.core.interactiveshell import InteractiveShell

    from bpcore.book import explore

    created = []
    original_init = explore.Explorer.__init__

    def recording_init(self, *args, **kwargs):
        t0 = time.perf_counter()
        original_init(self, *args, **kwargs)
        created.append((self, time.perf_counter() - t0))

    explore.Explorer.__init__ = recording_init
    class Shell(InteractiveShell):
        def enable_gui(self, gui=None):
            """No event loop to start: ``%matplotlib inline`` (bpcore.book.figures.install)
            only renders figures, which a plain InteractiveShell refuses otherwise."""

    os.chdir(path.parent)                      # the build runs a chapter in its own folder
    shell = Shell.instance()
    try:
        shell.colors = "nocolor"               # plain tracebacks (IPython 9; 8 says NoColor)
    except Exception:
        shell.colors = "NoColor"
    t0 = time.perf_counter()
    for n, cell in enumerate(jupytext.read(path).cells):
        tags = cell.metadata.get("tags", [])
        if cell.cell_type != "code" or "skip-execution" in tags:
            continue
        result = shell.run_cell(cell.source, store_history=False)
        if not result.success and "raises-exception" not in tags:
            sys.stderr.write(f"{path.name}: cell {n} failed:\n{cell.source}\n")
            sys.exit(1)
    chapter_seconds = time.perf_counter() - t0

    rows = []
    for i, (ex, init_seconds) in enumerate(created, 1):
        on_demand = []
        if student:                            # each frame as a control's first visit draws it
            for key in ex.keys:
                if key not in ex.frames:
                    t = time.perf_counter()
                    ex.frame(*key)
                    on_demand.append(time.perf_counter() - t)
        names = [k for k, v in shell.user_ns.items() if v is ex and not k.startswith("_")]
        rows.append({
            "label": names[0] if names else (ex.title or f"#{i}"),
            "controls": " x ".join(f"{len(c.values)} {c.name}" for c in ex.controls),
            "frames": len(ex.frames),
            "seconds": ex.seconds,
            # The first frame drawn also warms matplotlib up; in a student's kernel that is the
            # start frame, drawn when the cell runs, not while a slider waits.
            "slowest": max(list(ex.frame_seconds.values())[1:] or ex.frame_seconds.values()),
            "init_seconds": init_seconds,
            "nbytes": ex.nbytes,
            "on_demand": max(on_demand, default=0.0),
        })
    out.write_text(json.dumps({"chapter_seconds": chapter_seconds, "explorers": rows}))


def _run(path: Path, student: bool):
    """One subprocess running ``path`` (see :func:`run_chapter`): its result, or what failed."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "explorers.json"
        proc = subprocess.run([sys.executable, __file__, "--run-chapter", str(path),
                               "--out", str(out)] + (["--student"] if student else []),
                              capture_output=True, text=True)
        if proc.returncode != 0 or not out.exists():
            tail = (proc.stdout + proc.stderr).strip().splitlines()[-25:]
            how = "as a student's kernel" if student else "as the build"
            return (f"{path.stem} failed to run {how} (exit {proc.returncode}); its output "
                    "ends:\n" + "\n".join("    " + line for line in tail))
        return json.loads(out.read_text())


def precompute(chapters: list) -> None:
    """Part 1: run each chapter in two subprocesses, as the build (every frame drawn) and as a
    student's kernel (frames on demand), and print one row per explorer."""
    print("1. Precompute: every frame computed and drawn when the chapter runs "
          f"(target: under {PRECOMPUTE_TARGET_S:.0f} s per explorer)\n")
    results, failures = [], []
    for path in chapters:
        runs = [_run(path, student) for student in (False, True)]
        errors = [r for r in runs if isinstance(r, str)]
        if errors:
            failures.extend(errors)
            continue
        build, student = runs
        for ex, live in zip(build["explorers"], student["explorers"]):
            ex["on_demand"] = live["on_demand"]
        results.append((path.stem, build))

    rows = [(name, ex) for name, result in results for ex in result["explorers"]]
    wide = max([len(ex["controls"]) for _, ex in rows] + [len("controls")]) + 2
    print_header(f"{'chapter':<22}{'explorer':<14}{'controls':<{wide}}{'frames':>7}"
                 f"{'seconds':>9}{'ms/frame':>10}{'kB':>8}  target{'slowest ms':>12}"
                 f"{'on demand ms':>14}  <= {FRAME_TARGET_S * 1e3:.0f}")
    for name, ex in rows:
        print(f"{name[:21]:<22}{ex['label'][:13]:<14}{ex['controls']:<{wide}}"
              f"{ex['frames']:>7}{ex['seconds']:>9.1f}"
              f"{1e3 * ex['seconds'] / ex['frames']:>10.0f}{ex['nbytes'] / 1e3:>8.0f}  "
              f"{ok(ex['seconds'] < PRECOMPUTE_TARGET_S):<6}{1e3 * ex['slowest']:>12.0f}"
              f"{1e3 * ex['on_demand']:>14.0f}  {ok(ex['on_demand'] <= FRAME_TARGET_S)}")
        widgets = ex["init_seconds"] - ex["seconds"]
        if widgets > 1.0:
            print(f"{'':<36}(+ {widgets:.1f} s building the widgets)")
    for name, result in results:
        if not result["explorers"]:
            print(f"{name:<22}(no Explorer created)")
    if rows:
        print("\nslowest ms: the slowest frame to compute and draw but the first (which also "
              "warms matplotlib up), all drawn in advance as in the build; on demand ms: the "
              "slowest frame drawn on demand after the chapter ran as in a student's kernel, "
              f"what a move to a frame not drawn yet waits for (target: {FRAME_TARGET_S:g} s)")
    if results:
        print("\nwhole chapter run (every cell): "
              + ", ".join(f"{name} {r['chapter_seconds']:.1f} s" for name, r in results))
    for failure in failures:
        print("\n" + failure)
    print()


# -- part 2: page size ----------------------------------------------------------------------

class _PageParser(HTMLParser):
    """Collects a page's <img src> values and the text of its widget-state/-view scripts."""

    def __init__(self):
        super().__init__()
        self.images, self.state, self.views = [], "", []
        self._script = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img" and attrs.get("src"):
            self.images.append(attrs["src"])
        elif tag == "script":
            self._script = attrs.get("type", "")
            if self._script.endswith("widget-view+json"):
                self.views.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script is None:
            return
        if self._script.endswith("widget-state+json"):
            self.state += data
        elif self._script.endswith("widget-view+json"):
            self.views[-1] += data


def read_page(html: Path) -> dict:
    """Sizes of a built page: the HTML, its widget state, its images; and its explorers."""
    parser = _PageParser()
    parser.feed(html.read_text(encoding="utf-8"))
    site = (html.parents[1] if html.parent.name == "chapters" else html.parent).resolve()
    images = set()
    for src in parser.images:
        if src.startswith(("data:", "http:", "https:", "//")):
            continue
        path = (html.parent / src.split("?")[0].split("#")[0]).resolve()
        if path.is_file() and path.is_relative_to(site / "_images"):
            images.add(path)
    explorer_models = set()
    if parser.state.strip():
        state = json.loads(parser.state)["state"]
        explorer_models = {mid for mid, model in state.items()
                           if EXPLORER_CLASS in model.get("state", {}).get("_dom_classes", [])}
    shown = sum(json.loads(v).get("model_id") in explorer_models for v in parser.views if v)
    return {"html": html.stat().st_size, "state": len(parser.state.encode()),
            "images": len(images), "image_bytes": sum(p.stat().st_size for p in images),
            "explorers": shown}


def built_page(book: Path, chapter: Path) -> Path:
    return book / "_build" / "html" / "chapters" / f"{chapter.stem}.html"


def page_sizes(book: Path, chapters: list) -> None:
    """Part 2: print the size of each built chapter page with explorers."""
    print(f"2. Page size: the HTML (with the frames in its widget state) plus its images "
          f"(target: under {PAGE_TARGET_MB:.0f} MB per page)\n")
    print_header(f"{'page':<28}{'explorers':>10}{'HTML kB':>9}{'widgets kB':>12}{'images':>8}"
                 f"{'images kB':>11}{'MB':>7}  target")
    for chapter in chapters:
        html = built_page(book, chapter)
        if not html.exists():
            print(f"{html.name:<28}not built (is the chapter in _toc.yml? make book)")
            continue
        p = read_page(html)
        mb = (p["html"] + p["image_bytes"]) / 1e6
        stale = "  (built before the chapter's last edit)" if (
            html.stat().st_mtime < chapter.stat().st_mtime) else ""
        print(f"{html.name[:27]:<28}{p['explorers']:>10}{p['html'] / 1e3:>9.0f}"
              f"{p['state'] / 1e3:>12.0f}{p['images']:>8}{p['image_bytes'] / 1e3:>11.0f}"
              f"{mb:>7.2f}  {ok(mb < PAGE_TARGET_MB)}{stale}")
    print()


# -- part 3: slider latency in Chromium -----------------------------------------------------

# Installed in the page. ``arm(i)`` waits for the next keydown or input event (capture phase, so
# before the widget's own handler) and resolves ``pending`` with the milliseconds from that event
# to the first animation frame in which explorer i shows a different, loaded, visible image
# (or null after ``timeoutMs``). ipywidgets' Stack renders only its selected child, so a move
# puts a new <img> element in the page: element identity tells the frames apart.
PAGE_JS = """
(() => {
  const visibleImage = (root) => {
    for (const img of root.querySelectorAll('img')) {
      if (img.offsetParent === null || !img.complete || img.naturalWidth === 0) continue;
      const box = img.getBoundingClientRect();
      if (box.width > 0 && box.height > 0) return img;
    }
    return null;
  };
  window.__benchExplore = {
    visibleImage,
    ready(expected) {
      const roots = [...document.querySelectorAll('.EXPLORER_CLASS')];
      return roots.length >= expected && roots.every(r => visibleImage(r) !== null);
    },
    frameMs(n) {                      // median interval of n animation frames
      return new Promise(resolve => {
        const t = [];
        const tick = (now) => {
          t.push(now);
          if (t.length <= n) { requestAnimationFrame(tick); return; }
          const d = t.slice(1).map((x, i) => x - t[i]).sort((a, b) => a - b);
          resolve(d[Math.floor(d.length / 2)]);
        };
        requestAnimationFrame(tick);
      });
    },
    arm(index, timeoutMs) {
      const root = document.querySelectorAll('.EXPLORER_CLASS')[index];
      const before = visibleImage(root);
      this.pending = new Promise(resolve => {
        let t0 = null;
        const start = () => {
          if (t0 !== null) return;
          t0 = performance.now();
          document.removeEventListener('keydown', start, true);
          document.removeEventListener('input', start, true);
          const poll = () => {
            const now = visibleImage(root);
            if (now !== null && now !== before) resolve(performance.now() - t0);
            else if (performance.now() - t0 > timeoutMs) resolve(null);
            else requestAnimationFrame(poll);
          };
          requestAnimationFrame(poll);
        };
        document.addEventListener('keydown', start, true);
        document.addEventListener('input', start, true);
        setTimeout(() => resolve(null), timeoutMs + 1000);   // no event came at all
      });
    },
  };
})();
""".replace("EXPLORER_CLASS", EXPLORER_CLASS)


def move(page, explorer_index, kind, locator, step, timeout_ms=5000):
    """Move one control by one position; return the ms until the new frame shows (or None).

    ``kind`` and ``locator`` as ``tests.book.browser.explorer_controls`` gives them. A slider
    goes right, and back left on odd steps or from its right end."""
    from tests.book.browser import move_control

    page.evaluate(f"window.__benchExplore.arm({explorer_index}, {timeout_ms})")
    key = "ArrowRight"
    if kind == "slider":
        now = float(locator.get_attribute("aria-valuenow"))
        top = float(locator.get_attribute("aria-valuemax"))
        key = "ArrowLeft" if now >= top or (step % 2 == 1 and now > 0) else "ArrowRight"
    move_control(page, kind, locator, key)
    ms = page.evaluate("window.__benchExplore.pending")
    page.wait_for_timeout(150)                  # let the page settle, as between two moves
    return ms


def open_page(page, url, html, notes) -> None:
    """Open the built page ``html`` and wait until every explorer shows a frame (60 s at most);
    the time that took goes to ``notes``."""
    expected = read_page(html)["explorers"]
    t0 = time.perf_counter()
    page.goto(f"{url}/chapters/{html.name}", wait_until="load")
    page.evaluate(PAGE_JS)
    try:
        page.wait_for_function(f"window.__benchExplore.ready({max(expected, 1)})",
                               timeout=60_000)
    except Exception:
        notes.append(f"{html.name}: the explorers did not all render within 60 s")
    notes.append(f"{html.name}: explorers rendered {time.perf_counter() - t0:.1f} s after "
                 f"navigation started")


def explorer_rows(page, html, index, moves) -> list:
    """One row per control of explorer ``index`` on the open page: its median move time."""
    from tests.book.browser import explorer_controls

    explorer = page.locator(f".{EXPLORER_CLASS}").nth(index)
    explorer.evaluate("e => e.scrollIntoView({block: 'center'})")
    containers = explorer.locator(".widget-slider, .widget-dropdown")
    rows = []
    for j, (kind, locator) in enumerate(explorer_controls(page, index)):
        name = containers.nth(j).locator(".widget-label").first.inner_text().strip()
        values = (int(float(locator.get_attribute("aria-valuemax"))) + 1 if kind == "slider"
                  else locator.locator("option").count())
        if values < 2:
            continue
        times = [move(page, index, kind, locator, step) for step in range(moves)]
        done = [t for t in times if t is not None]
        stuck = len(times) - len(done)
        if done:
            cells = (f"{statistics.median(done):>11.1f}"
                     f"{f'{min(done):.0f}-{max(done):.0f}':>14}")
        else:
            cells = f"{'-':>11}{'-':>14}"
        rows.append(f"{html.name[:27]:<28}{index + 1:>9}  {name[:21]:<22}{kind:<10}"
                    f"{values:>7}{cells}"
                    + (f"  ({stuck} moves showed no new frame in 5 s)" if stuck else ""))
    return rows


def slider_latency(book: Path, chapters: list, moves: int) -> None:
    """Part 3: open each built page in Chromium and time every control of every explorer."""
    sys.path.insert(0, str(ROOT))
    from tests.book.browser import browser_page, serve

    print(f"3. Slider latency in Chromium: from the key press (slider) or option chosen "
          f"(dropdown) to the first animation frame showing the new figure; median of "
          f"{moves} moves\n")
    pages = [(c, built_page(book, c)) for c in chapters]
    missing = [html.name for _, html in pages if not html.exists()]
    if missing:
        print(f"not built, skipped: {', '.join(missing)}")
    rows, notes = [], []
    frame_ms = None
    with serve(book / "_build" / "html") as url, browser_page() as (page, external, errors):
        for chapter, html in pages:
            if not html.exists():
                continue
            open_page(page, url, html, notes)
            if frame_ms is None:
                frame_ms = page.evaluate("window.__benchExplore.frameMs(30)")
            for i in range(page.locator(f".{EXPLORER_CLASS}").count()):
                rows += explorer_rows(page, html, i, moves)
        if external:
            notes.append(f"requests to outside blocked: {sorted(set(external))[:3]}")
    print_header(f"{'page':<28}{'explorer':>9}  {'control':<22}{'kind':<10}{'values':>7}"
                 f"{'median ms':>11}{'min-max ms':>14}")
    print("\n".join(rows) if rows else "(no explorer found in the pages)")
    if frame_ms:
        print(f"\nChromium's animation frame here: {frame_ms:.1f} ms (headless)")
    for note in notes:
        print(note)
    print()


# -- the command ----------------------------------------------------------------------------

def main():
    parser = argument_parser(__doc__, switches={
        "--skip-precompute": "leave out part 1 (running the chapters)",
        "--skip-browser": "leave out part 3 (slider latency in Chromium)"})
    parser.add_argument("--moves", type=int, default=5, help="moves per control (median)")
    parser.add_argument("--chapters", nargs="*", default=[],
                        help="only these chapters, by prefix (e.g. 04 05-learning-rate)")
    parser.add_argument("--book", type=Path, default=ROOT,
                        help="the book's folder (default: this repository)")
    parser.add_argument("--run-chapter", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--student", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_chapter:
        run_chapter(args.run_chapter.resolve(), args.out, args.student)
        return

    started = time.perf_counter()
    book = args.book.resolve()
    chapters = explorer_chapters(book, args.chapters)
    if not chapters:
        print(f"No chapter in {book / 'chapters'} creates an explorer (bpcore.book.explore): "
              "nothing to measure.")
        return
    print(f"Chapters with explorers: {', '.join(c.stem for c in chapters)}\n")
    if not args.skip_precompute:
        precompute(chapters)
    if not (book / "_build" / "html" / "index.html").exists():
        print(f"No built book in {book / '_build' / 'html'}: build the book first: make book "
              "(page size and slider latency skipped)")
    else:
        page_sizes(book, chapters)
        if not args.skip_browser:
            slider_latency(book, chapters, args.moves)
    print(f"(benchmark took {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
