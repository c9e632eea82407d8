"""The exercises as a reader meets them, in a real browser with no network: the built book cannot
run code, so it shows no check result (no "Not attempted" box that looks like an error); it
says how to try the exercises (the chapter's notebook) and gives each task typeset, and the hint
and the solution are folded boxes that open on a click. (tests/book/test_lab.py checks the same boxes in JupyterLab,
with the helpers below, after it has run each chapter.)

Needs the book built first (``make test`` builds it before running these)."""
import re
from pathlib import Path

import pytest

from bpcore import exercises

from .browser import ROOT, browser_page
from .test_html import HTML, SHOTS, site  # noqa: F401  (site is the served book, a fixture)

pytestmark = pytest.mark.book

CHAPTERS = {int(p.name[:2]): p.stem for p in sorted((ROOT / "chapters").glob("[0-9][0-9]-*.md"))}


def expected_code(q):
    """What the opened solution box must show: the function's first line, or `name = `."""
    return f"def {q.name}(" if callable(q.right_answer) else f"{q.name} = "


#: JavaScript: every solution and hint box of the page, with what a reader sees of it.
BOXES_JS = """(selector) => [...document.querySelectorAll(selector)].map(d => ({
    open: d.open,
    summary: d.querySelector('summary').innerText.trim(),
    bodyVisible: [...d.children].filter(c => c.tagName !== 'SUMMARY')
                   .some(c => c.checkVisibility()),     // a closed box's content has a size
                                                        // but is not rendered: ask Chromium
    text: d.innerText,
}))"""


def read_boxes(page, scope=""):
    return {kind: page.evaluate(BOXES_JS, f"{scope} details.bpcore-{kind}".strip())
            for kind in ("solution", "hint")}


def open_every_solution(page, scope=""):
    """Click each solution's summary, as a reader does; return the boxes as seen afterwards."""
    summaries = page.locator(f"{scope} details.bpcore-solution > summary".strip())
    for i in range(summaries.count()):
        summaries.nth(i).scroll_into_view_if_needed()
        summaries.nth(i).click()
    return page.evaluate(BOXES_JS, f"{scope} details.bpcore-solution".strip())


def check_boxes(n, before, after, feedback, ran=True):
    """Problems with chapter ``n``'s boxes: the feedback texts, the boxes before and after the
    clicks on the solutions' summaries. ``ran``: the checks ran in front of the reader (a
    notebook) and must each say "Not attempted"; else (the web page) no check may show."""
    chapter = exercises.chapter(n)
    problems = []
    if not ran and feedback:
        problems.append(f"the web page shows {len(feedback)} check results: {feedback}")
    elif ran and (len(feedback) < 2 or len(feedback) != len(chapter)):
        problems.append(f"{len(feedback)} feedback boxes for {len(chapter)} exercises")
    for k, (q, text) in enumerate(zip(chapter, feedback if ran else []), start=1):
        if not text.strip().startswith(f"{q.label}: Not attempted"):
            problems.append(f"feedback {k} does not say '{q.label}: Not attempted': {text!r}")
    for kind in ("solution", "hint"):
        boxes = before[kind]
        titles = [b["summary"] for b in boxes]
        want = [f"{kind.title()} ({q.label})" for q in chapter]
        if titles != want:
            problems.append(f"{kind} boxes {titles}, expected {want}")
        for box in boxes:
            if box["open"] or box["bodyVisible"]:
                problems.append(f"{box['summary']} is open before any click")
    for q, box in zip(chapter, after):
        if not box["open"] or not box["bodyVisible"]:
            problems.append(f"{box['summary']} did not open on a click on its summary")
        if expected_code(q) not in box["text"]:
            problems.append(f"{box['summary']} does not show {expected_code(q)!r}: "
                            f"{box['text'][:200]!r}")
    return problems


@pytest.mark.parametrize("n", sorted(CHAPTERS))
def test_the_book_states_each_exercise_says_how_to_try_it_and_folds_solutions(site, n):
    path = f"chapters/{CHAPTERS[n]}.html"
    assert (HTML / path).exists(), f"{HTML / path} missing: build the book first (make book)"
    with browser_page() as (page, external, errors):
        page.goto(f"{site}/{path}", wait_until="load")
        article = page.locator("article")
        feedback = article.locator(".bpcore-feedback").all_inner_texts()
        # Each task is the chapter's Markdown, starting with the exercise's label in bold.
        tasks = [t for t in article.locator("strong").all_inner_texts()
                 if re.fullmatch(r"Exercise \d+\.\d+\.", t)]
        before = read_boxes(page, "article")
        section = page.locator("section#exercises")
        n_sections = section.count()
        intro = section.locator("p").first.inner_text() if n_sections else ""
        links = section.locator("a").evaluate_all("as => as.map(a => a.href)")
        after = open_every_solution(page, "article")
        if n_sections:
            section.screenshot(path=str(SHOTS / f"exercises-{CHAPTERS[n]}.png"))
    assert n_sections == 1, "no section 'Exercises' in the page"
    assert tasks == [f"{q.label}." for q in exercises.chapter(n)], tasks
    problems = check_boxes(n, before, after, feedback, ran=False)
    assert not problems, problems
    assert ".ipynb" in intro and "notebook" in intro, intro
    assert any(link.endswith("intro.html#run-the-chapters-yourself") for link in links), links
    assert not external, f"{path} tried to load from outside: {external}"
