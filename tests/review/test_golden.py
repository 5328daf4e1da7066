"""Golden cases: an approval pins its evidence; a changed or deleted document makes it stale."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from review_world import GOOD, LENA, READER, REDACTOR, RITA, graded_item, item_of, make_stack

from review import golden, grading
from review.golden import CaseFilter
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
        assert summary.notes == ["1 golden case(s) flagged stale for re-review."]
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
        assert summary.notes == ["1 golden case(s) flagged stale for re-review."]
        (gone,) = golden.list_cases(engine, LENA, CaseFilter(statuses=("stale",)))
        assert "was deleted" in (gone.stale_reason or "")
    finally:
        stack.close()
