"""Each user's conversations, on the real stack: listed recent first, renamed, deleted,
reopened with their turns, and only ever their owner's. A reopened answer shows only what
the reader may read now."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_openai import Reply
from stack import Stack

from assistant.answering import conversations
from assistant.answering.conversations import ConversationNotFound
from assistant.answering.pipeline import Asker
from assistant.runtime.stack import Runtime

pytestmark = pytest.mark.integration

LEAVE = "How many days of paid annual leave do full-time employees get?"
BONUS = "When is the annual bonus paid?"
BONUS_REPLY = "The annual bonus is paid with the March salary [1]."


@pytest.fixture()
def stack(runtime: Runtime, corpus: Path, tmp_path: Path) -> Iterator[Stack]:
    root = tmp_path / "kb"
    shutil.copytree(corpus, root / "handbook")
    (root / "hr").mkdir()
    (root / "hr" / ".access.json").write_text(json.dumps({"access_groups": ["hr"]}))
    (root / "hr" / "bonus.md").write_text(
        "# Bonus policy\n\n## Payment\n\nThe annual bonus is paid with the March salary.\n"
    )
    s = Stack(runtime.settings, root)
    s.fake.default = Reply(text="Full-time employees receive 28 days of paid annual leave [1].")
    yield s
    s.close()


def test_a_conversation_is_listed_titled_renamed_and_deleted_by_its_owner(stack: Stack) -> None:
    engine, pipeline = stack.rt.engine, stack.pipeline()
    emma, omar = f"emma-{uuid.uuid4().hex[:6]}", f"omar-{uuid.uuid4().hex[:6]}"
    pipeline.ask(LEAVE, asker=Asker(user_id=emma), conversation_id="c1")
    pipeline.ask("And part-time?", asker=Asker(user_id=emma), conversation_id="c1")
    pipeline.ask(LEAVE, asker=Asker(user_id=emma), conversation_id="c2")
    pipeline.ask(LEAVE, asker=Asker(user_id=omar), conversation_id="c3")
    mine = conversations.listed(engine, emma)
    assert [c.id for c in mine] == ["c2", "c1"]  # most recently used first
    assert mine[1].title == LEAVE  # its first question, not the follow-up
    assert [c.id for c in conversations.listed(engine, omar)] == ["c3"]

    stored = conversations.rename(engine, emma, "c1", "Leave, Max Mustermann", pipeline.stored_form)
    assert "Max Mustermann" not in stored  # a title is stored redacted, like a question
    assert conversations.listed(engine, emma)[1].title == stored
    with pytest.raises(ConversationNotFound):  # someone else's reads as not found
        conversations.rename(engine, omar, "c1", "mine now", pipeline.stored_form)
    with pytest.raises(ConversationNotFound):
        conversations.delete(engine, omar, "c1")
    with pytest.raises(ConversationNotFound):
        conversations.reopen(engine, stack.rt.store(), omar, "c1", ())

    conversations.delete(engine, emma, "c1")
    assert [c.id for c in conversations.listed(engine, emma)] == ["c2"]
    with pytest.raises(ConversationNotFound):
        conversations.reopen(engine, stack.rt.store(), emma, "c1", ())
    # asked in it again (another tab still had it open): it is back, nothing lost
    pipeline.ask("And for interns?", asker=Asker(user_id=emma), conversation_id="c1")
    assert [c.id for c in conversations.listed(engine, emma)] == ["c1", "c2"]
    assert len(conversations.reopen(engine, stack.rt.store(), emma, "c1", ())) == 3


def test_a_reopened_conversation_has_its_turns_and_their_sources(stack: Stack) -> None:
    engine, pipeline = stack.rt.engine, stack.pipeline()
    cid = uuid.uuid4().hex
    first = pipeline.ask(LEAVE, asker=Asker(user_id="emma"), conversation_id=cid)
    turns = conversations.reopen(engine, stack.rt.store(), "emma", cid, ())
    assert [t.question for t in turns] == [LEAVE]
    again = turns[0].answer
    assert again is not None and again.text == first.text
    assert again.interaction_id == first.interaction_id  # feedback goes to the same answer
    assert [c.chunk_id for c in again.citations] == [c.chunk_id for c in first.citations]
    assert again.citations[0].text == first.citations[0].text
    assert "28 days" in again.citations[0].snippet


def test_a_reopened_answer_is_withheld_once_its_reader_may_not_read_its_sources(
    stack: Stack,
) -> None:
    engine = stack.rt.engine
    stack.fake.default = Reply(text=BONUS_REPLY)
    hr = Asker(user_id="hana", groups=("hr",))
    answer = stack.pipeline().ask(BONUS, asker=hr, conversation_id="c9")
    assert answer.mode == "generated" and "March" in answer.text
    (kept,) = conversations.reopen(engine, stack.rt.store(), "hana", "c9", ("hr",))
    assert kept.answer is not None and kept.answer.citations[0].document.endswith("bonus.md")
    (withheld,) = conversations.reopen(engine, stack.rt.store(), "hana", "c9", ())  # left hr
    assert withheld.answer is None and withheld.question == BONUS
