"""Every page checks the role server-side: a signed-in user whose role lacks the page's
permission gets "no access" and nothing of the page runs (Streamlit's AppTest runs the real
page scripts, no browser)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from assistant.config import PROJECT_ROOT
from assistant.identity.accounts import ROLES, Principal, permissions
from pages.ui.signin import PRINCIPAL

PAGES = {  # page script -> the permission it requires
    "pages/feedback.py": "feedback",
    "pages/review_queue.py": "review",
    "pages/golden.py": "approve",
    "pages/evaluation.py": "configure",
    "pages/insights.py": "insights",
    "pages/documents.py": "documents",
    "pages/audit.py": "audit",
    "pages/status.py": "status",
}
DENIED = [
    (page, role) for page, perm in PAGES.items() for role in ROLES if perm not in permissions(role)
]


@pytest.mark.parametrize(("page", "role"), DENIED)
def test_a_role_without_the_permission_is_turned_away(page: str, role: str) -> None:
    app = AppTest.from_file(str(PROJECT_ROOT / page), default_timeout=30)
    app.session_state[PRINCIPAL] = Principal(
        user_id="someone", display_name="Someone", role=role, method="local"
    )
    app.run()
    assert [e.value for e in app.error] == ["You do not have access to this page."]
    assert not app.title, "the page rendered past its role check"


@pytest.mark.parametrize("page", list(PAGES))
def test_nobody_signed_in_is_turned_away(page: str) -> None:
    app = AppTest.from_file(str(PROJECT_ROOT / page), default_timeout=30)
    app.run()
    assert [e.value for e in app.error] == ["You do not have access to this page."]


def test_the_denial_matrix_is_not_empty() -> None:
    # Employees are kept out of every page but their own answers; reviewers out of leads' pages.
    assert {p for p, r in DENIED if r == "employee"} == set(PAGES) - {"pages/feedback.py"}
    assert ("pages/evaluation.py", "reviewer") in DENIED
    assert ("pages/golden.py", "reviewer") in DENIED and (
        "pages/review_queue.py",
        "lead",
    ) not in DENIED
