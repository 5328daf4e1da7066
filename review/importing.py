"""Importing golden cases from JSONL (as ``export`` writes it): validated line by line,
never overwriting, access read from the index, the importer as approver of record."""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine

from assistant.answering.pii import PiiRedactor
from assistant.identity.groups import Reader, Requirement, requirement
from assistant.index.store import Store
from assistant.storage import db
from assistant.storage.audit import audit
from assistant.storage.db import utcnow
from review.golden import GoldenRecord, shared_fields
from review.models import GoldenCase


class ImportSummary(BaseModel):
    added: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
    conflicts: list[dict[str, str]] = Field(default_factory=list)  # {id, error}
    invalid: list[dict[str, str]] = Field(default_factory=list)  # {line, error}


_COMPARED = (
    "user_input",
    "response",
    "reference",
    "retrieved_contexts",
    "reference_contexts",
    "should_refuse",
)


def _import_access(store: Store, rec: GoldenRecord) -> Requirement | None:
    """What an imported case requires: the groups of the chunks it pins, read from the index
    now, and every group set the record itself declares (the passages it quotes without
    pinning them). ``None`` when its access cannot be determined (a pinned chunk is not in
    the index, or it quotes passages it neither pins nor declares)."""
    declared = rec.access or []
    pinned = [p.chunk_id for p in [*rec.cited_chunks, *rec.expected_chunks]]
    if not pinned:
        quotes = rec.retrieved_contexts or rec.reference_contexts
        return None if quotes and rec.access is None else requirement(declared)
    chunks = {c.id: c for c in store.get_chunks(list(dict.fromkeys(pinned)), None)}
    if any(i not in chunks for i in pinned):
        return None
    return requirement([*(list(c.access_groups) for c in chunks.values()), *declared])


def import_records(
    engine: Engine, store: Store, lines: list[str], importer: Reader, redactor: PiiRedactor
) -> ImportSummary:
    """Load exported JSONL back. A case id already present with the same content is left
    alone; with different content it is reported, never overwritten. The importer is the
    approver of record (the file's approver and date are kept as provenance); a case is
    refused when its access cannot be determined from the index or the importer may not
    read it."""
    summary = ImportSummary()
    records: list[tuple[int, GoldenRecord]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            records.append((number, GoldenRecord.model_validate_json(line)))
        except ValueError as err:
            first = str(err).splitlines()[0:3]
            summary.invalid.append({"line": str(number), "error": " ".join(first)})
    with db.session_scope(engine) as session:
        for number, rec in records:
            access = _import_access(store, rec)
            if access is None or not importer.may_read(access):
                why = (
                    "its pinned passages are not in the index, so who may read it is unknown"
                    if access is None
                    else "it pins passages you may not read"
                )
                summary.invalid.append({"line": str(number), "error": f"{rec.id}: {why}"})
                continue
            clean = {
                "user_input": redactor.redact(rec.user_input).text,
                "response": redactor.redact(rec.response).text,
                "reference": redactor.redact(rec.reference).text,
                "retrieved_contexts": [redactor.redact(t).text for t in rec.retrieved_contexts],
                "reference_contexts": [redactor.redact(t).text for t in rec.reference_contexts],
                "should_refuse": rec.should_refuse,
                "conversation": [
                    {
                        "role": t.get("role", "user"),
                        "content": redactor.redact(t.get("content", "")).text,
                    }
                    for t in rec.conversation
                ],
            }
            existing = session.get(GoldenCase, rec.id)
            if existing is not None:
                same = all(getattr(existing, k) == clean[k] for k in _COMPARED)
                if same and importer.may_read(existing.access):
                    summary.unchanged.append(rec.id)
                else:
                    summary.conflicts.append(
                        {"id": rec.id, "error": "a different case with this id exists"}
                    )
                continue
            copied = rec.model_dump(
                include=shared_fields()
                - set(clean)
                - {"status", "approved_by", "approved_at", "access"}
            )
            session.add(
                GoldenCase(
                    **copied,
                    **clean,
                    item_id=None,
                    status=rec.status if rec.status in ("active", "stale") else "active",
                    cited=[p.model_dump() for p in rec.cited_chunks],
                    expected=[p.model_dump() for p in rec.expected_chunks],
                    origin="import",
                    approved_by=importer.user_id,
                    approved_at=utcnow(),
                    access=access,
                    provenance={
                        "approved_by": rec.approved_by,
                        "approved_at": rec.approved_at.isoformat(),
                        "dataset_version": rec.dataset_version,
                    },
                )
            )
            summary.added.append(rec.id)
        audit(
            session,
            importer.user_id,
            "golden.import",
            f"{len(summary.added)} added",
            added=len(summary.added),
            unchanged=len(summary.unchanged),
            conflicts=len(summary.conflicts),
            invalid=len(summary.invalid),
        )
    return summary
