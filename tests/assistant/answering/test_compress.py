"""Context compression keeps the sentences that bear on the question, within the budget."""

from __future__ import annotations

from helpers import passage

from assistant.answering.compress import GAP, compress

LEAVE = (
    "Leave policy for all staff. "
    "The office closes at six on Fridays. "
    "Full-time employees receive 28 days of paid annual leave per year. "
    "Parking permits are issued by facilities. "
    "Unused leave of up to five days can be carried over to the next year. "
    "The canteen serves lunch from half past eleven."
)
VPN = "VPN access. Install the VPN client from the software center. Sign in with your badge."


def test_keeps_the_answering_sentences_in_order_within_the_budget(embedder) -> None:
    question = "How many days of annual leave do employees get, and can they carry them over?"
    passages = [passage(1, LEAVE), passage(2, VPN)]
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
    out = compress(question, embedder.embed_query(question), [passage(1, LEAVE)], embedder, 2000)
    assert out[0].text == " ".join(LEAVE.split()) and GAP not in out[0].text


def test_a_passage_with_nothing_that_fits_is_left_out(embedder) -> None:
    question = "annual leave"
    long_first = "word " * 80 + "end."
    passages = [passage(1, LEAVE), passage(2, long_first)]
    out = compress(question, embedder.embed_query(question), passages, embedder, 40)
    assert [p.n for p in out] == [1]


def test_a_sentence_shared_by_overlapping_chunks_is_sent_once(embedder) -> None:
    question = "How many days of annual leave do employees get?"
    leave = "Full-time employees receive 28 days of paid annual leave per year."
    passages = [
        passage(1, f"Leave policy for all staff. {leave}"),
        passage(2, f"{leave} Unused leave of up to five days can be carried over."),
    ]
    out = compress(question, embedder.embed_query(question), passages, embedder, 200)
    assert sum(p.text.count("28 days") for p in out) == 1, [p.text for p in out]
