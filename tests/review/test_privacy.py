"""No raw personal data anywhere: 112 values of 14 kinds (tests/data/pii_corpus.json), each
in a sentence an employee might type, go through the whole loop — asked (and echoed by the
model), given as feedback, written into grades and reference answers, approved as golden
cases, exported in every format — and then every file of the data dir (the database and
its journal, logs, exports) is searched for them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_openai import Reply
from review_world import GOOD, LENA, REDACTOR, RITA, make_stack
from stack import Stack

from assistant.answering.pipeline import Asker
from assistant.identity.groups import Reader
from review import export, grading
from review.feedback import record_feedback
from review.golden import CaseFilter
from review.models import FeedbackCreate
from review.queue import QueueFilter, claim, list_queue

pytestmark = pytest.mark.integration

CORPUS = json.loads((Path(__file__).parents[1] / "data" / "pii_corpus.json").read_text())
VALUES = [(kind, v, t) for kind, rows in CORPUS.items() if kind[0] != "_" for v, t in rows]
# A passport number alone looks like any reference number: it is personal data only where a
# word says what it is, so fields that hold a bare value get it in its sentence.
CONTEXT_ONLY = {"PASSPORT"}


def _forms(value: str) -> set[str]:
    """How a value could appear in a file: as typed, JSON-escaped, and for a name each of
    its parts."""
    forms = {value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
    return forms


def _leaks(root: Path) -> list[str]:
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for kind, value, _ in VALUES:
            parts = value.split() if kind == "PERSON" else [value]
            for form in (f for part in parts for f in _forms(part)):
                if len(form) >= 4 and form.encode() in data:
                    found.append(f"{kind} {value!r} in {path.name}")
                    break
    return found


def test_no_raw_personal_value_is_stored_logged_or_exported(
    runtime, corpus: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    assert len(VALUES) >= 100 and len({k for k, _, _ in VALUES}) >= 12
    data = tmp_path / "data"
    data.mkdir()
    stack: Stack = make_stack(runtime, corpus, f"sqlite:///{data / 'kb.db'}")
    try:
        engine, store = stack.rt.engine, stack.rt.store()
        for i, (kind, value, sentence) in enumerate(VALUES):
            text = sentence.format(v=value)
            bare = text if kind in CONTEXT_ONLY else value
            # The model echoes the value back, as models do.
            stack.fake.default = Reply(
                text=f"Full-time employees receive 28 days of paid annual leave per calendar "
                f"year [1]. Noted: {value}."
            )
            answer = stack.pipeline().ask(text, asker=Asker(f"user{i % 7}"))
            assert answer.interaction_id
            record_feedback(
                engine,
                FeedbackCreate(
                    interaction_id=answer.interaction_id,
                    rating=-1,
                    reason="wrong",
                    comment=text,
                    correct_answer=f"Ask HR; {text}",
                    correct_source=bare,
                ),
                user_id=f"user{i % 7}",
            )
        items = list_queue(engine, QueueFilter(limit=1000), RITA)
        assert len(items) == len(VALUES)
        for entry, (kind, value, sentence) in zip(items, VALUES, strict=False):
            held = claim(engine, entry.item_id, RITA, entry.version, minutes=5)
            text = sentence.format(v=value)
            bare = text if kind in CONTEXT_ONLY else value
            grade = GOOD.model_copy(update={"reference_answer": f"Ask HR; {text}", "notes": bare})
            grading.submit_grade(engine, entry.item_id, RITA, grade, held.version, REDACTOR)
            detail = grading.detail(engine, store, entry.item_id, LENA)
            grading.approve(
                engine, store, entry.item_id, LENA, grading.propose(detail), detail.version,
                REDACTOR,
            )  # fmt: skip
        exports = data / "exports"
        for fmt in export.FORMATS:
            snap = export.snapshot(engine, fmt, CaseFilter(), Reader("lena"))
            assert snap.manifest.count == len(VALUES)
            export.write_snapshot(snap, exports / f"golden{export.SUFFIX[fmt]}.{fmt}")
        engine.dispose()  # flush SQLite's journal into the file that is searched
        assert _leaks(data) == []
        assert _leaks(runtime.settings.log_dir) == []
    finally:
        stack.close()
