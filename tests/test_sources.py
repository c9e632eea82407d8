"""The book's sources: cited, never code-named. (The build itself, with -n -W, fails on a
citation key that is not in references.bib.)"""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "chapters").glob("*.md")) + [ROOT / "intro.md", ROOT / "sources.md"]
NAMES = {"the worked-example article": "cn_worked_example",
         "the neurons-and-functions article": "cn_neurons_functions",
         "the forward/backward-propagation article": "cn_forward_backward",
         "the four-equation article": "cn_four_equations",
         "the hand-written numpy article": "cn_numpy_network"}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_no_source_is_called_seed(page):
    """'seed' means a random seed only; the articles go by their names."""
    text = page.read_text(encoding="utf-8")
    assert re.findall(r"(?i)seed 00\d|\bthe seed\b|seed's", text) == []


@pytest.mark.parametrize("page", PAGES[:-1], ids=lambda p: p.name)
def test_an_article_is_cited_where_a_page_first_names_it(page):
    text = " ".join(page.read_text(encoding="utf-8").split())
    for name, key in NAMES.items():
        first = text.lower().find(name)
        if first >= 0:
            assert f"{{cite:p}}`{key}`" in text[first:first + len(name) + 80], (page.name, name)


def test_every_source_is_in_the_bibliography():
    bib = (ROOT / "references.bib").read_text(encoding="utf-8")
    for key in list(NAMES.values()) + ["mazur2015", "nielsen2015", "glorot2010"]:
        assert re.search(rf"@\w+\{{{key},", bib), key
