"""Employees' feedback on answers: stored at once, changeable later, redacted."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from assistant.answering.interactions import Interaction
from assistant.answering.pii import PiiRedactor, default_redactor
from assistant.errors import AssistantError
from assistant.identity.groups import Reader
from assistant.storage import db
from assistant.storage.db import as_utc, utcnow
from review.models import FEEDBACK_REASONS, Feedback, FeedbackBase, FeedbackCreate
from review.queue import QueuePolicy, on_negative_feedback


class FeedbackError(AssistantError):
    """Feedback that cannot be stored as given."""


def record_feedback(
    engine: Engine,
    data: FeedbackCreate,
    *,
    user_id: str,
    redactor: PiiRedactor | None = None,
    policy: QueuePolicy | None = None,
) -> Feedback:
    """Create or update this user's feedback on one of their answers (the latest wins,
    nothing else). A thumbs-down moves the answer to the front of the review queue."""
    if data.rating not in (-1, 1):
        raise FeedbackError(f"rating must be 1 or -1, not {data.rating}.")
    if data.reason is not None and data.reason not in FEEDBACK_REASONS:
        raise FeedbackError(
            f"Unknown feedback reason {data.reason!r}.", fix=f"Use one of {FEEDBACK_REASONS}."
        )
    fields = data.model_dump(exclude={"interaction_id"})
    redactor = redactor or default_redactor()  # free text is never stored unredacted
    for name in ("comment", "correct_answer", "correct_source"):
        if fields[name]:
            fields[name] = redactor.redact(fields[name]).text
    with db.session_scope(engine) as session:
        asked = session.get(Interaction, data.interaction_id)
        if asked is None:
            raise FeedbackError(
                f"No answer {data.interaction_id} to give feedback on.",
                fix="Reload the page and try again.",
            )
        if asked.user_id != user_id:
            raise FeedbackError(
                f"Answer {data.interaction_id} was given to someone else; "
                "feedback is given by the person who asked.",
            )
        row = session.exec(
            select(Feedback).where(
                Feedback.interaction_id == data.interaction_id, Feedback.user_id == user_id
            )
        ).first()
        if row is None:
            row = Feedback(interaction_id=data.interaction_id, user_id=user_id, **fields)
        else:
            for name, value in fields.items():
                setattr(row, name, value)
            row.updated_at = utcnow()
        session.add(row)
        if row.rating == -1:
            on_negative_feedback(session, data.interaction_id, policy or QueuePolicy())
        session.flush()
        session.refresh(row)
        session.expunge(row)
    return row


def feedback_for(engine: Engine, interaction_id: str, user_id: str) -> Feedback | None:
    with db.session_scope(engine) as session:
        row = session.exec(
            select(Feedback).where(
                Feedback.interaction_id == interaction_id, Feedback.user_id == user_id
            )
        ).first()
        if row is not None:
            session.expunge(row)
        return row


class MyAnswer(BaseModel):
    interaction_id: str
    asked_at: datetime
    question: str
    answer: str
    refused: bool
    mode: str
    documents: list[str]
    feedback: FeedbackBase | None


def recent_answers(engine: Engine, reader: Reader, limit: int = 50) -> list[MyAnswer]:
    """This user's latest answers that they may still read (groups change), each with the
    feedback they gave (if any)."""
    user_id = reader.user_id
    with db.session_scope(engine) as session:
        rows = session.exec(
            select(Interaction, Feedback)
            .outerjoin(
                Feedback,
                (col(Feedback.interaction_id) == Interaction.id) & (Feedback.user_id == user_id),
            )
            .where(Interaction.user_id == user_id)
            .order_by(col(Interaction.created_at).desc())
            .limit(limit)
        ).all()
        return [
            MyAnswer(
                interaction_id=row.id,
                asked_at=as_utc(row.created_at),
                question=row.question,
                answer=row.answer,
                refused=row.refused,
                mode=row.mode,
                documents=list(dict.fromkeys(c["document"] for c in row.citations or [])),
                feedback=FeedbackBase.model_validate(fb, from_attributes=True) if fb else None,
            )
            for row, fb in rows
            if reader.may_read(row.access)
        ]
