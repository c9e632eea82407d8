"""How long the book takes to build: from a clean cache, and again with a warm one (not a test).

    .venv/bin/python benchmarks/bench_build.py [--book DIR] [--keep]

The book (by default the repository this script is in) is copied into a temporary directory as a
clean checkout of the working tree would have it: the files git tracks and the new files it does
not ignore (``git ls-files --cached --others --exclude-standard``), as they are in the working
tree (uncommitted edits included), plus the ``_vendor`` folder of browser assets that
``make book`` installs (copied; build it first with ``make book`` if it is missing). There is no
``_build`` in the copy, so nothing is cached.

Then ``jupyter-book build . --builder html`` runs twice in the copy, as ``make book`` runs it,
each timed with ``time.perf_counter``:

1. clean: every chapter is executed and stored in the execution cache (jupyter-cache);
2. warm: nothing changed, so every chapter's outputs come from the cache.

The builds run as ``make book`` runs them, with ``BPBOOK_PRECOMPUTE=1`` (every slider frame
drawn in advance), and with one BLAS thread (OPENBLAS_NUM_THREADS=1 and friends), the venv's bin
first on PATH, and with the copy first on PYTHONPATH, so that the chapters import the copy's
bpcore and not the editable install's. Progress lines are printed as the build runs; the whole
log is in the copy (``build-1.log``, ``build-2.log``), kept with ``--keep``. At the end the
execution time of each chapter is read from the copy's jupyter-cache records.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import argument_parser, one_blas_thread

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
#: Lines of jupyter-book's output worth showing while it runs (after the colours are removed).
PROGRESS = re.compile(r"reading sources|executed notebook in|using cached notebook|writing output|"
                      r"build succeeded|build finished|error|traceback", re.IGNORECASE)
#: Lines that match PROGRESS but say nothing about progress.
NOISE = re.compile(r"ParserConfig\(|Kernel is running over TCP")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def copy_book(book: Path, dest: Path) -> int:
    """Copy the files git tracks in ``book`` and the new ones it does not ignore (working-tree
    contents), and its ``_vendor`` folder, to ``dest``. Returns the number of files copied."""
    names = subprocess.run(["git", "-C", str(book), "ls-files", "-z", "--cached", "--others",
                            "--exclude-standard"], check=True,
                           capture_output=True).stdout.decode().split("\0")
    copied = 0
    for name in filter(None, names):
        src = book / name
        if not src.is_file():          # deleted in the working tree, or a submodule
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
        copied += 1
    vendor = book / "_vendor"
    if not vendor.is_dir():
        sys.exit(f"error: {vendor} is missing: the book serves its browser assets from it. "
                 f"Run `make book` once first.")
    shutil.copytree(vendor, dest / "_vendor", symlinks=True)
    return copied


def build_env(copy: Path) -> dict:
    """The build's environment: every slider frame drawn (as the Makefile sets it), one BLAS
    thread, the venv first on PATH, the copy's bpcore."""
    env = one_blas_thread(dict(os.environ))
    env["BPBOOK_PRECOMPUTE"] = "1"
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(copy), env.get("PYTHONPATH")]))
    return env


def timed_build(copy: Path, env: dict, label: str, log: Path) -> float:
    """Run ``jupyter-book build . --builder html`` in ``copy``, print its progress lines with
    the elapsed time, and return the wall-clock seconds it took. Stops on a failed build."""
    cmd = [str(VENV_BIN / "jupyter-book"), "build", ".", "--builder", "html"]
    print(f"\n== {label} build: {' '.join(cmd)}  (log: {log})", flush=True)
    start = time.perf_counter()
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=copy, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, bufsize=1)
        for line in proc.stdout:
            out.write(line)
            line = ANSI.sub("", line).rstrip().replace(str(copy) + os.sep, "")
            if PROGRESS.search(line) and not NOISE.search(line):
                print(f"  [{time.perf_counter() - start:6.1f} s] {line[:130]}", flush=True)
        code = proc.wait()
    seconds = time.perf_counter() - start
    if code != 0:
        tail = log.read_text().splitlines()[-30:]
        print("\n".join(tail))
        sys.exit(f"error: the {label} build failed (exit code {code}); log: {log}")
    print(f"  {label} build: {seconds:.1f} s", flush=True)
    return seconds


def cache_records(copy: Path):
    """[(chapter, pk, execution seconds)] from the copy's jupyter-cache, or None with the reason
    when they cannot be read."""
    try:
        from jupyter_cache import get_cache
    except ImportError as exc:
        return None, f"jupyter_cache not importable ({exc})"
    path = copy / "_build" / ".jupyter_cache"
    if not path.is_dir():
        return None, f"no execution cache at {path}"
    rows = []
    for record in get_cache(str(path)).list_cache_records():
        uri = Path(record.uri)
        name = str(uri.relative_to(copy)) if uri.is_relative_to(copy) else str(uri)
        rows.append((name, record.pk, (record.data or {}).get("execution_seconds")))
    return sorted(rows), None


def main():
    parser = argument_parser(__doc__)
    parser.add_argument("--book", type=Path, default=REPO,
                        help=f"the book's repository (default: {REPO})")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary copy (and its build logs) afterwards")
    args = parser.parse_args()
    book = args.book.resolve()

    tmp = Path(tempfile.mkdtemp(prefix="bench_build_"))
    copy = tmp / "book"
    try:
        n = copy_book(book, copy)
        env = build_env(copy)
        where = subprocess.run([str(VENV_BIN / "python"), "-c",
                                "import bpcore; print(bpcore.__file__)"],
                               cwd=copy / "chapters", env=env, capture_output=True,
                               text=True).stdout.strip()
        print(f"copied {n} tracked files and _vendor from {book} to {copy}")
        print(f"the chapters import bpcore from {where}")
        print("OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=MKL_NUM_THREADS=1; this takes several "
              "minutes", flush=True)

        clean = timed_build(copy, env, "clean-cache", tmp / "build-1.log")
        before, note = cache_records(copy)
        warm = timed_build(copy, env, "warm-cache", tmp / "build-2.log")
        after, _ = cache_records(copy)

        print(f"\n{'build':<40}{'seconds':>10}")
        print("-" * 50)
        print(f"{'clean cache (no _build)':<40}{clean:>10.1f}")
        print(f"{'warm cache (nothing changed)':<40}{warm:>10.1f}")
        if before is None:
            print(f"\nper-chapter execution times not available: {note}")
            return
        print(f"\n{'chapter (clean build)':<40}{'executed in':>12}")
        print("-" * 52)
        total = 0.0
        for name, _, seconds in before:
            total += seconds or 0.0
            shown = f"{seconds:.1f} s" if seconds is not None else "?"
            print(f"{name:<40}{shown:>12}")
        print("-" * 52)
        print(f"{'all chapters':<40}{f'{total:.1f} s':>12}")
        print(f"{'the rest (start-up, Sphinx, HTML)':<40}{f'{clean - total:.1f} s':>12}")
        # A chapter executed again gets a new cache record.
        before_pk = {name: pk for name, pk, _ in before}
        rerun = [name for name, pk, _ in after if before_pk.get(name) != pk]
        print(f"\nwarm build re-executed: {', '.join(rerun) if rerun else 'nothing'}")
    finally:
        if args.keep:
            print(f"\nkept the copy and its build logs: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
