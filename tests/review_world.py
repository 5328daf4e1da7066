"""The review loop's test world: a real stack (Weaviate, the embedder, SQL) with a fake
hosted provider, and the steps that bring an answer to each stage of review."""

from __future__ import annotations

from pathlib import Path

from fake_openai import Reply
from sqlmodel import select
from stack import Stack

from assistant.answering.pii import default_redactor
from assistant.answering.pipeline import Asker
from assistant.identity.groups import Reader
from assistant.storage import db
from review import grading
from review.feedback import record_feedback
from review.models import FeedbackCreate, GradeInput, ReviewItem
from review.queue import QueuePolicy, claim

ALICE = Asker(user_id="alice")
# Reviewers and leads holding only what everyone may read (the sample documents name no
# group); tests of restricted documents make their own.
RITA, SAM = Reader("rita"), Reader("sam")
LENA, LEO = Reader("lena"), Reader("leo")
READER = RITA
LEAVE = "How many days of paid annual leave do full-time employees get?"
GOOD_REPLY = "Full-time employees receive 28 days of paid annual leave per calendar year [1]."
OFF_TOPIC = "What is the boiling point of tungsten?"
REDACTOR = default_redactor()
GOOD = GradeInput(correctness=5, groundedness=5, completeness=4, helpfulness=5)


def make_stack(runtime, corpus: Path, database_url: str) -> Stack:  # type: ignore[no-untyped-def]
    """A stack over ``corpus`` whose provider answers every question with ``GOOD_REPLY``."""
    stack = Stack(runtime.settings, corpus, database_url=database_url)
    stack.fake.default = Reply(text=GOOD_REPLY)
    return stack


def ask(stack: Stack, question: str = LEAVE, asker: Asker = ALICE) -> str:
    answer = stack.pipeline().ask(question, asker=asker)
    assert answer.interaction_id
    return answer.interaction_id


def item_of(stack: Stack, interaction_id: str) -> ReviewItem:
    with db.session_scope(stack.rt.engine) as session:
        item = session.exec(
            select(ReviewItem).where(ReviewItem.interaction_id == interaction_id)
        ).one()
        session.expunge(item)
        return item


def disliked(stack: Stack, question: str = LEAVE, policy: QueuePolicy | None = None) -> ReviewItem:
    """An answer Alice gave a thumbs-down: its review item, first in the queue."""
    iid = ask(stack, question)
    record_feedback(
        stack.rt.engine,
        FeedbackCreate(interaction_id=iid, rating=-1, reason="incomplete"),
        user_id="alice",
        redactor=REDACTOR,
        policy=policy,
    )
    return item_of(stack, iid)


def graded_item(stack: Stack, policy: QueuePolicy, grade: GradeInput = GOOD) -> ReviewItem:
    item = disliked(stack, policy=policy)
    item = claim(stack.rt.engine, item.id, RITA, item.version, minutes=5)
    return grading.submit_grade(stack.rt.engine, item.id, RITA, grade, item.version, REDACTOR)


def approved(stack: Stack, question: str = LEAVE) -> str:
    engine, store = stack.rt.engine, stack.rt.store()
    item = disliked(stack, question)
    item = claim(engine, item.id, RITA, item.version, minutes=5)
    grade = GOOD.model_copy(update={"reference_answer": '=HYPERLINK("http://x","28")'})
    item = grading.submit_grade(engine, item.id, RITA, grade, item.version, REDACTOR)
    detail = grading.detail(engine, store, item.id, READER)
    return grading.approve(
        engine, store, item.id, LENA, grading.propose(detail), detail.version, REDACTOR
    )
