"""What a verified answer keeps of the quoted preview it replaces."""

from __future__ import annotations

from assistant.answering.answer import Answer, Citation
from assistant.answering.left_out import LEAD, keeping_left_out, left_out

LEAVE = "Full-time employees receive 28 days of paid annual leave per calendar year."
CARRY = "Up to five unused days may be carried over; carried-over days expire on 31 March."
VOLUNTEER = "Every employee may take two paid volunteering days per year."


def cite(n: int, chunk: str) -> Citation:
    return Citation(
        n=n,
        chunk_id=chunk,
        document_id=f"doc-{chunk}",
        document=f"handbook/{chunk}.md",
        title=chunk,
        section="",
        snippet="",
        text="",
        score=1.0,
        content_hash=chunk,
    )


def answer(text: str, *citations: Citation, mode: str = "generated") -> Answer:
    return Answer(
        question="q",
        standalone_query="q",
        text=text,
        mode=mode,  # type: ignore[arg-type]
        citations=list(citations),
        model="m",
        config_version="c",
        prompt_version="p",
    )


# The preview quotes the leave passage twice (as [1]) and the volunteering one (as [2]).
PREVIEW = answer(
    f"{LEAVE} [1] {CARRY} [1] {VOLUNTEER} [2]",
    cite(1, "leave"),
    cite(2, "volunteering"),
    mode="extractive",
)


def test_a_figure_the_answer_left_out_is_kept_from_the_passage_it_cites() -> None:
    final = answer("You can carry over up to five days [1].", cite(1, "leave"))
    kept = keeping_left_out(final, PREVIEW)
    # 28 and 31 March are not in the answer; five is, but its sentence also holds 31:
    # both sentences of the cited passage stay, the other passage's does not.
    assert left_out(final, PREVIEW) == [f"“{LEAVE}” [1]", f"“{CARRY}” [1]"]
    assert kept.text == f"{final.text}\n\n{LEAD} “{LEAVE}” [1] “{CARRY}” [1]"
    assert kept.kept_quotes == 2
    assert "volunteering" not in kept.text


def test_quotes_are_cited_in_the_answers_own_numbering() -> None:
    # The answer cites the leave passage as [2]: the kept quote must point there too.
    final = answer(
        "Volunteering: two days [1]. Leave: 28 days a year [2].",
        cite(1, "volunteering"),
        cite(2, "leave"),
    )
    assert left_out(final, PREVIEW) == [f"“{CARRY}” [2]"]


def test_nothing_is_added_when_the_answer_states_every_figure() -> None:
    final = answer(
        "You get 28 days a year [1]; up to five carry over and expire on 31 March [1].",
        cite(1, "leave"),
    )
    assert keeping_left_out(final, PREVIEW) is final


def test_a_marker_number_is_not_a_figure() -> None:
    """ "[2]" in the answer does not state "two" volunteering days."""
    final = answer("Volunteering days are paid [1] [2].", cite(1, "leave"), cite(2, "volunteering"))
    assert f"“{VOLUNTEER}” [2]" in left_out(final, PREVIEW)
