"""Inter-rater agreement on the rubric: Cohen's kappa for two reviewers, Krippendorff's alpha
for any number (with missing ratings), per rubric field.

Kappa is computed on the first two reviewers of each item (the classic two-rater
statistic); alpha uses every rating, ordinal for the 1–5 scales and nominal for the yes/no
flags. Either is ``None`` when undefined: fewer than two doubly-rated items, or no
variation at all (every rating identical, where chance agreement is already 1).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import krippendorff
import numpy as np
from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from assistant.storage import db
from review.models import RUBRIC_FIELDS, SCALE_FIELDS, Grade, ReviewItem


class FieldAgreement(BaseModel):
    field: str
    items: int  # items rated by at least two reviewers
    observed: float | None  # share of those items where the first two reviewers agree
    kappa: float | None
    alpha: float | None
    level: str


class AgreementReport(BaseModel):
    items: int
    fields: list[FieldAgreement]


def cohen_kappa(a: Sequence[object], b: Sequence[object]) -> float | None:
    """Unweighted Cohen's kappa of two raters over the same items."""
    if len(a) != len(b):
        raise ValueError("both raters must rate the same items")
    n = len(a)
    if n < 2:
        return None
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in ca.keys() | cb.keys()) / (n * n)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


def krippendorff_alpha(ratings: Sequence[Sequence[float | None]], level: str) -> float | None:
    """``ratings[item][rater]``, None where a rater did not rate the item."""
    if len(ratings) < 2:
        return None
    width = max(len(r) for r in ratings)
    matrix = np.full((width, len(ratings)), np.nan)
    for j, item in enumerate(ratings):
        for i, value in enumerate(item):
            if value is not None:
                matrix[i, j] = float(value)
    values = matrix[~np.isnan(matrix)]
    if np.unique(values).size < 2:
        return None
    try:
        return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement=level))
    except ValueError:
        return None


def item_agreement(rubrics: Sequence[Mapping[str, object]]) -> float | None:
    """Share of rubric fields on which all of one item's reviewers gave the same value."""
    if len(rubrics) < 2:
        return None
    same = sum(len({r[f] for r in rubrics}) == 1 for f in RUBRIC_FIELDS)
    return same / len(RUBRIC_FIELDS)


def report(per_item: Sequence[Sequence[Mapping[str, object]]]) -> AgreementReport:
    """``per_item``: for each item, its reviewers' rubric dicts (in grading order)."""
    multi = [r for r in per_item if len(r) >= 2]
    fields = []
    for field in RUBRIC_FIELDS:
        first = [item[0][field] for item in multi]
        second = [item[1][field] for item in multi]
        level = "ordinal" if field in SCALE_FIELDS else "nominal"
        ratings = [[float(g[field]) for g in item] for item in multi]  # type: ignore[arg-type]
        fields.append(
            FieldAgreement(
                field=field,
                items=len(multi),
                observed=(
                    sum(x == y for x, y in zip(first, second, strict=True)) / len(multi)
                    if multi
                    else None
                ),
                kappa=cohen_kappa(first, second),
                alpha=krippendorff_alpha(ratings, level),
                level=level,
            )
        )
    return AgreementReport(items=len(multi), fields=fields)


def stored_report(engine: Engine) -> AgreementReport:
    """Agreement per rubric field over every item's current round of grades."""
    with db.session_scope(engine) as session:
        rows = session.exec(
            select(Grade)
            .join(ReviewItem, col(ReviewItem.id) == Grade.item_id)
            .where(col(Grade.round) == ReviewItem.round)
            .order_by(col(Grade.item_id), col(Grade.created_at), col(Grade.id))
        ).all()
        per_item: dict[int, list[dict]] = {}
        for g in rows:
            per_item.setdefault(g.item_id, []).append(g.rubric())
    return report(list(per_item.values()))
