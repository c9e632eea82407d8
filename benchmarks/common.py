"""What the benchmarks share. They run as scripts (``python benchmarks/bench_x.py``), so this
folder is first on ``sys.path`` and they import this module as ``common``.

Import it before numpy: :func:`one_blas_thread` must run before numpy loads its BLAS.
"""
import argparse
import os

#: The variables that set how many threads the BLAS libraries numpy (and torch) may load use.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread(env=None) -> dict:
    """Set one BLAS thread in ``env`` (by default this process's environment, which the
    subprocesses it starts inherit) and return it. The book is built on a small machine and the
    networks are small: timings should not depend on the number of cores."""
    env = os.environ if env is None else env
    for var in BLAS_THREAD_VARIABLES:
        env[var] = "1"
    return env


def argument_parser(doc: str, switches=None) -> argparse.ArgumentParser:
    """The command line parser of a benchmark, described by the first line of its docstring,
    with the on/off options in ``switches`` ({"--option": help}: False unless given)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    for option, help in (switches or {}).items():
        parser.add_argument(option, action="store_true", help=help)
    return parser


def print_header(header: str) -> None:
    """A table's header line, underlined with dashes as long as it."""
    print(header)
    print("-" * len(header))


def ok(good: bool) -> str:
    """A target's verdict: "ok", or "MISSED"."""
    return "ok" if good else "MISSED"
