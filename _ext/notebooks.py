"""Every chapter page of the built book offers its notebook as ``.ipynb``.

The chapters are MyST Markdown notebooks (``chapters/*.md``); a reader who downloads one wants a
notebook that plain Jupyter opens. When the HTML builder starts, each page that myst-nb reads as
a notebook is converted with jupytext (without outputs: the reader runs it) into
``_sources/<page>.ipynb`` of the built site, and the page's context names it, so that the theme's
download menu (the ⤓ button at the top of the page) lists ".ipynb" beside ".md" and ".pdf".

sphinx-book-theme shows that button entry only when a launch service (Binder, JupyterHub,
Colab) is configured, and then offers the *executed* notebook, with every explorer's frames in
it. Neither fits an offline book whose readers run the chapters themselves, so these few lines
do the conversion (jupytext does the work) and tell the theme where the file is.
"""
from __future__ import annotations

from pathlib import Path


def _notebook_pages(app):
    """(page name, source path) of every page whose source is a MyST notebook with code."""
    for docname in sorted(app.env.found_docs):
        path = Path(app.env.doc2path(docname))
        if path.suffix != ".md":
            continue
        text = path.read_text(encoding="utf-8")
        if "```{code-cell}" in text and ("format_name: myst" in text[:400]
                                         or "file_format: mystnb" in text[:400]):
            yield docname, path


def _target(app, pagename) -> Path:
    return Path(app.outdir) / "_sources" / f"{pagename}.ipynb"


def write_notebooks(app, env):
    """After the sources are read: ``_sources/<page>.ipynb`` for every notebook page."""
    if app.builder.format != "html":
        return
    import jupytext
    for docname, path in _notebook_pages(app):
        notebook = jupytext.read(path)
        for cell in notebook.cells:
            cell.get("outputs", []).clear()
        target = _target(app, docname)
        target.parent.mkdir(parents=True, exist_ok=True)
        jupytext.write(notebook, target, fmt="ipynb")


def name_notebook(app, pagename, templatename, context, doctree):
    """Tell the theme's download menu about the page's notebook (before the theme reads it)."""
    if _target(app, pagename).exists():
        context["ipynb_source"] = f"{pagename}.ipynb"


def setup(app):
    app.connect("env-updated", write_notebooks)
    # Before sphinx-book-theme builds its header buttons (priority 500).
    app.connect("html-page-context", name_notebook, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
