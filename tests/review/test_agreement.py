"""Agreement statistics against textbook values."""

from __future__ import annotations

import pytest

from review.agreement import cohen_kappa, item_agreement, krippendorff_alpha, report


def test_cohen_kappa_matches_the_textbook_example() -> None:
    # Two raters, 50 items: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no (Wikipedia's example).
    a = ["y"] * 25 + ["n"] * 25
    b = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert cohen_kappa([1, 2, 3], [1, 2, 3]) == pytest.approx(1.0)
    assert cohen_kappa([1, 1, 1], [1, 1, 1]) is None, "undefined without variation"


def test_krippendorff_alpha_with_missing_ratings() -> None:
    perfect = [[1, 1], [3, 3], [5, 5, 5], [2, None]]
    assert krippendorff_alpha(perfect, "ordinal") == pytest.approx(1.0)
    noisy = [[1, 5], [5, 1], [3, 3], [2, 4]]
    assert krippendorff_alpha(noisy, "ordinal") < 0.2
    assert krippendorff_alpha([[2, 2], [2, 2]], "nominal") is None


def test_report_covers_every_rubric_field() -> None:
    g = {"correctness": 5, "groundedness": 4, "completeness": 4, "helpfulness": 5,
         "should_have_refused": False, "safety_issue": False}  # fmt: skip
    worse = {**g, "correctness": 2}
    rep = report([[g, g], [g, worse], [g]])
    assert rep.items == 2
    fields = {f.field: f for f in rep.fields}
    assert fields["correctness"].observed == 0.5 and fields["groundedness"].observed == 1.0
    assert item_agreement([g, worse]) == pytest.approx(5 / 6)
    assert item_agreement([g]) is None
