"""The interaction log and the answer cache: one row per answer shown, redacted first."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel

from assistant.answering.answer import Answer
from assistant.storage import db
from assistant.storage.db import utcnow


class Interaction(SQLModel, table=True):
    id: str = Field(default_factory=lambda: uuid.uuid4().hex, primary_key=True, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    user_id: str = Field(index=True, max_length=200)
    conversation_id: str = Field(index=True, max_length=64)
    question: str  # redacted
    standalone_query: str  # redacted
    answer: str  # redacted
    mode: str = Field(default="generated", max_length=16)
    refused: bool = False
    refusal_reason: str | None = None
    citations: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    retrieval: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    pii_entities: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    model: str = Field(max_length=200)
    config_version: str = Field(max_length=64)
    prompt_version: str = Field(default="", max_length=64)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_ms: dict[str, float | None] = Field(default_factory=dict, sa_column=Column(JSON))
    cached: bool = False
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    # The groups a reader must hold to see this row's text (identity.groups.requirement);
    # NULL for rows logged before access was recorded: readable by nobody but the asker.
    access: list[list[str]] | None = Field(default=None, sa_column=Column(JSON))


class AnswerCache(SQLModel, table=True):
    key: str = Field(primary_key=True, max_length=64)
    answer: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


def log_interaction(
    engine: Engine,
    answer: Answer,
    *,
    user_id: str,
    conversation_id: str,
    stored_answer_text: str,
    also: Callable[[Session], None] | None = None,
) -> str:
    """Store one answer (its text already redacted by the caller); return the row id.
    ``also`` adds what must commit with it (the conversation's entry) to the same session."""
    row = Interaction(
        user_id=user_id,
        conversation_id=conversation_id,
        question=answer.question,
        standalone_query=answer.standalone_query,
        answer=stored_answer_text,
        mode=answer.mode,
        refused=answer.refused,
        refusal_reason=answer.refusal_reason,
        citations=[
            {
                "n": c.n,
                "chunk_id": c.chunk_id,
                "document": c.document,
                "section": c.section,
                "page": c.page,
                "content_hash": c.content_hash,
                "score": c.score,
            }
            for c in answer.citations
        ],
        retrieval=[
            {
                "chunk_id": s.chunk_id,
                "document": s.document,
                "score": s.score,
                "similarity": s.similarity,
                "content_hash": s.content_hash,
            }
            for s in answer.sources
        ],
        pii_entities=list(answer.pii_entities),
        model=answer.model,
        config_version=answer.config_version,
        prompt_version=answer.prompt_version,
        prompt_tokens=answer.prompt_tokens,
        completion_tokens=answer.completion_tokens,
        latency_ms=answer.latency.model_dump(),
        cached=answer.cached,
        access=answer.access,
        details={
            "removed_markers": answer.removed_markers,
            "moved_markers": answer.moved_markers,
            "dropped_sentences": answer.dropped_sentences,
            "kept_quotes": answer.kept_quotes,
            "fallback_reason": answer.fallback_reason,
            "fallback": answer.fallback,
            "injection_flags": answer.injection_flags,
            "trace": answer.trace.model_dump() if answer.trace else None,
        },
    )
    row_id = row.id  # assigned at construction; the row expires on commit
    with db.session_scope(engine) as session:
        session.add(row)
        if also is not None:
            also(session)
    return row_id


def get_interaction(engine: Engine, interaction_id: str) -> Interaction | None:
    with db.session_scope(engine) as session:
        row = session.get(Interaction, interaction_id)
        if row is not None:
            session.expunge(row)
        return row


def cache_key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def cached_answer(engine: Engine, key: str) -> Answer | None:
    with db.session_scope(engine) as session:
        row = session.get(AnswerCache, key)
        return Answer.model_validate(row.answer) if row else None


def store_answer(engine: Engine, key: str, answer: Answer) -> None:
    payload = answer.model_dump(mode="json", exclude={"interaction_id", "cached"})
    with db.session_scope(engine) as session:
        session.merge(AnswerCache(key=key, answer=payload))
