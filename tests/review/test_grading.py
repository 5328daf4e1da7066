"""Grading and adjudication: claims, races between reviewers (SQLite and PostgreSQL), agreement."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from review_world import (
    GOOD,
    LENA,
    LEO,
    READER,
    REDACTOR,
    RITA,
    SAM,
    disliked,
    graded_item,
    make_stack,
)
from sqlalchemy import update
from sqlmodel import col
from stack import Stack

from assistant.storage import audit, db
from assistant.storage.db import utcnow
from review import golden, grading
from review.models import GradeInput, ReviewItem
from review.queue import ConflictError, QueueFilter, QueuePolicy, claim, list_queue

pytestmark = pytest.mark.integration


def _concurrency(stack: Stack) -> None:
    engine = stack.rt.engine
    item = disliked(stack)
    rita = claim(engine, item.id, RITA, item.version, minutes=5)
    # Sam read the same version Rita claimed from: he is told who holds it.
    with pytest.raises(ConflictError, match="claimed by rita"):
        claim(engine, item.id, SAM, item.version, minutes=5)
    # Sam cannot grade what Rita holds, even at the current version.
    with pytest.raises(ConflictError):
        grading.submit_grade(engine, item.id, SAM, GOOD, rita.version, REDACTOR)
    # Rita's claim expires; Sam takes the item over.
    with db.session_scope(engine) as session:
        session.execute(
            update(ReviewItem)
            .where(col(ReviewItem.id) == item.id)
            .values(claim_expires_at=utcnow() - timedelta(seconds=1))
        )
    sam = claim(engine, item.id, SAM, rita.version, minutes=5)
    assert sam.claimed_by == "sam" and sam.version == rita.version + 1
    # Rita submits her form late: she loses, is told, and Sam's hold is untouched.
    late = GradeInput(correctness=1, groundedness=1, completeness=1, helpfulness=1)
    with pytest.raises(ConflictError, match=r"changed by someone else|claimed by sam"):
        grading.submit_grade(engine, item.id, RITA, late, rita.version, REDACTOR)
    done = grading.submit_grade(engine, item.id, SAM, GOOD, sam.version, REDACTOR)
    assert done.status == "graded" and done.claimed_by is None
    detail = grading.detail(engine, stack.rt.store(), item.id, READER)
    assert [g.reviewer for g in detail.grades] == ["sam"]
    assert detail.grades[0].rubric["correctness"] == 5
    # Two leads approve at once: one wins, the other is told.
    proposal = grading.propose(detail)
    grading.approve(engine, stack.rt.store(), item.id, LENA, proposal, detail.version, REDACTOR)
    with pytest.raises(ConflictError):
        grading.reject(engine, item.id, LEO, detail.version)
    assert len(golden.list_cases(engine, LENA)) == 1
    actions = [e.action for e in audit.entries(engine)]
    for action in ("review.claim", "review.grade", "review.approve"):
        assert action in actions


def test_two_reviewers_never_silently_overwrite_each_other(world: Stack) -> None:
    _concurrency(world)


@pytest.mark.postgres
def test_two_reviewers_never_silently_overwrite_each_other_on_postgresql(
    runtime, corpus: Path, own_postgres_url: str
) -> None:  # type: ignore[no-untyped-def]
    stack = make_stack(runtime, corpus, own_postgres_url)
    try:
        _concurrency(stack)
    finally:
        stack.close()


def test_several_reviewers_agreement_and_adjudication(world: Stack) -> None:
    engine = world.rt.engine
    policy = QueuePolicy(required_reviews=2)
    item = graded_item(world, policy)
    assert item.status == "new", "back in the queue for the second reviewer"
    queue = list_queue(engine, QueueFilter(), RITA)
    assert next(e for e in queue if e.item_id == item.id).graded_by_me
    item = claim(engine, item.id, SAM, item.version, minutes=5)
    second = GradeInput(
        correctness=3,
        groundedness=5,
        completeness=2,
        helpfulness=5,
        citation_verdicts={1: "partial"},
        reference_answer="28 days per calendar year.",
    )
    item = grading.submit_grade(engine, item.id, SAM, second, item.version, REDACTOR)
    assert item.status == "graded"
    detail = grading.detail(engine, world.rt.store(), item.id, READER)
    assert len(detail.grades) == 2
    # Four of six rubric fields agree (groundedness, helpfulness and both flags).
    assert detail.agreement == pytest.approx(4 / 6)
    proposal = grading.propose(detail)
    assert proposal.rubric["correctness"] == 3  # median_low of 5 and 3
    assert proposal.citation_verdicts == {"1": "partial"}
    assert proposal.reference_answer == "28 days per calendar year."
    case_id = grading.approve(
        engine, world.rt.store(), item.id, LENA, proposal, detail.version, REDACTOR
    )
    (case,) = golden.list_cases(engine, LENA)
    assert case.id == case_id and case.reviewer_count == 2
    assert case.agreement == pytest.approx(4 / 6)
