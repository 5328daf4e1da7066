"""The review queue: what is queued first, the random sample, and the filters."""

from __future__ import annotations

import pytest
from review_world import LEAVE, OFF_TOPIC, REDACTOR, RITA, ask, item_of
from stack import Stack

from assistant.storage import db
from assistant.storage.db import utcnow
from review.feedback import record_feedback
from review.models import FeedbackCreate, ReviewItem
from review.queue import QueueFilter, QueuePolicy, list_queue, sync_queue

pytestmark = pytest.mark.integration


def test_the_queue_puts_complaints_first_then_doubtful_answers_then_a_sample(
    world: Stack,
) -> None:
    engine = world.rt.engine
    liked = ask(world)
    disliked = ask(world, "Who approves travel expenses?")
    refused = ask(world, OFF_TOPIC)
    record_feedback(
        engine,
        FeedbackCreate(interaction_id=disliked, rating=-1, reason="wrong"),
        user_id="alice",
        redactor=REDACTOR,
    )
    sync_queue(engine, QueuePolicy(sample_rate=0.0))
    queue = list_queue(engine, QueueFilter(), RITA)
    reasons = {e.question: e.reason for e in queue}
    assert [e.reason for e in queue][:2] == ["negative_feedback", "refused"]
    assert reasons["Who approves travel expenses?"] == "negative_feedback"
    assert item_of(world, refused).status == "new"
    # With a zero sample rate a confident, liked answer is not queued ...
    assert item_of(world, liked).status == "not_selected"
    # ... until someone gives it a thumbs-down: it jumps to the front.
    record_feedback(
        engine,
        FeedbackCreate(interaction_id=liked, rating=-1, reason="outdated"),
        user_id="alice",
        redactor=REDACTOR,
    )
    moved = item_of(world, liked)
    assert (moved.status, moved.reason) == ("new", "negative_feedback")
    # Filters: by document and by question text.
    handbook = list_queue(engine, QueueFilter(document="employee-handbook"), RITA)
    assert {e.question for e in handbook} >= {LEAVE}
    assert all(any("employee-handbook" in d for d in e.documents) for e in handbook), (
        "document filter"
    )
    assert [e.question for e in list_queue(engine, QueueFilter(text="tungsten"), RITA)] == [
        OFF_TOPIC
    ]


def test_the_random_sample_is_deterministic_and_close_to_its_rate() -> None:
    from review.queue import sampled

    ids = [f"{i:032x}" for i in range(4000)]
    share = sum(sampled(i, 0.1) for i in ids) / len(ids)
    assert 0.08 < share < 0.12
    assert [sampled(i, 0.1) for i in ids[:50]] == [sampled(i, 0.1) for i in ids[:50]]


def test_triaging_an_answer_another_page_already_triaged_keeps_theirs(world: Stack) -> None:
    """Several reviewers' pages and the feedback form triage at once (the load benchmark
    found the race): the second insert of an answer's item is skipped, never an error."""
    from review.queue import _add_once

    engine = world.rt.engine
    iid, other, now = ask(world), ask(world, OFF_TOPIC), utcnow()
    with db.session_scope(engine) as session:
        session.add(
            ReviewItem(interaction_id=iid, status="new", reason="sample", priority=3, asked_at=now)
        )
    first = item_of(world, iid)
    with db.session_scope(engine) as session:
        twin = ReviewItem(
            interaction_id=iid, status="new", reason="refused", priority=1, asked_at=now
        )
        assert _add_once(session, twin) is False
        # The session goes on: the next answer's item is added in the same transaction.
        assert _add_once(
            session,
            ReviewItem(interaction_id=other, status="new", reason="x", priority=1, asked_at=now),
        )
    assert item_of(world, iid).id == first.id and item_of(world, iid).reason == "sample"
    assert item_of(world, other).reason == "x"
    assert sync_queue(engine, QueuePolicy()) == 0  # both are triaged
