"""Who is asking: accounts, roles and what each role may do.

Three ways to be signed in, chosen by ``ASSISTANT_AUTH``:
- ``demo``: one local user with every permission, no sign-in (the embedded default,
  labelled as such in the app);
- ``local``: accounts in the SQL store, passwords hashed with Argon2id, created with
  ``python -m assistant users add``;
- ``oidc``: Streamlit's ``st.login`` against the identity provider in
  ``.streamlit/secrets.toml``; the account row (matched by e-mail) gives the role,
  otherwise ``ASSISTANT_OIDC_DEFAULT_ROLE``.

Roles are cumulative: a lead may do everything a reviewer may, and so on.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, ConfigDict
from sqlalchemy import JSON, Column
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel, select

from assistant.errors import AssistantError
from assistant.identity.groups import EVERYONE, Reader
from assistant.storage import db
from assistant.storage.audit import audit
from assistant.storage.db import utc_column, utcnow

Role = Literal["employee", "reviewer", "lead", "admin"]
ROLES: tuple[Role, ...] = ("employee", "reviewer", "lead", "admin")
AuthMethod = Literal["demo", "local", "oidc"]

Permission = Literal[
    "ask",
    "feedback",
    "review",
    "approve",
    "export",
    "documents",
    "audit",
    "status",
    "configure",  # evaluate configurations, promote and roll back the answering config
    "insights",  # how the assistant is used, trusted, how fast and what it costs
]
_GRANTS: dict[Role, frozenset[str]] = {
    "employee": frozenset({"ask", "feedback"}),
    "reviewer": frozenset({"review"}),
    "lead": frozenset(
        {"approve", "export", "documents", "audit", "status", "configure", "insights"}
    ),
    "admin": frozenset(),  # everything a lead may; accounts are managed with the CLI
}
DEMO_USER = "demo"
MIN_PASSWORD_LENGTH = 8
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@+-]{0,199}$")
_hasher = PasswordHasher()  # Argon2id, the library's current recommended parameters
# Verified against when the user does not exist, so timing does not reveal who does.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


def permissions(role: Role) -> frozenset[str]:
    out: set[str] = set()
    for r in ROLES[: ROLES.index(role) + 1]:
        out |= _GRANTS[r]
    return frozenset(out)


class AuthError(AssistantError):
    """Sign-in failed or an account operation is not allowed."""


class Forbidden(AssistantError):
    """The signed-in user's role does not allow this."""


class Principal(BaseModel):
    """The signed-in user, as every page and action sees them."""

    model_config = ConfigDict(frozen=True)
    user_id: str
    display_name: str
    role: Role
    groups: tuple[str, ...] = (EVERYONE,)
    method: AuthMethod

    def can(self, permission: Permission) -> bool:
        return permission in permissions(self.role)

    def reader(self) -> Reader:
        """Who reads, for every access decision: the user and their groups."""
        return Reader(self.user_id, self.groups)

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise Forbidden(
                f"{self.user_id} ({self.role}) may not {permission}.",
                fix="Ask an admin for a role that allows it.",
            )


class Account(SQLModel, table=True):
    username: str = Field(primary_key=True, max_length=200)
    display_name: str = Field(default="", max_length=200)
    role: str = Field(max_length=16)
    groups: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    password_hash: str | None = None  # None: sign-in through OIDC only
    disabled: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())

    def principal(self, method: AuthMethod) -> Principal:
        groups = tuple(dict.fromkeys([EVERYONE, *self.groups]))
        return Principal(
            user_id=self.username,
            display_name=self.display_name or self.username,
            role=self.role,  # type: ignore[arg-type]
            groups=groups,
            method=method,
        )


class AccountInfo(BaseModel):
    username: str
    display_name: str
    role: Role
    groups: list[str]
    sign_in: Literal["password", "oidc"]
    disabled: bool
    created_at: datetime


def demo_principal() -> Principal:
    return Principal(user_id=DEMO_USER, display_name="Demo user", role="admin", method="demo")


def normalise_username(username: str) -> str:
    name = username.strip().lower()
    if not _USERNAME.match(name):
        raise AuthError(
            f"{username!r} is not a valid user name.",
            fix="Use letters, digits and . _ @ + - (an e-mail address works).",
        )
    return name


def _check_role(role: str) -> Role:
    if role not in ROLES:
        raise AuthError(f"Unknown role {role!r}.", fix=f"Use one of: {', '.join(ROLES)}.")
    return role  # type: ignore[return-value]


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(f"The password is too short (minimum {MIN_PASSWORD_LENGTH} characters).")


def _clean_groups(groups: list[str] | tuple[str, ...]) -> list[str]:
    return sorted({g.strip().lower() for g in groups if g.strip()} - {EVERYONE})


def create_account(
    engine: Engine,
    username: str,
    *,
    role: str,
    password: str | None,
    display_name: str = "",
    groups: list[str] | tuple[str, ...] = (),
    actor: str,
) -> AccountInfo:
    """Create an account; an existing one is never replaced (change it explicitly instead)."""
    name = normalise_username(username)
    role = _check_role(role)
    if password is not None:
        _check_password(password)
    with db.session_scope(engine) as session:
        if session.get(Account, name) is not None:
            raise AuthError(
                f"The account {name} already exists.",
                fix="Change it with `users set` (role, groups, password, --disable).",
            )
        row = Account(
            username=name,
            display_name=display_name.strip(),
            role=role,
            groups=_clean_groups(groups),
            password_hash=_hasher.hash(password) if password is not None else None,
        )
        session.add(row)
        audit(session, actor, "account.create", name, role=role, groups=row.groups)
        session.flush()
        return _info(row)


def update_account(
    engine: Engine,
    username: str,
    *,
    actor: str,
    role: str | None = None,
    password: str | None = None,
    groups: list[str] | None = None,
    disabled: bool | None = None,
) -> AccountInfo:
    name = normalise_username(username)
    with db.session_scope(engine) as session:
        row = session.get(Account, name)
        if row is None:
            raise AuthError(f"No account {name}.", fix="Create it with `users add`.")
        changes: dict[str, Any] = {}
        if role is not None:
            row.role = changes["role"] = _check_role(role)
        if groups is not None:
            row.groups = changes["groups"] = _clean_groups(groups)
        if disabled is not None:
            row.disabled = changes["disabled"] = disabled
        if password is not None:
            _check_password(password)
            row.password_hash = _hasher.hash(password)
            changes["password"] = "changed"  # never the value
        row.updated_at = utcnow()
        session.add(row)
        audit(session, actor, "account.update", name, **changes)
        session.flush()
        return _info(row)


def list_accounts(engine: Engine) -> list[AccountInfo]:
    with db.session_scope(engine) as session:
        return [_info(r) for r in session.exec(select(Account).order_by(Account.username))]


def _info(row: Account) -> AccountInfo:
    return AccountInfo(
        username=row.username,
        display_name=row.display_name,
        role=row.role,  # type: ignore[arg-type]
        groups=list(row.groups),
        sign_in="password" if row.password_hash else "oidc",
        disabled=row.disabled,
        created_at=row.created_at,
    )


def authenticate(engine: Engine, username: str, password: str) -> Principal:
    """A local sign-in. The error never says whether the user exists."""
    failure = AuthError("Unknown user or wrong password.", fix="Check both and try again.")
    try:
        name = normalise_username(username)
    except AuthError:
        raise failure from None
    with db.session_scope(engine) as session:
        row = session.get(Account, name)
        stored = row.password_hash if row is not None and row.password_hash else _DUMMY_HASH
        try:
            _hasher.verify(stored, password)
            ok = row is not None and row.password_hash is not None and not row.disabled
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok:  # recorded (committed) before the error is raised
            audit(session, name, "signin.failed", name)
            principal = None
        else:
            assert row is not None
            if _hasher.check_needs_rehash(stored):
                row.password_hash = _hasher.hash(password)
                session.add(row)
            audit(session, name, "signin", name, method="local")
            principal = row.principal("local")
    if principal is None:
        raise failure
    return principal


def oidc_principal(engine: Engine, email: str, name: str, default_role: Role) -> Principal:
    """The principal for an identity-provider user: their account's role if one exists."""
    user = normalise_username(email)
    with db.session_scope(engine) as session:
        row = session.get(Account, user)
        if row is not None:
            if row.disabled:
                raise AuthError(f"The account {user} is disabled.", fix="Ask an admin.")
            principal = row.principal("oidc")
            if not row.display_name and name:  # the provider knows the name
                principal = principal.model_copy(update={"display_name": name})
            return principal
    return Principal(user_id=user, display_name=name or user, role=default_role, method="oidc")
