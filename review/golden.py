"""Golden cases: approved reviews with their evidence pinned, kept fresh against the index.

A case pins the chunks the answer cited and the chunks reviewers expected (ids and content
hashes) and each of their documents' content hash at approval. When a pinned document is
re-ingested with changes or deleted, ``refresh_staleness`` marks the case stale for
re-review; ``reopen`` sends it back to the queue, and the next approval supersedes it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from assistant.answering.interactions import Interaction
from assistant.answering.pii import PiiRedactor
from assistant.identity.groups import Reader, may_read, requirement
from assistant.index.store import Store
from assistant.phrases import counted
from assistant.storage import db
from assistant.storage.audit import SYSTEM, audit
from assistant.storage.db import utcnow
from review.models import GoldenCase, ReviewItem
from review.queue import ConflictError, NotFound

SCHEMA_VERSION = 1


class PinnedChunk(BaseModel):
    chunk_id: str
    content_hash: str
    document: str
    document_id: str | None = None
    n: int | None = None  # citation number, for cited chunks


class GoldenRecord(BaseModel):
    """One golden case as exported: ragas ``SingleTurnSample`` field names plus ours."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.:-]+$")
    user_input: str = Field(min_length=1, pattern=r"\S")
    conversation: list[dict[str, str]] = Field(default_factory=list)  # a follow-up's turns
    retrieved_contexts: list[str] = Field(default_factory=list)
    reference_contexts: list[str] = Field(default_factory=list)
    response: str
    reference: str
    cited_chunks: list[PinnedChunk] = Field(default_factory=list)
    expected_chunks: list[PinnedChunk] = Field(default_factory=list)
    document_hashes: dict[str, str] = Field(default_factory=dict)
    should_refuse: bool = False
    grades: dict[str, Any] = Field(default_factory=dict)
    citation_verdicts: dict[str, str] = Field(default_factory=dict)
    reviewer_count: int = 1
    agreement: float | None = None
    source_interaction_id: str | None = None
    config_version: str = ""
    status: str = "active"
    stale_reason: str | None = None
    approved_by: str
    approved_at: datetime
    dataset_version: str | None = None
    # The group sets a reader must hold (every passage the answer was built from, cited or
    # not): an import keeps it, so a round trip never widens who may read the case.
    access: list[list[str]] | None = None
    schema_version: int = SCHEMA_VERSION


class GoldenError(ConflictError):
    """A golden case could not be built or changed."""


def build_case(
    store: Store,
    *,
    item: ReviewItem,
    interaction: Interaction,
    rubric: dict[str, Any],
    citation_verdicts: dict[str, str],
    reference: str,
    expected_chunk_ids: list[str],
    should_refuse: bool,
    reviewer_count: int,
    agreement: float | None,
    approver: Reader,
    redactor: PiiRedactor,
    earlier: Sequence[Interaction] = (),
) -> GoldenCase:
    """A golden case from an approved item; evidence read from the index now. The case
    requires what its answer required plus the groups of its expected passages, which the
    approver must be able to read.

    A follow-up (``earlier``: the turns of its conversation before it) is kept as the
    question it stood for (``user_input``, what retrieval searched) with its conversation,
    which then counts for access too."""
    cited_refs = interaction.citations or []
    retrieved_refs = interaction.retrieval or []
    wanted = [c["chunk_id"] for c in cited_refs] + [r["chunk_id"] for r in retrieved_refs]
    chunks = {
        c.id: c for c in store.get_chunks(list(dict.fromkeys(wanted + expected_chunk_ids)), None)
    }
    missing = [
        c
        for c in expected_chunk_ids
        if c not in chunks or not may_read(approver.groups, chunks[c].access_groups)
    ]
    if missing:
        raise GoldenError(
            f"Expected {'passage' if len(missing) == 1 else 'passages'} {', '.join(missing)} "
            "no longer in the index.",
            fix="Pick the expected passages again from the current index.",
        )
    changed: list[str] = []
    cited = []
    for ref in cited_refs:
        chunk = chunks.get(ref["chunk_id"])
        if chunk is None or chunk.content_hash != ref.get("content_hash"):
            changed.append(ref.get("document") or ref["chunk_id"])
        cited.append(
            PinnedChunk(
                chunk_id=ref["chunk_id"],
                content_hash=ref.get("content_hash") or "",
                document=ref.get("document") or "",
                document_id=chunk.document_id if chunk else None,
                n=ref.get("n"),
            )
        )
    expected = [
        PinnedChunk(
            chunk_id=c.id, content_hash=c.content_hash, document=c.path, document_id=c.document_id
        )
        for c in (chunks[i] for i in expected_chunk_ids)
    ]
    document_hashes: dict[str, str] = {}
    for doc_id in dict.fromkeys(p.document_id for p in [*cited, *expected] if p.document_id):
        record = store.get_document(doc_id)
        if record is not None:
            document_hashes[doc_id] = record.content_hash
    # What the generator saw: passages whose text is unchanged since the answer.
    retrieved_contexts = [
        redactor.redact(chunks[r["chunk_id"]].text).text
        for r in retrieved_refs
        if r["chunk_id"] in chunks and chunks[r["chunk_id"]].content_hash == r.get("content_hash")
    ]
    reference_contexts = [redactor.redact(chunks[i].text).text for i in expected_chunk_ids]
    return GoldenCase(
        id=f"gc_{uuid.uuid4().hex[:20]}",
        item_id=item.id,
        source_interaction_id=interaction.id,
        status="stale" if changed else "active",
        stale_reason=(
            f"changed since the answer was given: {', '.join(dict.fromkeys(changed))}"
            if changed
            else None
        ),
        user_input=interaction.standalone_query if earlier else interaction.question,
        conversation=_conversation(earlier, interaction) if earlier else [],
        response=interaction.answer,
        reference=reference,
        retrieved_contexts=retrieved_contexts,
        reference_contexts=reference_contexts,
        cited=[p.model_dump() for p in cited],
        expected=[p.model_dump() for p in expected],
        document_hashes=document_hashes,
        config_version=interaction.config_version,
        should_refuse=should_refuse,
        grades=dict(rubric),
        citation_verdicts=dict(citation_verdicts),
        reviewer_count=reviewer_count,
        agreement=agreement,
        approved_by=approver.user_id,
        access=None
        if interaction.access is None or any(e.access is None for e in earlier)
        else requirement(
            [
                *interaction.access,
                *(g for e in earlier for g in e.access or []),
                *(list(chunks[i].access_groups) for i in expected_chunk_ids),
            ]
        ),
    )


CONVERSATION_TURNS = 3  # earlier turns kept with a follow-up (as many as its rewrite reads)


def _conversation(earlier: Sequence[Interaction], asked: Interaction) -> list[dict[str, str]]:
    """The turns before a follow-up, then the follow-up as it was asked."""
    turns = []
    for e in list(earlier)[-CONVERSATION_TURNS:]:
        turns += [
            {"role": "user", "content": e.question},
            {"role": "assistant", "content": e.answer},
        ]
    return [*turns, {"role": "user", "content": asked.question}]


def supersede(session: Session, item_id: int, actor: str) -> None:
    """Earlier cases of the same item give way to the one being approved."""
    old = session.exec(
        select(GoldenCase).where(
            GoldenCase.item_id == item_id, col(GoldenCase.status) != "superseded"
        )
    ).all()
    for case in old:
        case.status = "superseded"
        session.add(case)
        audit(session, actor, "golden.supersede", case.id, item=item_id)


def refresh_staleness(engine: Engine, store: Store) -> list[str]:
    """Mark active cases whose pinned documents changed or vanished; return their ids."""
    current = {d.id: d for d in store.list_documents()}
    flagged = []
    with db.session_scope(engine) as session:
        for case in session.exec(select(GoldenCase).where(GoldenCase.status == "active")).all():
            names = {
                p["document_id"]: p["document"]
                for p in [*case.cited, *case.expected]
                if p.get("document_id")
            }
            reasons = []
            for doc_id, pinned in case.document_hashes.items():
                name = names.get(doc_id, doc_id)
                now = current.get(doc_id)
                if now is None:
                    reasons.append(f"{name} was deleted")
                elif now.content_hash != pinned:
                    reasons.append(f"{name} changed (re-indexed {now.ingested_at:%Y-%m-%d %H:%M})")
            if reasons:
                case.status = "stale"
                case.stale_reason = "; ".join(reasons)
                session.add(case)
                audit(session, SYSTEM, "golden.stale", case.id, reasons=len(reasons))
                flagged.append(case.id)
    return flagged


def after_index_change(engine: Engine, store: Store) -> str | None:
    """Registered under ``knowledge_assistant.index_changed``: every ingestion that changes
    documents (serve, the CLI, the Documents page) flags the cases that pin them."""
    flagged = refresh_staleness(engine, store)
    if not flagged:
        return None
    return f"{counted(len(flagged), 'golden case')} flagged stale for re-review."


EXPORTABLE = ("active",)  # stale cases are exported only when asked for


def exportable_statuses(include_stale: bool) -> tuple[str, ...]:
    return (*EXPORTABLE, "stale") if include_stale else EXPORTABLE


class CaseFilter(BaseModel):
    statuses: tuple[str, ...] = EXPORTABLE
    since: datetime | None = None
    until: datetime | None = None
    document: str | None = None
    should_refuse: bool | None = None

    def describe(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


def list_cases(engine: Engine, reader: Reader, flt: CaseFilter | None = None) -> list[GoldenRecord]:
    """The cases ``reader`` may read (every passage they pin or quote), oldest first."""
    flt = flt or CaseFilter()
    query = (
        select(GoldenCase)
        .where(col(GoldenCase.status).in_(flt.statuses))
        .order_by(col(GoldenCase.approved_at), col(GoldenCase.id))
    )
    if flt.since:
        query = query.where(col(GoldenCase.approved_at) >= flt.since)
    if flt.until:
        query = query.where(col(GoldenCase.approved_at) < flt.until)
    if flt.should_refuse is not None:
        query = query.where(GoldenCase.should_refuse == flt.should_refuse)
    with db.session_scope(engine) as session:
        out = [to_record(c) for c in session.exec(query).all() if reader.may_read(c.access)]
    if flt.document:
        needle = flt.document.lower()
        out = [
            r
            for r in out
            if any(needle in p.document.lower() for p in [*r.cited_chunks, *r.expected_chunks])
        ]
    return out


def shared_fields() -> set[str]:
    """The fields a stored case and an exported record have in common, under one name."""
    return set(GoldenRecord.model_fields) & set(GoldenCase.model_fields)


def to_record(case: GoldenCase) -> GoldenRecord:
    return GoldenRecord.model_validate(
        {
            **case.model_dump(include=shared_fields()),
            "conversation": case.conversation or [],
            "cited_chunks": case.cited,
            "expected_chunks": case.expected,
        }
    )


def reopen(engine: Engine, case_id: str, reader: Reader) -> int:
    """Send a (stale) case's item back to the review queue for a new round; returns the item."""
    lead = reader.user_id
    with db.session_scope(engine) as session:
        case = session.get(GoldenCase, case_id)
        if case is None or not reader.may_read(case.access):
            raise NotFound(
                f"No golden case {case_id} that you may read.", fix="Reload the golden set."
            )
        if case.item_id is None:
            raise GoldenError(
                f"Golden case {case_id} was imported; it has no review item to reopen.",
                fix="Fix it in its source dataset and import it again.",
            )
        result = session.execute(
            update(ReviewItem)
            .where(
                col(ReviewItem.id) == case.item_id,
                col(ReviewItem.status).in_(("approved", "rejected", "graded")),
            )
            .values(
                status="new",
                round=ReviewItem.round + 1,
                claimed_by=None,
                claim_expires_at=None,
                version=ReviewItem.version + 1,
                updated_at=utcnow(),
            )
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise GoldenError(
                f"The review item of golden case {case_id} is already back in review.",
                fix="Find it in the review queue.",
            )
        audit(session, lead, "golden.reopen", case_id, item=case.item_id)
        return case.item_id
