"""Grade a folder of submitted notebooks, each one isolated: ``python -m grader``.

    python -m grader assignments/source/forward assignments/submitted

The first argument is the instructor's assignment (the nbgrader *source* folder, with solutions
and hidden tests); the second holds one folder per student in nbgrader's layout,
``<student>/<assignment>/<notebook>.ipynb``. Written to ``--out`` (default
``graded/<assignment>`` beside the submissions): ``grades.csv`` (points per test cell, total)
and ``feedback/<student>.html``, which shows visible test failures in full and hidden ones only
as "a hidden test failed"; the scores also go into the course's nbgrader gradebook.

How a submission is graded, and why it cannot grade itself:

* Each autograder test cell of the *source* notebook is one question worth its nbgrader points.
  For every question, the submission's code cells (test cells excepted) run in a fresh process
  inside a bubblewrap sandbox (:mod:`grader.sandbox`): no network, no view of the instructor's
  folders or of the other submissions (only the system and Python with its installed packages
  are mounted, read-only; the course's own packages only if the notebook's metadata
  ``"grader": {"allow": [...]}`` names them), a throw-away /tmp, a time limit, a memory limit
  and a file-size limit, and no privileges even when the grader runs as root (its own user
  namespace, every capability dropped). The process, and anything it started, is killed when
  the question is done or its time is up.
* The test cell itself runs here, in the grader's own process, with the grader's own numpy and
  helpers (:mod:`grader.question`). The names it needs from the submission are looked up in the
  sandbox: a function becomes a stub that sends its arguments over and gets the result back as
  plain data (numbers and arrays rebuilt here, see :mod:`grader.protocol`); a variable comes
  back as plain data. So a submission that patches numpy, redefines the test helpers, returns
  an object that equals everything or prints a fake score changes nothing the grader computes.
* A question fails on any exception in its test cell (an assertion, a wrong answer, the
  submission's function raising, timing out or crashing). Whatever one submission does, the
  batch goes on and every other submission is graded exactly as if it were alone
  (:mod:`grader.batch`, :mod:`grader.report`).

The modules: ``__main__`` (the command line), ``notebook`` (reading the source and the
submitted notebooks), ``submissions`` (finding each student's folder and notebook), ``sandbox``
(bubblewrap, limits, the process), ``seccomp`` (the system calls refused), ``cgroup`` (a
cgroup per sandbox: processes and memory, emptied before the next one), ``reaper`` (orphaned
processes, and an init when the grader is PID 1), ``protocol`` (the plain-data messages),
``runner`` (what runs inside the sandbox), ``question`` (one question for one student, each
cell within its own time limit), ``batch`` (the sandbox checked first, then every question of
every student, ``jobs`` at once), ``report`` (grades.csv, merged on a re-grade, and the
feedback), ``gradebook`` (nbgrader's gradebook, due dates, release_feedback's folders).
The grader imports no course package itself: the assignments' test cells import what they need.
"""


class GradingError(Exception):
    """The instructor's side is wrong (no sandbox, bad assignment, bad folder): stop."""
