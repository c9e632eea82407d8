"""What a reader meets on a built page, measured in Chromium at 1280 px: every problem the
issue "a book a reader can trust" names, as a list of sentences (empty: none found).

- cut off: a table, display equation, code block, output, figure or widget that scrolls
  sideways, is clipped, or sticks out of the content column;
- small figures: an image shown at under 70% of the width it was drawn at, or whose smallest
  text (``data-min-text-px``, written by bpcore.book.figures) is under 10 px on screen;
- alt text: an image whose alt is missing, a file name or a path, or a word or two;
- sliders: a slider handle with no accessible name or no ``aria-valuetext``;
- axe-core (pinned in package.json, loaded from node_modules): serious or critical violations;
- "seed 00N" in the text: the source articles are cited by title, "seed" is a random seed.

Run by tests/book/test_reader.py; by hand, to see every problem of a built book at once:

    .venv/bin/python -m tests.book.reader [_build/html] [chapters/04-activations.html ...]
"""
from __future__ import annotations

import sys
from pathlib import Path

from .browser import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: Hidden cells, dropdowns and folded boxes are opened before measuring: what is cut off
#: when a reader opens them is cut off too.
OPEN_ALL_JS = """() => {
  document.querySelectorAll('article details').forEach(d => d.open = true);
  document.querySelectorAll('article .toggle-hidden, article .tag_hide-input .cell_input')
    .forEach(e => { e.classList.remove('toggle-hidden'); e.style.display = ''; });
}"""

MEASURE_JS = r"""() => {
  const article = document.querySelector('article.bd-article') || document.querySelector('article');
  const column = article.getBoundingClientRect();
  const shown = el => el.checkVisibility() && el.getBoundingClientRect().width > 0;
  const where = el => {
    let s = el.closest('section[id]');
    const text = (el.innerText || el.getAttribute('alt') || '').trim().replace(/\s+/g, ' ');
    return `${el.tagName.toLowerCase()} in #${s ? s.id : '?'} ("${text.slice(0, 60)}")`;
  };
  const problems = [];
  const blocks = 'table, pre, div.math, .cell_output .output, img, .bpcore-explorer, ' +
                 '.widget-box, .admonition, p, li, dl, figure';
  for (const el of article.querySelectorAll(blocks)) {
    if (!shown(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.right > column.right + 1 || r.left < column.left - 1)
      problems.push(`cut off: sticks out of the column by ${Math.round(r.right - column.right)} px: ${where(el)}`);
  }
  for (const el of article.querySelectorAll('*')) {
    if (!shown(el)) continue;
    const ox = getComputedStyle(el).overflowX;
    if ((ox === 'auto' || ox === 'scroll') && el.scrollWidth > el.clientWidth + 1)
      problems.push(`cut off: scrolls sideways by ${el.scrollWidth - el.clientWidth} px: ${where(el)}`);
    if (ox === 'hidden' || ox === 'clip') {
      const r = el.getBoundingClientRect();
      for (const inner of el.querySelectorAll('mjx-math, img, pre, table')) {
        const q = inner.getBoundingClientRect();
        if (q.width && (q.right > r.right + 1 || q.left < r.left - 1))
          problems.push(`cut off: clipped by ${Math.round(q.right - r.right)} px: ${where(el)}`);
      }
    }
  }
  for (const img of article.querySelectorAll('img')) {
    const alt = (img.getAttribute('alt') || '').trim();
    if (alt.split(/\s+/).length < 4 || /^\S*[\\/]\S*$/.test(alt) ||
        /\.(png|jpe?g|svg|gif)$/i.test(alt) || /[$\\]/.test(alt))
      problems.push(`alt text: ${JSON.stringify(alt.slice(0, 60))} does not say what is drawn: ${where(img)}`);
    if (!shown(img)) continue;
    const ratio = img.getBoundingClientRect().width / img.naturalWidth;
    if (ratio < 0.7)
      problems.push(`small figure: shown at ${Math.round(100 * ratio)}% of its ${img.naturalWidth} px: ${where(img)}`);
    const minText = parseFloat(img.dataset.minTextPx || 'NaN');
    if (img.dataset.minTextPx === undefined && !img.closest('.bpcore-static'))
      problems.push(`small figure: no data-min-text-px (not drawn through bpcore.book.figures): ${where(img)}`);
    else if (minText * Math.min(ratio, 1) < 10)
      problems.push(`small figure: smallest text ${(minText * ratio).toFixed(1)} px on screen: ${where(img)}`);
  }
  for (const s of article.querySelectorAll('[role="slider"]')) {
    const label = s.getAttribute('aria-label') ||
      (s.getAttribute('aria-labelledby') || '').split(/\s+/).map(id => document.getElementById(id))
        .filter(Boolean).map(e => e.textContent).join(' ');
    if (!label.trim()) problems.push(`slider: no accessible name: ${where(s.closest('.widget-slider') || s)}`);
    if (!s.getAttribute('aria-valuetext')) problems.push(`slider: no aria-valuetext: ${where(s.closest('.widget-slider') || s)}`);
  }
  for (const m of article.innerText.matchAll(/.{0,40}\bseed\s*0\d\d\b.{0,20}/gi))
    problems.push(`"seed 00N" in the text: ${m[0]}`);
  return problems;
}"""

AXE_JS = """() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
  .filter(v => v.impact === 'serious' || v.impact === 'critical')
  .map(v => `axe-core ${v.impact}: ${v.id} (${v.help}) at ` +
            v.nodes.slice(0, 3).map(n => n.target.join(' ')).join('; ')))"""


def load(page, url: str) -> None:
    """Open ``url``, wait for MathJax to typeset, the widgets to render and the fonts."""
    page.goto(url, wait_until="load")
    page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("MathJax.startup.promise")
    page.wait_for_load_state("networkidle")
    if page.locator("script[type='application/vnd.jupyter.widget-view+json']").count():
        page.wait_for_selector(".bpcore-explorer img, .jupyter-widgets", timeout=15000)
    page.evaluate("document.fonts.ready")


def problems(page) -> list[str]:
    """Every problem of the loaded page, hidden code and folded boxes opened."""
    if not AXE.exists():
        raise FileNotFoundError(f"{AXE} missing: run `npm ci` (make test does).")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(AXE_JS)
    page.evaluate(OPEN_ALL_JS)
    return found + page.evaluate(MEASURE_JS)


def main(argv: list[str]) -> int:
    from .browser import browser_page, serve
    from .test_html import pages
    html = Path(argv[0]) if argv else ROOT / "_build" / "html"
    chosen = argv[1:] or pages()
    total = 0
    with serve(html) as site:
        for path in chosen:
            with browser_page() as (page, _, _):
                load(page, f"{site}/{path}")
                found = problems(page)
            total += len(found)
            print(f"== {path}: {len(found)} problem(s)")
            for p in found:
                print("  ", p)
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
