"""The audit log: who did what to which record, and when. Append-only.

Every review, approval, export, account change, document change and answering
config change is recorded in the same transaction as the change itself (pass the
session), so an action and its audit entry are committed together or not at all.
Details hold ids, counts and names, never question text or secrets.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import JSON, Column
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from assistant.storage import db
from assistant.storage.db import utc_column, utcnow

SYSTEM = "system"


class AuditEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
    actor: str = Field(index=True, max_length=200)
    action: str = Field(index=True, max_length=64)
    target: str = Field(default="", max_length=200)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))


class AuditEntry(BaseModel):
    at: datetime
    actor: str
    action: str
    target: str
    details: dict[str, Any]

    @property
    def summary(self) -> str:
        """The details as readable "what: value" pairs, for a person (the JSON stays stored)."""
        return " · ".join(f"{k.replace('_', ' ')}: {_readable(v)}" for k, v in self.details.items())


def _readable(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_readable(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k.replace('_', ' ')} {_readable(v)}" for k, v in value.items())
    return str(value)


def audit(session: Session, actor: str, action: str, target: str = "", **details: Any) -> None:
    """Add an entry to ``session``; it commits with the change it describes."""
    session.add(AuditEvent(actor=actor, action=action, target=str(target)[:200], details=details))


def record(engine: Engine, actor: str, action: str, target: str = "", **details: Any) -> None:
    """An entry on its own (for actions outside the SQL store, e.g. a re-index)."""
    with db.session_scope(engine) as session:
        audit(session, actor, action, target, **details)


def entries(
    engine: Engine, *, actor: str | None = None, action: str | None = None, limit: int = 200
) -> list[AuditEntry]:
    query = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if action:
        query = query.where(col(AuditEvent.action).startswith(action))
    with db.session_scope(engine) as session:
        return [AuditEntry.model_validate(e, from_attributes=True) for e in session.exec(query)]


def note_config_version(engine: Engine, version: str, source: str) -> bool:
    """Record an answering-config change when the running version differs from the last one
    recorded; True when it did."""
    with db.session_scope(engine) as session:
        last = session.exec(
            select(AuditEvent)
            .where(AuditEvent.action == "config.activated")
            .order_by(col(AuditEvent.id).desc())
            .limit(1)
        ).first()
        if last is not None and last.target == version:
            return False
        previous = last.target if last is not None else None
        audit(session, SYSTEM, "config.activated", version, previous=previous, source=source)
        return True
