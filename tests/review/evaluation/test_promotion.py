"""Config versions: the file seeds production; a candidate is promoted only through the
gate (or a written override); a rollback restores any version; the running pipeline
follows the label."""

from __future__ import annotations

import pytest
from review_world import LENA
from stack import Stack

from assistant.answering import versions
from assistant.answering.config import AnswerConfig, load_answer_config
from assistant.answering.pipeline import Pipeline
from assistant.storage import audit
from review.evaluation import promotion, runner
from review.evaluation.promotion import PromotionRefused

pytestmark = pytest.mark.integration


def _variant(**refusal: object) -> AnswerConfig:
    """The shipped config in quoted-answer mode (no model), with other refusal settings."""
    cfg = load_answer_config()
    return cfg.model_copy(
        update={
            "generation": cfg.generation.model_copy(update={"enabled": False}),
            "refusal": cfg.refusal.model_copy(update=refusal),
        }
    )


def _evaluate(world: Stack, config: AnswerConfig) -> str:
    request = runner.RunRequest("starter", config, limit=20)
    return runner.run(world.rt, request, LENA).id


def test_a_candidate_reaches_production_only_through_the_gate(world: Stack) -> None:
    engine = world.rt.engine
    seeded = versions.serving(engine, world.settings)
    assert versions.labelled(engine, "production") == seeded.version
    assert Pipeline(world.rt).config.version == seeded.version

    production, broken = _variant(), _variant(min_similarity=0.95)
    versions.move(engine, "production", versions.remember(engine, production, "t", "t"), "t")
    promotion.set_candidate(engine, broken, "lena", "broken.toml")
    with pytest.raises(PromotionRefused, match="No finished evaluation"):
        promotion.promote(engine, LENA)
    _evaluate(world, production)
    _evaluate(world, broken)
    with pytest.raises(PromotionRefused, match="passed fell from"):
        promotion.promote(engine, LENA)
    with pytest.raises(PromotionRefused, match="written"):
        promotion.promote(engine, LENA, override_reason="because")
    assert versions.labelled(engine, "production") == production.version

    done = promotion.promote(engine, LENA, override_reason="Demo for the security review only")
    assert done.overridden and done.previous == production.version
    assert versions.serving(engine, world.settings).version == broken.version
    [entry] = audit.entries(engine, action="config.promote")
    assert entry.details["gate_passed"] is False and entry.details["gate_reasons"]

    assert promotion.rollback(engine, LENA, production.version) == broken.version
    assert versions.serving(engine, world.settings).version == production.version
    assert "min_similarity" in versions.diff(engine, production.version, broken.version)


def test_a_candidate_that_holds_up_is_promoted(world: Stack) -> None:
    engine = world.rt.engine
    production, better = _variant(), _variant(min_similarity=0.42)
    versions.move(engine, "production", versions.remember(engine, production, "t", "t"), "t")
    promotion.set_candidate(engine, better, "lena", "better.toml")
    _evaluate(world, production)
    _evaluate(world, better)
    done = promotion.promote(engine, LENA)
    assert not done.overridden and done.gate is not None and done.gate.passed
    assert done.baseline_run and done.candidate_run
    assert versions.labelled(engine, "production") == better.version
