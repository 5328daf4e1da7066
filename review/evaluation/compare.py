"""``eval compare`` and ``eval gate``: what got better and worse between two runs, with
the uncertainty the number of cases leaves, and whether a candidate may be promoted.

Cases are paired by id; runs over different datasets or indexes are compared over their
shared cases only, and the report says so. Each metric gets the mean of the per-case
differences with a paired bootstrap 95% interval (seeded, 2,000 resamples by default) and
a verdict: improved or regressed when the interval excludes zero, else inconclusive at
this number of cases. Pass/fail gets McNemar's exact test over the cases that flipped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from assistant.errors import AssistantError
from assistant.identity.groups import Reader
from assistant.phrases import counted
from assistant.storage import db
from review.evaluation.metrics import QUALITY_METRICS
from review.evaluation.summary import CaseView, case_views
from review.models import EvalResult, EvalRun

Verdict = Literal["improved", "regressed", "inconclusive", "unchanged"]
LOWER_IS_BETTER = ("total_ms",)
COMPARED = (*QUALITY_METRICS, *LOWER_IS_BETTER)


class EvalError(AssistantError):
    """A run that does not exist, is not finished, or cannot be compared."""


class MetricDelta(BaseModel):
    metric: str
    baseline: float | None
    candidate: float | None
    delta: float | None  # mean of per-case differences (candidate - baseline)
    low: float | None
    high: float | None
    cases: int  # paired cases where the metric applies to both
    verdict: Verdict

    @classmethod
    def empty(cls, metric: str) -> MetricDelta:
        """A metric that applies to no shared case (e.g. citations on a refusal-only set)."""
        return cls(metric=metric, baseline=None, candidate=None, delta=None, low=None,
                   high=None, cases=0, verdict="inconclusive")  # fmt: skip


class Flip(BaseModel):
    case_id: str
    change: Literal["pass→fail", "fail→pass"]
    question: str
    reference: str
    baseline_answer: str
    candidate_answer: str
    baseline_cited: list[str]
    candidate_cited: list[str]
    why: str  # the rule the failing side broke


class McNemar(BaseModel):
    pass_to_fail: int
    fail_to_pass: int
    p_value: float

    def in_words(self) -> str:
        if not self.pass_to_fail and not self.fail_to_pass:
            return "No case went from pass to fail or from fail to pass."
        return (
            f"Cases that went from pass to fail: {self.pass_to_fail}; from fail to pass: "
            f"{self.fail_to_pass} (McNemar's exact test p = {self.p_value:.3f})."
        )


class Comparison(BaseModel):
    baseline: str
    candidate: str
    shared_cases: int
    only_in_baseline: int
    only_in_candidate: int
    notes: list[str]  # different datasets, indexes or configs: what the pairing means
    metrics: list[MetricDelta]
    mcnemar: McNemar
    flips: list[Flip]
    hidden_flips: int  # flips whose passages the reader may not read (counted, not shown)


class RunRecord(BaseModel):
    """A run with its results, as ``eval run --json`` prints it and a baseline file keeps it."""

    run_id: str
    run: dict
    results: list[dict]


def run_record(run: EvalRun, results: Sequence[EvalResult]) -> RunRecord:
    return RunRecord(
        run_id=run.id,
        run=run.model_dump(mode="json"),
        results=[r.model_dump(mode="json") for r in results],
    )


def load_run(engine: Engine, run_id: str) -> tuple[EvalRun, list[EvalResult]]:
    """A stored run by id (or an unambiguous prefix of 6+ characters), or a run saved as
    JSON (``eval run --json > FILE``), e.g. a baseline kept beside the code."""
    if run_id.endswith(".json"):
        return _from_file(Path(run_id))
    with db.session_scope(engine) as session:
        run = session.get(EvalRun, run_id)
        if run is None:
            matches = session.exec(
                select(EvalRun).where(col(EvalRun.id).startswith(run_id)).limit(2)
            ).all()
            run = matches[0] if len(matches) == 1 and len(run_id) >= 6 else None
        if run is None:
            raise EvalError(f"There is no evaluation run {run_id}.", fix="See `eval list`.")
        results = session.exec(
            select(EvalResult)
            .where(EvalResult.run_id == run.id)
            .order_by(col(EvalResult.case_id), col(EvalResult.repetition))
        ).all()
        session.expunge_all()
    return run, list(results)


def _from_file(path: Path) -> tuple[EvalRun, list[EvalResult]]:
    try:
        record = RunRecord.model_validate_json(path.read_text(encoding="utf-8"))
        run = EvalRun.model_validate(record.run)
        results = [EvalResult.model_validate(r) for r in record.results]
    except OSError as err:
        raise EvalError(f"Cannot read the run file {path}: {err.strerror or err}.") from err
    except ValueError as err:
        raise EvalError(
            f"{path} is not a run saved by `eval run --json`: {str(err).splitlines()[0]}"
        ) from err
    return run, results


def bootstrap(
    deltas: np.ndarray, resamples: int = 2000, seed: int = 7
) -> tuple[float, float, float]:
    """(mean, low, high) of the mean of ``deltas`` with a 95% percentile interval."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(deltas), size=(resamples, len(deltas)))
    means = deltas[picks].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(deltas.mean()), float(low), float(high)


def mcnemar_exact(pass_to_fail: int, fail_to_pass: int) -> float:
    """Two-sided exact McNemar p-value (a binomial test on the discordant pairs)."""
    n = pass_to_fail + fail_to_pass
    if n == 0:
        return 1.0
    k = min(pass_to_fail, fail_to_pass)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return min(1.0, 2 * tail)


def _value(view: CaseView, metric: str, latency: dict[str, float]) -> float | None:
    if metric == "passed":
        return view.pass_share
    if metric in LOWER_IS_BETTER:
        return latency.get(view.case_id)
    return view.metrics.get(metric)


def _verdict(metric: str, delta: float, low: float, high: float) -> Verdict:
    if low == high == delta == 0:
        return "unchanged"
    better, worse = (high < 0, low > 0) if metric in LOWER_IS_BETTER else (low > 0, high < 0)
    return "improved" if better else "regressed" if worse else "inconclusive"


def _latency(results: Sequence[EvalResult]) -> dict[str, float]:
    by_case: dict[str, list[float]] = {}
    for r in results:
        if (ms := r.latency.get("total_ms")) is not None:
            by_case.setdefault(r.case_id, []).append(float(ms))
    return {c: float(np.mean(v)) for c, v in by_case.items()}


def compare(
    engine: Engine, baseline_id: str, candidate_id: str, reader: Reader, resamples: int = 2000
) -> Comparison:
    base_run, base_results = load_run(engine, baseline_id)
    cand_run, cand_results = load_run(engine, candidate_id)
    base, cand = case_views(base_results), case_views(cand_results)
    shared = sorted(set(base) & set(cand))
    notes = _notes(base_run, cand_run, len(shared), len(base), len(cand))
    base_ms, cand_ms = _latency(base_results), _latency(cand_results)
    metrics = []
    for metric in COMPARED:
        pairs = [
            (a, b)
            for c in shared
            if (a := _value(base[c], metric, base_ms)) is not None
            and (b := _value(cand[c], metric, cand_ms)) is not None
        ]
        if not pairs:
            metrics.append(MetricDelta.empty(metric))
            continue
        a, b = np.array(pairs).T
        delta, low, high = bootstrap(b - a, resamples)
        metrics.append(
            MetricDelta(
                metric=metric,
                baseline=round(float(a.mean()), 4),
                candidate=round(float(b.mean()), 4),
                delta=round(delta, 4),
                low=round(low, 4),
                high=round(high, 4),
                cases=len(pairs),
                verdict=_verdict(metric, delta, low, high),
            )
        )
    flips, hidden = _flips(shared, base, cand, base_results, cand_results, reader)
    p2f = sum(1 for c in shared if base[c].pass_share >= 0.5 > cand[c].pass_share)
    f2p = sum(1 for c in shared if cand[c].pass_share >= 0.5 > base[c].pass_share)
    return Comparison(
        baseline=base_run.id,
        candidate=cand_run.id,
        shared_cases=len(shared),
        only_in_baseline=len(set(base) - set(cand)),
        only_in_candidate=len(set(cand) - set(base)),
        notes=notes,
        metrics=metrics,
        mcnemar=McNemar(
            pass_to_fail=p2f, fail_to_pass=f2p, p_value=round(mcnemar_exact(p2f, f2p), 6)
        ),
        flips=flips,
        hidden_flips=hidden,
    )


def _notes(a: EvalRun, b: EvalRun, shared: int, na: int, nb: int) -> list[str]:
    notes = []
    if (a.dataset, a.dataset_version) != (b.dataset, b.dataset_version):
        notes.append(
            f"Different datasets ({a.dataset} {a.dataset_version} vs {b.dataset} "
            f"{b.dataset_version}): compared over the {shared} cases both have "
            f"(of {na} and {nb})."
        )
    elif shared < max(na, nb):
        notes.append(f"Compared over the {shared} cases both runs answered (of {na} and {nb}).")
    if a.index_fingerprint != b.index_fingerprint:
        notes.append("The index changed between the runs: documents differ, not only the config.")
    for run in (a, b):
        if run.status != "complete":
            notes.append(f"Run {run.id[:8]} is {run.status}: its numbers cover part of the set.")
    return notes


def _flips(
    shared: list[str],
    base: dict[str, CaseView],
    cand: dict[str, CaseView],
    base_results: Sequence[EvalResult],
    cand_results: Sequence[EvalResult],
    reader: Reader,
) -> tuple[list[Flip], int]:
    first_a = {r.case_id: r for r in reversed(base_results)}
    first_b = {r.case_id: r for r in reversed(cand_results)}
    flips, hidden = [], 0
    for c in shared:
        was, now = base[c].pass_share >= 0.5, cand[c].pass_share >= 0.5
        if was == now:
            continue
        a, b = first_a[c], first_b[c]
        if not (reader.may_read(a.access) and reader.may_read(b.access)):
            hidden += 1
            continue
        flips.append(
            Flip(
                case_id=c,
                change="pass→fail" if was else "fail→pass",
                question=a.question,
                reference=a.reference,
                baseline_answer=a.answer,
                candidate_answer=b.answer,
                baseline_cited=[x.get("document", "") for x in a.citations],
                candidate_cited=[x.get("document", "") for x in b.citations],
                why=(b.why if was else a.why),
            )
        )
    return flips, hidden


# -- the gate ---------------------------------------------------------------------------
DEFAULT_MAX_DROP = {"passed": 0.02, "citation_recall": 0.05, "recall_at_k": 0.05}


class GateResult(BaseModel):
    passed: bool
    reasons: list[str]
    comparison: Comparison | None


def gate(
    engine: Engine,
    baseline_id: str,
    candidate_id: str,
    reader: Reader,
    *,
    max_drop: dict[str, float] | None = None,
    must_pass: bool = False,
) -> GateResult:
    """Whether the candidate may replace the baseline: no metric drops beyond its margin,
    and (``must_pass``) no case that passed in the baseline fails. A missing or
    unfinished run fails the gate."""
    try:
        runs = [load_run(engine, run_id)[0] for run_id in (baseline_id, candidate_id)]
    except EvalError as err:
        return GateResult(passed=False, reasons=[str(err)], comparison=None)
    unfinished = [f"run {r.id[:8]} is {r.status}" for r in runs if r.status != "complete"]
    if unfinished:
        return GateResult(
            passed=False, reasons=[f"Not finished: {', '.join(unfinished)}."], comparison=None
        )
    comparison = compare(engine, baseline_id, candidate_id, reader)
    if comparison.shared_cases == 0:
        return GateResult(passed=False, reasons=["The runs share no cases."], comparison=comparison)
    margins = {**DEFAULT_MAX_DROP, **(max_drop or {})}
    unknown = sorted(set(margins) - set(COMPARED))
    if unknown:
        raise EvalError(f"Unknown --max-drop metric: {', '.join(unknown)}.",
                        fix=f"Use one of {', '.join(COMPARED)}.")  # fmt: skip
    reasons = []
    for m in comparison.metrics:
        if m.metric not in margins or m.delta is None:
            continue
        drop = m.delta if m.metric in LOWER_IS_BETTER else -m.delta
        if drop > margins[m.metric] + 1e-9:
            reasons.append(
                f"{m.metric} fell from {m.baseline} to {m.candidate} (more than the "
                f"{margins[m.metric]} allowed)."
            )
    if must_pass and comparison.mcnemar.pass_to_fail:
        reasons.append(f"{counted(comparison.mcnemar.pass_to_fail, 'case')} that passed now fail.")
    return GateResult(passed=not reasons, reasons=reasons, comparison=comparison)
