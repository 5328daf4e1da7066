"""How a follow-up is made to stand alone for search, without a model."""

from __future__ import annotations

from assistant.answering import followups
from assistant.answering.draft import Turn

LEAVE = "How many days of annual leave do I get?"


def test_a_follow_up_is_joined_to_the_question_the_turn_before_was_searched_with() -> None:
    history = [
        Turn(LEAVE, "28 days [1]."),
        Turn("Can I carry them over?", "5 days [1].", f"{LEAVE} Can I carry them over?"),
    ]
    assert followups.joined("Until when?", history) == (
        f"{LEAVE} Can I carry them over? Until when?"
    )


def test_a_long_earlier_question_keeps_its_first_and_last_words() -> None:
    words = [f"w{i}" for i in range(200)]
    history = [Turn(" ".join(words), "")]
    kept = followups.earlier(history).split()
    assert len(kept) == followups.JOINED_HEAD_WORDS + followups.JOINED_TAIL_WORDS
    assert kept[0] == "w0" and kept[-1] == "w199"


def test_only_a_question_leaning_on_the_conversation_needs_it() -> None:
    history = [Turn(LEAVE, "28 days [1].")]
    assert followups.needs_context("Can I carry them over?", history)
    assert not followups.needs_context("How do I connect my laptop to the VPN from home?", history)
    assert not followups.needs_context("Can I carry them over?", [])
