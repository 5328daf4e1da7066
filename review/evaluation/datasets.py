"""Datasets an evaluation replays: the live golden set, an export version, or a JSONL file.

``live`` is the approved cases now; ``golden-vN`` the cases of export N; ``starter`` the
hand-written set over the sample documents that ships with the app; any other name is a
JSONL file in the export format. Every case is read as far as the reader may read it
(cases they may not are left out and counted). A case whose expected passages are no
longer in the index is stale: left out unless asked for, and counted in every report.
A line that cannot be read is named with its reason; the rest is evaluated.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import select

from assistant.errors import AssistantError
from assistant.identity.groups import EVERYONE, Reader, Requirement, requirement
from assistant.index.store import Store
from assistant.storage import db
from review import golden
from review.evaluation.metrics import Ref
from review.models import GoldenExport

STARTER = Path(__file__).with_name("datasets") / "starter.jsonl"
ALL_STATUSES = ("active", "stale", "superseded")


class EvalCase(BaseModel):
    id: str
    question: str
    reference: str
    should_refuse: bool
    expected: list[Ref]
    access: Requirement
    status: Literal["active", "stale"] = "active"
    stale_reason: str | None = None


class CaseProblem(BaseModel):
    case: str  # the case id, or "line N" when there is none
    reason: str


class Dataset(BaseModel):
    name: str  # what was asked for: live, golden-v3, starter, or the file's name
    version: str  # live@<time>, golden-v3, or the file's sha256 prefix
    cases: list[EvalCase]
    stale: int = 0  # stale cases (left out unless included; then marked)
    stale_cases: list[CaseProblem] = []  # each stale case this reader may read, and why
    unreadable: int = 0  # cases the reader may not read: left out, counted only
    invalid: list[CaseProblem] = []


class DatasetError(AssistantError):
    """A dataset that cannot be found or read (a line that cannot is a ``CaseProblem``)."""


def load(
    engine: Engine, store: Store, spec: str, reader: Reader, *, include_stale: bool = False
) -> Dataset:
    """The dataset ``spec`` names, as ``reader`` may read it."""
    if spec == "live":
        # Stale cases are read too, so each is named with its reason (and left out below
        # unless included).
        records = golden.list_cases(engine, reader, golden.CaseFilter(statuses=("active", "stale")))
        stamp = max((r.approved_at for r in records), default=None)
        data = _from_records(
            store,
            "live",
            f"live@{stamp:%Y-%m-%dT%H:%M:%S}" if stamp else "live@empty",
            records,
            reader,
            include_stale,
        )
        return data
    if spec.startswith("golden-v") and spec[8:].isdigit():
        with db.session_scope(engine) as session:
            row = session.exec(
                select(GoldenExport).where(GoldenExport.version == int(spec[8:]))
            ).first()
            ids = list(row.case_ids) if row else None
        if ids is None:
            raise DatasetError(
                f"There is no dataset version {spec}: see the Golden set page's exports."
            )
        every = golden.list_cases(engine, reader, golden.CaseFilter(statuses=ALL_STATUSES))
        by_id = {r.id: r for r in every}
        records = [by_id[i] for i in ids if i in by_id]
        data = _from_records(store, spec, spec, records, reader, include_stale)
        data.unreadable += len(ids) - len(records)
        return data
    path = STARTER if spec == "starter" else Path(spec)
    return _from_file(store, path, spec, reader, include_stale)


def _from_file(store: Store, path: Path, name: str, reader: Reader, include_stale: bool) -> Dataset:
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise DatasetError(
            f"Cannot read the dataset {path}: {err.strerror or err}. Name live, golden-vN, "
            "starter or a JSONL file in the export format."
        ) from err
    records: list[golden.GoldenRecord] = []
    invalid: list[CaseProblem] = []
    for n, line in enumerate(raw.decode("utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        record, problem = _parse(line, n)
        if record is None:
            invalid.append(problem)
        else:
            records.append(record)
    version = hashlib.sha256(raw).hexdigest()[:12]
    out = _from_records(
        store,
        path.name if name != "starter" else "starter",
        version,
        records,
        reader,
        include_stale,
    )
    out.invalid = invalid + out.invalid
    return out


def _parse(line: str, n: int) -> tuple[golden.GoldenRecord | None, CaseProblem]:
    """One line as a record, or the problem with it (named by its id when it has one)."""
    try:
        data = json.loads(line)
    except ValueError as err:
        return None, CaseProblem(case=f"line {n}", reason=f"not JSON ({err})")
    if not isinstance(data, dict):
        return None, CaseProblem(case=f"line {n}", reason="not a JSON object")
    where = str(data.get("id") or f"line {n}")
    version = data.get("schema_version", golden.SCHEMA_VERSION)
    if version != golden.SCHEMA_VERSION:
        reason = f"schema version {version!r}; this version reads {golden.SCHEMA_VERSION}"
        return None, CaseProblem(case=where, reason=reason)
    try:
        return golden.GoldenRecord.model_validate(data), CaseProblem(case=where, reason="")
    except ValidationError as err:
        return None, CaseProblem(case=where, reason=_reason(err))


def _reason(err: Exception) -> str:
    if isinstance(err, ValidationError):
        first = err.errors()[0]
        return f"{'.'.join(map(str, first['loc'])) or 'line'}: {first['msg']}"
    return str(err).splitlines()[0]


def _from_records(
    store: Store,
    name: str,
    version: str,
    records: list[golden.GoldenRecord],
    reader: Reader,
    include_stale: bool,
) -> Dataset:
    data = Dataset(name=name, version=version, cases=[])
    seen: set[str] = set()
    for rec in records:
        if rec.id in seen:
            data.invalid.append(CaseProblem(case=rec.id, reason="the id appears twice"))
            continue
        seen.add(rec.id)
        case, problem = _case(store, rec, reader)
        if case is None:
            if problem == "unreadable":
                data.unreadable += 1
            else:
                data.invalid.append(CaseProblem(case=rec.id, reason=problem))
            continue
        if case.status == "stale":
            data.stale += 1
            data.stale_cases.append(CaseProblem(case=case.id, reason=case.stale_reason or "stale"))
            if not include_stale:
                continue
        data.cases.append(case)
    return data


def _case(store: Store, rec: golden.GoldenRecord, reader: Reader) -> tuple[EvalCase | None, str]:
    """The case, or None and why: ``unreadable`` (the reader may not read it) or a reason."""
    if rec.should_refuse and rec.expected_chunks:
        return None, "a should-refuse case cannot expect passages"
    if not rec.should_refuse and not rec.expected_chunks:
        return None, "an answerable case needs expected passages"
    expected = [Ref.of(p) for p in rec.expected_chunks]
    found = _resolve(store, expected)
    # What it requires: the passages it pins, as the index says now, and what it declares.
    groups = [list(c) for c in found.values()]
    needed = requirement([*groups, *(rec.access or [[EVERYONE]])])
    if needed is None or not reader.may_read(needed):
        return None, "unreadable"
    missing = [e.document or e.chunk_id for e in expected if e.chunk_id not in found]
    stale = rec.status == "stale" or bool(missing)
    reason = rec.stale_reason or (
        f"evidence no longer in the index: {', '.join(missing)}" if missing else None
    )
    return (
        EvalCase(
            id=rec.id,
            question=rec.user_input,
            reference=rec.reference,
            should_refuse=rec.should_refuse,
            expected=expected,
            access=needed,
            status="stale" if stale else "active",
            stale_reason=reason if stale else None,
        ),
        "",
    )


def _resolve(store: Store, expected: list[Ref]) -> dict[str, tuple[str, ...]]:
    """Expected chunk id -> the access groups of the passage holding it now (by chunk id,
    else by content hash). Existence and groups only: no text is read, so a passage the
    reader may not read is found, and makes the case unreadable rather than stale."""
    by_id = {c.id: c for c in store.get_chunks([e.chunk_id for e in expected], None)}
    hashes = [e.content_hash for e in expected if e.chunk_id not in by_id and e.content_hash]
    by_hash = store.chunks_by_hash(hashes, None)
    out = {}
    for e in expected:
        chunk = by_id.get(e.chunk_id) or by_hash.get(e.content_hash)
        if chunk is not None:
            out[e.chunk_id] = chunk.access_groups
    return out


def asker_groups(case: EvalCase, reader: Reader) -> tuple[str, ...]:
    """The groups a case is asked with: those its passages require, as far as the reader
    who runs the evaluation holds them (never more than the reader may read)."""
    wanted = {g for group_set in case.access for g in group_set}
    return tuple(sorted((wanted & set(reader.groups)) | {EVERYONE}))
