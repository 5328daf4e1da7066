"""Accounts, roles and the audit log on a real SQL store (SQLite here)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from assistant.identity import accounts
from assistant.identity.accounts import Account, AuthError, Forbidden
from assistant.storage import audit, db


@pytest.fixture()
def engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = db.make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    db.migrate(engine)
    return engine


def test_roles_are_cumulative() -> None:
    assert accounts.permissions("employee") == {"ask", "feedback"}
    assert accounts.permissions("reviewer") == {"ask", "feedback", "review"}
    assert {"approve", "export", "documents"} <= accounts.permissions("lead")
    assert accounts.permissions("admin") >= accounts.permissions("lead")
    assert "review" not in accounts.permissions("employee")


def test_accounts_are_created_once_and_passwords_are_hashed(engine) -> None:  # type: ignore[no-untyped-def]
    info = accounts.create_account(
        engine, "Rita@Example.com", role="reviewer", password="correct horse", actor="admin",
        groups=["Finance", "everyone"],
    )  # fmt: skip
    assert info.username == "rita@example.com" and info.groups == ["finance"]
    with pytest.raises(AuthError, match="already exists"):
        accounts.create_account(
            engine, "rita@example.com", role="admin", password="another one", actor="admin"
        )
    with db.session_scope(engine) as session:
        row = session.exec(select(Account)).one()
        assert row.role == "reviewer", "an existing account is never replaced"
        assert row.password_hash and "correct horse" not in row.password_hash
        assert row.password_hash.startswith("$argon2id$")
    with pytest.raises(AuthError, match="too short"):
        accounts.create_account(engine, "sam", role="employee", password="short", actor="admin")
    with pytest.raises(AuthError, match="Unknown role"):
        accounts.create_account(engine, "sam", role="boss", password="long enough", actor="x")


def test_sign_in_checks_the_password_and_says_nothing_about_who_exists(engine) -> None:  # type: ignore[no-untyped-def]
    accounts.create_account(engine, "lena", role="lead", password="s3cret-pass", actor="admin")
    me = accounts.authenticate(engine, "LENA", "s3cret-pass")
    assert (me.user_id, me.role, me.method) == ("lena", "lead", "local")
    assert me.can("export") and me.can("review")
    with pytest.raises(AuthError) as wrong:
        accounts.authenticate(engine, "lena", "nope")
    with pytest.raises(AuthError) as nobody:
        accounts.authenticate(engine, "ghost", "x")
    assert str(wrong.value) == str(nobody.value)
    accounts.update_account(engine, "lena", disabled=True, actor="admin")
    with pytest.raises(AuthError):
        accounts.authenticate(engine, "lena", "s3cret-pass")
    log = audit.entries(engine)
    assert [e.action for e in log][:4] == [
        "signin.failed",
        "account.update",
        "signin.failed",
        "signin.failed",
    ]
    assert all("s3cret" not in str(e.details) for e in log), "no secret in the audit log"


def test_permissions_are_enforced_on_the_principal() -> None:
    employee = accounts.Principal(user_id="e", display_name="E", role="employee", method="local")
    with pytest.raises(Forbidden, match="may not review"):
        employee.require("review")
    accounts.demo_principal().require("export")


def test_oidc_users_get_their_account_role_or_the_default(engine) -> None:  # type: ignore[no-untyped-def]
    accounts.create_account(engine, "ann@corp.example", role="lead", password=None, actor="a")
    assert accounts.oidc_principal(engine, "Ann@corp.example", "Ann", "employee").role == "lead"
    new = accounts.oidc_principal(engine, "bo@corp.example", "Bo", "employee")
    assert (new.role, new.method) == ("employee", "oidc")
    with pytest.raises(AuthError):  # an OIDC-only account has no password to sign in with
        accounts.authenticate(engine, "ann@corp.example", "")


def test_config_changes_are_audited_once_per_version(engine) -> None:  # type: ignore[no-untyped-def]
    assert audit.note_config_version(engine, "default-1", "answering.toml")
    assert not audit.note_config_version(engine, "default-1", "answering.toml")
    assert audit.note_config_version(engine, "default-2", "answering.toml")
    (latest, *_) = audit.entries(engine, action="config.")
    assert (latest.target, latest.details["previous"]) == ("default-2", "default-1")
