"""Answering configurations as managed versions: stored immutably, labelled, moved.

Every configuration that served an answer or was evaluated is stored by its version (a
hash of its content, so a version is its content). Two labels point at versions:
``production`` (what the app and the CLI serve) and ``candidate`` (what a lead is trying).
The configuration file (``answering.toml``, or ``ASSISTANT_ANSWER_CONFIG``) seeds the
first production version; after that, production moves only by a promotion or a
rollback, each in the audit log. A running app reads the label on each question, so a
promotion takes effect without a restart. Whether a promotion is allowed (the evaluation
gate) is decided by the review loop, which calls ``move``.
"""

from __future__ import annotations

import difflib
import json
import logging
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import JSON, Column
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel, col, select

from assistant.answering.config import DEFAULT_FILE, AnswerConfig, load_answer_config
from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.storage import audit, db
from assistant.storage.db import utc_column, utcnow

log = logging.getLogger(__name__)
Label = Literal["production", "candidate"]
LABELS: tuple[Label, ...] = ("production", "candidate")
_SEEDED: set[tuple[str, str, int]] = set()  # (database, file, mtime) seeded in this process


class ConfigVersion(SQLModel, table=True):
    version: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=100)
    config: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    created_by: str = Field(max_length=200)
    source: str = Field(default="", max_length=300)


class ConfigLabel(SQLModel, table=True):
    label: str = Field(primary_key=True, max_length=16)
    version: str = Field(max_length=64)
    moved_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    moved_by: str = Field(max_length=200)
    reason: str | None = None


class VersionInfo(BaseModel):
    version: str
    name: str
    created_at: datetime
    created_by: str
    source: str
    labels: list[str]


class VersionError(AssistantError):
    """A version that does not exist, or a label move that is not allowed."""


def remember(engine: Engine, config: AnswerConfig, actor: str, source: str) -> str:
    """Store ``config`` under its version (once: a version never changes); the version."""
    version = config.version
    with db.session_scope(engine) as session:
        if session.get(ConfigVersion, version) is None:
            session.add(
                ConfigVersion(
                    version=version,
                    name=config.name,
                    config=config.model_dump(mode="json"),
                    created_by=actor,
                    source=source[:300],
                )
            )
            audit.audit(session, actor, "config.stored", version, source=source[:200])
    return version


def seed(engine: Engine, seed_config: AnswerConfig, source: str) -> str:
    """The production version, seeding it from the configuration file the first time. A
    file that changed since is stored as a version (for promotion), never served unasked."""
    remember(engine, seed_config, audit.SYSTEM, source)
    with db.session_scope(engine) as session:
        label = session.get(ConfigLabel, "production")
        if label is None:
            why = f"seeded from {source}"
            version = seed_config.version
            session.add(
                ConfigLabel(label="production", version=version, moved_by=audit.SYSTEM, reason=why)
            )
            audit.audit(session, audit.SYSTEM, "config.production", version, reason=why)
            return version
        current = label.version
    if current != seed_config.version:
        log.warning(
            "The answering config file %s (version %s) differs from production (%s): it is "
            "stored; make it the candidate and promote it to serve it.",
            source, seed_config.version, current,
        )  # fmt: skip
    return current


def production_version(engine: Engine, settings: Settings) -> str:
    """The version production points at now: one query on the hot path. The file is read
    and seeded once per process and file change, not on every question."""
    path = settings.answer_config or DEFAULT_FILE
    stamp = (str(engine.url), str(path), path.stat().st_mtime_ns)
    if stamp not in _SEEDED:
        _SEEDED.add(stamp)
        return seed(
            engine, load_answer_config(path), source=str(settings.answer_config or path.name)
        )
    version = labelled(engine, "production")
    if version is None:  # the label was never set on this database (a restore, say)
        _SEEDED.discard(stamp)
        return production_version(engine, settings)
    return version


def serving(engine: Engine, settings: Settings) -> AnswerConfig:
    """What answers now: the production configuration."""
    return get(engine, production_version(engine, settings))


def get(engine: Engine, version: str) -> AnswerConfig:
    with db.session_scope(engine) as session:
        row = session.get(ConfigVersion, version)
        if row is None:
            raise VersionError(f"There is no answering config version {version}.",
                               fix="See `python -m assistant config list`.")  # fmt: skip
        data = dict(row.config)
    return AnswerConfig.model_validate(data)


def labelled(engine: Engine, label: Label) -> str | None:
    with db.session_scope(engine) as session:
        row = session.get(ConfigLabel, label)
        return row.version if row else None


def move(
    engine: Engine, label: Label, version: str, actor: str, reason: str | None = None
) -> str | None:
    """Point ``label`` at ``version`` (which must be stored); the version it pointed at."""
    with db.session_scope(engine) as session:
        if session.get(ConfigVersion, version) is None:
            raise VersionError(f"There is no answering config version {version}.",
                               fix="See `python -m assistant config list`.")  # fmt: skip
        row = session.get(ConfigLabel, label)
        previous = row.version if row else None
        if row is None:
            row = ConfigLabel(label=label, version=version, moved_by=actor, reason=reason)
        else:
            row.version, row.moved_by, row.reason, row.moved_at = version, actor, reason, utcnow()
        session.add(row)
        audit.audit(session, actor, f"config.{label}", version, previous=previous, reason=reason)
    return previous


def history(engine: Engine) -> list[VersionInfo]:
    """Every stored version, newest first, with the labels pointing at it."""
    with db.session_scope(engine) as session:
        labels: dict[str, list[str]] = {}
        for lab in session.exec(select(ConfigLabel)).all():
            labels.setdefault(lab.version, []).append(lab.label)
        rows = session.exec(select(ConfigVersion).order_by(col(ConfigVersion.created_at).desc()))
        return [
            VersionInfo(
                version=r.version,
                name=r.name,
                created_at=r.created_at,
                created_by=r.created_by,
                source=r.source,
                labels=sorted(labels.get(r.version, [])),
            )
            for r in rows.all()
        ]


def diff(engine: Engine, old: str, new: str) -> str:
    """A unified diff of two versions, field by field (empty when they are the same)."""

    def lines(version: str) -> list[str]:
        data = get(engine, version).model_dump(mode="json")
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False).splitlines()

    return "\n".join(difflib.unified_diff(lines(old), lines(new), old, new, lineterm="", n=2))
