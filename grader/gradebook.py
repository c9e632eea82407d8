"""The grader's scores in the course's nbgrader gradebook, nbgrader's lateness, and feedback that
``nbgrader release_feedback`` can hand back.

The course folder is nbgrader's (``<course>/source/<assignment>/<notebook>.ipynb``, with
``nbgrader_config.py`` or ``gradebook.db``). Its settings (``CourseDirectory.db_url``,
``course_id``, ``root``, the late-penalty plugin) are read from that folder's
``nbgrader_config.py`` only, not from Jupyter's other config folders. Everything here goes
through nbgrader's own API (``nbgrader.api.Gradebook``, ``nbgrader.utils.parse_utc``,
``CourseDirectory``), never SQL, so that ``nbgrader export`` and the formgrader see what an
``nbgrader autograde`` would have put there. nbgrader is imported inside the functions: without
it the grader still grades (grades.csv only), and these functions raise GradebookError or give
a note.

How the grader's data maps onto nbgrader's: the assignment is nbgrader's assignment name (the
source folder's name), the notebook is the notebook file's stem, and each question is the grade
cell of the same ``grade_id``; its ``auto_score`` is the grader's points. A re-grade updates the
same rows.
"""
from __future__ import annotations

import os
import re
import shutil
import stat
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

#: Largest timestamp.txt / submission_secret.txt read, in bytes (nbgrader writes ~30 / 128).
MAX_SMALL_FILE = 4096


class GradebookError(Exception):
    """The course's gradebook cannot take the grades (no nbgrader, no such assignment, ...)."""


@dataclass
class Lateness:
    """When a submission was made, and how late it was by nbgrader's due date."""

    timestamp: datetime | None        # UTC, naive, as nbgrader stores it; None: no timestamp
    seconds_late: float | None        # 0 when on time; None when no timestamp or no due date
    note: str = ""                    # why a timestamp was not used, for the instructor


def _nbgrader():
    """nbgrader's api module; GradebookError when nbgrader is not installed."""
    try:
        from nbgrader import api
    except ImportError as e:
        raise GradebookError(f"nbgrader is not installed ({e}); grades.csv is written, the "
                             f"gradebook is not: pip install nbgrader") from e
    return api


def find_course(source) -> Path | None:
    """The nbgrader course folder that a source assignment belongs to.

    Takes the source assignment, a folder ``<course>/source/<assignment>`` or its notebook.
    Returns ``<course>`` (resolved) when the path has that shape and ``<course>`` holds
    ``nbgrader_config.py`` or ``gradebook.db``; None otherwise. Raises nothing."""
    path = Path(source).resolve()
    folder = path.parent if path.suffix == ".ipynb" else path
    course = folder.parent.parent
    if folder.parent.name != "source":
        return None
    if (course / "nbgrader_config.py").is_file() or (course / "gradebook.db").is_file():
        return course
    return None


def _config(course: Path | None):
    """The traitlets Config of ``<course>/nbgrader_config.py`` (empty when there is none)."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader
    if course is None or not (Path(course) / "nbgrader_config.py").is_file():
        return Config()
    return PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()


def _course_directory(course: Path | None):
    """nbgrader's CourseDirectory for ``course``, as nbgrader run in that folder sees it."""
    _nbgrader()
    from nbgrader.coursedir import CourseDirectory
    cfg = _config(course)
    root = cfg.CourseDirectory.get("root") if "root" in cfg.CourseDirectory else ""
    base = Path(course) if course is not None else Path.cwd()
    cd = CourseDirectory(config=cfg)
    cd.root = str((base / root).resolve() if root else base.resolve())
    return cd


def course_settings(course: Path | None, db_url: str | None = None) -> tuple:
    """The gradebook's database URL and the course id that nbgrader uses for ``course``.

    Takes the course folder (None: none, nbgrader's defaults) and a URL that overrides the
    configured one (a ``--gradebook`` option). Returns (db_url, course_id): by default
    ``sqlite:///<course>/gradebook.db``, or ``CourseDirectory.db_url`` and
    ``CourseDirectory.course_id`` from the course's nbgrader_config.py. Raises GradebookError
    when nbgrader is not installed, and whatever the config file raises when it does not run."""
    cd = _course_directory(course)
    return db_url or cd.db_url, cd.course_id or "default_course"


def _read_small(path: Path) -> str | None:
    """The text of a regular file of at most MAX_SMALL_FILE bytes, not a link; else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        data = os.read(fd, MAX_SMALL_FILE + 1)
    finally:
        os.close(fd)
    return data.decode("utf-8", "replace") if len(data) <= MAX_SMALL_FILE else None


#: A time as nbgrader's timestamp.txt holds it: date, time, and a time zone: a numeric offset,
#: or a name (UTC, CET, Europe/Berlin) of letters, digits, _ + - and inner slashes only, which
#: dateutil can only look up under its zoneinfo folders (no absolute path, no "..").
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?"
                        r"( ?([+-]\d{2}:?\d{2}|[A-Za-z][\w+-]*(/[A-Za-z][\w+-]*)*))?$",
                        re.ASCII)


def read_timestamp(folder) -> tuple:
    """A submission's time, from nbgrader's ``timestamp.txt`` in its folder.

    Takes the student's submitted assignment folder (``submitted/<student>/<assignment>``).
    Returns (timestamp, note): the time as nbgrader parses it (``nbgrader.utils.parse_utc``: a
    naive datetime in UTC), or None with a note saying why (no such file: note ""; empty,
    malformed, not a regular file, too large, or nbgrader missing: a sentence). Raises
    nothing."""
    path = Path(folder) / "timestamp.txt"
    if not path.exists() and not path.is_symlink():
        return None, ""
    text = _read_small(path)
    if text is None:
        return None, f"{path}: not a small regular file; its time is not used"
    if not text.strip():
        return None, f"{path} is empty; its time is not used"
    if not _TIMESTAMP.match(text.strip()):
        # Checked before nbgrader sees it: its parser takes a time zone's name, which dateutil
        # would look up as a file (a path of the student's choosing, read as root).
        return None, (f"{path}: not a time as nbgrader writes it, e.g. 2026-12-01 "
                      f"17:00:00.000000 UTC ({text.strip()[:60]!r}); its time is not used")
    try:
        from nbgrader.utils import parse_utc
    except ImportError:
        return None, f"nbgrader is not installed; {path} is not read"
    try:
        return parse_utc(text.strip()), ""
    except Exception as e:               # whatever the parser raises: the student's file
        return None, f"{path}: not a time nbgrader reads ({text.strip()[:60]!r}: {e})"


def seconds_late(timestamp, duedate, extension=None) -> float | None:
    """How late ``timestamp`` is for ``duedate`` plus ``extension``, as nbgrader counts it.

    Takes naive UTC datetimes (or None) and a timedelta (or None). Returns the seconds past
    the due date, 0.0 when on time, None when either time is None. Raises nothing."""
    if timestamp is None or duedate is None:
        return None
    due = duedate + (extension or timedelta(0))
    return max(0.0, (timestamp - due).total_seconds())


def _sqlite_file(db_url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL, None for any other database."""
    prefix = "sqlite:///"
    return Path(db_url[len(prefix):]) if db_url.startswith(prefix) else None


def _exists(db_url: str) -> bool:
    """Whether the database may hold a gradebook (a sqlite file exists; others: assume so)."""
    f = _sqlite_file(db_url)
    return f is None or f.is_file()


def lateness(course: Path | None, assignment_id: str, folders: dict,
             db_url: str | None = None) -> dict:
    """Each student's submission time and seconds late, by the gradebook's due date.

    Takes the course folder (None when there is none), the assignment id, {student: their
    submitted assignment folder} and an optional database URL overriding the course's. The
    due date is the gradebook's ``Assignment.duedate`` plus the student's extension, when
    nbgrader has one for their submission. Returns {student: Lateness}; a student without a
    timestamp.txt, or an assignment without a due date, gets ``seconds_late`` None, with a
    note when something was wrong. Never creates a gradebook. Raises nothing for a student's
    file; raises GradebookError when nbgrader is missing, and the config file's errors."""
    times = {s: read_timestamp(f) for s, f in folders.items()}
    url, course_id = course_settings(course, db_url)
    due, extensions, note = None, {}, ""
    if not _exists(url):
        note = f"no gradebook at {url}: no due date"
    else:
        api = _nbgrader()
        with api.Gradebook(url, course_id) as gb:
            try:
                a = gb.find_assignment(assignment_id)
            except api.MissingEntry:
                note = f"{assignment_id} is not in the gradebook: no due date"
            else:
                due = a.duedate
                extensions = {sub.student_id: sub.extension for sub in a.submissions}
    result = {}
    for student, (ts, ts_note) in times.items():
        late = seconds_late(ts, due, extensions.get(student))
        result[student] = Lateness(ts, late, ts_note or (note if ts is not None else ""))
    return result


def _penalty_plugin(course: Path | None):
    """nbgrader's configured late-penalty plugin (``AssignLatePenalties.plugin_class``)."""
    from nbgrader.preprocessors import AssignLatePenalties
    late = AssignLatePenalties(config=_config(course))
    late.init_plugin()
    return late.plugin_inst


def _check_assignment(gb, api, assignment, url: str):
    """The gradebook's notebook of ``assignment``; GradebookError unless it has every cell."""
    how = ("run `make assignments` (or `nbgrader generate_assignment "
           f"{assignment.id}` in the course folder) first")
    try:
        gb.find_assignment(assignment.id)
    except api.MissingEntry:
        raise GradebookError(f"the assignment {assignment.id!r} is not in the gradebook "
                             f"{url}; {how}") from None
    name = Path(assignment.notebook).stem
    try:
        notebook = gb.find_notebook(name, assignment.id)
    except api.MissingEntry:
        raise GradebookError(f"the gradebook {url} has no notebook {name!r} in "
                             f"{assignment.id!r}; {how}") from None
    cells = {c.name: c for c in notebook.grade_cells}
    missing = [q.grade_id for q in assignment.questions if q.grade_id not in cells]
    if missing:
        raise GradebookError(f"the gradebook's {assignment.id}/{name} has no grade cell "
                             f"{', '.join(missing)}: the source notebook changed since nbgrader "
                             f"last saw it; {how}")
    return notebook, cells


def _folder(folders, student: str, assignment_id: str) -> Path:
    """A student's submitted assignment folder: from the mapping, or under the folder given."""
    if isinstance(folders, dict):
        return Path(folders.get(student, "/nonexistent"))
    return Path(folders) / student / assignment_id


def record(course: Path | None, assignment, grades: list, folders,
           db_url: str | None = None) -> tuple:
    """Put the grader's scores into the course's nbgrader gradebook, with nbgrader's API.

    Takes the course folder (None: nbgrader's defaults; then give ``db_url``), the grader's
    Assignment (``id``, ``notebook``, ``questions`` with ``grade_id`` and ``points``), the
    StudentGrade of every student (``student``, ``results`` with ``grade_id`` and ``points``),
    where their timestamp.txt is (a dict {student: submitted assignment folder}, or the
    submissions folder, read as ``<folder>/<student>/<assignment>``) and an optional database
    URL overriding the course's. For each student: the student is created
    if new, the submission added or found, its timestamp set from timestamp.txt (None
    without one), every question's grade cell given ``auto_score`` = the points (no manual
    grading needed), and the late penalty set by nbgrader's configured late-penalty plugin
    (by default none), as ``nbgrader autograde`` does. A re-grade updates the same rows.
    Returns ({student: Lateness}, notes for the instructor). Raises GradebookError when
    nbgrader is missing, there is no gradebook, the assignment or one of its grade cells is
    not in it (run ``make assignments`` first) or the database refuses a write."""
    api = _nbgrader()
    url, course_id = course_settings(course, db_url)
    if not _exists(url):
        raise GradebookError(f"no gradebook at {url}; run `make assignments` (or `nbgrader "
                             f"generate_assignment {assignment.id}` in the course folder) "
                             f"first")
    name = Path(assignment.notebook).stem
    plugin = _penalty_plugin(course)
    notes, result = [], {}
    with api.Gradebook(url, course_id) as gb:
        _, cells = _check_assignment(gb, api, assignment, url)
        for q in assignment.questions:
            if cells[q.grade_id].max_score != q.points:
                notes.append(f"{q.grade_id}: the gradebook says {cells[q.grade_id].max_score:g} "
                             f"points, the source notebook {q.points:g}; run `make "
                             f"assignments` again")
        for g in grades:
            ts, note = read_timestamp(_folder(folders, g.student, assignment.id))
            if note:
                notes.append(f"{g.student}: {note}")
            try:
                result[g.student] = _record_one(gb, api, plugin, assignment, name, g, ts, note)
            except api.InvalidEntry as e:
                raise GradebookError(f"the gradebook {url} refused {g.student}'s grades: "
                                     f"{e}") from e
    return result, notes


def _record_one(gb, api, plugin, assignment, name: str, g, ts, note: str) -> Lateness:
    """One student's submission, grades and late penalty; their Lateness."""
    from sqlalchemy.exc import SAWarning
    gb.update_or_create_student(g.student)
    with warnings.catch_warnings():  # nbgrader's add_submission autoflushes half-built rows
        warnings.simplefilter("ignore", SAWarning)
        submission = gb.update_or_create_submission(assignment.id, g.student, timestamp=ts)
    for r in g.results:
        try:
            grade = gb.find_grade(r.grade_id, name, assignment.id, g.student)
        except api.MissingEntry:     # a cell added after this submission was first recorded
            raise GradebookError(f"{g.student}'s submission has no grade for {r.grade_id}; "
                                 f"remove it (nbgrader db student remove {g.student}) and "
                                 f"grade again") from None
        grade.auto_score = float(r.points)
        grade.needs_manual_grade = False
    gb.db.commit()
    notebook = gb.find_submission_notebook(name, assignment.id, g.student)
    notebook.late_submission_penalty = None
    late = float(submission.total_seconds_late) if ts is not None else None
    if late and submission.duedate is not None:
        penalty = plugin.late_submission_penalty(g.student, notebook.score, late)
        if penalty is not None:
            notebook.late_submission_penalty = min(max(0.0, penalty), notebook.score)
    gb.db.commit()
    if submission.duedate is None:
        late = None
    return Lateness(ts, late, note)


def place_feedback(course: Path, assignment_id: str, notebook: str, student: str, html: str,
                   submission_folder) -> Path | None:
    """Put a student's feedback page where ``nbgrader release_feedback`` takes it from.

    release_feedback (nbgrader 0.9) releases ``<course>/feedback/<student>/<assignment>/
    <notebook stem>.html`` and needs, in that folder, the ``timestamp.txt`` and
    ``submission_secret.txt`` that ``nbgrader submit`` wrote and ``nbgrader collect`` copied to
    ``submitted/<student>/<assignment>/``: the secret names the released file, so that only
    that student's ``nbgrader fetch_feedback`` finds it. A submission collected by other means
    has no secret, and a feedback folder without one stops release_feedback for everyone, so
    nothing is placed for it.

    Takes the course folder, the assignment id, the notebook file name, the student id, the
    page (e.g. grader.report.feedback_html) and the student's submitted assignment folder.
    Returns the path written, or None when the submission has no usable timestamp.txt and
    submission_secret.txt (return that student's feedback by other means). Raises
    GradebookError when nbgrader is missing, OSError when the files cannot be written."""
    cd = _course_directory(Path(course))
    src = Path(submission_folder)
    kept = {n: _read_small(src / n) for n in ("timestamp.txt", "submission_secret.txt")}
    if any(not text or not text.strip() for text in kept.values()):
        return None
    target = Path(cd.format_path(cd.feedback_directory, student, assignment_id))
    target.mkdir(parents=True, exist_ok=True)
    for n, text in kept.items():
        (target / n).write_text(text, encoding="utf-8")
    page = target / f"{Path(notebook).stem}.html"
    tmp = page.with_name(page.name + ".tmp")
    tmp.write_text(html, encoding="utf-8", errors="backslashreplace")
    shutil.move(tmp, page)
    return page
