"""A page opened by its address on a freshly started server (a bookmark, a link in a
runbook): Streamlit runs that page's file alone until someone has opened the app, so the
page must send the reader through sign-in and bring them back to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import ServedApp, assistant_cli, idle, in_nav, local_accounts_env

pytestmark = pytest.mark.browser

PASSWORD = "a long test password"


@pytest.fixture()
def fresh_app(runtime, tmp_path: Path) -> Iterator[ServedApp]:  # type: ignore[no-untyped-def]
    """A server no browser has opened yet (local accounts, its own database)."""
    env = local_accounts_env(runtime.settings.data_dir, tmp_path, "Addresses")
    done = assistant_cli(
        "users", "add", "lena", "--role", "lead", "--password-stdin", env=env,
        input=PASSWORD + "\n",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    app = ServedApp(runtime.settings.data_dir, env=env).start()
    yield app
    app.stop()


def test_a_page_opened_first_by_its_address_signs_in_and_opens_it(  # type: ignore[no-untyped-def]
    fresh_app: ServedApp, page
) -> None:
    page.goto(f"{fresh_app.url}/review_queue")  # the file's address, before anyone opened "/"
    page.get_by_role("textbox", name="User name").fill("lena")
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Review queue").wait_for()
    idle(page)
    assert page.url.rstrip("/").endswith("/review")  # the app's own address for the page
    assert in_nav(page, "Ask") and in_nav(page, "Golden set")  # the app's navigation
    assert page.get_by_text("You do not have access to this page.").count() == 0
