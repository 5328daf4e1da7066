"""The per-case scores and the pass rule, on hand-made answers."""

from __future__ import annotations

import pytest

from review.evaluation.metrics import (
    Ref,
    key_fact_recall,
    key_facts,
    match_level,
    retrieval_scores,
    score_case,
    token_f1,
)

GOLD = Ref(chunk_id="c1", content_hash="h1", document="data/handbook.md")
OTHER = Ref(chunk_id="c9", content_hash="h9", document="data/it-faq.html")
REFERENCE = "Full-time employees get 28 days of paid annual leave, booked in Workday."


def _score(**given: object):  # type: ignore[no-untyped-def]
    base = {
        "should_refuse": False, "reference": REFERENCE, "expected": [GOLD],
        "answer_text": "Employees get 28 days of paid leave, booked in Workday [1].",
        "mode": "generated", "refused": False, "cited": [GOLD], "retrieved": [OTHER, GOLD],
        "k": 3, "similarity": 0.9, "dropped_sentences": 0,
    }  # fmt: skip
    return score_case(**{**base, **given})


def test_evidence_matches_by_id_then_hash_then_document() -> None:
    assert match_level(GOLD, GOLD) == "chunk"
    moved = Ref(chunk_id="other-id", content_hash="h1", document="kb/handbook.md")
    assert match_level(GOLD, moved) == "hash"
    same_doc = Ref(chunk_id="c2", content_hash="h2", document="kb/handbook.md")
    assert match_level(GOLD, same_doc) == "document"
    assert match_level(GOLD, OTHER) is None


def test_retrieval_scores_rank_the_first_expected_passage() -> None:
    assert retrieval_scores([GOLD], [OTHER, GOLD], k=1) == (0.0, 0.0, 0.5)
    assert retrieval_scores([GOLD], [OTHER, GOLD], k=2) == (1.0, 1.0, 0.5)
    assert retrieval_scores([GOLD, OTHER], [GOLD], k=5) == (1.0, 0.5, 1.0)


def test_token_f1_ignores_case_punctuation_articles_and_markers() -> None:
    assert token_f1("The answer is 28 days [1].", "answer is 28 days") == 1.0
    assert token_f1("“Answer is «28» days”…", "answer is 28 days") == 1.0  # any punctuation
    assert token_f1("nothing alike", "28 days") == 0.0
    assert 0 < token_f1("28 days of leave", "28 days") < 1


def test_key_facts_are_numbers_by_value_and_names_not_opening_a_sentence() -> None:
    assert key_facts(REFERENCE) == {"#28", "workday"}
    assert key_fact_recall("You get twenty-eight days, booked in Workday.", REFERENCE) == 1.0
    assert key_fact_recall("You get 30 days, booked in Workday.", REFERENCE) == 0.5
    assert key_fact_recall("Hello there", "no facts here at all") is None


def test_a_good_answer_passes() -> None:
    s = _score()
    assert s.passed and s.outcome == "answered" and s.why == ""
    assert (s.hit_at_k, s.recall_at_k, s.mrr) == (1.0, 1.0, 0.5)
    assert (s.citation_precision, s.citation_recall, s.faithfulness) == (1.0, 1.0, 1.0)
    assert s.match == "chunk"


@pytest.mark.parametrize(
    ("given", "why"),
    [
        ({"cited": [OTHER]}, "cites none of the expected passages"),
        ({"answer_text": "Employees get 30 days, booked in Workday [1]."}, "misses a key fact"),
        ({"refused": True, "mode": "refused", "cited": []}, "refused an answerable question"),
    ],
)
def test_each_broken_rule_fails_with_its_reason(given: dict, why: str) -> None:
    s = _score(**given)
    assert not s.passed and why in s.why


def test_a_refused_answerable_case_scores_zero_not_missing() -> None:
    s = _score(refused=True, mode="refused", cited=[])
    assert s.outcome == "false_refusal"
    assert (s.token_f1, s.key_fact_recall, s.citation_recall) == (0.0, 0.0, 0.0)
    assert s.citation_precision is None  # nothing was cited: no precision to speak of


def test_refusal_is_an_outcome_both_ways() -> None:
    refused = _score(should_refuse=True, expected=[], refused=True, mode="refused", cited=[])
    assert refused.passed and refused.outcome == "correct_refusal"
    answered = _score(should_refuse=True, expected=[])
    assert not answered.passed and answered.outcome == "missed_refusal"


def test_faithfulness_counts_the_sentences_the_verifier_left_out() -> None:
    assert _score(dropped_sentences=1).faithfulness == 0.5
    assert _score(mode="extractive", dropped_sentences=0).faithfulness == 1.0
