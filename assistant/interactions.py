"""The interaction log: one row per answer shown, redacted before it is stored."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel


def _now() -> datetime:
    return datetime.now(UTC)


class Interaction(SQLModel, table=True):
    id: str = Field(default_factory=lambda: uuid.uuid4().hex, primary_key=True, max_length=32)
    created_at: datetime = Field(default_factory=_now, index=True)
    user_id: str = Field(index=True, max_length=200)
    conversation_id: str = Field(index=True, max_length=64)
    question: str  # redacted
    standalone_query: str  # redacted
    answer: str  # redacted
    refused: bool = False
    refusal_reason: str | None = None
    citations: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    retrieval: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    pii_entities: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    model: str = Field(max_length=200)
    config_version: str = Field(max_length=64)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_ms: dict[str, float] = Field(default_factory=dict, sa_column=Column(JSON))
