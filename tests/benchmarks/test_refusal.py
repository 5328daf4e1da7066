"""The refusal calibration's protocol: every set is asked near misses from another domain,
and balanced accuracy weighs both kinds of mistake alike."""

from __future__ import annotations

import numpy as np

from benchmarks.corpora import SETS
from benchmarks.refusal import NEAR_MISS_FROM, balanced


def test_every_set_gets_near_misses_from_another_set() -> None:
    assert set(NEAR_MISS_FROM) == {*SETS, "starter"}
    assert all(source != name and source in SETS for name, source in NEAR_MISS_FROM.items())


def test_balanced_accuracy_counts_false_refusals_and_false_answers_alike() -> None:
    pos, neg = np.array([0.5, 0.6, 0.7, 0.8]), np.array([0.1, 0.2, 0.3, 0.55])
    assert balanced(pos, neg, 0.4) == (1.0 + 0.75) / 2  # one near miss answered
    assert balanced(pos, neg, 0.65) == (0.5 + 1.0) / 2  # half the answerable refused
    assert balanced(pos, neg, 0.56) == (0.75 + 1.0) / 2
