"""Promotion and rollback of the answering configuration, gated by evaluation.

A candidate becomes production only when the gate passes between production's and the
candidate's latest finished runs on the same dataset version; without such a pair, or
when the gate fails, the promotion is refused, unless a lead overrides it with a written
reason (kept in the audit log with the gate's reasons). A rollback moves production back
to any stored version in one step.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from assistant.answering import versions
from assistant.answering.config import AnswerConfig, load_answer_config
from assistant.config import Settings
from assistant.identity.groups import Reader
from assistant.storage import audit, db
from review.evaluation.compare import EvalError, GateResult, gate
from review.models import EvalRun

MIN_REASON = 15  # characters of a written reason for overriding the gate


class PromotionRefused(EvalError):
    """The gate did not pass (or could not be run) and no reason to override was given."""


class Promotion(BaseModel):
    version: str
    previous: str | None
    baseline_run: str | None
    candidate_run: str | None
    gate: GateResult | None
    overridden: bool


def resolve_config(engine: Engine, settings: Settings, choice: str) -> AnswerConfig:
    """``production``, ``candidate``, a stored version, or a TOML file (stored on use)."""
    if choice == "production":
        return versions.serving(engine, settings)
    if choice == "candidate":
        version = versions.labelled(engine, "candidate")
        if version is None:
            raise EvalError(
                "There is no candidate config.", fix="Set one: `config set-candidate FILE`."
            )
        return versions.get(engine, version)
    path = Path(choice)
    if path.suffix == ".toml" or path.exists():
        return load_answer_config(path)
    return versions.get(engine, choice)


def set_candidate(engine: Engine, config: AnswerConfig, actor: str, source: str) -> str:
    version = versions.remember(engine, config, actor, source)
    versions.move(engine, "candidate", version, actor)
    return version


def latest_pair(engine: Engine, baseline: str, candidate: str) -> tuple[EvalRun, EvalRun] | None:
    """The newest finished runs of both versions on one dataset version (the candidate's
    newest first)."""
    with db.session_scope(engine) as session:
        runs = session.exec(
            select(EvalRun)
            .where(EvalRun.status == "complete")
            .where(col(EvalRun.config_version).in_([baseline, candidate]))
            .order_by(col(EvalRun.started_at).desc())
        ).all()
        session.expunge_all()
    for cand in (r for r in runs if r.config_version == candidate):
        for base in (r for r in runs if r.config_version == baseline):
            if (base.dataset, base.dataset_version) == (cand.dataset, cand.dataset_version):
                return base, cand
    return None


def promote(engine: Engine, lead: Reader, *, override_reason: str | None = None) -> Promotion:
    """Make the candidate production if the gate allows it (or with a written override)."""
    candidate = versions.labelled(engine, "candidate")
    production = versions.labelled(engine, "production")
    if candidate is None:
        raise EvalError(
            "There is no candidate config to promote.",
            fix="Set one: `config set-candidate FILE`, evaluate it, then promote.",
        )
    if candidate == production:
        raise EvalError(f"The candidate {candidate} is already production.")
    pair = latest_pair(engine, production or "", candidate)
    result: GateResult | None = None
    reasons: list[str]
    if pair is None:
        reasons = [
            f"No finished evaluation of both production ({production}) and the candidate "
            f"({candidate}) on the same dataset."
        ]
    else:
        result = gate(engine, pair[0].id, pair[1].id, lead)
        reasons = result.reasons
    passed = result is not None and result.passed
    if not passed:
        reason = (override_reason or "").strip()
        if len(reason) < MIN_REASON:
            first = (
                "Evaluate both on the same dataset (`eval run --config production` and "
                "`--config candidate`)"
                if pair is None
                else f"See what regressed (`eval compare {pair[0].id[:8]} {pair[1].id[:8]}`, "
                "or the Compare tab) and fix the candidate"
            )
            raise PromotionRefused(
                "The promotion is refused: " + " ".join(reasons),
                fix=f"{first}, or override with a written reason of at least {MIN_REASON} "
                "characters.",
            )
    why = "gate passed" if passed else f"override: {override_reason}"
    previous = versions.move(engine, "production", candidate, lead.user_id, reason=why)
    audit.record(
        engine, lead.user_id, "config.promote", candidate,
        previous=previous, gate_passed=passed, gate_reasons=reasons if not passed else [],
        baseline_run=pair[0].id if pair else None, candidate_run=pair[1].id if pair else None,
    )  # fmt: skip
    return Promotion(
        version=candidate,
        previous=previous,
        baseline_run=pair[0].id if pair else None,
        candidate_run=pair[1].id if pair else None,
        gate=result,
        overridden=not passed,
    )


def rollback(engine: Engine, lead: Reader, version: str) -> str | None:
    """Production back to ``version`` (any stored one); the version it replaced."""
    return versions.move(engine, "production", version, lead.user_id, reason="rollback")
