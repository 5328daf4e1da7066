"""The extractive answer and the passages it draws on: pure functions, real embedder."""

from __future__ import annotations

from helpers import passage

from assistant.answering.extractive import compose
from assistant.index.retrieve import distinct

QUESTION = "How many days of paid annual leave do full-time employees get?"
LEAVE = "Full-time employees receive 28 days of paid annual leave per calendar year."
CARRY = "Up to five unused days of annual leave may be carried over into the next year."
SICK = "Sick days do not reduce annual leave."


def test_the_best_sentences_are_quoted_in_order_each_citing_its_passage(embedder) -> None:
    passages = [passage(1, f"{SICK} The canteen opens at noon."), passage(2, f"{LEAVE} {CARRY}")]
    text, used = compose(QUESTION, embedder.embed_query(QUESTION), passages, embedder, 2, 0.3)
    assert "28 days of paid annual leave per calendar year [2]." in text
    assert "canteen" not in text
    assert used and set(used) <= {1, 2}


def test_a_sentence_shared_by_overlapping_chunks_is_quoted_once(embedder) -> None:
    # Long sections are split with an overlap: neighbouring chunks repeat a sentence.
    passages = [passage(1, f"{SICK} {LEAVE}"), passage(2, f"{LEAVE} {CARRY}")]
    text, _ = compose(QUESTION, embedder.embed_query(QUESTION), passages, embedder, 3, 0.3)
    assert text.count("28 days") == 1, text
    assert "[1]" in text  # the first passage that says it is the one cited


def test_identical_passages_from_copied_files_collapse_to_the_best_ranked() -> None:
    first, copy = (
        passage(1, LEAVE, path="hr/handbook.md"),
        passage(2, LEAVE, path="old/handbook.md"),
    )
    other = passage(3, CARRY)
    hits = [first.hit, copy.hit, other.hit]
    assert [h.chunk.path for h in distinct(hits)] == ["hr/handbook.md", "s/doc.md"]
