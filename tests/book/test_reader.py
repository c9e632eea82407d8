"""Every page as a reader meets it at 1280 px, in light and dark mode: nothing cut off, figures
shown near the size they were drawn with their text at least 10 px, real alt text on every
figure and explorer frame, named sliders that say their value, no serious or critical axe-core
violation, no "seed 00N" (tests/book/reader.py measures all of it).

Needs the book built first (``make test`` builds it before running these)."""
from pathlib import Path

import pytest

from . import reader
from .browser import browser_page
from .test_html import SHOTS, explorer_pages, pages, site  # noqa: F401  (site: a fixture)

pytestmark = pytest.mark.book


@pytest.mark.parametrize("page_path", pages())
def test_a_reader_finds_nothing_cut_off_unreadable_unnamed_or_inaccessible(site, page_path):
    with browser_page() as (page, _, _):
        reader.load(page, f"{site}/{page_path}")
        found = reader.problems(page)
    assert not found, f"{page_path}: {len(found)} problem(s):\n" + "\n".join(found)


@pytest.mark.parametrize("page_path", pages())
def test_dark_mode_keeps_every_box_readable(site, page_path):
    """The theme's dark mode, every folded box (hints, solutions, hidden code) opened: axe-core's
    colour-contrast rule, among the others, finds no serious or critical violation."""
    with browser_page() as (page, _, _):
        page.add_init_script("localStorage.setItem('mode', 'dark');")
        reader.load(page, f"{site}/{page_path}")
        assert page.evaluate("document.documentElement.dataset.theme") == "dark"
        page.evaluate(reader.OPEN_ALL_JS)
        if page.locator("section#exercises").count():
            page.locator("section#exercises").screenshot(
                path=str(SHOTS / f"dark-{Path(page_path).stem}-exercises.png"))
        page.add_script_tag(path=str(reader.AXE))
        found = page.evaluate(reader.AXE_JS)
    assert not found, f"{page_path} in dark mode:\n" + "\n".join(found)


SLIDER_JS = """() => [...document.querySelectorAll('.bpcore-explorer .widget-slider')].map(s => {
    const h = s.querySelector('[role="slider"]');
    return {label: s.querySelector('.widget-label').textContent.trim(),
            readout: s.querySelector('.widget-readout').textContent.trim(),
            name: h.getAttribute('aria-label'), valuetext: h.getAttribute('aria-valuetext')};
})"""


@pytest.mark.parametrize("page_path", explorer_pages())
def test_each_slider_says_its_name_and_the_value_it_shows(site, page_path):
    """A screen reader hears "learning rate 0.5", the readout's value, not the slider's
    position, before and after a move with the keyboard."""
    with browser_page() as (page, _, _):
        reader.load(page, f"{site}/{page_path}")
        page.wait_for_selector(".bpcore-explorer [role='slider']")
        before = page.evaluate(SLIDER_JS)
        handle = page.locator(".bpcore-explorer [role='slider']").first
        handle.focus()
        at_end = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
        page.keyboard.press("ArrowLeft" if at_end else "ArrowRight")
        page.wait_for_function("([old]) => document.querySelector("
                               "'.bpcore-explorer .widget-readout').textContent.trim() !== old",
                               arg=[before[0]["readout"]])
        after = page.evaluate(SLIDER_JS)
    assert before, "no slider found"
    for s in before + after:
        assert s["name"] == s["label"], s
        assert s["valuetext"] == f"{s['label']} {s['readout']}", s
    assert after[0]["valuetext"] != before[0]["valuetext"]
