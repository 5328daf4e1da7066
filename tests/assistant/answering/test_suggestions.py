from datetime import UTC, datetime

from assistant.answering.answer import Answer, Citation, as_plain_text
from assistant.answering.left_out import LEAD
from assistant.answering.suggestions import question_for
from assistant.index.chunks import Chunk


def chunk(title: str, *path: str) -> Chunk:
    return Chunk(id="c", document_id="d", source="s", path="p.md", title=title, section_path=path,
                 page=None, position=0, text="t", content_hash="h", access_groups=("everyone",),
                 ingested_at=datetime.now(UTC))  # fmt: skip


def test_a_heading_becomes_a_question_about_its_document() -> None:
    assert question_for(chunk("Employee Handbook", "2. Time off", "2.1 Annual leave")) == (
        "What does the Employee Handbook say about annual leave?"
    )
    assert question_for(chunk("IT FAQ", "How often do passwords expire?")) == (
        "How often do passwords expire?"
    )
    assert question_for(chunk("IT FAQ", "VPN setup")) == "What does the IT FAQ say about VPN setup?"


def test_no_heading_or_a_sentence_long_one_suggests_nothing() -> None:
    assert question_for(chunk("Office guide")) is None
    assert question_for(chunk("Office guide", "Office guide")) is None
    assert (
        question_for(
            chunk("Guide", "A heading that is a whole sentence, and it goes on and on and on")
        )
        is None
    )


def test_an_answer_copies_as_text_with_its_sources() -> None:
    citation = Citation(n=1, chunk_id="c", document_id="d", document="data/handbook.md",
                        title="Handbook", section="2. Time off > 2.1 Annual leave", page=None,
                        snippet="s", text="t", score=1.0, content_hash="h")  # fmt: skip
    answer = Answer(question="q", standalone_query="q", text="28 days [1].", mode="generated",
                    citations=[citation], model="m", config_version="v",
                    prompt_version="p")  # fmt: skip
    assert as_plain_text(answer) == (
        "28 days [1].\n\nSources:\n[1] Handbook > 2. Time off > 2.1 Annual leave (data/handbook.md)"
    )
    # the Markdown of the answer (its label for kept quotes, the model's emphasis) is not copied
    kept = answer.model_copy(update={"text": f"**28** days [1].\n\n{LEAD} “Five carry over.” [1]"})
    assert as_plain_text(kept).startswith(
        "28 days [1].\n\nAlso in the passages cited above: “Five carry over.” [1]\n\nSources:"
    )
