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
