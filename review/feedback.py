"""Employees' feedback on answers: stored at once, changeable later, redacted."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import select

from assistant import db
from assistant.errors import AssistantError
from assistant.guardrails import PiiRedactor
from assistant.interactions import Interaction
from review.models import FEEDBACK_REASONS, Feedback, FeedbackCreate, _now


class FeedbackError(AssistantError):
    """Feedback that cannot be stored as given."""


def record_feedback(
    engine: Engine, data: FeedbackCreate, *, user_id: str, redactor: PiiRedactor | None = None
) -> Feedback:
    """Create or update this user's feedback on one answer (the latest wins, nothing else)."""
    if data.rating not in (-1, 1):
        raise FeedbackError(f"rating must be 1 or -1, not {data.rating}.")
    if data.reason is not None and data.reason not in FEEDBACK_REASONS:
        raise FeedbackError(
            f"Unknown feedback reason {data.reason!r}.", fix=f"Use one of {FEEDBACK_REASONS}."
        )
    fields = data.model_dump(exclude={"interaction_id"})
    if redactor is not None:
        for name in ("comment", "correct_answer", "correct_source"):
            if fields[name]:
                fields[name] = redactor.redact(fields[name]).text
    with db.session_scope(engine) as session:
        if session.get(Interaction, data.interaction_id) is None:
            raise FeedbackError(
                f"No answer {data.interaction_id} to give feedback on.",
                fix="Reload the page and try again.",
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
            row.updated_at = _now()
        session.add(row)
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
