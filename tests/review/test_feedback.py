"""Feedback against the real stack: only the asker rates an answer, and free text is redacted."""

from __future__ import annotations

import pytest
from review_world import ALICE, REDACTOR, ask
from stack import Stack

from assistant.identity.groups import Reader
from review.feedback import FeedbackError, recent_answers, record_feedback
from review.models import FeedbackCreate

pytestmark = pytest.mark.integration


def test_feedback_text_is_redacted_even_when_no_redactor_is_given(world: Stack) -> None:
    iid = ask(world)
    row = record_feedback(
        world.rt.engine,
        FeedbackCreate(
            interaction_id=iid,
            rating=-1,
            comment="Call me on +44 20 7946 0958 or mail jane.roe@example.org",
            correct_answer="Ask jane.roe@example.org",
        ),
        user_id="alice",
    )
    stored = f"{row.comment} {row.correct_answer}"
    assert "jane.roe@example.org" not in stored and "7946 0958" not in stored
    assert "EMAIL_ADDRESS" in stored


def test_feedback_is_only_given_by_the_asker_and_listed_on_their_page(world: Stack) -> None:
    iid = ask(world)
    with pytest.raises(FeedbackError, match="someone else"):
        record_feedback(
            world.rt.engine, FeedbackCreate(interaction_id=iid, rating=1), user_id="mallory"
        )
    record_feedback(
        world.rt.engine,
        FeedbackCreate(
            interaction_id=iid,
            rating=-1,
            reason="wrong",
            correct_answer="Ask jane.doe@example.com, it is 30 days",
        ),
        user_id="alice",
        redactor=REDACTOR,
    )
    mine = recent_answers(world.rt.engine, ALICE)
    assert mine[0].interaction_id == iid and mine[0].feedback is not None
    assert mine[0].feedback.reason == "wrong"
    assert "jane.doe@example.com" not in (mine[0].feedback.correct_answer or "")
    assert recent_answers(world.rt.engine, Reader("mallory")) == []
