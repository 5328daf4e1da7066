"""A run's numbers: per case (repetitions folded) and for the whole run."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence

from pydantic import BaseModel

from assistant.answering.pipeline import GENERATION_OFF
from review.evaluation.metrics import QUALITY_METRICS
from review.models import EvalResult


class CaseView(BaseModel):
    """One case over its repetitions: the share that passed and each metric's mean."""

    case_id: str
    should_refuse: bool
    stale: bool
    pass_share: float
    flaky: bool  # passed in some repetitions and failed in others
    metrics: dict[str, float | None]
    outcomes: dict[str, int]


class RunSummary(BaseModel):
    cases: int
    answers: int
    pass_rate: float | None
    metrics: dict[str, float | None]  # mean over the cases where the metric applies
    outcomes: dict[str, int]
    correct_refusal_rate: float | None  # of should-refuse cases
    false_refusal_rate: float | None  # of answerable cases
    fallbacks: int  # quoted because the model failed, was slow or could not be verified
    fallback_reasons: dict[str, int]
    errors: int
    match_levels: dict[str, int]
    flaky: list[str]
    latency_ms: dict[str, float | None]
    tokens: dict[str, float | None]
    cost_per_answer: float | None
    cost_per_passing_answer: float | None
    judge_missing: int | None = None  # answerable answers the judge could not score


def _mean(values: Sequence[float | None]) -> float | None:
    got = [v for v in values if v is not None]
    return round(statistics.fmean(got), 4) if got else None


def _pct(values: Sequence[float | None], q: float) -> float | None:
    got = sorted(v for v in values if v is not None)
    if not got:
        return None
    return round(got[min(len(got) - 1, int(q * len(got)))], 1)


def case_views(results: Sequence[EvalResult]) -> dict[str, CaseView]:
    by_case: dict[str, list[EvalResult]] = {}
    for r in results:
        by_case.setdefault(r.case_id, []).append(r)
    out = {}
    for case_id, rows in by_case.items():
        passed = [r.passed for r in rows]
        metrics = {
            m: _mean([r.scores.get(m) for r in rows]) for m in QUALITY_METRICS if m != "passed"
        }
        out[case_id] = CaseView(
            case_id=case_id,
            should_refuse=rows[0].should_refuse,
            stale=rows[0].stale,
            pass_share=sum(passed) / len(passed),
            flaky=len(set(passed)) > 1,
            metrics=metrics,
            outcomes=dict(Counter(r.outcome for r in rows)),
        )
    return out


def _reason_kind(reason: str) -> str:
    """A fallback reason without its particulars (model name, seconds), for counting."""
    for kind in ("unavailable", "did not answer", "stopped", "took longer", "unreadable",
                 "could not be verified", "figure", "checked"):  # fmt: skip
        if kind in reason:
            return kind
    return "other"


def summarise(
    results: Sequence[EvalResult], repeat: int = 1, *, judged: bool = False
) -> RunSummary:
    """The run's numbers. With ``judged``, answerable answers the judge could not score
    are counted: a missing score, never a zero."""
    views = case_views(results)
    answerable = [r for r in results if not r.should_refuse]
    refusing = [r for r in results if r.should_refuse]
    # Quoted because the model failed, was slow or did not verify (not: was never asked).
    fell_back = [r for r in results if r.fallback_reason and r.fallback_reason != GENERATION_OFF]
    passing = [r for r in results if r.passed]
    costs = [r.cost for r in results]
    known_costs = [c for c in costs if c is not None]
    cost_known = len(known_costs) == len(costs) and bool(costs)
    return RunSummary(
        cases=len(views),
        answers=len(results),
        pass_rate=_mean([float(r.passed) for r in results]),
        metrics={
            m: _mean([v.metrics.get(m) for v in views.values()])
            for m in QUALITY_METRICS
            if m != "passed"
        },
        outcomes=dict(Counter(r.outcome for r in results)),
        correct_refusal_rate=_mean([float(r.outcome == "correct_refusal") for r in refusing]),
        false_refusal_rate=_mean([float(r.outcome == "false_refusal") for r in answerable]),
        fallbacks=len(fell_back),
        fallback_reasons=dict(Counter(_reason_kind(r.fallback_reason or "") for r in fell_back)),
        errors=sum(r.outcome == "error" for r in results),
        match_levels=dict(
            Counter(str(r.scores.get("match")) for r in results if r.scores.get("match"))
        ),
        flaky=sorted(c for c, v in views.items() if v.flaky) if repeat > 1 else [],
        latency_ms={
            "retrieve_p50": _pct([r.latency.get("retrieve_ms") for r in results], 0.5),
            "retrieve_p95": _pct([r.latency.get("retrieve_ms") for r in results], 0.95),
            "first_token_p50": _pct([r.latency.get("first_token_ms") for r in results], 0.5),
            "first_token_p95": _pct([r.latency.get("first_token_ms") for r in results], 0.95),
            "total_p50": _pct([r.latency.get("total_ms") for r in results], 0.5),
            "total_p95": _pct([r.latency.get("total_ms") for r in results], 0.95),
        },
        tokens={
            "prompt_mean": _mean([r.prompt_tokens for r in results]),
            "completion_mean": _mean([r.completion_tokens for r in results]),
        },
        cost_per_answer=round(sum(known_costs) / len(costs), 6) if cost_known else None,
        cost_per_passing_answer=(
            round(sum(known_costs) / len(passing), 6) if cost_known and passing else None
        ),
        judge_missing=(
            sum(r.scores.get("judge_correctness") is None for r in answerable) if judged else None
        ),
    )
