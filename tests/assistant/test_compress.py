"""Context compression keeps the sentences that bear on the question, within the budget."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from assistant.chunks import Chunk, ScoredChunk
from assistant.citations import Passage
from assistant.compress import GAP, compress
from assistant.embeddings import OnnxMiniLM

LEAVE = (
    "Leave policy for all staff. "
    "The office closes at six on Fridays. "
    "Full-time employees receive 28 days of paid annual leave per year. "
    "Parking permits are issued by facilities. "
    "Unused leave of up to five days can be carried over to the next year. "
    "The canteen serves lunch from half past eleven."
)
VPN = "VPN access. Install the VPN client from the software center. Sign in with your badge."


def _passage(n: int, text: str) -> Passage:
    chunk = Chunk(
        id=f"c{n}",
        document_id="d",
        source="s",
        path=f"s/{n}.md",
        title="Handbook",
        section_path=(),
        page=None,
        position=n,
        text=text,
        content_hash="h",
        access_groups=("everyone",),
        ingested_at=datetime.now(UTC),
    )
    return Passage(n=n, hit=ScoredChunk(chunk, 1.0), text=text)


@pytest.fixture(scope="module")
def embedder() -> OnnxMiniLM:
    return OnnxMiniLM(threads=2, batch_size=8)


def test_keeps_the_answering_sentences_in_order_within_the_budget(embedder) -> None:
    question = "How many days of annual leave do employees get, and can they carry them over?"
    passages = [_passage(1, LEAVE), _passage(2, VPN)]
    budget = 60
    out = compress(question, embedder.embed_query(question), passages, embedder, budget)
    by_n = {p.n: p.text for p in out}
    first = by_n[1]
    assert first.startswith("Leave policy for all staff.")  # what the passage is about
    assert "28 days of paid annual leave" in first and "carried over" in first
    assert first.index("28 days") < first.index("carried over")  # original order
    assert "canteen" not in first and "Parking" not in first  # off the question
    assert GAP in first  # left-out sentences are marked
    assert sum(embedder.count_tokens(p.text) for p in out) <= budget + 10  # gap marks
    assert [p.hit for p in out] == [p.hit for p in passages[: len(out)]]  # same passages


def test_a_large_budget_keeps_every_sentence(embedder) -> None:
    question = "annual leave"
    out = compress(question, embedder.embed_query(question), [_passage(1, LEAVE)], embedder, 2000)
    assert out[0].text == " ".join(LEAVE.split()) and GAP not in out[0].text


def test_a_passage_with_nothing_that_fits_is_left_out(embedder) -> None:
    question = "annual leave"
    long_first = "word " * 80 + "end."
    passages = [_passage(1, LEAVE), _passage(2, long_first)]
    out = compress(question, embedder.embed_query(question), passages, embedder, 40)
    assert [p.n for p in out] == [1]
