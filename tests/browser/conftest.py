"""Browser tests: the real app served by `python -m assistant serve`, driven in Chromium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from helpers import ServedApp, skip_or_fail

from assistant.runtime.stack import Runtime

LOOPBACK = ("127.0.0.1", "localhost", "::1")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def served_app(runtime: Runtime) -> Iterator[ServedApp]:
    """The app on the session's data dir: it attaches to the session's servers."""
    app = ServedApp(runtime.settings.data_dir).start()
    yield app
    app.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        skip_or_fail("Chromium is not installed (make test installs it from Debian)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser, tmp_path: Path) -> Iterator[object]:
    """A page whose requests are watched: the app must not make the browser call anything
    outside this machine (a Material page icon, for one, is fetched from Google)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(90_000)
    outside: list[str] = []

    def watch(request) -> None:  # type: ignore[no-untyped-def]
        url = urlparse(request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.hostname not in LOOPBACK:
            outside.append(request.url)

    page.on("request", watch)
    yield page
    context.close()
    assert outside == [], f"the browser was made to call outside this machine: {outside}"
