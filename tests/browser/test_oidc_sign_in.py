"""Signing in through an identity provider (`ASSISTANT_AUTH=oidc`): Streamlit's real
``st.login`` flow in Chromium against ``FakeOidc``, a loopback OpenID Connect provider.
The account row gives a known user their role; anyone else gets the default role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_oidc import FakeOidc
from helpers import ServedApp, assistant_cli, in_nav

from assistant.runtime.ports import free_port

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def oidc_app(
    runtime, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServedApp, FakeOidc]]:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("oidc")
    idp = FakeOidc()
    port = free_port()
    home = root / "home"  # Streamlit reads ~/.streamlit/secrets.toml: the provider goes there
    (home / ".streamlit").mkdir(parents=True)
    (home / ".streamlit" / "secrets.toml").write_text(idp.secrets_toml(f"http://127.0.0.1:{port}"))
    env = {
        "HOME": str(home),
        "ASSISTANT_CACHE_DIR": str(runtime.settings.cache_dir),
        "ASSISTANT_AUTH": "oidc",
        "DATABASE_URL": f"sqlite:///{root / 'oidc.db'}",
        "ASSISTANT_DATA_DIR": str(runtime.settings.data_dir),
    }
    made = assistant_cli("users", "add", "ann@corp.example", "--role", "lead", "--oidc", env=env)
    assert made.returncode == 0, made.stderr
    app = ServedApp(runtime.settings.data_dir, port=port, env=env).start()
    yield app, idp
    app.stop()
    idp.close()


def _sign_in(browser, app: ServedApp, idp: FakeOidc, email: str, name: str):  # type: ignore[no-untyped-def]
    idp.user = {"email": email, "name": name}
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(90_000)
    page.goto(app.url)
    page.get_by_role("button", name="Sign in with your company account").click()
    return context, page


def test_sign_in_through_the_identity_provider(oidc_app, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app, idp = oidc_app
    ctx, page = _sign_in(browser, app, idp, "ann@corp.example", "Ann Lead")
    page.get_by_text("Ann Lead · lead").wait_for()
    assert in_nav(page, "Golden set") and in_nav(page, "Review")
    page.screenshot(path=str(tmp_path / "oidc-lead.png"), full_page=True)
    ctx.close()

    ctx, page = _sign_in(browser, app, idp, "bo@corp.example", "Bo")
    page.get_by_text("Bo · employee").wait_for()
    assert in_nav(page, "My answers") and not in_nav(page, "Review")
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Sign in with your company account").wait_for()
    ctx.close()
    assert [t["email"] for t in idp.issued] == ["ann@corp.example", "bo@corp.example"]
