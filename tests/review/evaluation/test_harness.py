"""The evaluation harness against the real stack: the starter set replayed and gated
against the baseline kept in the repo (CI's deterministic eval), a broken configuration
refused by the gate on the command line, bad dataset lines, interruptions, model
failures, flaky cases and access."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fake_openai import Reply
from helpers import assistant_cli
from review_world import GOOD_REPLY, LEAVE, LENA
from stack import Stack

from assistant.answering.config import DEFAULT_FILE, AnswerConfig, load_answer_config
from assistant.identity.groups import Reader
from assistant.index.retrieve import SearchRequest
from review.evaluation import compare, datasets, runner
from review.evaluation.compare import gate, load_run

pytestmark = pytest.mark.integration

BASELINE = str(datasets.STARTER.parent.parent / "baselines" / "starter-extractive.json")
STARTER_CASES = sum(1 for line in datasets.STARTER.read_text().splitlines() if line.strip())


def _extractive(config: AnswerConfig | None = None) -> AnswerConfig:
    config = config or load_answer_config()
    generation = config.generation.model_copy(update={"enabled": False})
    return config.model_copy(update={"generation": generation})


def _case(world: Stack, phrase: str, **fields: object) -> dict:
    """A golden record (export format) expecting the passage holding ``phrase``."""
    [hit] = [
        h
        for h in world.rt.retriever().search(SearchRequest(phrase, groups=("everyone", "hr")))
        if phrase in h.chunk.text
    ][:1]
    c = hit.chunk
    return {
        "id": "leave", "user_input": LEAVE, "response": "", "approved_by": "test",
        "approved_at": "2026-11-29T00:00:00Z", "reference": "Full-time employees get 28 days.",
        "expected_chunks": [{"chunk_id": c.id, "content_hash": c.content_hash, "document": c.path}],
        **fields,
    }  # fmt: skip


def _write(path: Path, lines: list[object]) -> Path:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    return path


def test_the_starter_set_passes_the_gate_against_its_kept_baseline(world: Stack) -> None:
    run = runner.run(world.rt, runner.RunRequest("starter", _extractive()), LENA)
    assert run.status == "complete" and run.cases == STARTER_CASES >= 40
    assert run.summary["errors"] == 0 and run.summary["fallbacks"] == 0
    result = gate(world.rt.engine, BASELINE, run.id, LENA)
    assert result.passed, result.reasons
    assert result.comparison is not None and result.comparison.shared_cases == STARTER_CASES
    # The run records what it ran: the exact config, the index and the dataset.
    stored, results = load_run(world.rt.engine, run.id)
    assert stored.config["generation"]["enabled"] is False
    assert stored.dataset == "starter" and len(stored.dataset_version) == 12
    assert stored.index_fingerprint and stored.embedder and stored.started_by == "lena"
    assert len(results) == STARTER_CASES


# Refusal thresholds no passage reaches: every answerable case refused (a regression).
UNREACHABLE = {"min_similarity": 0.95, "min_similarity_with_terms": 0.95}


def test_a_broken_config_is_refused_by_the_gate_on_the_command_line(
    world: Stack, tmp_path: Path
) -> None:
    """The injected regression: refusal thresholds no passage reaches."""
    toml = DEFAULT_FILE.read_text()
    broken = tmp_path / "broken.toml"
    toml = toml.replace("min_similarity = 0.43", "min_similarity = 0.95")
    broken.write_text(
        toml.replace("min_similarity_with_terms = 0.31", "min_similarity_with_terms = 0.95")
    )
    env = world.environment()
    missing = assistant_cli(
        "eval", "run", "--dataset", str(tmp_path / "none.jsonl"), "--extractive", env=env
    )
    assert missing.returncode == 1 and "Cannot read the dataset" in missing.stderr
    assert "Traceback" not in missing.stderr
    done = assistant_cli(
        "eval", "run", "--dataset", "starter", "--extractive", "--config", str(broken),
        "--json", env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    candidate = tmp_path / "candidate.json"
    candidate.write_text(done.stdout)
    assert json.loads(done.stdout)["run"]["summary"]["false_refusal_rate"] > 0.9
    gated = assistant_cli(
        "eval", "gate", "--baseline", BASELINE, "--candidate", str(candidate), env=env
    )
    assert gated.returncode == 1
    assert "gate: FAILED" in gated.stdout and "passed fell from" in gated.stdout
    shown = assistant_cli(
        "eval", "compare", BASELINE, str(candidate), "--format", "markdown", env=env
    )
    assert shown.returncode == 0, shown.stderr
    assert "| passed |" in shown.stdout and "▼ regressed" in shown.stdout
    assert "pass→fail" in shown.stdout  # the cases that broke, each with both answers


def test_bad_dataset_lines_are_named_and_the_rest_is_evaluated(
    world: Stack, tmp_path: Path
) -> None:
    good = _case(world, "28 days")
    lost = {"chunk_id": "0" * 32, "content_hash": "f" * 64, "document": "handbook/old.md"}
    gone = {**good, "id": "gone", "expected_chunks": [lost]}
    path = _write(
        tmp_path / "set.jsonl",
        [
            good,
            "{not json",
            {**good, "id": "future", "schema_version": 9},
            {**good, "id": "no-question", "user_input": ""},
            {**good, "id": "refuse-with-evidence", "should_refuse": True},
            gone,
            good,  # the same id again
        ],
    )
    run = runner.run(world.rt, runner.RunRequest(str(path), _extractive()), LENA)
    assert run.cases == 1 and run.excluded["stale"] == 1
    [stale] = run.excluded["stale_cases"]
    assert stale["case"] == "gone" and "no longer in the index: handbook/old.md" in stale["reason"]
    reasons = {p["case"]: p["reason"] for p in run.excluded["invalid"]}
    assert reasons["line 2"].startswith("not JSON")
    assert "schema version 9" in reasons["future"]
    assert "user_input" in reasons["no-question"]
    assert "cannot expect passages" in reasons["refuse-with-evidence"]
    assert reasons["leave"] == "the id appears twice"
    request = runner.RunRequest(str(path), _extractive(), include_stale=True)
    kept = runner.run(world.rt, request, LENA)
    _, results = load_run(world.rt.engine, kept.id)
    assert {r.case_id: r.stale for r in results} == {"leave": False, "gone": True}


def test_stale_cases_of_the_live_set_are_named_with_their_reason(world: Stack) -> None:
    from review_world import REDACTOR

    from review import importing

    good = _case(world, "28 days")
    stale = {**good, "id": "old", "status": "stale", "stale_reason": "handbook.md changed"}
    lines = [json.dumps(good), json.dumps(stale)]
    added = importing.import_records(world.rt.engine, world.rt.store(), lines, LENA, REDACTOR)
    assert sorted(added.added) == ["leave", "old"]
    data = datasets.load(world.rt.engine, world.rt.store(), "live", LENA)
    assert [c.id for c in data.cases] == ["leave"] and data.stale == 1
    assert [(p.case, p.reason) for p in data.stale_cases] == [("old", "handbook.md changed")]
    kept = datasets.load(world.rt.engine, world.rt.store(), "live", LENA, include_stale=True)
    assert {c.id: c.status for c in kept.cases} == {"leave": "active", "old": "stale"}


def test_an_interrupted_run_is_incomplete_and_fails_the_gate(world: Stack) -> None:
    def stop_after_three(done: int, total: int, case_id: str) -> None:
        if done == 3:
            raise KeyboardInterrupt  # Ctrl-C between two cases

    with pytest.raises(KeyboardInterrupt):
        runner.run(world.rt, runner.RunRequest("starter", _extractive()), LENA, stop_after_three)
    [run] = [r for r in _runs(world) if r.status != "complete"]
    assert run.status == "incomplete" and run.finished_at is not None
    _, results = load_run(world.rt.engine, run.id)
    assert len(results) == 3
    refused = gate(world.rt.engine, BASELINE, run.id, LENA)
    assert not refused.passed and "incomplete" in refused.reasons[0]
    missing = gate(world.rt.engine, BASELINE, "no-such-run", LENA)
    assert not missing.passed and "no evaluation run" in missing.reasons[0]


def _runs(world: Stack) -> list:
    from sqlmodel import select

    from assistant.storage import db
    from review.models import EvalRun

    with db.session_scope(world.rt.engine) as session:
        rows = session.exec(select(EvalRun)).all()
        session.expunge_all()
        return list(rows)


def test_model_failures_are_counted_and_flaky_cases_flagged(world: Stack, tmp_path: Path) -> None:
    path = _write(tmp_path / "one.jsonl", [_case(world, "28 days")])
    # First replay: the model answers well; second: it says the passages do not answer
    # (and that is taken as the answer: no quoted preview instead).
    world.fake.replies.extend([Reply(text=GOOD_REPLY), Reply(text="NOT_FOUND")])
    cfg = load_answer_config()
    refusing = cfg.model_copy(
        update={"refusal": cfg.refusal.model_copy(update={"when_model_finds_nothing": "refuse"})}
    )
    flaky = runner.run(world.rt, runner.RunRequest(str(path), refusing, repeat=2), LENA)
    assert flaky.summary["flaky"] == ["leave"] and flaky.summary["pass_rate"] == 0.5
    world.fake.default = Reply(status=500)
    down = runner.run(world.rt, runner.RunRequest(str(path), load_answer_config()), LENA)
    assert down.summary["fallbacks"] == 1 and down.summary["fallback_reasons"] == {"unavailable": 1}
    _, [result] = load_run(world.rt.engine, down.id)
    assert result.mode == "extractive" and "unavailable" in (result.fallback_reason or "")
    comparison = compare.compare(world.rt.engine, flaky.id, down.id, LENA)
    assert comparison.shared_cases == 1


def test_cases_the_reader_may_not_read_are_left_out_and_counted(
    world: Stack, corpus: Path, tmp_path: Path
) -> None:
    hr = tmp_path / "hr"
    hr.mkdir()
    (hr / ".access.json").write_text('{"access_groups": ["hr"]}')
    (hr / "bands.md").write_text("# Salary bands\n\n## Bands\n\nThe nightjar band pays 82,000 EUR.")
    world.rt.ingest([hr])
    secret = _case(
        world,
        "nightjar band",
        id="bands",
        user_input="What does the nightjar band pay?",
        reference="The nightjar band pays 82,000 EUR.",
    )
    path = _write(tmp_path / "mixed.jsonl", [_case(world, "28 days"), secret])
    outsider = runner.run(world.rt, runner.RunRequest(str(path), _extractive()), LENA)
    assert outsider.cases == 1 and outsider.excluded["unreadable"] == 1
    insider = Reader("hana", ("everyone", "hr"))
    good = runner.run(world.rt, runner.RunRequest(str(path), _extractive()), insider)
    cfg = _extractive()
    strict = cfg.model_copy(update={"refusal": cfg.refusal.model_copy(update=UNREACHABLE)})
    broken = runner.run(world.rt, runner.RunRequest(str(path), strict), insider)
    _, results = load_run(world.rt.engine, good.id)
    bands = {r.case_id: r for r in results}["bands"]
    assert bands.passed and insider.may_read(bands.access) and not LENA.may_read(bands.access)
    # Both cases broke. The insider sees both answers side by side; someone without hr
    # comparing the same runs sees the hr case counted, never its question or answer.
    seen = compare.compare(world.rt.engine, good.id, broken.id, insider)
    assert {f.case_id for f in seen.flips} == {"leave", "bands"}
    shown = compare.compare(world.rt.engine, good.id, broken.id, LENA)
    assert [f.case_id for f in shown.flips] == ["leave"] and shown.hidden_flips == 1
    assert "nightjar" not in shown.model_dump_json()
    world.rt.ingest([hr])  # the folder mirrored empty: the hr document leaves the index
    shutil.rmtree(hr)


def test_an_opt_in_judge_is_pinned_and_a_judge_that_is_down_leaves_no_zero(
    world: Stack, tmp_path: Path
) -> None:
    from fake_openai import FakeOpenAI

    from review.evaluation.judge import Judge

    path = _write(tmp_path / "one.jsonl", [_case(world, "28 days")])
    judge_server = FakeOpenAI()
    try:
        judge_server.default = Reply(text="4")
        judge = Judge(judge_server.base_url, "judge-model")
        graded = runner.run(
            world.rt, runner.RunRequest(str(path), _extractive(), judge=judge), LENA
        )
        assert graded.judge is not None and graded.judge["model"] == "judge-model"
        assert graded.judge["prompt_version"] and graded.judge["prompt_sha256"]
        assert graded.summary["metrics"]["judge_correctness"] == 0.75
        assert graded.summary["judge_missing"] == 0
        asked = judge_server.requests[-1]["messages"][0]["content"]
        assert LEAVE in asked and "28 days" in asked

        judge_server.default = Reply(status=500)
        down = runner.run(
            world.rt,
            runner.RunRequest(
                str(path), _extractive(), judge=Judge(judge_server.base_url, "judge-model")
            ),
            LENA,
        )
        assert down.status == "complete" and down.summary["judge_missing"] == 1
        assert down.summary["metrics"]["judge_correctness"] is None  # missing, never zero
    finally:
        judge_server.close()
