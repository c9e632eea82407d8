"""Chapter 1 as a student meets it: JupyterLab on 127.0.0.1, the .md chapter opens as a notebook
(not as a text file), Run All works, the figures appear and no cell shows an error. The kernel is
a student's: the book build's BPBOOK_PRECOMPUTE is not in its environment, so the slider
explorers draw their frames on demand, and a move to a frame never shown must bring one."""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .browser import (ROOT, VISIBLE_FRAMES_JS, browser_page, check_explorers, explorer_controls,
                      move_control)
from .test_exercises_html import check_boxes, open_every_solution, read_boxes

pytestmark = pytest.mark.book

SHOTS = ROOT / "_build" / "screenshots"
TOKEN = "bpcore-lab-test"
OVERRIDES = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"


#: Every chapter, with the number of figures it draws and values its outputs must show.
CHAPTERS = sorted(p.name for p in (ROOT / "chapters").glob("[0-9][0-9]-*.md"))
EXPECTED = {
    "01-forward.md": (3, ["0.593269992", "0.298371109"]),
    "02-backprop-by-hand.md": (2, ["0.0821670406", "0.291027774"]),
    "03-four-equations.md": (1, ["BP2 without the transpose holds: False"]),
    "04-activations.md": (3, []),
    "05-learning-rate.md": (3, ["gradient descent diverged with learning rate lr=6"]),
    "06-hidden-width.md": (2, ["class changes along increasing z^1_1: 1"]),
    "07-training-in-practice.md": (4, ["largest difference in any weight or bias = 0.0"]),
    "08-autodiff.md": (1, ["dE/dw5 = 0.08216704056423078"]),
}


def test_every_chapter_has_expectations():
    assert CHAPTERS and sorted(EXPECTED) == CHAPTERS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on 127.0.0.1 in a fresh folder holding a copy of every chapter."""
    assert OVERRIDES.exists(), (f"{OVERRIDES} is missing: `make test` writes it so that .md "
                                f"chapters open as notebooks")
    home = tmp_path_factory.mktemp("lab")
    work = home / "work"
    work.mkdir()
    for chapter in CHAPTERS:
        shutil.copy(ROOT / "chapters" / chapter, work / chapter)
    # The contents page `make lab` opens, with the chapters where its links point.
    shutil.copy(ROOT / "intro.md", work / "intro.md")
    shutil.copytree(ROOT / "chapters", work / "chapters")
    # The test's own user settings: render every cell at once (JupyterLab 4 otherwise adds
    # cells to the page as they scroll into view), so that all outputs can be inspected.
    tracker = home / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text('{"windowingMode": "none"}')
    port = free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
           "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    env.pop("BPBOOK_PRECOMPUTE", None)         # the build's, never a student's kernel's
    log = open(home / "lab.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={work}",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        + (["--allow-root"] if os.geteuid() == 0 else []),
        cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=1)
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"JupyterLab exited: {(home / 'lab.log').read_text()[-2000:]}")
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not answer within 60 s")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_make_lab_opens_the_contents_page_whose_links_open_the_chapters(lab):
    """`make lab` opens intro.md: it must show as a page (rendered Markdown, not source) whose
    chapter list opens a chapter, as a notebook, on a click."""
    assert " intro.md" in (ROOT / "Makefile").read_text().split("\nlab:")[1].split("\n\n")[0]
    with browser_page() as (page, external, errors):
        page.set_default_timeout(60_000)
        page.goto(f"{lab}/lab/workspaces/contents/tree/intro.md?token={TOKEN}")
        try:
            page.wait_for_selector(".jp-NotebookPanel .jp-MarkdownCell")
        finally:
            page.screenshot(path=str(SHOTS / "lab-contents.png"))
        link = page.locator(".jp-NotebookPanel .jp-MarkdownCell a",
                            has_text="Forward propagation").first
        link.wait_for()
        page.screenshot(path=str(SHOTS / "lab-contents.png"))
        link.click()
        page.wait_for_selector(".lm-TabBar-tab.lm-mod-current:has-text('01-forward.md')")
        page.wait_for_selector(".jp-NotebookPanel:visible .jp-CodeCell")
        assert page.locator(".jp-FileEditor:visible").count() == 0
    assert not external, external


def check_frames_on_demand(page, timeout_ms=60_000):
    """Each explorer on ``page`` draws its frames on demand (its box is marked so): moving each
    control in turn, from the start frame, leads to a combination never shown before, and a
    new figure (an image whose src was not seen before in that explorer) must appear, drawn by
    the kernel then. Returns a list of problems."""
    problems = []
    for e in range(page.locator(".bpcore-explorer").count()):
        explorer = page.locator(".bpcore-explorer").nth(e)
        explorer.scroll_into_view_if_needed()
        if "bpcore-explorer-on-demand" not in (explorer.get_attribute("class") or "").split():
            problems.append(f"explorer {e}: every frame was drawn in advance: the build's "
                            f"BPBOOK_PRECOMPUTE reached the student's kernel")
        seen = set(page.evaluate(VISIBLE_FRAMES_JS)[e])
        for c, (kind, locator) in enumerate(explorer_controls(page, e)):
            key = "ArrowRight"
            if kind == "slider" and locator.get_attribute("aria-valuenow") == \
                    locator.get_attribute("aria-valuemax"):
                key = "ArrowLeft"
            move_control(page, kind, locator, key)
            try:
                page.wait_for_function(
                    "([e, seen]) => { const now = (" + VISIBLE_FRAMES_JS + ")()[e];"
                    " return now.length === 1 && !seen.includes(now[0]); }",
                    arg=[e, sorted(seen)], timeout=timeout_ms)
            except Exception:
                shown = page.locator(".bpcore-explorer").nth(e).inner_text()[:200]
                problems.append(f"explorer {e}, {kind} {c} ({key}): no new figure within "
                                f"{timeout_ms / 1000:.0f} s of a move to a frame never shown "
                                f"(the explorer shows: {shown!r})")
                continue
            seen.update(page.evaluate(VISIBLE_FRAMES_JS)[e])
    return problems


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_opens_as_a_notebook_and_runs(lab, chapter):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with browser_page() as (page, external, errors):
        page.set_default_timeout(60_000)
        # A workspace of its own per chapter, so no notebook from an earlier test is open.
        page.goto(f"{lab}/lab/workspaces/{chapter[:2]}/tree/{chapter}?token={TOKEN}")
        # A notebook panel, not the text editor.
        page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell")
        assert page.locator(".jp-FileEditor").count() == 0, "chapter opened as a text file"
        # Every cell of the chapter, as jupytext reads it (the header is not a cell).
        import jupytext
        nb = jupytext.read(ROOT / "chapters" / chapter)
        n_code = sum(c.cell_type == "code" for c in nb.cells)
        n_markdown = sum(c.cell_type == "markdown" for c in nb.cells)
        page.wait_for_function(
            """([c, m]) => document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell').length === c
                && document.querySelectorAll('.jp-NotebookPanel .jp-MarkdownCell').length === m""",
            arg=[n_code, n_markdown])
        assert n_code >= 8 and n_markdown >= 8, (n_code, n_markdown)
        # No kernel chooser: the chapter's kernelspec names the installed kernel.
        page.wait_for_function(
            "() => document.querySelector('.jp-Notebook-ExecutionIndicator')?.dataset.status "
            "=== 'idle'")
        # Click into the notebook, then Run > Run All Cells, as a student would. The menu
        # item stays disabled until the notebook is the current document: wait for that.
        page.locator(".jp-NotebookPanel .jp-Cell").first.click()
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        run_all = page.locator(".lm-Menu-item:not(.lm-mod-disabled)",
                               has=page.locator(".lm-Menu-itemLabel", has_text="Run All Cells"))
        run_all.first.wait_for()
        run_all.first.click()
        try:
            page.wait_for_function(
                """(n) => {
                    const prompts = [...document.querySelectorAll(
                        '.jp-NotebookPanel .jp-CodeCell .jp-InputArea-prompt')];
                    return prompts.length === n &&
                           prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
                }""", arg=n_code, timeout=240_000)
        except Exception:
            # Say where it stopped: the prompts, any error shown, and a screenshot.
            page.screenshot(path=str(SHOTS / f"lab-{chapter[:-3]}-timeout.png"))
            prompts = page.locator(".jp-NotebookPanel .jp-CodeCell "
                                   ".jp-InputArea-prompt").all_inner_texts()
            dialogs = page.locator(".jp-Dialog").all_inner_texts()
            outputs = page.locator(".jp-NotebookPanel .jp-OutputArea-output"
                                   "[data-mime-type*='error'], .jp-NotebookPanel "
                                   ".jp-OutputArea-output[data-mime-type*='stderr']"
                                   ).all_inner_texts()
            pytest.fail(f"{chapter}: not every cell ran within 240 s; prompts {prompts}, "
                        f"dialogs {dialogs}, errors {[o[:300] for o in outputs]}")
        images = page.locator(".jp-NotebookPanel .jp-OutputArea-output img")
        errors_shown = page.locator(
            ".jp-NotebookPanel .jp-OutputArea-output[data-mime-type="
            "'application/vnd.jupyter.stderr'], "
            ".jp-NotebookPanel .jp-OutputArea-output[data-mime-type="
            "'application/vnd.jupyter.error']")
        n_images, n_errors = images.count(), errors_shown.count()
        error_text = [errors_shown.nth(i).inner_text()[:300] for i in range(min(n_errors, 3))]
        text = page.locator(".jp-NotebookPanel").inner_text()
        shown = "\n".join(page.locator(".jp-NotebookPanel .jp-OutputArea-output, "
                                        ".jp-NotebookPanel .jp-MarkdownOutput").all_inner_texts())
        page.screenshot(path=str(SHOTS / f"lab-{chapter[:-3]}.png"))
        # The chapter's sliders answer in JupyterLab too: a move to a frame never shown brings
        # a new figure, drawn then by the kernel; then each move shows another figure.
        has_explorer = "explore.Explorer(" in (ROOT / "chapters" / chapter).read_text()
        n_explorers = page.locator(".jp-NotebookPanel .bpcore-explorer").count()
        demand_problems = check_frames_on_demand(page) if n_explorers else []
        slider_problems = check_explorers(page) if n_explorers else []
        # The exercises' feedback, hint and solution boxes are rendered as HTML (not sanitised
        # into text), folded, and a solution opens on a click.
        scope = ".jp-NotebookPanel .jp-OutputArea-output"
        feedback = page.locator(f"{scope} .bpcore-feedback").all_inner_texts()
        boxes_before = read_boxes(page, scope)
        boxes_after = open_every_solution(page, scope)
        box_problems = check_boxes(int(chapter[:2]), boxes_before, boxes_after, feedback)
    if has_explorer:
        assert n_explorers >= 1, "the chapter's explorer was not displayed in JupyterLab"
    assert not demand_problems, demand_problems
    assert not slider_problems, slider_problems
    assert "<details" not in text, "the exercise boxes were shown as text, not rendered"
    assert not box_problems, box_problems
    assert n_errors == 0, f"error output in the notebook: {error_text}"
    figures, values = EXPECTED[chapter]
    assert n_images >= figures, f"expected the chapter's figures, found {n_images} images"
    for value in values:
        assert value in text, f"{value} missing from {chapter} in JupyterLab"
    # Math in Markdown cells and in LaTeX outputs (chapter 2's chain rules) is typeset.
    assert "\\frac{" not in shown and "$$" not in shown, "raw TeX shown in JupyterLab"
    assert not external, f"JupyterLab page loaded from outside: {external}"
