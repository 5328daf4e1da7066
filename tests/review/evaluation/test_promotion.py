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
from review.evaluation.desk import EvalDesk
from review.evaluation.promotion import PromotionRefused

pytestmark = pytest.mark.integration


# Refusal thresholds no passage reaches: every answerable case refused (a regression).
UNREACHABLE = {"min_similarity": 0.95, "min_similarity_with_terms": 0.95}


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

    production, broken = _variant(), _variant(**UNREACHABLE)
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
    # The page offers a rollback to earlier production versions only, the latest first;
    # a version that was only evaluated never served anyone and is not offered.
    versions.remember(engine, _variant(min_similarity=0.5), "lena", "evaluated")
    assert EvalDesk(world.rt, LENA).former_production() == [broken.version, seeded.version]


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


def test_the_loop_a_reviewed_answer_becomes_a_case_that_blocks_a_bad_config(world: Stack) -> None:
    """Asked, thumbed down, graded, approved, exported as a new golden version; a run of
    that version includes the case; a candidate that breaks it is refused promotion."""
    from review_world import GOOD, READER, REDACTOR, RITA, disliked

    from review import golden, grading
    from review.desk import ReviewDesk
    from review.queue import claim

    engine, store = world.rt.engine, world.rt.store()
    item = disliked(world)  # asked, and given a thumbs-down
    item = claim(engine, item.id, RITA, item.version, minutes=5)
    corrected = GOOD.model_copy(
        update={"reference_answer": "Full-time employees get 28 days of paid annual leave."}
    )
    item = grading.submit_grade(engine, item.id, RITA, corrected, item.version, REDACTOR)
    detail = grading.detail(engine, store, item.id, READER)
    case_id = grading.approve(
        engine, store, item.id, LENA, grading.propose(detail), detail.version, REDACTOR
    )
    snap = ReviewDesk(world.rt, LENA).export("jsonl", golden.CaseFilter())
    version = snap.manifest.dataset_version
    assert case_id in snap.manifest.case_ids and version.startswith("golden-v")

    production, breaking = _variant(), _variant(**UNREACHABLE)
    versions.move(engine, "production", versions.remember(engine, production, "t", "t"), "t")
    promotion.set_candidate(engine, breaking, "lena", "breaking.toml")
    before = runner.run(world.rt, runner.RunRequest(version, production), LENA)
    after = runner.run(world.rt, runner.RunRequest(version, breaking), LENA)
    assert before.cases == after.cases == 1
    assert before.summary["pass_rate"] == 1.0 and after.summary["pass_rate"] == 0.0
    with pytest.raises(PromotionRefused, match=r"passed fell from 1\.0 to 0\.0"):
        promotion.promote(engine, LENA)
    assert versions.labelled(engine, "production") == production.version
