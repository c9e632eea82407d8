"""Is this kernel running the book's build, or a reader's notebook?

``make book`` and ``make test`` set ``BPBOOK_PRECOMPUTE=1`` (:data:`VARIABLE`) on the
``jupyter-book build`` command only; jupyter-book starts each chapter's kernel as a subprocess,
which inherits it. A reader's kernel (JupyterLab, ``make lab``, a downloaded notebook) never
has it. Two things differ between the two:

- slider explorers draw every frame in advance for the static page, and in a reader's kernel
  only when a control first reaches it (:mod:`bpcore.book.explore`);
- an experiment too long for a reader's Run All (chapter 3's timings, chapter 7's batch
  sizes) runs in full in the build, and in a quick version in a reader's kernel. The chapter's
  cell says what the quick version leaves out and has a ``full = ...`` line to change.

>>> is_book_build({"BPBOOK_PRECOMPUTE": "1"}), is_book_build({})
(True, False)
>>> is_book_build({"BPBOOK_PRECOMPUTE": "0"}), is_book_build({"BPBOOK_PRECOMPUTE": "no"})
(False, False)
"""
from __future__ import annotations

import os

#: The book build's variable: set (to anything but "", "0", "false", "no", "off") in the
#: build's kernels only.
VARIABLE = "BPBOOK_PRECOMPUTE"


def is_book_build(environ=None) -> bool:
    """True when ``environ`` (default ``os.environ``) is the book's build: :data:`VARIABLE` is
    set to anything but "", "0", "false", "no" or "off" (any case)."""
    value = (os.environ if environ is None else environ).get(VARIABLE, "")
    return value.strip().lower() not in ("", "0", "false", "no", "off")
