"""The review loop against the real stack: answers from the real pipeline (Weaviate, the
embedder, SQL) with a fake hosted provider, then queue, claims, grades, approval, golden
cases, staleness after re-ingestion, exports and import.

Concurrency runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from fake_openai import Reply
from sqlalchemy import update
from sqlmodel import col, select
from stack import Stack

from assistant.answering.guardrails import default_redactor
from assistant.answering.pipeline import Asker
from assistant.storage import audit, db
from assistant.storage.db import utcnow
from review import export, golden, grading
from review.feedback import FeedbackError, recent_answers, record_feedback
from review.golden import CaseFilter
from review.models import FeedbackCreate, GoldenCase, GradeInput, ReviewItem
from review.queue import ConflictError, QueueFilter, QueuePolicy, claim, list_queue, sync_queue

pytestmark = pytest.mark.integration

ALICE = Asker(user_id="alice")
LEAVE = "How many days of paid annual leave do full-time employees get?"
GOOD_REPLY = "Full-time employees receive 28 days of paid annual leave per calendar year [1]."
OFF_TOPIC = "What is the boiling point of tungsten?"
REDACTOR = default_redactor()
GOOD = GradeInput(correctness=5, groundedness=5, completeness=4, helpfulness=5)


def _stack(runtime, corpus: Path, database_url: str) -> Stack:  # type: ignore[no-untyped-def]
    stack = Stack(runtime.settings, corpus, database_url=database_url)
    stack.fake.default = Reply(text=GOOD_REPLY)
    return stack


@pytest.fixture()
def world(runtime, corpus: Path, tmp_path: Path) -> Iterator[Stack]:  # type: ignore[no-untyped-def]
    stack = _stack(runtime, corpus, f"sqlite:///{tmp_path / 'review.db'}")
    yield stack
    stack.close()


def _ask(stack: Stack, question: str = LEAVE, asker: Asker = ALICE) -> str:
    answer = stack.pipeline().ask(question, asker=asker)
    assert answer.interaction_id
    return answer.interaction_id


def _item(stack: Stack, interaction_id: str) -> ReviewItem:
    with db.session_scope(stack.rt.engine) as session:
        item = session.exec(
            select(ReviewItem).where(ReviewItem.interaction_id == interaction_id)
        ).one()
        session.expunge(item)
        return item


def _disliked(stack: Stack, question: str = LEAVE, policy: QueuePolicy | None = None) -> ReviewItem:
    """An answer Alice gave a thumbs-down: its review item, first in the queue."""
    iid = _ask(stack, question)
    record_feedback(
        stack.rt.engine,
        FeedbackCreate(interaction_id=iid, rating=-1, reason="incomplete"),
        user_id="alice",
        redactor=REDACTOR,
        policy=policy,
    )
    return _item(stack, iid)


def _graded_item(stack: Stack, policy: QueuePolicy, grade: GradeInput = GOOD) -> ReviewItem:
    item = _disliked(stack, policy=policy)
    item = claim(stack.rt.engine, item.id, "rita", item.version, minutes=5)
    return grading.submit_grade(stack.rt.engine, item.id, "rita", grade, item.version, REDACTOR)


def test_feedback_text_is_redacted_even_when_no_redactor_is_given(world: Stack) -> None:
    iid = _ask(world)
    row = record_feedback(
        world.rt.engine,
        FeedbackCreate(
            interaction_id=iid,
            rating=-1,
            comment="Call me on +44 20 7946 0958 or mail jane.roe@example.org",
            correct_answer="Ask jane.roe@example.org",
        ),
        user_id="alice",
    )
    stored = f"{row.comment} {row.correct_answer}"
    assert "jane.roe@example.org" not in stored and "7946 0958" not in stored
    assert "EMAIL_ADDRESS" in stored


def test_the_queue_puts_complaints_first_then_doubtful_answers_then_a_sample(
    world: Stack,
) -> None:
    engine = world.rt.engine
    liked = _ask(world)
    disliked = _ask(world, "Who approves travel expenses?")
    refused = _ask(world, OFF_TOPIC)
    record_feedback(
        engine,
        FeedbackCreate(interaction_id=disliked, rating=-1, reason="wrong"),
        user_id="alice",
        redactor=REDACTOR,
    )
    sync_queue(engine, QueuePolicy(sample_rate=0.0))
    queue = list_queue(engine, QueueFilter())
    reasons = {e.question: e.reason for e in queue}
    assert [e.reason for e in queue][:2] == ["negative_feedback", "refused"]
    assert reasons["Who approves travel expenses?"] == "negative_feedback"
    assert _item(world, refused).status == "new"
    # With a zero sample rate a confident, liked answer is not queued ...
    assert _item(world, liked).status == "not_selected"
    # ... until someone gives it a thumbs-down: it jumps to the front.
    record_feedback(
        engine,
        FeedbackCreate(interaction_id=liked, rating=-1, reason="outdated"),
        user_id="alice",
        redactor=REDACTOR,
    )
    moved = _item(world, liked)
    assert (moved.status, moved.reason) == ("new", "negative_feedback")
    # Filters: by document and by question text.
    handbook = list_queue(engine, QueueFilter(document="employee-handbook"))
    assert {e.question for e in handbook} >= {LEAVE}
    assert all(any("employee-handbook" in d for d in e.documents) for e in handbook), (
        "document filter"
    )
    assert [e.question for e in list_queue(engine, QueueFilter(text="tungsten"))] == [OFF_TOPIC]


def test_the_random_sample_is_deterministic_and_close_to_its_rate() -> None:
    from review.queue import sampled

    ids = [f"{i:032x}" for i in range(4000)]
    share = sum(sampled(i, 0.1) for i in ids) / len(ids)
    assert 0.08 < share < 0.12
    assert [sampled(i, 0.1) for i in ids[:50]] == [sampled(i, 0.1) for i in ids[:50]]


def test_feedback_is_only_given_by_the_asker_and_listed_on_their_page(world: Stack) -> None:
    iid = _ask(world)
    with pytest.raises(FeedbackError, match="someone else"):
        record_feedback(
            world.rt.engine, FeedbackCreate(interaction_id=iid, rating=1), user_id="mallory"
        )
    record_feedback(
        world.rt.engine,
        FeedbackCreate(
            interaction_id=iid,
            rating=-1,
            reason="wrong",
            correct_answer="Ask jane.doe@example.com, it is 30 days",
        ),
        user_id="alice",
        redactor=REDACTOR,
    )
    mine = recent_answers(world.rt.engine, "alice")
    assert mine[0].interaction_id == iid and mine[0].feedback is not None
    assert mine[0].feedback.reason == "wrong"
    assert "jane.doe@example.com" not in (mine[0].feedback.correct_answer or "")
    assert recent_answers(world.rt.engine, "mallory") == []


def _concurrency(stack: Stack) -> None:
    engine = stack.rt.engine
    item = _disliked(stack)
    rita = claim(engine, item.id, "rita", item.version, minutes=5)
    # Sam read the same version Rita claimed from: he is told who holds it.
    with pytest.raises(ConflictError, match="claimed by rita"):
        claim(engine, item.id, "sam", item.version, minutes=5)
    # Sam cannot grade what Rita holds, even at the current version.
    with pytest.raises(ConflictError):
        grading.submit_grade(engine, item.id, "sam", GOOD, rita.version, REDACTOR)
    # Rita's claim expires; Sam takes the item over.
    with db.session_scope(engine) as session:
        session.execute(
            update(ReviewItem)
            .where(col(ReviewItem.id) == item.id)
            .values(claim_expires_at=utcnow() - timedelta(seconds=1))
        )
    sam = claim(engine, item.id, "sam", rita.version, minutes=5)
    assert sam.claimed_by == "sam" and sam.version == rita.version + 1
    # Rita submits her form late: she loses, is told, and Sam's hold is untouched.
    late = GradeInput(correctness=1, groundedness=1, completeness=1, helpfulness=1)
    with pytest.raises(ConflictError, match=r"changed by someone else|claimed by sam"):
        grading.submit_grade(engine, item.id, "rita", late, rita.version, REDACTOR)
    done = grading.submit_grade(engine, item.id, "sam", GOOD, sam.version, REDACTOR)
    assert done.status == "graded" and done.claimed_by is None
    detail = grading.detail(engine, stack.rt.store(), item.id, ("everyone",))
    assert [g.reviewer for g in detail.grades] == ["sam"]
    assert detail.grades[0].rubric["correctness"] == 5
    # Two leads approve at once: one wins, the other is told.
    proposal = grading.propose(detail)
    grading.approve(engine, stack.rt.store(), item.id, "lena", proposal, detail.version, REDACTOR)
    with pytest.raises(ConflictError):
        grading.reject(engine, item.id, "leo", detail.version)
    assert len(golden.list_cases(engine)) == 1
    actions = [e.action for e in audit.entries(engine)]
    for action in ("review.claim", "review.grade", "review.approve"):
        assert action in actions


def test_two_reviewers_never_silently_overwrite_each_other(world: Stack) -> None:
    _concurrency(world)


@pytest.mark.postgres
def test_two_reviewers_never_silently_overwrite_each_other_on_postgresql(
    runtime, corpus: Path, postgres_url: str
) -> None:  # type: ignore[no-untyped-def]
    stack = _stack(runtime, corpus, postgres_url)
    try:
        _concurrency(stack)
    finally:
        stack.close()


def test_several_reviewers_agreement_and_adjudication(world: Stack) -> None:
    engine = world.rt.engine
    policy = QueuePolicy(required_reviews=2)
    item = _graded_item(world, policy)
    assert item.status == "new", "back in the queue for the second reviewer"
    queue = list_queue(engine, QueueFilter(), reviewer="rita")
    assert next(e for e in queue if e.item_id == item.id).graded_by_me
    item = claim(engine, item.id, "sam", item.version, minutes=5)
    second = GradeInput(
        correctness=3,
        groundedness=5,
        completeness=2,
        helpfulness=5,
        citation_verdicts={1: "partial"},
        reference_answer="28 days per calendar year.",
    )
    item = grading.submit_grade(engine, item.id, "sam", second, item.version, REDACTOR)
    assert item.status == "graded"
    detail = grading.detail(engine, world.rt.store(), item.id, ("everyone",))
    assert len(detail.grades) == 2
    # Four of six rubric fields agree (groundedness, helpfulness and both flags).
    assert detail.agreement == pytest.approx(4 / 6)
    proposal = grading.propose(detail)
    assert proposal.rubric["correctness"] == 3  # median_low of 5 and 3
    assert proposal.citation_verdicts == {"1": "partial"}
    assert proposal.reference_answer == "28 days per calendar year."
    case_id = grading.approve(
        engine, world.rt.store(), item.id, "lena", proposal, detail.version, REDACTOR
    )
    (case,) = golden.list_cases(engine)
    assert case.id == case_id and case.reviewer_count == 2
    assert case.agreement == pytest.approx(4 / 6)


def test_an_approved_case_pins_its_evidence_and_goes_stale_when_the_document_changes(
    runtime, corpus: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    own = tmp_path / "docs"
    shutil.copytree(corpus, own)
    stack = _stack(runtime, own, f"sqlite:///{tmp_path / 'review.db'}")
    try:
        engine, store = stack.rt.engine, stack.rt.store()
        item = _graded_item(stack, QueuePolicy())
        detail = grading.detail(engine, store, item.id, ("everyone",))
        cited = detail.cited[0]
        assert cited.text and not cited.changed
        proposal = grading.propose(detail).model_copy(
            update={"expected_chunk_ids": [cited.chunk_id], "reference_answer": "28 days."}
        )
        grading.approve(engine, store, item.id, "lena", proposal, detail.version, REDACTOR)
        (case,) = golden.list_cases(engine)
        assert case.cited_chunks[0].chunk_id == cited.chunk_id
        assert case.cited_chunks[0].content_hash
        assert case.expected_chunks[0].document.endswith("employee-handbook.md")
        assert case.reference_contexts and case.retrieved_contexts
        assert golden.refresh_staleness(engine, store) == []  # nothing changed yet

        handbook = own / "employee-handbook.md"
        handbook.write_text(handbook.read_text() + "\n\n## New section\n\nParking is free.\n")
        # Any ingestion that changes documents flags the cases pinning them (serve, the CLI
        # and the Documents page all ingest through the runtime).
        summary = stack.rt.ingest([own])
        assert summary.notes == ["1 golden case(s) flagged stale for re-review."]
        assert golden.refresh_staleness(engine, store) == []  # already flagged
        (stale,) = golden.list_cases(engine, CaseFilter(statuses=("stale",)))
        assert "employee-handbook.md changed" in (stale.stale_reason or "")
        # Re-review: the item is back in the queue for a new round; approval supersedes.
        item_id = golden.reopen(engine, case.id, "lena")
        reopened = _item(stack, detail.interaction_id)
        assert (reopened.id, reopened.status, reopened.round) == (item_id, "new", 2)
        again = claim(engine, item_id, "rita", reopened.version, minutes=5)
        again = grading.submit_grade(engine, item_id, "rita", GOOD, again.version, REDACTOR)
        detail2 = grading.detail(engine, store, item_id, ("everyone",))
        assert len(detail2.grades) == 1, "only this round's grades count"
        grading.approve(
            engine, store, item_id, "lena", grading.propose(detail2), detail2.version, REDACTOR
        )
        statuses = sorted(
            c.status
            for c in golden.list_cases(
                engine, CaseFilter(statuses=("active", "stale", "superseded"))
            )
        )
        assert statuses == ["active", "superseded"]

        handbook.unlink()
        summary = stack.rt.ingest([own])
        assert summary.notes == ["1 golden case(s) flagged stale for re-review."]
        (gone,) = golden.list_cases(engine, CaseFilter(statuses=("stale",)))
        assert "was deleted" in (gone.stale_reason or "")
    finally:
        stack.close()


def _approved(stack: Stack, question: str = LEAVE) -> str:
    engine, store = stack.rt.engine, stack.rt.store()
    item = _disliked(stack, question)
    item = claim(engine, item.id, "rita", item.version, minutes=5)
    grade = GOOD.model_copy(update={"reference_answer": '=HYPERLINK("http://x","28")'})
    item = grading.submit_grade(engine, item.id, "rita", grade, item.version, REDACTOR)
    detail = grading.detail(engine, store, item.id, ("everyone",))
    return grading.approve(
        engine, store, item.id, "lena", grading.propose(detail), detail.version, REDACTOR
    )


def test_exports_are_versioned_snapshots_in_every_format(world: Stack, tmp_path: Path) -> None:
    engine = world.rt.engine
    case_id = _approved(world, "How many days of paid annual leave? Mail me at bob@example.com")
    versions = []
    for fmt in export.FORMATS:
        snap = export.snapshot(engine, fmt, CaseFilter(), actor="lena")
        out = export.write_snapshot(snap, tmp_path / f"golden{export.SUFFIX[fmt]}.{fmt}")
        manifest = json.loads(export.manifest_path(out).read_text())
        assert manifest["count"] == 1 and manifest["case_ids"] == [case_id]
        assert manifest["created_by"] == "lena" and manifest["format"] == fmt
        assert manifest["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
        assert "bob@example.com" not in out.read_text(), f"raw PII in the {fmt} export"
        versions.append(manifest["dataset_version"])
        if fmt == "jsonl":
            record = json.loads(out.read_text().splitlines()[0])
            for field in ("user_input", "retrieved_contexts", "reference_contexts"):
                assert record[field], field
            for field in ("response", "reference", "source_interaction_id"):
                assert record[field], field
            assert (
                record["cited_chunks"][0]["chunk_id"] and record["cited_chunks"][0]["content_hash"]
            )
        elif fmt == "csv":
            rows = list(csv.DictReader(io.StringIO(out.read_text())))
            assert rows[0]["reference"].startswith("'="), "formula neutralised"
        elif fmt == "promptfoo":
            suite = yaml.safe_load(out.read_text())
            assert suite["tests"][0]["vars"]["question"]
            assert suite["tests"][0]["assert"][0]["type"] == "factuality"
        else:
            sample = json.loads(out.read_text().splitlines()[0])
            assert sample["input"][-1]["role"] == "user" and sample["ideal"]
    assert len(set(versions)) == len(versions), "each export is a new dataset version"
    # Never overwritten.
    snap = export.snapshot(engine, "jsonl", CaseFilter(), actor="lena")
    with pytest.raises(export.ExportError, match="never overwrite"):
        export.write_snapshot(snap, tmp_path / "golden.jsonl.jsonl")


@pytest.mark.parametrize(
    "value",
    ["=1+2", "+1", "-2", "@SUM(A1)", "\t=1", " =1", '=HYPERLINK("http://x")', "|cmd"],
)
def test_csv_cells_cannot_become_formulas(value: str) -> None:
    assert export.csv_safe(value).startswith("'")
    assert export.csv_safe("28 days") == "28 days"


def test_a_jsonl_export_imports_back_unchanged(
    world: Stack, runtime, corpus: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    _approved(world)
    _approved(world, "Who approves travel expenses?")
    snap = export.snapshot(world.rt.engine, "jsonl", CaseFilter(), actor="lena")
    lines = snap.content.decode().splitlines()
    other = db.make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    db.migrate(other)
    bad = ["{not json", json.dumps({"id": "x"})]
    summary = golden.import_records(other, [*lines, *bad], "lena", REDACTOR)
    assert len(summary.added) == 2 and len(summary.invalid) == 2
    again = export.snapshot(other, "jsonl", CaseFilter(), actor="lena")

    def strip(text: bytes) -> list[dict]:
        out = []
        for line in text.decode().splitlines():
            rec = json.loads(line)
            rec.pop("dataset_version")
            out.append(rec)
        return out

    assert strip(again.content) == strip(snap.content)
    # Importing the same file again changes nothing; a different case under a known id is
    # reported, not written over.
    assert len(golden.import_records(other, lines, "lena", REDACTOR).unchanged) == 2
    changed = json.loads(lines[0])
    changed["reference"] = "something else"
    conflict = golden.import_records(other, [json.dumps(changed)], "lena", REDACTOR)
    assert conflict.conflicts[0]["id"] == changed["id"]
    with db.session_scope(other) as session:
        assert session.get(GoldenCase, changed["id"]).reference != "something else"
