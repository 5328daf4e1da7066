"""Golden-set exports: versioned snapshots in the formats eval tools read, with a manifest.

- ``jsonl``: one ``GoldenRecord`` per line (ragas ``SingleTurnSample`` field names plus
  ours); ``review.importing.import_records`` reads it back.
- ``csv``: one row per case, every cell safe against spreadsheet formula injection.
- ``promptfoo``: a promptfoo test-suite YAML (``vars`` + ``assert`` per case).
- ``openai-evals``: OpenAI evals samples (``input`` chat messages + ``ideal``).

A dataset version is a snapshot of cases, not of a file: exporting the same cases (same
content, same filters) in another format adds that format's file to the latest version
instead of making a new one; anything changed makes the next version. Each version is
recorded with its manifest (count, filters, case ids, who and when, the sha256 of each of
its files) in the SQL store and written next to each file as ``<file>.manifest.json``. An
existing file is never overwritten.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from assistant.answering.answer import NOT_IN_DOCUMENTS
from assistant.errors import AssistantError
from assistant.identity.groups import Reader, reader_groups
from assistant.storage import db
from assistant.storage.audit import audit
from review.golden import CaseFilter, GoldenRecord, list_cases
from review.models import RUBRIC_FIELDS, GoldenCase, GoldenExport

ExportFormat = Literal["jsonl", "csv", "promptfoo", "openai-evals"]
FORMATS: tuple[str, ...] = ExportFormat.__args__  # type: ignore[attr-defined]
SUFFIX = {"jsonl": ".jsonl", "csv": ".csv", "promptfoo": ".yaml", "openai-evals": ".jsonl"}
EVAL_SYSTEM_PROMPT = (
    "Answer the employee's question from the company's documents, citing passages as [n]. "
    "If the documents do not answer it, say so."
)


class ExportError(AssistantError):
    """An export that cannot be written as asked."""


class Manifest(BaseModel):
    dataset_version: str
    format: str
    count: int
    filters: dict[str, Any]
    sha256: str
    case_ids: list[str]
    created_by: str
    groups: list[str]  # the exporter's access groups: the export holds only what they may read
    created_at: datetime
    schema_version: int
    files: dict[str, str] = {}  # every file of this dataset version so far: format -> sha256


class Snapshot(BaseModel):
    manifest: Manifest
    content: bytes


# Cells starting with these are formulas to Excel/LibreOffice/Sheets (OWASP CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def csv_safe(value: object) -> str:
    text = "" if value is None else str(value)
    stripped = text.lstrip(" ")
    if stripped.startswith(_FORMULA_START):
        return "'" + text
    return text


CSV_COLUMNS = (
    "id",
    "user_input",
    "conversation",
    "response",
    "reference",
    "should_refuse",
    "cited_chunk_ids",
    "expected_chunk_ids",
    "documents",
    "correctness",
    "groundedness",
    "completeness",
    "helpfulness",
    "safety_issue",
    "reviewer_count",
    "agreement",
    "source_interaction_id",
    "config_version",
    "status",
    "approved_by",
    "approved_at",
    "dataset_version",
)


def _csv(records: list[GoldenRecord]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in records:
        docs = dict.fromkeys(p.document for p in [*r.cited_chunks, *r.expected_chunks])
        row = {
            **r.model_dump(mode="json"),
            **{f: r.grades.get(f, "") for f in RUBRIC_FIELDS},
            "cited_chunk_ids": ";".join(p.chunk_id for p in r.cited_chunks),
            "expected_chunk_ids": ";".join(p.chunk_id for p in r.expected_chunks),
            "documents": ";".join(docs),
            "conversation": "\n".join(f"{t['role']}: {t['content']}" for t in r.conversation),
        }
        writer.writerow([csv_safe(row.get(c)) for c in CSV_COLUMNS])
    return buf.getvalue().encode("utf-8")


def _jsonl(records: list[GoldenRecord]) -> bytes:
    return "".join(r.model_dump_json() + "\n" for r in records).encode("utf-8")


def _reference(r: GoldenRecord) -> str:
    return NOT_IN_DOCUMENTS if r.should_refuse and not r.reference else r.reference


def _promptfoo(records: list[GoldenRecord], version: str) -> bytes:
    tests = []
    for r in records:
        asserts: list[dict[str, Any]] = []
        if r.should_refuse:
            asserts.append(
                {
                    "type": "llm-rubric",
                    "value": "The answer says the documents do not contain the answer "
                    "and does not make one up.",
                }
            )
        else:
            asserts.append({"type": "factuality", "value": r.reference})
        tests.append(
            {
                "description": f"{r.id}: {r.user_input[:80]}",
                "vars": {
                    "question": r.user_input,
                    "context": "\n\n".join(r.reference_contexts),
                    "conversation": r.conversation,
                },
                "assert": asserts,
                "metadata": {
                    "golden_case": r.id,
                    "expected_chunk_ids": [p.chunk_id for p in r.expected_chunks],
                    "should_refuse": r.should_refuse,
                    "dataset_version": version,
                },
            }
        )
    suite = {"description": f"Knowledge Assistant golden set {version}", "tests": tests}
    return yaml.safe_dump(suite, sort_keys=False, allow_unicode=True).encode("utf-8")


def _openai_evals(records: list[GoldenRecord]) -> bytes:
    lines = []
    for r in records:
        sample = {
            # a follow-up with its conversation, as it was asked; a first question alone
            "input": [
                {"role": "system", "content": EVAL_SYSTEM_PROMPT},
                *(r.conversation or [{"role": "user", "content": r.user_input}]),
            ],
            "ideal": _reference(r),
            "metadata": {"golden_case": r.id, "should_refuse": r.should_refuse},
        }
        lines.append(json.dumps(sample, ensure_ascii=False))
    return ("\n".join(lines) + "\n" if lines else "").encode("utf-8")


def _fingerprint(records: list[GoldenRecord], filters: dict[str, Any]) -> str:
    """What makes two exports the same dataset version: the cases' content and the filters."""
    body = [r.model_dump(mode="json", exclude={"dataset_version"}) for r in records]
    return hashlib.sha256(json.dumps([body, filters], sort_keys=True).encode()).hexdigest()


def render(fmt: str, records: list[GoldenRecord], version: str) -> bytes:
    for r in records:
        r.dataset_version = version
    return {
        "jsonl": lambda: _jsonl(records),
        "csv": lambda: _csv(records),
        "promptfoo": lambda: _promptfoo(records, version),
        "openai-evals": lambda: _openai_evals(records),
    }[fmt]()


def snapshot(engine: Engine, fmt: str, flt: CaseFilter, exporter: Reader) -> Snapshot:
    """Render the filtered golden set, as far as ``exporter`` may read it, in ``fmt``: a file
    of the latest dataset version when it holds exactly these cases, else of a new one."""
    if fmt not in FORMATS:
        raise ExportError(f"Unknown export format {fmt!r}.", fix=f"Use one of {FORMATS}.")
    actor = exporter.user_id
    groups = sorted(reader_groups(exporter.groups))
    records = list_cases(engine, exporter, flt)
    fingerprint = _fingerprint(records, flt.describe())
    with db.session_scope(engine) as session:
        row = session.exec(
            select(GoldenExport).order_by(col(GoldenExport.version).desc()).limit(1)
        ).first()
        if row is None or row.fingerprint != fingerprint:
            row = GoldenExport(
                format=fmt,
                count=len(records),
                sha256="",
                filters=flt.describe(),
                case_ids=[r.id for r in records],
                created_by=actor,
                groups=groups,
                fingerprint=fingerprint,
                files={},
            )
            session.add(row)
            session.flush()  # assigns the version
        version = f"golden-v{row.version}"
        content = render(fmt, records, version)
        sha = hashlib.sha256(content).hexdigest()
        row.files = {**(row.files or {}), fmt: sha}
        row.sha256 = row.sha256 or sha  # the version's first file (kept for older readers)
        session.add(row)
        audit(
            session, actor, "golden.export", version, format=fmt, count=len(records), groups=groups
        )
        session.flush()
        manifest = Manifest(
            dataset_version=version,
            format=fmt,
            count=row.count,
            filters=row.filters,
            sha256=sha,
            case_ids=row.case_ids,
            created_by=row.created_by,
            groups=groups,
            created_at=row.created_at,
            schema_version=records[0].schema_version if records else 1,
            files=dict(row.files),
        )
    return Snapshot(manifest=manifest, content=content)


class ExportVersion(BaseModel):
    """A dataset version as a lead sees it: what it holds and its files."""

    version: str
    count: int
    filters: dict[str, Any]
    created_by: str
    created_at: datetime
    files: dict[str, str]  # format -> sha256
    readable: bool  # may this reader download it (every case in it readable now)

    @property
    def summary(self) -> str:
        what = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in self.filters.items()) or "all"
        return (
            f"{self.count} case{'s' if self.count != 1 else ''} ({what}), by {self.created_by} "
            f"on {self.created_at:%Y-%m-%d %H:%M} UTC"
        )


def versions(engine: Engine, reader: Reader, limit: int = 50) -> list[ExportVersion]:
    """The latest dataset versions, each marked downloadable only if ``reader`` may read
    every case it holds now (a deleted case or one outside their groups: not)."""
    with db.session_scope(engine) as session:
        rows = session.exec(
            select(GoldenExport).order_by(col(GoldenExport.version).desc()).limit(limit)
        ).all()
        ids = {i for r in rows for i in r.case_ids or []}
        access = {
            c.id: c.access
            for c in session.exec(select(GoldenCase).where(col(GoldenCase.id).in_(ids))).all()
        }
        return [
            ExportVersion(
                version=f"golden-v{r.version}",
                count=r.count,
                filters=r.filters or {},
                created_by=r.created_by,
                created_at=r.created_at,
                files=dict(r.files or {r.format: r.sha256}),
                readable=all(i in access and reader.may_read(access[i]) for i in r.case_ids or []),
            )
            for r in rows
        ]


def file_name(version: str, fmt: str) -> str:
    return f"{version}-{fmt}{SUFFIX[fmt]}"


def saved_file(exports_dir: Path, version: ExportVersion, fmt: str) -> bytes | None:
    """A version's file as saved by the page, if it is still there and unchanged."""
    path = exports_dir / file_name(version.version, fmt)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return data if hashlib.sha256(data).hexdigest() == version.files.get(fmt) else None


def manifest_path(out: Path) -> Path:
    return out.with_name(out.name + ".manifest.json")


def write_snapshot(snap: Snapshot, out: Path) -> Path:
    """Write the file and its manifest; refuse to replace anything that exists."""
    for path in (out, manifest_path(out)):
        if path.exists():
            raise ExportError(
                f"{path} already exists; exports never overwrite.",
                fix="Choose another --out path; exports never replace a file.",
            )
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "xb") as f:
        f.write(snap.content)
    with open(manifest_path(out), "x", encoding="utf-8") as f:
        f.write(snap.manifest.model_dump_json(indent=2) + "\n")
    return out


def save_in_data_dir(snap: Snapshot, exports_dir: Path) -> Path:
    """Keep a page export's snapshot under the data dir (its name carries its version and
    format); the same file of the same version is kept once."""
    path = exports_dir / file_name(snap.manifest.dataset_version, snap.manifest.format)
    if path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == snap.manifest.sha256:
        return path
    return write_snapshot(snap, path)
