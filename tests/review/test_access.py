"""Access groups hold through the whole review loop: an answer built from an HR-only
passage reaches, in the queue, the detail, grading, approval, the golden set and every
export, only people holding ``hr``; to anyone else it does not exist. Items nobody in
review may read are flagged to admins, and access that is unknown fails closed."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_openai import Reply
from review_world import GOOD, REDACTOR, item_of, make_stack
from sqlalchemy import update
from stack import Stack

from assistant.answering.interactions import Interaction
from assistant.answering.pipeline import Asker
from assistant.identity.groups import Reader
from assistant.storage import db
from review import export, golden, grading, importing
from review.feedback import recent_answers, record_feedback
from review.golden import CaseFilter
from review.models import FeedbackCreate, ReviewItem
from review.queue import NotFound, QueueFilter, claim, list_queue, out_of_reach

pytestmark = pytest.mark.integration

SECRET = "nightjar"
HR_TEXT = (
    "# Salary bands\n\n## Band N7\n\n"
    f"Salary band N7, code name {SECRET}, pays 61,000 to 74,000 euros per year.\n"
)
HR_REPLY = f"Salary band N7, code name {SECRET}, pays 61,000 to 74,000 euros per year [1]."
QUESTION = f"What does salary band N7 ({SECRET}) pay?"

ALICE_HR = Asker("alice", ("everyone", "hr"))
RITA, HILDA = Reader("rita"), Reader("hilda", ("everyone", "hr"))  # reviewers
LENA, HARRY = Reader("lena"), Reader("harry", ("everyone", "hr"))  # leads


@pytest.fixture()
def hr_world(runtime, corpus: Path, tmp_path: Path) -> Iterator[Stack]:  # type: ignore[no-untyped-def]
    root = tmp_path / "docs"
    shutil.copytree(corpus, root / "handbook")
    hr = root / "hr" / "2025"
    hr.mkdir(parents=True)
    (root / "hr" / ".access.json").write_text(json.dumps({"access_groups": ["hr"]}))
    (hr / "salary-bands.md").write_text(HR_TEXT)
    stack = make_stack(runtime, root, f"sqlite:///{tmp_path / 'review.db'}")
    stack.fake.default = Reply(text=HR_REPLY)
    yield stack
    stack.close()


def _hr_complaint(stack: Stack) -> ReviewItem:
    answer = stack.pipeline().ask(QUESTION, asker=ALICE_HR)
    assert answer.citations and "salary-bands" in answer.citations[0].document
    assert ["hr"] in (answer.access or [])
    assert answer.interaction_id
    record_feedback(
        stack.rt.engine,
        FeedbackCreate(interaction_id=answer.interaction_id, rating=-1, reason="wrong"),
        user_id="alice",
        redactor=REDACTOR,
    )
    return item_of(stack, answer.interaction_id)


def _leaks(text: str) -> bool:
    return SECRET in text or "salary-bands" in text or "Salary bands" in text


def test_a_restricted_answer_exists_only_for_readers_holding_its_groups(hr_world: Stack) -> None:
    engine, store = hr_world.rt.engine, hr_world.rt.store()
    item_id = _hr_complaint(hr_world).id

    # The asker sees it on their feedback page while they hold hr, not after losing it.
    assert [a.question for a in recent_answers(engine, ALICE_HR)] == [QUESTION]
    assert recent_answers(engine, Reader("alice")) == []

    # A reviewer without hr: not in their queue, no detail, no claim.
    assert all(e.item_id != item_id for e in list_queue(engine, QueueFilter(), RITA))
    with pytest.raises(NotFound, match="that you may read"):
        grading.detail(engine, store, item_id, RITA)
    with pytest.raises(NotFound):
        claim(engine, item_id, RITA, 1, minutes=5)

    # A reviewer with hr sees and grades it.
    entry = next(e for e in list_queue(engine, QueueFilter(), HILDA) if e.item_id == item_id)
    held = claim(engine, item_id, HILDA, entry.version, minutes=5)
    grading.submit_grade(engine, item_id, HILDA, GOOD, held.version, REDACTOR)
    detail = grading.detail(engine, store, item_id, HILDA)
    assert any(SECRET in p.text for p in detail.cited)

    # A lead without hr cannot approve (nor reject) it; one with hr can.
    proposal = grading.propose(detail)
    with pytest.raises(NotFound):
        grading.approve(engine, store, item_id, LENA, proposal, detail.version, REDACTOR)
    with pytest.raises(NotFound):
        grading.reject(engine, item_id, LENA, detail.version)
    case_id = grading.approve(engine, store, item_id, HARRY, proposal, detail.version, REDACTOR)

    # The golden set and its exports, read by each lead.
    assert [c.id for c in golden.list_cases(engine, HARRY)] == [case_id]
    assert golden.list_cases(engine, LENA) == []
    with pytest.raises(NotFound):
        golden.reopen(engine, case_id, LENA)
    for fmt in export.FORMATS:
        outside = export.snapshot(engine, fmt, CaseFilter(), LENA)
        assert outside.manifest.count == 0 and outside.manifest.groups == ["everyone"]
        assert not _leaks(outside.content.decode()), fmt
        inside = export.snapshot(engine, fmt, CaseFilter(), HARRY)
        assert inside.manifest.case_ids == [case_id]
        assert inside.manifest.groups == ["everyone", "hr"]
        assert SECRET in inside.content.decode(), fmt


def test_items_nobody_in_review_may_read_are_flagged_without_their_text(hr_world: Stack) -> None:
    item_id = _hr_complaint(hr_world).id
    flagged = out_of_reach(hr_world.rt.engine, [("everyone",)])
    (mine,) = [f for f in flagged if f.item_id == item_id]
    assert mine.groups == ["hr"] and not mine.unknown
    assert not _leaks(mine.model_dump_json())
    assert all(f.item_id != item_id for f in out_of_reach(hr_world.rt.engine, [HILDA.groups]))


def test_an_answer_whose_access_is_unknown_is_shown_to_nobody(hr_world: Stack) -> None:
    engine = hr_world.rt.engine
    item_id = _hr_complaint(hr_world).id
    with db.session_scope(engine) as session:  # as logged before access was recorded
        session.execute(update(Interaction).values(access=None))
    for reader in (RITA, HILDA, HARRY):
        assert all(e.item_id != item_id for e in list_queue(engine, QueueFilter(), reader))
        with pytest.raises(NotFound):
            grading.detail(engine, hr_world.rt.store(), item_id, reader)
    (flag,) = [f for f in out_of_reach(engine, [HILDA.groups]) if f.item_id == item_id]
    assert flag.unknown


def test_an_import_takes_access_from_the_index_and_the_importer_approves(
    hr_world: Stack, tmp_path: Path
) -> None:
    engine, store = hr_world.rt.engine, hr_world.rt.store()
    item = _hr_complaint(hr_world)
    item_id = item.id
    held = claim(engine, item_id, HILDA, item.version, minutes=5)
    grading.submit_grade(engine, item_id, HILDA, GOOD, held.version, REDACTOR)
    detail = grading.detail(engine, store, item_id, HARRY)
    grading.approve(
        engine, store, item_id, HARRY, grading.propose(detail), detail.version, REDACTOR
    )
    lines = export.snapshot(engine, "jsonl", CaseFilter(), HARRY).content.decode().splitlines()
    other = db.make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    db.migrate(other)
    # Someone without hr cannot bring the case in; someone with hr can, as its approver.
    refused = importing.import_records(other, store, lines, LENA, REDACTOR)
    assert refused.added == [] and "may not read" in refused.invalid[0]["error"]
    taken = importing.import_records(other, store, lines, HARRY, REDACTOR)
    assert len(taken.added) == 1
    assert golden.list_cases(other, LENA) == []
    (case,) = golden.list_cases(other, HARRY)
    assert case.approved_by == "harry"
    # Pins the index does not hold: who may read the case is unknown, so it is refused.
    record = json.loads(lines[0])
    record["id"] = "gc_elsewhere"
    for pin in [*record["cited_chunks"], *record["expected_chunks"]]:
        pin["chunk_id"] = "00000000-0000-0000-0000-000000000000"
    unknown = importing.import_records(other, store, [json.dumps(record)], HARRY, REDACTOR)
    assert unknown.added == [] and "unknown" in unknown.invalid[0]["error"]
    # A record that pins public passages but declares it was built from an HR one (an
    # uncited passage it quotes): the declaration holds; a round trip never widens access.
    public = next(d for d in store.list_documents() if d.access_groups == ("everyone",))
    chunk = store.document_chunks(public.id, None)[0]
    declared = {**json.loads(lines[0]), "id": "gc_declared"}
    assert ["hr"] in declared["access"]
    for pin in [*declared["cited_chunks"], *declared["expected_chunks"]]:
        pin.update(chunk_id=chunk.id, content_hash=chunk.content_hash)
    refused = importing.import_records(other, store, [json.dumps(declared)], LENA, REDACTOR)
    assert refused.added == [] and "may not read" in refused.invalid[0]["error"]
    kept = importing.import_records(other, store, [json.dumps(declared)], HARRY, REDACTOR)
    assert kept.added == ["gc_declared"]
    assert "gc_declared" not in {c.id for c in golden.list_cases(other, LENA)}
    # Blank ids and questions are not cases.
    for field in ("id", "user_input"):
        blank = {**json.loads(lines[0]), field: " "}
        bad = importing.import_records(other, store, [json.dumps(blank)], HARRY, REDACTOR)
        assert bad.added == [] and bad.invalid, field
    other.dispose()
