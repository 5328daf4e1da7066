"""The review queue: which answers reviewers see, in what order, and who holds which.

Every answer gets one ``ReviewItem``. Negative feedback puts it first; refused or
low-confidence answers next; a deterministic random sample of all other answers keeps
grades from being biased towards complaints; the rest stay ``not_selected`` (and move into
the queue if someone later gives them a thumbs-down).

Claims are locks that expire. Every change is a conditional UPDATE on the version the
writer read, so two reviewers never silently overwrite each other: the second is told.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import and_, func, or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from assistant.answering.interactions import Interaction
from assistant.errors import AssistantError
from assistant.identity.groups import Reader, may_read_all, widest
from assistant.storage import db
from assistant.storage.audit import audit
from assistant.storage.db import as_utc, utcnow
from review.labels import word
from review.models import OPEN_STATUSES, PRIORITY, Feedback, Grade, ReviewItem


class ConflictError(AssistantError):
    """Someone else changed or holds the item; nothing of yours was written."""


class NotFound(AssistantError):
    """The item does not exist (any more)."""


@dataclass(frozen=True)
class QueuePolicy:
    sample_rate: float = 0.1
    required_reviews: int = 1
    low_confidence_similarity: float = 0.55
    claim_minutes: int = 30

    @classmethod
    def from_settings(cls, settings) -> QueuePolicy:  # type: ignore[no-untyped-def]
        return cls(
            sample_rate=settings.review_sample_rate,
            required_reviews=settings.reviews_per_item,
            low_confidence_similarity=settings.low_confidence_similarity,
            claim_minutes=settings.review_claim_minutes,
        )


class QueueFilter(BaseModel):
    statuses: tuple[str, ...] = OPEN_STATUSES
    since: datetime | None = None
    until: datetime | None = None
    document: str | None = None  # substring of a cited or retrieved document path
    text: str | None = None  # substring of the (redacted) question
    limit: int = 100


class QueueEntry(BaseModel):
    item_id: int
    version: int
    status: str
    reason: str
    asked_at: datetime
    question: str
    answer: str
    refused: bool
    documents: list[str]
    claimed_by: str | None
    claim_expires_at: datetime | None
    grades: int
    required_reviews: int
    graded_by_me: bool


def sampled(interaction_id: str, rate: float) -> bool:
    """Deterministic per answer, uniform over answers: the same answer is always in or out."""
    h = int(hashlib.sha256(interaction_id.encode()).hexdigest()[:8], 16)
    return h / 0x1_0000_0000 < rate


def triage(row: Interaction, negative_feedback: bool, policy: QueuePolicy) -> str:
    if negative_feedback:
        return "negative_feedback"
    if row.refused:
        return "refused"
    best = max((r.get("similarity") or 0.0 for r in row.retrieval or []), default=0.0)
    details = row.details or {}
    if (
        row.mode == "extractive"
        or details.get("removed_markers")
        or details.get("dropped_sentences")
        or best < policy.low_confidence_similarity
    ):
        return "low_confidence"
    return "sample" if sampled(row.id, policy.sample_rate) else "not_selected"


def _documents(row: Interaction) -> list[str]:
    docs = [c.get("document") for c in row.citations or []]
    docs += [r.get("document") for r in row.retrieval or []]
    return list(dict.fromkeys(d for d in docs if d))


def sync_queue(engine: Engine, policy: QueuePolicy) -> int:
    """Give every answer not yet triaged its review item; return how many entered the queue."""
    entered = 0
    with db.session_scope(engine) as session:
        rows = session.exec(
            select(Interaction)
            .outerjoin(ReviewItem, col(ReviewItem.interaction_id) == Interaction.id)
            .where(col(ReviewItem.id).is_(None))
            .order_by(col(Interaction.created_at))
        ).all()
        if not rows:
            return 0
        disliked = set(
            session.exec(
                select(Feedback.interaction_id).where(
                    Feedback.rating == -1,
                    col(Feedback.interaction_id).in_([r.id for r in rows]),
                )
            ).all()
        )
        for row in rows:
            reason = triage(row, row.id in disliked, policy)
            status = "not_selected" if reason == "not_selected" else "new"
            item = ReviewItem(
                interaction_id=row.id,
                status=status,
                reason=reason,
                priority=PRIORITY[reason],
                documents=_documents(row),
                asked_at=as_utc(row.created_at),
                required_reviews=policy.required_reviews,
            )
            entered += _add_once(session, item) and status == "new"
    return entered


def _add_once(session: Session, item: ReviewItem) -> bool:
    """Add an answer's item unless another process just did (several reviewers' pages and
    the feedback form triage at once); whether this one was added."""
    try:
        with session.begin_nested():
            session.add(item)
        return True
    except IntegrityError:
        taken = select(ReviewItem.id).where(ReviewItem.interaction_id == item.interaction_id)
        if session.exec(taken).first() is None:
            raise  # not the race: a fault of its own, never hidden
        return False  # the other one stands; nothing of it is overwritten


def on_negative_feedback(session: Session, interaction_id: str, policy: QueuePolicy) -> None:
    """A thumbs-down moves its answer to the front of the queue (unless already reviewed)."""
    item = session.exec(
        select(ReviewItem).where(ReviewItem.interaction_id == interaction_id)
    ).first()
    if item is None:
        row = session.get(Interaction, interaction_id)
        if row is None:
            return
        added = _add_once(
            session,
            ReviewItem(
                interaction_id=interaction_id,
                status="new",
                reason="negative_feedback",
                priority=PRIORITY["negative_feedback"],
                documents=_documents(row),
                asked_at=as_utc(row.created_at),
                required_reviews=policy.required_reviews,
            ),
        )
        if added:
            return
        item = session.exec(
            select(ReviewItem).where(ReviewItem.interaction_id == interaction_id)
        ).one()
    # Two conditional updates, so a concurrent claim or grade is never overwritten; the
    # version is not bumped for a priority change (it must not fail a reviewer's submit).
    session.execute(
        update(ReviewItem)
        .where(col(ReviewItem.id) == item.id, col(ReviewItem.status) == "not_selected")
        .values(status="new", version=ReviewItem.version + 1, updated_at=utcnow())
    )
    session.execute(
        update(ReviewItem)
        .where(col(ReviewItem.id) == item.id, col(ReviewItem.status).in_(OPEN_STATUSES))
        .values(reason="negative_feedback", priority=PRIORITY["negative_feedback"])
    )


def list_queue(engine: Engine, flt: QueueFilter, reader: Reader) -> list[QueueEntry]:
    """Open items (or those with ``flt.statuses``) that ``reader`` may read, most urgent
    first: an item is shown only to a reader who may read every passage its answer used."""
    with db.session_scope(engine) as session:
        grade_counts = (
            select(Grade.item_id, func.count().label("n"))
            .join(ReviewItem, and_(col(ReviewItem.id) == Grade.item_id))
            .where(col(Grade.round) == ReviewItem.round)
            .group_by(col(Grade.item_id))
            .subquery()
        )
        query = (
            select(ReviewItem, Interaction, func.coalesce(grade_counts.c.n, 0))
            .join(Interaction, col(Interaction.id) == ReviewItem.interaction_id)
            .outerjoin(grade_counts, grade_counts.c.item_id == ReviewItem.id)
            .where(col(ReviewItem.status).in_(flt.statuses))
            .order_by(col(ReviewItem.priority), col(ReviewItem.asked_at).desc())
        )
        if flt.since:
            query = query.where(col(ReviewItem.asked_at) >= flt.since)
        if flt.until:
            query = query.where(col(ReviewItem.asked_at) < flt.until)
        if flt.text:
            query = query.where(col(Interaction.question).icontains(flt.text))
        mine = set(
            session.exec(
                select(Grade.item_id)
                .join(ReviewItem, col(ReviewItem.id) == Grade.item_id)
                .where(Grade.reviewer == reader.user_id, col(Grade.round) == ReviewItem.round)
            ).all()
        )
        out = []
        for item, row, n in session.exec(query).all():
            if not reader.may_read(row.access):
                continue
            if flt.document and not any(flt.document.lower() in d.lower() for d in item.documents):
                continue
            out.append(
                QueueEntry(
                    item_id=item.id,
                    version=item.version,
                    status=item.status,
                    reason=item.reason,
                    asked_at=item.asked_at,
                    question=row.question,
                    answer=row.answer,
                    refused=row.refused,
                    documents=item.documents,
                    claimed_by=item.claimed_by,
                    claim_expires_at=item.claim_expires_at,
                    grades=int(n),
                    required_reviews=item.required_reviews,
                    graded_by_me=item.id in mine,
                )
            )
            if len(out) >= flt.limit:
                break
        return out


class OutOfReach(BaseModel):
    """An open item no reviewer may read: it needs a group nobody in review holds."""

    item_id: int
    status: str
    groups: list[str]  # the groups its passages name ([] when its access is unknown)
    unknown: bool  # logged before access was recorded


def out_of_reach(engine: Engine, holders: list[tuple[str, ...]]) -> list[OutOfReach]:
    """Open or graded items that none of ``holders`` (the group sets of everyone who may
    review or approve) may read: shown to admins so they can grant a group. No text."""
    with db.session_scope(engine) as session:
        rows = session.exec(
            select(ReviewItem.id, ReviewItem.status, Interaction.access)
            .join(Interaction, col(Interaction.id) == ReviewItem.interaction_id)
            .where(col(ReviewItem.status).in_((*OPEN_STATUSES, "graded")))
            .order_by(col(ReviewItem.id))
        ).all()
    return [
        OutOfReach(item_id=i, status=status, groups=widest(access), unknown=access is None)
        for i, status, access in rows
        if not any(may_read_all(groups, access) for groups in holders)
    ]


def open_item(session: Session, item_id: int, reader: Reader) -> tuple[ReviewItem, Interaction]:
    """The item and its answer, when ``reader`` may read every passage the answer used. To
    anyone else the item does not exist: the same error as for a missing one."""
    item = session.get(ReviewItem, item_id)
    row = session.get(Interaction, item.interaction_id) if item is not None else None
    if item is None or row is None or not reader.may_read(row.access):
        raise NotFound(
            f"No review item {item_id} that you may read.",
            fix="Reload the queue: it lists only answers whose documents you may read.",
        )
    return item, row


def get_item(session: Session, item_id: int) -> ReviewItem:
    item = session.get(ReviewItem, item_id)
    if item is None:
        raise NotFound(f"No review item {item_id}.", fix="Reload the queue.")
    return item


def transition(
    session: Session,
    item_id: int,
    actor: str,
    expected_version: int,
    *conditions: Any,
    needs_claim: bool = False,
    **values: Any,
) -> None:
    """Change an item only if it is still at the version the actor read (and meets
    ``conditions``); bump its version. Otherwise raise a ConflictError that says why."""
    result = session.execute(
        update(ReviewItem)
        .where(
            col(ReviewItem.id) == item_id,
            col(ReviewItem.version) == expected_version,
            *conditions,
        )
        .values(version=ReviewItem.version + 1, updated_at=utcnow(), **values)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        item = get_item(session, item_id)
        session.refresh(item)
        raise _explain_conflict(item, actor, expected_version, needs_claim=needs_claim)


def _explain_conflict(
    item: ReviewItem, reviewer: str, expected_version: int, *, needs_claim: bool = True
) -> ConflictError:
    now = utcnow()
    held = item.claimed_by and item.claimed_by != reviewer and item.claim_expires_at
    if held and item.claim_expires_at and item.claim_expires_at > now:
        until = item.claim_expires_at.strftime("%H:%M UTC")
        return ConflictError(
            f"Item {item.id} is claimed by {item.claimed_by} until {until}.",
            fix="Pick another item, or wait for the claim to expire.",
        )
    if item.version != expected_version:
        return ConflictError(
            f"Item {item.id} was changed by someone else while you had it open "
            f"(now {word(item.status)}); nothing of yours was saved.",
            fix="Reload it and check the current state before trying again.",
        )
    if needs_claim and item.claimed_by != reviewer:
        return ConflictError(
            f"Your claim on item {item.id} expired or was never taken; nothing was saved.",
            fix="Claim it again (your form is still filled in) and resubmit.",
        )
    return ConflictError(
        f"Item {item.id} cannot be changed in state {word(item.status)}.",
        fix="Reload the queue.",
    )


def claim(
    engine: Engine, item_id: int, reader: Reader, expected_version: int, minutes: int
) -> ReviewItem:
    """Take (or renew) the lock on an open item; returns the item at its new version."""
    now = utcnow()
    reviewer = reader.user_id
    with db.session_scope(engine) as session:
        open_item(session, item_id, reader)
        transition(
            session,
            item_id,
            reviewer,
            expected_version,
            col(ReviewItem.status).in_(OPEN_STATUSES),
            or_(
                col(ReviewItem.claimed_by).is_(None),
                col(ReviewItem.claimed_by) == reviewer,
                col(ReviewItem.claim_expires_at) < now,
            ),
            status="in_review",
            claimed_by=reviewer,
            claim_expires_at=now + timedelta(minutes=minutes),
        )
        audit(session, reviewer, "review.claim", str(item_id), minutes=minutes)
    with db.session_scope(engine) as session:
        item = get_item(session, item_id)
        session.expunge(item)
        return item


def release(engine: Engine, item_id: int, reader: Reader, expected_version: int) -> None:
    """Give a claim back without grading."""
    reviewer = reader.user_id
    with db.session_scope(engine) as session:
        open_item(session, item_id, reader)
        graded = session.exec(
            select(func.count())
            .select_from(Grade)
            .join(ReviewItem, col(ReviewItem.id) == Grade.item_id)
            .where(Grade.item_id == item_id, col(Grade.round) == ReviewItem.round)
        ).one()
        transition(
            session,
            item_id,
            reviewer,
            expected_version,
            col(ReviewItem.claimed_by) == reviewer,
            needs_claim=True,
            status="in_review" if graded else "new",
            claimed_by=None,
            claim_expires_at=None,
        )
        audit(session, reviewer, "review.release", str(item_id))
