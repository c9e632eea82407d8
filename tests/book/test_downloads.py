"""A reader with only the built site and pip: no clone, no make, no npm.

From the served site, the test follows the links a reader follows: the wheel linked from the
front page ("Run the chapters yourself") and each chapter's ".ipynb" in the page's download
menu. It installs the wheel with its ``[book]`` extra into a fresh venv (plus ipykernel and
nbclient, which any Jupyter brings), then runs every downloaded chapter from top to bottom in
that venv's kernel: no error may come out.

Versions are held to constraints.txt, the book's own pins, so that CI does not break on a
release it never built with; a student's pip would take the newest versions instead.

Needs the book built first (``make test`` builds it before running these).
"""
import os
import re
import subprocess
import sys
import urllib.request
import venv
from pathlib import Path

import pytest

from .browser import ROOT, serve
from .test_html import HTML, pages

pytestmark = pytest.mark.book

CHAPTERS = [p for p in pages() if p.startswith("chapters/")]

RUN_NOTEBOOK = r"""
import sys, nbformat, nbclient
path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=600,
                                 resources={"metadata": {"path": sys.argv[2]}})
try:
    client.execute()
except nbclient.exceptions.CellExecutionError as e:
    sys.exit(f"{path}: {str(e)[-3000:]}")
errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
if errors:
    sys.exit(f"{path}: error outputs: {[e['ename'] + ': ' + e['evalue'] for e in errors]}")
print(f"{path}: {len(nb.cells)} cells ran")
"""


def _links(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


@pytest.fixture(scope="module")
def downloads(tmp_path_factory):
    """The wheel and every chapter's notebook, fetched over HTTP as a reader would."""
    folder = tmp_path_factory.mktemp("reader")
    with serve(HTML) as site:
        front = urllib.request.urlopen(f"{site}/intro.html").read().decode()
        wheels = [h for h in _links(front) if h.endswith(".whl")]
        assert wheels, "the front page links no wheel"
        name = Path(wheels[0]).name
        (folder / name).write_bytes(urllib.request.urlopen(f"{site}/{wheels[0]}").read())
        notebooks = []
        for page in CHAPTERS:
            html = urllib.request.urlopen(f"{site}/{page}").read().decode()
            ipynb = [h for h in _links(html) if h.endswith(".ipynb")]
            assert ipynb, f"{page} offers no .ipynb in its download menu"
            url = f"{site}/{Path(page).parent.as_posix()}/{ipynb[0]}"
            target = folder / Path(ipynb[0]).name
            target.write_bytes(urllib.request.urlopen(url).read())
            notebooks.append(target)
    return folder / name, notebooks


@pytest.fixture(scope="module")
def reader_venv(downloads, tmp_path_factory):
    """A fresh venv with the wheel, its [book] extra, ipykernel and nbclient."""
    wheel, _ = downloads
    env_dir = tmp_path_factory.mktemp("venv") / "bp-env"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         f"{wheel}[book]", "ipykernel", "nbclient", "-c", str(ROOT / "constraints.txt")],
        capture_output=True, text=True)
    assert install.returncode == 0, install.stderr[-3000:]
    return env_dir


def test_the_wheel_declares_what_the_chapters_need(downloads):
    import zipfile
    wheel, _ = downloads
    with zipfile.ZipFile(wheel) as z:
        meta = z.read("bpcore-0.1.0.dist-info/METADATA").decode()
    book = {m.lower() for m in re.findall(r"Requires-Dist: (\w+)[^\n]*extra == \"book\"", meta)}
    assert {"matplotlib", "ipywidgets", "sympy", "pillow"} <= book, book


def test_every_downloaded_chapter_runs_in_a_fresh_venv(downloads, reader_venv, tmp_path):
    _, notebooks = downloads
    python = reader_venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "JUPYTER"))}
    env.update(HOME=str(tmp_path), JUPYTER_PATH=str(reader_venv / "share" / "jupyter"),
               PATH=f"{reader_venv / 'bin'}:{env.get('PATH', '')}")
    # Not this repository's bpcore: the kernel must import the wheel's.
    where = subprocess.run([str(python), "-c", "import bpcore; print(bpcore.__file__)"],
                           capture_output=True, text=True, env=env, cwd=tmp_path)
    assert str(reader_venv) in where.stdout, where
    failures = []
    for notebook in notebooks:
        run = subprocess.run([str(python), "-c", RUN_NOTEBOOK, str(notebook), str(tmp_path)],
                             capture_output=True, text=True, env=env, cwd=tmp_path)
        print(run.stdout, file=sys.stderr)
        if run.returncode:
            failures.append(run.stderr[-3000:] or run.stdout[-3000:])
    assert not failures, "\n\n".join(failures)
