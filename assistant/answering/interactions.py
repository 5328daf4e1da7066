"""The interaction log and the answer cache: one row per answer shown, redacted first."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel

from assistant.answering.answer import Answer
from assistant.storage import db
from assistant.storage.db import utc_column, utcnow


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
    config_version: str = Field(max_length=64, index=True)
    prompt_version: str = Field(default="", max_length=64)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_ms: dict[str, float | None] = Field(default_factory=dict, sa_column=Column(JSON))
    cached: bool = False
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    # The groups a reader must hold to see this row's text (identity.groups.requirement);
    # NULL for rows logged before access was recorded: readable by nobody but the asker.
    access: list[list[str]] | None = Field(default=None, sa_column=Column(JSON))
    # What the Insights page groups and counts, as plain columns (migration 0007)
    fallback: str | None = Field(default=None, max_length=16)
    follow_up: bool = False
    retrieve_ms: float | None = None
    first_token_ms: float | None = None  # the model's first word on screen
    total_ms: float | None = None
    best_similarity: float | None = None
    retries: int = 0  # requests to the model its client sent again (migration 0009)
    # A question the documents could not answer (refused, or its best passage far): the
    # embedding of its stored text as float32 bytes, for grouping content gaps (0008)
    gap_vector: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))


class InteractionDocument(SQLModel, table=True):
    """A document an answer retrieved, and whether it cited it (for counts by document)."""

    __tablename__ = "interaction_document"
    __table_args__ = (Index("ix_interaction_document_document", "document", "created_at"),)
    interaction_id: str = Field(primary_key=True, max_length=32)
    document: str = Field(primary_key=True, max_length=1000)
    cited: bool
    created_at: datetime = Field(sa_column=utc_column(index=True))


class AnswerFailure(SQLModel, table=True):
    """A question that got no answer because a step failed (Weaviate or the embedder down, a
    bug): who asked, its stored (redacted) text, the step and the kind of error, never the
    error's own text (a driver's message may quote the question). Counted by the Insights
    page; the request id finds its log lines."""

    __tablename__ = "answer_failure"
    id: str = Field(default_factory=lambda: uuid.uuid4().hex, primary_key=True, max_length=32)
    created_at: datetime = Field(sa_column=utc_column(index=True), default_factory=utcnow)
    user_id: str = Field(max_length=200)
    conversation_id: str = Field(max_length=64)
    question: str  # redacted unless configured otherwise
    config_version: str = Field(max_length=64)
    step: str = Field(max_length=16)  # guard, rewrite, retrieve, preview, generate, verify, store
    error: str = Field(max_length=100)  # the error's class
    request_id: str = Field(max_length=32)
    # What a reader must hold to see its question (identity.groups.requirement): the group
    # sets of the passages retrieved before it failed ([] when none had been).
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
    gap_vector: bytes | None = None,
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
        fallback=answer.fallback,
        follow_up=answer.standalone_query not in ("", answer.question),
        retrieve_ms=answer.latency.retrieve_ms,
        first_token_ms=answer.latency.answer_first_token_ms,
        total_ms=answer.latency.total_ms,
        best_similarity=max((s.similarity for s in answer.sources), default=None),
        retries=answer.retries,
        gap_vector=gap_vector,
    )
    row_id = row.id  # assigned at construction; the row expires on commit
    cited = {c.document for c in answer.citations}
    documents = [
        InteractionDocument(
            interaction_id=row_id, document=d, cited=d in cited, created_at=row.created_at
        )
        for d in sorted(cited | {s.document for s in answer.sources})
    ]
    with db.session_scope(engine) as session:
        session.add(row)
        session.add_all(documents)
        if also is not None:
            also(session)
    return row_id


def log_failure(engine: Engine, failure: AnswerFailure) -> str:
    row_id = failure.id
    with db.session_scope(engine) as session:
        session.add(failure)
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
