"""The refusal calibration's protocol: every set is asked near misses from another domain,
and balanced accuracy weighs both kinds of mistake alike."""

from __future__ import annotations

import numpy as np

from benchmarks.corpora import SETS
from benchmarks.refusal import NEAR_MISS_FROM, accuracy, kept


def test_every_set_gets_near_misses_from_another_set() -> None:
    assert set(NEAR_MISS_FROM) == {*SETS, "starter"}
    assert all(source != name and source in SETS for name, source in NEAR_MISS_FROM.items())


NEVER = 2.0  # a terms rule that never applies: the cosine threshold alone


def test_balanced_accuracy_counts_false_refusals_and_false_answers_alike() -> None:
    # (cosine, share of the question's terms held) per question
    pos = np.array([[0.5, 0.0], [0.6, 0.0], [0.7, 0.0], [0.8, 0.0]])
    neg = np.array([[0.1, 0.0], [0.2, 0.0], [0.3, 0.0], [0.55, 0.0]])
    assert accuracy(pos, neg, (0.4, NEVER, NEVER)) == (1.0 + 0.75) / 2  # a near miss answered
    assert accuracy(pos, neg, (0.65, NEVER, NEVER)) == (0.5 + 1.0) / 2  # half refused
    assert accuracy(pos, neg, (0.56, NEVER, NEVER)) == (0.75 + 1.0) / 2


def test_the_terms_rule_keeps_low_cosine_questions_whose_words_a_passage_holds() -> None:
    e = np.array([[0.50, 0.0], [0.35, 0.8], [0.35, 0.5], [0.25, 1.0]])
    assert kept(e, 0.43, NEVER, NEVER).tolist() == [True, False, False, False]
    assert kept(e, 0.43, 0.67, 0.31).tolist() == [True, True, False, False]
