"""The built HTML book, read in a real browser with no network: math typeset, images loaded,
widgets rendered, nothing fetched from outside, no page error but the two known harmless ones.

Needs the book built first (``make test`` builds it before running these)."""
import contextlib
import re
from pathlib import Path

import pytest
import yaml

from .browser import ROOT, browser_page, serve

pytestmark = pytest.mark.book

HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
# Known and harmless in this stack (DESIGN.md): a duplicated THEBE_JS_URL declaration, and the
# widget embedder calling MathJax 2's MathJax.Hub.Queue when MathJax 3 is loaded.
HARMLESS = [re.compile(r"THEBE_JS_URL"), re.compile(r"MathJax\.Hub|Hub\.Queue|reading 'Queue'")]


def pages():
    """Every page of the table of contents, as paths relative to _build/html."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for entry in toc.get("chapters", []):
        files.append(entry["file"])
    return [f"{f}.html" for f in files]


@pytest.fixture(scope="module")
def site():
    if not (HTML / "index.html").exists():
        pytest.fail(f"{HTML} has no index.html: build the book first (make book).")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with serve(HTML) as url:
        yield url


@contextlib.contextmanager
def typeset(site, page_path):
    """An offline browser page with ``page_path`` (relative to the site) loaded and its math
    typeset; yields (page, external requests, page errors) as ``browser_page`` does."""
    from .reader import load
    with browser_page() as (page, external, errors):
        load(page, f"{site}/{page_path}")
        yield page, external, errors


@pytest.mark.parametrize("page_path", pages())
def test_page_reads_offline(site, page_path):
    with typeset(site, page_path) as (page, external, errors):
        page.wait_for_load_state("networkidle")
        report = page.evaluate("""() => {
            const maths = [...document.querySelectorAll('.math')];
            const imgs = [...document.querySelectorAll('img')];
            const widgetViews = [...document.querySelectorAll(
                'script[type="application/vnd.jupyter.widget-view+json"]')];
            return {
                maths: maths.length,
                untypeset: maths.filter(m => !m.querySelector('mjx-container'))
                                .map(m => m.textContent.slice(0, 80)),
                mathErrors: [...document.querySelectorAll('mjx-merror, [data-mjx-error]')]
                                .map(e => e.getAttribute('data-mjx-error') || e.textContent),
                rawTeX: (() => {
                    // Text outside code and typeset math must hold no $ and no TeX command.
                    const skip = 'pre, code, script, style, mjx-container, .highlight, ' +
                                 '.cell_input';
                    const walker = document.createTreeWalker(
                        document.querySelector('article') || document.body,
                        NodeFilter.SHOW_TEXT);
                    const bad = [];
                    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
                        if (n.parentElement.closest(skip)) continue;
                        if (/\\$|\\\\[a-zA-Z]{2,}/.test(n.textContent))
                            bad.push(n.textContent.trim().slice(0, 80));
                    }
                    return bad;
                })(),
                images: imgs.length,
                broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src),
                widgetViews: widgetViews.length,
                widgetsRendered: document.querySelectorAll('.jupyter-widgets, .widget-container').length,
                title: document.title,
            };
        }""")
        page.evaluate("document.fonts.ready")
        page.screenshot(path=str(SHOTS / (Path(page_path).stem + ".png")), full_page=True)
    assert not external, f"{page_path} tried to load from outside: {external}"
    assert report["maths"] > 0, f"{page_path}: no math found"
    assert not report["untypeset"], f"{page_path}: math not typeset: {report['untypeset']}"
    assert not report["mathErrors"], f"{page_path}: MathJax errors: {report['mathErrors']}"
    assert not report["rawTeX"], f"{page_path}: raw TeX left: {report['rawTeX']}"
    assert not report["broken"], f"{page_path}: images not loaded: {report['broken']}"
    if report["widgetViews"]:
        assert report["widgetsRendered"] >= report["widgetViews"], report
    unexpected = [e for e in errors if not any(h.search(e) for h in HARMLESS)]
    assert not unexpected, f"{page_path}: page errors: {unexpected}"


def _article(site, path):
    """The text of chapter page ``path`` and its number of images."""
    with typeset(site, f"chapters/{path}") as (page, _, _):
        return page.inner_text("article"), page.locator("article img").count()


def test_chapter_one_shows_its_figures_and_the_worked_example(site):
    text, n_images = _article(site, "01-forward.html")
    # The forward values are printed by bpcore at build time, to 9 significant digits.
    for value in ("0.593269992", "0.596884378", "0.75136507", "0.772928465", "0.298371109"):
        assert value in text, f"{value} missing from chapter 1"
    assert n_images >= 3


def test_chapter_two_shows_the_backward_pass_and_the_errata(site):
    text, n_images = _article(site, "02-backprop-by-hand.html")
    # DESIGN.md's independently computed values, as the book's tables print them.
    for value in ("0.0821670406", "0.35891648", "0.408666186", "0.51130127", "0.561370121",
                  "0.000438567734", "0.149780716", "0.199561432", "0.249751144",
                  "0.299502287", "0.291027774", "3.51018778e-05", "0.984064274"):
        assert value in text, f"{value} missing from chapter 2"
    # The errata table: the published ordering reproduces the article's first-update figure.
    assert "0.2910279239" in text and "0.291027924" in text
    assert n_images >= 2, "the backward-pass drawing and the cost curve"


def test_chapter_three_shows_the_cas_proof_and_the_gradient_check(site):
    text, n_images = _article(site, "03-four-equations.html")
    proof = text[text.index("all zero"):text.index("A check that cannot fail")]
    assert proof.count("yes") == 6 and "NO" not in proof
    assert "BP2 without the transpose holds: False" in text
    assert "symbolic vs finite diff." in text
    assert n_images >= 1, "the timing plot"


#: In the page: every run of Chinese characters outside an element marked lang="zh-Hans", and
#: for the marked ones, the font the browser lays them out in (the first of the stack it has).
CHINESE_JS = r"""() => {
  const han = /[\u4e00-\u9fff]/;
  const walker = document.createTreeWalker(document.querySelector("article"),
                                           NodeFilter.SHOW_TEXT);
  const unmarked = [];
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (han.test(node.data) && !node.parentElement.closest('[lang="zh-Hans"]'))
      unmarked.push(node.data.trim());
  }
  const marked = [...document.querySelectorAll('article [lang="zh-Hans"]')];
  return {unmarked, marked: marked.length,
          family: marked.length ? getComputedStyle(marked[0]).fontFamily : "",
          available: document.fonts.check('16px "Noto Sans CJK SC"', "神经元")};
}"""


def test_the_chinese_glossary_is_marked_and_drawn_in_a_chinese_font(site):
    """The glossary's Chinese is marked as such (screen readers switch language; the browser
    picks a Chinese font), laid out in the CJK font stack of _book_static/book.css, and that font is
    installed (fonts-noto-cjk)."""
    with typeset(site, "intro.html") as (page, _, _):
        page.locator("#glossary-english-and-chinese").screenshot(
            path=str(SHOTS / "intro-glossary.png"))
        found = page.evaluate(CHINESE_JS)
    assert found["unmarked"] == [], found["unmarked"]
    assert found["marked"] >= 19
    assert found["family"].startswith('"Noto Sans CJK SC"'), found["family"]
    assert found["available"], "Noto Sans CJK SC is not installed: apt-get install fonts-noto-cjk"


def explorer_pages():
    """Pages whose widget state holds an explorer (bpcore.book.explore marks its box with a
    class)."""
    return [p for p in pages() if (HTML / p).exists() and "bpcore-explorer" in
            (HTML / p).read_text(encoding="utf-8")]


def test_the_chapters_with_sliders_have_explorers():
    found = {Path(p).stem for p in explorer_pages()}
    assert {"04-activations", "05-learning-rate", "06-hidden-width"} <= found, found


@pytest.mark.parametrize("page_path", explorer_pages())
def test_every_slider_changes_the_figure_offline(site, page_path):
    """No kernel behind the page: moving each control (keyboard on the slider handle) must
    still show another precomputed frame."""
    from .browser import VISIBLE_FRAMES_JS, check_explorers
    with browser_page() as (page, external, errors):
        page.goto(f"{site}/{page_path}", wait_until="load")
        page.wait_for_selector(".bpcore-explorer img")
        visible = page.evaluate(VISIBLE_FRAMES_JS)
        assert visible and all(len(v) == 1 for v in visible), (
            f"each explorer should show exactly one frame at a time: {[len(v) for v in visible]}")
        problems = check_explorers(page, str(SHOTS / Path(page_path).stem))
        page.wait_for_load_state("networkidle")
    assert not problems, problems
    assert not external, f"{page_path} tried to load from outside: {external}"


@pytest.mark.parametrize("page_path", explorer_pages())
def test_every_explorer_holds_every_frame(page_path):
    """The build draws every frame in advance (BPBOOK_PRECOMPUTE=1, bpcore.book.explore): in the
    page's widget state each explorer's Stacks hold one drawn figure per combination of its
    controls' values, and no placeholder of a frame drawn on demand in a live kernel."""
    import json
    text = (HTML / page_path).read_text(encoding="utf-8")
    found = re.search(r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>',
                      text, re.S)
    assert found, f"{page_path} has no widget state"
    state = {k: v["state"] for k, v in json.loads(found.group(1))["state"].items()}

    def child(ref):
        return state[ref.removeprefix("IPY_MODEL_")]

    def leaves(model):
        if "selected_index" in model:                 # a Stack: one child per value
            return [leaf for ref in model["children"] for leaf in leaves(child(ref))]
        return [model]

    boxes = [m for m in state.values() if "bpcore-explorer" in m.get("_dom_classes", [])]
    assert boxes
    for box in boxes:
        assert "bpcore-explorer-on-demand" not in box["_dom_classes"], (
            f"{page_path}: an explorer was built to draw its frames on demand: the build ran "
            f"without BPBOOK_PRECOMPUTE=1")
        controls = child(box["children"][-2 if len(box["children"]) > 1 else 0])
        inputs = [child(ref) for ref in controls["children"]]
        combinations = 1
        for control in inputs:
            combinations *= len(control["_options_labels"])
        frames = leaves(child(box["children"][-1]))
        assert len(frames) == combinations, (page_path, len(frames), combinations)
        for frame in frames:
            assert 'class="bpcore-figure" src="data:image/png;base64,' in frame["value"], (
                f"{page_path}: a frame was not drawn: {frame['value'][:200]}")
        assert len({frame["value"] for frame in frames}) == combinations


@pytest.mark.parametrize("page_path", [p for p in pages() if p.startswith("chapters/")])
def test_page_size_with_its_images_is_under_5_mb(page_path):
    html = (HTML / page_path).read_text(encoding="utf-8")
    size = len(html.encode())
    for src in set(re.findall(r'<img[^>]+src="([^"]+)"', html)):
        if not src.startswith("data:"):
            size += (HTML / Path(page_path).parent / src).resolve().stat().st_size
    assert size < 5e6, f"{page_path} weighs {size / 1e6:.1f} MB with its images"
