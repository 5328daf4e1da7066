"""Golden cases: an approval pins its evidence; a changed or deleted document makes it stale."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from review_world import (
    ALICE,
    GOOD,
    LEAVE,
    LENA,
    READER,
    REDACTOR,
    RITA,
    graded_item,
    item_of,
    make_stack,
)  # fmt: skip

from assistant.answering.pipeline import Turn
from review import export, golden, grading
from review.feedback import record_feedback
from review.golden import CaseFilter
from review.models import FeedbackCreate
from review.queue import QueuePolicy, claim

pytestmark = pytest.mark.integration


def test_an_approved_case_pins_its_evidence_and_goes_stale_when_the_document_changes(
    runtime, corpus: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    own = tmp_path / "docs"
    shutil.copytree(corpus, own)
    stack = make_stack(runtime, own, f"sqlite:///{tmp_path / 'review.db'}")
    try:
        engine, store = stack.rt.engine, stack.rt.store()
        item = graded_item(stack, QueuePolicy())
        detail = grading.detail(engine, store, item.id, READER)
        cited = detail.cited[0]
        assert cited.text and not cited.changed
        proposal = grading.propose(detail).model_copy(
            update={"expected_chunk_ids": [cited.chunk_id], "reference_answer": "28 days."}
        )
        grading.approve(engine, store, item.id, LENA, proposal, detail.version, REDACTOR)
        (case,) = golden.list_cases(engine, LENA)
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
        assert summary.notes == ["1 golden case flagged stale for re-review."]
        assert golden.refresh_staleness(engine, store) == []  # already flagged
        (stale,) = golden.list_cases(engine, LENA, CaseFilter(statuses=("stale",)))
        assert "employee-handbook.md changed" in (stale.stale_reason or "")
        # Re-review: the item is back in the queue for a new round; approval supersedes.
        item_id = golden.reopen(engine, case.id, LENA)
        reopened = item_of(stack, detail.interaction_id)
        assert (reopened.id, reopened.status, reopened.round) == (item_id, "new", 2)
        again = claim(engine, item_id, RITA, reopened.version, minutes=5)
        again = grading.submit_grade(engine, item_id, RITA, GOOD, again.version, REDACTOR)
        detail2 = grading.detail(engine, store, item_id, READER)
        assert len(detail2.grades) == 1, "only this round's grades count"
        grading.approve(
            engine, store, item_id, LENA, grading.propose(detail2), detail2.version, REDACTOR
        )
        statuses = sorted(
            c.status
            for c in golden.list_cases(
                engine, LENA, CaseFilter(statuses=("active", "stale", "superseded"))
            )
        )
        assert statuses == ["active", "superseded"]

        handbook.unlink()
        summary = stack.rt.ingest([own])
        assert summary.notes == ["1 golden case flagged stale for re-review."]
        (gone,) = golden.list_cases(engine, LENA, CaseFilter(statuses=("stale",)))
        assert "was deleted" in (gone.stale_reason or "")
    finally:
        stack.close()


def test_a_follow_up_is_kept_as_the_question_it_stood_for_with_its_conversation(
    runtime, corpus: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """ "until when do I have to use them?" alone is no test case: the case keeps the
    standalone question in ``user_input`` and the conversation up to it, and every export
    carries the conversation (openai-evals as its messages)."""
    stack = make_stack(runtime, corpus, f"sqlite:///{tmp_path / 'review.db'}")
    try:
        engine, store = stack.rt.engine, stack.rt.store()
        pipeline = stack.pipeline()
        first = pipeline.ask(LEAVE, asker=ALICE, conversation_id="conv")
        follow_up = pipeline.ask(
            "Until when do I have to use them?",
            asker=ALICE,
            history=[Turn(LEAVE, first.text)],
            conversation_id="conv",
        )
        assert follow_up.standalone_query != follow_up.question
        record_feedback(engine, FeedbackCreate(interaction_id=follow_up.interaction_id or "",
                        rating=-1, reason="incomplete"), user_id="alice",
                        redactor=REDACTOR)  # fmt: skip
        item = item_of(stack, follow_up.interaction_id or "")
        item = claim(engine, item.id, RITA, item.version, minutes=5)
        item = grading.submit_grade(engine, item.id, RITA, GOOD, item.version, REDACTOR)
        detail = grading.detail(engine, store, item.id, READER)
        grading.approve(engine, store, item.id, LENA, grading.propose(detail), detail.version,
                        REDACTOR)  # fmt: skip
        (case,) = golden.list_cases(engine, LENA)
        assert case.user_input == follow_up.standalone_query
        assert [t["role"] for t in case.conversation] == ["user", "assistant", "user"]
        assert case.conversation[0]["content"] == LEAVE
        assert case.conversation[-1]["content"] == "Until when do I have to use them?"
        evals = export.snapshot(engine, "openai-evals", CaseFilter(), LENA)
        (sample,) = [json.loads(line) for line in evals.content.decode().splitlines()]
        assert [m["role"] for m in sample["input"]] == ["system", "user", "assistant", "user"]
        csv_text = export.snapshot(engine, "csv", CaseFilter(), LENA).content.decode()
        assert "user: " + LEAVE in csv_text
    finally:
        stack.close()
