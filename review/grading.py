"""Grading and adjudication: reviewers grade what they claimed; leads approve or reject.

Status flow: new -> in_review -> graded -> approved | rejected. With
``reviews_per_item`` > 1 an item returns to the queue after each grade until enough
distinct reviewers have graded it. Every write is conditional on the version the writer
read (see ``review.queue``); the loser of a race gets a ``ConflictError`` and loses nothing
of anyone else's.
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.answering.answer import Trace
from assistant.answering.interactions import Interaction
from assistant.answering.pii import PiiRedactor
from assistant.errors import AssistantError
from assistant.identity.groups import Reader, may_read
from assistant.index.store import Store
from assistant.storage import db
from assistant.storage.audit import audit
from assistant.storage.db import as_utc, utcnow
from review import golden
from review.agreement import item_agreement
from review.models import (
    SCALE_FIELDS,
    VERDICTS,
    Feedback,
    Grade,
    GradeInput,
    ReviewItem,
    RubricScores,
    Verdict,
)
from review.queue import get_item, open_item, transition


class GradingError(AssistantError):
    """A grade or an adjudication that cannot be accepted as given."""


class EvidencePassage(BaseModel):
    """A passage as a reviewer sees it: cited or retrieved by the answer, read from the
    index now (not ``answering.citations.Passage``, the passage as numbered in a prompt)."""

    n: int | None = None  # the citation number, for cited passages
    chunk_id: str
    document: str
    section: str = ""
    page: int | None = None
    similarity: float | None = None
    text: str  # as indexed now ("" when no longer in the index or not readable)
    changed: bool = False  # the index no longer holds what the answer used
    restricted: bool = False  # outside the viewer's access groups


class FeedbackView(BaseModel):
    user_id: str
    rating: int
    reason: str | None
    comment: str | None
    correct_answer: str | None
    correct_source: str | None


class GradeView(BaseModel):
    reviewer: str
    rubric: dict[str, int | bool]
    citation_verdicts: dict[str, str]
    reference_answer: str
    expected_chunk_ids: list[str]
    notes: str
    updated_at: datetime


class ReviewDetail(BaseModel):
    item_id: int
    version: int
    status: str
    reason: str
    round: int
    required_reviews: int
    claimed_by: str | None
    claim_expires_at: datetime | None
    interaction_id: str
    asked_at: datetime
    asked_by: str
    question: str
    standalone_query: str
    answer: str
    mode: str
    refused: bool
    refusal_reason: str | None
    model: str
    config_version: str
    cited: list[EvidencePassage]
    retrieved: list[EvidencePassage]
    feedback: list[FeedbackView]
    grades: list[GradeView]
    agreement: float | None
    trace: Trace | None = None  # the steps that made the answer (older answers have none)

    def claim_state(self, user_id: str, now: datetime) -> str:
        """``mine``, ``other`` (someone holds it), ``free`` (claimable) or ``closed``."""
        held = self.claim_expires_at is not None and self.claim_expires_at > now
        if held and self.claimed_by == user_id:
            return "mine"
        if held and self.claimed_by:
            return "other"
        return "free" if self.status in ("new", "in_review") else "closed"


class Adjudication(BaseModel):
    """The one reference a lead approves (proposed from the reviewers' grades)."""

    rubric: dict[str, int | bool]
    citation_verdicts: dict[str, Verdict] = Field(default_factory=dict)
    reference_answer: str
    expected_chunk_ids: list[str] = Field(default_factory=list)
    should_refuse: bool = False
    note: str = ""


def detail(engine: Engine, store: Store, item_id: int, reader: Reader) -> ReviewDetail:
    """Everything a reviewer or lead needs to judge one answer, side by side. Passages are
    read from the index now and, like the item itself, only under the reader's groups."""
    with db.session_scope(engine) as session:
        item, row = open_item(session, item_id, reader)
        feedback = session.exec(select(Feedback).where(Feedback.interaction_id == row.id)).all()
        grades = _round_grades(session, item)
        chunk_ids = [c["chunk_id"] for c in row.citations or []]
        chunk_ids += [r["chunk_id"] for r in row.retrieval or []]
        chunks = {c.id: c for c in store.get_chunks(list(dict.fromkeys(chunk_ids)), None)}

        def passage(ref: dict, **extra) -> EvidencePassage:  # type: ignore[no-untyped-def]
            chunk = chunks.get(ref["chunk_id"])
            restricted = chunk is not None and not may_read(reader.groups, chunk.access_groups)
            if restricted:  # its groups changed since the answer: show nothing of it
                chunk = None
            return EvidencePassage(
                chunk_id=ref["chunk_id"],
                document=ref.get("document") or (chunk.path if chunk else ""),
                section=" › ".join(chunk.section_path) if chunk else ref.get("section") or "",
                page=chunk.page if chunk else ref.get("page"),
                text="" if chunk is None or restricted else chunk.text,
                changed=chunk is None or chunk.content_hash != ref.get("content_hash"),
                restricted=restricted,
                **extra,
            )

        return ReviewDetail(
            item_id=item.id,
            version=item.version,
            status=item.status,
            reason=item.reason,
            round=item.round,
            required_reviews=item.required_reviews,
            claimed_by=item.claimed_by,
            claim_expires_at=item.claim_expires_at,
            interaction_id=row.id,
            asked_at=as_utc(row.created_at),
            asked_by=row.user_id,
            question=row.question,
            standalone_query=row.standalone_query,
            answer=row.answer,
            mode=row.mode,
            refused=row.refused,
            refusal_reason=row.refusal_reason,
            model=row.model,
            config_version=row.config_version,
            cited=[passage(c, n=c["n"]) for c in row.citations or []],
            retrieved=[passage(r, similarity=r.get("similarity")) for r in row.retrieval or []],
            feedback=[FeedbackView.model_validate(f, from_attributes=True) for f in feedback],
            grades=[_grade_view(g) for g in grades],
            agreement=item_agreement([g.rubric() for g in grades]),
            trace=Trace.model_validate(t) if (t := (row.details or {}).get("trace")) else None,
        )


def _grade_view(g: Grade) -> GradeView:
    return GradeView(
        reviewer=g.reviewer,
        rubric=g.rubric(),
        citation_verdicts=dict(g.citation_verdicts),
        reference_answer=g.reference_answer,
        expected_chunk_ids=list(g.expected_chunk_ids),
        notes=g.notes,
        updated_at=g.updated_at,
    )


def _round_grades(session: Session, item: ReviewItem) -> list[Grade]:
    return list(
        session.exec(
            select(Grade)
            .where(Grade.item_id == item.id, Grade.round == item.round)
            .order_by(col(Grade.created_at), col(Grade.id))
        ).all()
    )


def _check_grade(grade: GradeInput, citation_numbers: set[int]) -> None:
    unknown = set(grade.citation_verdicts) - citation_numbers
    if unknown:
        raise GradingError(
            f"Verdicts given for citations {sorted(unknown)} that the answer does not have.",
            fix=f"The answer cites {sorted(citation_numbers) or 'nothing'}.",
        )


def submit_grade(
    engine: Engine,
    item_id: int,
    reader: Reader,
    grade: GradeInput,
    expected_version: int,
    redactor: PiiRedactor,
) -> ReviewItem:
    """Store the reviewer's grade for the item they hold; release the claim."""
    now = utcnow()
    reviewer = reader.user_id
    reference = redactor.redact(grade.reference_answer).text if grade.reference_answer else ""
    notes = redactor.redact(grade.notes).text if grade.notes else ""
    with db.session_scope(engine) as session:
        item, row = open_item(session, item_id, reader)
        _check_grade(grade, {int(c["n"]) for c in row.citations or []})
        transition(
            session,
            item_id,
            reviewer,
            expected_version,
            col(ReviewItem.status) == "in_review",
            col(ReviewItem.claimed_by) == reviewer,
            col(ReviewItem.claim_expires_at) >= now,
            needs_claim=True,
            claimed_by=None,
            claim_expires_at=None,
        )
        session.refresh(item)
        existing = session.exec(
            select(Grade).where(
                Grade.item_id == item_id, Grade.reviewer == reviewer, Grade.round == item.round
            )
        ).first()
        values = RubricScores.model_validate(grade, from_attributes=True).model_dump()
        values["expected_chunk_ids"] = list(grade.expected_chunk_ids)
        verdicts = {str(n): v for n, v in grade.citation_verdicts.items()}
        if existing is None:
            existing = Grade(item_id=item_id, round=item.round, reviewer=reviewer, **values)
        else:
            for name, value in values.items():
                setattr(existing, name, value)
            existing.updated_at = now
        existing.citation_verdicts = verdicts
        existing.reference_answer = reference
        existing.notes = notes
        session.add(existing)
        session.flush()
        count = session.exec(
            select(func.count())
            .select_from(Grade)
            .where(Grade.item_id == item_id, Grade.round == item.round)
        ).one()
        item.status = "graded" if count >= item.required_reviews else "new"
        session.add(item)
        audit(session, reviewer, "review.grade", str(item_id), round=item.round, grades=count)
        session.flush()
        session.refresh(item)
        session.expunge(item)
        return item


def _majority(values: list, prefer: object) -> object:  # type: ignore[type-arg]
    counts = Counter(values).most_common()
    top = [v for v, n in counts if n == counts[0][1]]
    return prefer if prefer in top else top[0]


def propose(detail: ReviewDetail) -> Adjudication:
    """A starting point for the lead: median scales, majority flags (ties: the cautious
    value), majority verdicts (ties: the stricter), first reference, union of expected
    sources (or, when none were picked, the cited passages no reviewer rejected)."""
    if not detail.grades:
        raise GradingError(f"Item {detail.item_id} has no grades yet.", fix="Grade it first.")
    rubric: dict[str, int | bool] = {}
    for field in detail.grades[0].rubric:
        values = [g.rubric[field] for g in detail.grades]
        if field in SCALE_FIELDS:
            rubric[field] = int(statistics.median_low(sorted(int(v) for v in values)))
        else:
            rubric[field] = bool(_majority([bool(v) for v in values], prefer=True))
    verdicts: dict[str, Verdict] = {}
    for n in {k for g in detail.grades for k in g.citation_verdicts}:
        given = [g.citation_verdicts[n] for g in detail.grades if n in g.citation_verdicts]
        verdicts[n] = _majority(given, prefer="does_not_support")  # type: ignore[assignment]
    reference = next((g.reference_answer for g in detail.grades if g.reference_answer), "")
    expected = list(dict.fromkeys(c for g in detail.grades for c in g.expected_chunk_ids))
    if not expected and not rubric.get("should_have_refused"):
        # Nobody picked sources: propose the cited passages no reviewer rejected.
        expected = [
            p.chunk_id
            for p in detail.cited
            if not p.changed and verdicts.get(str(p.n), "supports") != "does_not_support"
        ]
    return Adjudication(
        rubric=rubric,
        citation_verdicts=verdicts,
        reference_answer=reference,
        expected_chunk_ids=expected,
        should_refuse=bool(rubric.get("should_have_refused", False)),
    )


def _lead_transition(
    session: Session, item_id: int, lead: Reader, expected_version: int, to: str
) -> ReviewItem:
    open_item(session, item_id, lead)
    transition(
        session,
        item_id,
        lead.user_id,
        expected_version,
        col(ReviewItem.status) == "graded",
        status=to,
    )
    item = get_item(session, item_id)
    session.refresh(item)
    return item


def approve(
    engine: Engine,
    store: Store,
    item_id: int,
    lead: Reader,
    adjudication: Adjudication,
    expected_version: int,
    redactor: PiiRedactor,
) -> str:
    """Approve a graded item: it becomes a golden case (returned: its id)."""
    for verdict in adjudication.citation_verdicts.values():
        if verdict not in VERDICTS:
            raise GradingError(f"Unknown citation verdict {verdict!r}.", fix=f"Use {VERDICTS}.")
    with db.session_scope(engine) as session:
        item = _lead_transition(session, item_id, lead, expected_version, "approved")
        row = session.get(Interaction, item.interaction_id)
        assert row is not None
        grades = _round_grades(session, item)
        earlier = (
            session.exec(
                select(Interaction)
                .where(
                    Interaction.user_id == row.user_id,
                    Interaction.conversation_id == row.conversation_id,
                    col(Interaction.created_at) < row.created_at,
                )
                .order_by(col(Interaction.created_at))
            ).all()
            if row.standalone_query != row.question
            else []
        )
        case = golden.build_case(
            store,
            item=item,
            interaction=row,
            rubric=adjudication.rubric,
            citation_verdicts=dict(adjudication.citation_verdicts),
            reference=redactor.redact(adjudication.reference_answer).text,
            expected_chunk_ids=adjudication.expected_chunk_ids,
            should_refuse=adjudication.should_refuse,
            reviewer_count=len(grades),
            agreement=item_agreement([g.rubric() for g in grades]),
            approver=lead,
            redactor=redactor,
            earlier=earlier,
        )
        golden.supersede(session, item.id, lead.user_id)
        session.add(case)
        audit(
            session,
            lead.user_id,
            "review.approve",
            str(item_id),
            golden_case=case.id,
            reviewers=len(grades),
            stale=case.status == "stale",
        )
        return case.id


def reject(
    engine: Engine, item_id: int, lead: Reader, expected_version: int, note: str = ""
) -> None:
    """Reject a graded item: it does not become a golden case."""
    with db.session_scope(engine) as session:
        _lead_transition(session, item_id, lead, expected_version, "rejected")
        audit(session, lead.user_id, "review.reject", str(item_id), note_given=bool(note))
