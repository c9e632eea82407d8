"""Shared helpers for the real-browser tests: Debian's Chromium driven by Playwright, offline.

Never downloads a browser: Chromium comes from the system (``apt-get install chromium``), found at
$CHROMIUM or /usr/bin/chromium. Every request that does not go to 127.0.0.1 is aborted and
recorded, so a test can fail on it.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-dev-shm-usage"]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("Chromium not found: install Debian's package (apt-get install -y chromium) "
                    "or set CHROMIUM to its path. The tests never download a browser.")
    return path


def is_local(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in ("data", "blob", "about", "chrome-extension"):
        return True
    return parsed.hostname in ("127.0.0.1", "localhost", "::1")


@contextlib.contextmanager
def browser_page(screenshot_dir: Path | None = None):
    """Yield (page, external_requests, page_errors): a fresh offline Chromium page."""
    from playwright.sync_api import sync_playwright
    external, errors = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), headless=True,
                                    args=CHROMIUM_FLAGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})

            def guard(route):
                if is_local(route.request.url):
                    route.continue_()
                else:
                    external.append(route.request.url)
                    route.abort()

            context.route("**/*", guard)
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            yield page, external, errors
        finally:
            browser.close()


@contextlib.contextmanager
def serve(directory: Path):
    """Serve ``directory`` over HTTP on 127.0.0.1 (a free port); yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


# -- slider explorers (bpcore.book.explore) ------------------------------------------------------

#: JavaScript: for every explorer on the page, the src of each image that is visible now.
VISIBLE_FRAMES_JS = """() => [...document.querySelectorAll('.bpcore-explorer')].map(ex =>
    [...ex.querySelectorAll('img')]
        .filter(i => i.offsetParent !== null && i.getBoundingClientRect().width > 0)
        .map(i => i.src))"""


def explorer_controls(page, index):
    """The controls of explorer ``index``: ("slider", handle locator) per SelectionSlider and
    ("dropdown", select locator) per Dropdown, in order."""
    explorer = page.locator(".bpcore-explorer").nth(index)
    controls = []
    for i in range(explorer.locator(".widget-slider, .widget-dropdown").count()):
        control = explorer.locator(".widget-slider, .widget-dropdown").nth(i)
        if control.locator("select").count():
            controls.append(("dropdown", control.locator("select")))
        else:
            controls.append(("slider", control.locator(".noUi-handle")))
    return controls


def move_control(page, kind, locator, key="ArrowRight"):
    """Move one control one step, as a reader does: keyboard on the slider's handle; for a
    dropdown, the next option (or the previous one from the last)."""
    if kind == "slider":
        locator.focus()
        page.keyboard.press(key)
    else:
        options = locator.locator("option")
        current = locator.evaluate("s => s.selectedIndex")
        step = 1 if current + 1 < options.count() else -1
        locator.select_option(index=current + step)


def check_explorers(page, shots_prefix=None):
    """Move every control of every explorer on ``page``; return a list of problems (empty when
    each move made another frame visible, its pixels different from the one before)."""
    problems = []
    n = page.locator(".bpcore-explorer").count()
    for e in range(n):
        explorer = page.locator(".bpcore-explorer").nth(e)
        explorer.scroll_into_view_if_needed()
        controls = explorer_controls(page, e)
        if not controls:
            problems.append(f"explorer {e}: no slider or dropdown found")
        for c, (kind, locator) in enumerate(controls):
            keys = ("ArrowRight", "ArrowLeft")
            if kind == "slider" and locator.get_attribute("aria-valuenow") == \
                    locator.get_attribute("aria-valuemax"):
                keys = keys[::-1]            # already at the right end: go left first
            for key in keys:
                before = page.evaluate(VISIBLE_FRAMES_JS)[e]
                pixels = explorer.locator("img:visible").first.screenshot()
                move_control(page, kind, locator, key)
                try:
                    page.wait_for_function(
                        "([e, before]) => { const now = (" + VISIBLE_FRAMES_JS + ")()[e];"
                        " return now.length === 1 && now[0] !== before[0]; }",
                        arg=[e, before], timeout=5000)
                except Exception:
                    problems.append(f"explorer {e}, {kind} {c} ({key}): the visible frame did "
                                    f"not change (visible before: {len(before)} image(s))")
                    continue
                after = explorer.locator("img:visible").first.screenshot()
                if after == pixels:
                    problems.append(f"explorer {e}, {kind} {c} ({key}): another image is "
                                    f"shown but it looks the same")
                if shots_prefix:
                    with open(f"{shots_prefix}-explorer{e}-control{c}-{key}.png", "wb") as f:
                        f.write(after)
    return problems
