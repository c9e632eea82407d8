"""Finding each student's notebook in nbgrader's layout ``<student>/<assignment>/<notebook>``.

Folder names are the students' ids as nbgrader and zip files make them: spaces, letters of any
alphabet, apostrophes, a backslash (``DOMAIN\\user``) are all fine file names, and all are
graded. Only what cannot be a student is left out: hidden folders, ``__MACOSX`` and
``.ipynb_checkpoints``, links (someone else's folder), and names that are not UTF-8 text, hold
control characters or are too long for a feedback file's name (skipped with a warning that
names them). A notebook saved under another
name (``forward-Copy1.ipynb``, ``Forward.ipynb``, ``forward (1).ipynb``, nbgrader's
``forward-1.ipynb`` for a resubmission, or the only notebook in the folder) is graded, with a
note saying which file was used.
"""
from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from . import GradingError

#: Folders in a submissions folder that are never a student's.
IGNORED = {"__MACOSX", ".ipynb_checkpoints"}
#: The longest file name (bytes) of the file systems the feedback is written to.
MAX_NAME = 255


@dataclass
class Submission:
    """One student's folder: the id, the notebook to grade (None: none found) and a note."""

    student: str
    folder: Path
    notebook: Path | None
    note: str = ""


def text_name(name: str) -> str | None:
    """A file name as the text it spells, or None when it cannot be a student id.

    Takes a name as ``os.listdir`` gives it (under a non-UTF-8 locale, non-ASCII bytes arrive
    as surrogate escapes); returns it decoded as UTF-8, whatever the locale. Returns None for a
    name that is not UTF-8 or holds control characters. Raises nothing."""
    try:
        text = os.fsencode(name).decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text.strip() or any(unicodedata.category(c) in ("Cc", "Cs") for c in text):
        return None
    return text


def file_name(text: str) -> str:
    """The inverse of :func:`text_name`: the str that ``open`` turns into ``text``'s UTF-8 bytes
    under any locale. Takes and returns a str. Raises nothing for text from text_name."""
    return os.fsdecode(text.encode("utf-8"))


def _variants(stem: str) -> re.Pattern:
    """Names a saved or resubmitted copy of ``<stem>.ipynb`` takes, compared case-blind."""
    return re.compile(rf"^{re.escape(stem.casefold())}(-copy\d*|-\d+| \(\d+\)| copy)?\.ipynb$")


def locate_notebook(folder: Path, assignment_id: str, notebook: str) -> tuple:
    """The notebook to grade in a student's folder, and a note when it is not the expected one.

    Takes the student's folder, the assignment id and the expected file name. Looks in
    ``folder/<assignment>`` (its name compared case-blind when not found exactly) for the
    expected name, then a copy of it (another case, ``-Copy1``, ``-1``, `` (1)``; the most
    recently changed when there are several), then the only notebook there. Returns (path or
    None, note). Raises nothing for a missing folder."""
    place = folder / assignment_id
    if not place.is_dir():
        same = [p for p in _listing(folder) if p.is_dir() and not p.is_symlink()
                and p.name.casefold() == assignment_id.casefold()]
        if not same:
            return None, f"no {assignment_id}/ folder was submitted"
        place = same[0]
    expected = place / notebook
    if expected.exists() or expected.is_symlink():
        return expected, ""
    books = [p for p in _listing(place) if p.name.endswith(".ipynb")
             and not p.name.startswith(".")]
    pattern = _variants(Path(notebook).stem)
    copies = [p for p in books if pattern.match(p.name.casefold())]
    if copies:
        chosen = max(copies, key=lambda p: (_mtime(p), p.name))
    elif len(books) == 1:
        chosen = books[0]
    else:
        found = ", ".join(sorted(p.name for p in books))
        return None, (f"no {notebook} was submitted" +
                      (f" (found {found}: which one is yours? ask your instructor)"
                       if found else ""))
    others = sorted(p.name for p in books if p != chosen)
    also = f"; also there: {', '.join(others)}" if others else ""
    return chosen, f"graded {chosen.name}: no {notebook} was found{also}"


def _listing(folder: Path) -> list:
    try:
        return sorted(folder.iterdir())
    except OSError:
        return []


def _mtime(path: Path) -> float:
    try:
        return path.lstat().st_mtime
    except OSError:
        return 0.0


def find_submissions(submissions: Path, assignment_id: str, notebook: str,
                     warn=lambda text: None) -> list:
    """Every student's folder in ``submissions``, sorted by student id.

    Takes the submissions folder, the assignment id, the expected notebook file name and a
    function called with one warning per folder that is skipped. Returns Submission objects,
    whether or not a notebook was found (``notebook`` None then, the note says why). Raises
    GradingError when ``submissions`` is not a folder, or is one student's folder."""
    if not submissions.is_dir():
        raise GradingError(f"submissions: {submissions} is not a folder; expected one folder "
                           f"per student: <student>/{assignment_id}/{notebook}")
    if (submissions / assignment_id / notebook).is_file():
        raise GradingError(f"submissions: {submissions} holds {assignment_id}/{notebook} "
                           f"itself, as one student's folder does; give the folder that holds "
                           f"one folder per student: <student>/{assignment_id}/{notebook}")
    found = []
    for folder in _listing(submissions):
        if folder.name in IGNORED or folder.name.startswith("."):
            continue
        if folder.is_symlink() or not folder.is_dir():
            if folder.is_symlink():
                warn(f"skipped {folder.name!r}: a link, not a student's folder")
            continue
        student = text_name(folder.name)
        if student is None:
            warn(f"skipped the folder {os.fsencode(folder.name)!r}: its name is not UTF-8 text "
                 f"or holds control characters; rename it to grade it")
            continue
        if len(f"{student}.html".encode("utf-8")) > MAX_NAME:
            warn(f"skipped the folder {student[:40]!r}...: its name is too long to name a "
                 f"feedback file ({MAX_NAME} bytes at most); rename it to grade it")
            continue
        path, note = locate_notebook(folder, assignment_id, notebook)
        found.append(Submission(student, folder, path, note))
    return sorted(found, key=lambda s: s.student)
