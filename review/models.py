"""SQLModel tables of the review loop (one ``table=True`` class per entity)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

FeedbackReason = Literal[
    "wrong", "incomplete", "wrong_citation", "missing_citation", "outdated", "unsafe", "other"
]
FEEDBACK_REASONS: tuple[str, ...] = FeedbackReason.__args__  # type: ignore[attr-defined]


def _now() -> datetime:
    return datetime.now(UTC)


class FeedbackBase(SQLModel):
    rating: int = Field(ge=-1, le=1)  # 1 thumbs up, -1 thumbs down
    reason: str | None = Field(default=None, max_length=32)
    comment: str | None = None
    correct_answer: str | None = None
    correct_source: str | None = None


class Feedback(FeedbackBase, table=True):
    __table_args__ = (
        UniqueConstraint("interaction_id", "user_id", name="uq_feedback_interaction_user"),
    )
    id: int | None = Field(default=None, primary_key=True)
    interaction_id: str = Field(foreign_key="interaction.id", index=True, max_length=32)
    user_id: str = Field(index=True, max_length=200)
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)


class FeedbackCreate(FeedbackBase):
    interaction_id: str
