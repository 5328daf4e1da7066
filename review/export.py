"""Golden-set exports: versioned snapshots in the formats eval tools read, with a manifest.

- ``jsonl``: one ``GoldenRecord`` per line (ragas ``SingleTurnSample`` field names plus
  ours); ``review.importing.import_records`` reads it back.
- ``csv``: one row per case, every cell safe against spreadsheet formula injection.
- ``promptfoo``: a promptfoo test-suite YAML (``vars`` + ``assert`` per case).
- ``openai-evals``: OpenAI evals samples (``input`` chat messages + ``ideal``).

Each export gets the next dataset version, recorded with its manifest (count, filters,
sha256 of the file, case ids, who and when) in the SQL store and written next to the file
as ``<file>.manifest.json``. An existing file is never overwritten.
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

from assistant.answering.answer import NOT_IN_DOCUMENTS
from assistant.errors import AssistantError
from assistant.identity.groups import Reader, reader_groups
from assistant.storage import db
from assistant.storage.audit import audit
from review.golden import CaseFilter, GoldenRecord, list_cases
from review.models import RUBRIC_FIELDS, GoldenExport

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


def snapshot(engine: Engine, fmt: str, flt: CaseFilter, exporter: Reader) -> Snapshot:
    """Render the filtered golden set, as far as ``exporter`` may read it, as a new dataset
    version and record its manifest (with the exporter's groups)."""
    if fmt not in FORMATS:
        raise ExportError(f"Unknown export format {fmt!r}.", fix=f"Use one of {FORMATS}.")
    actor = exporter.user_id
    groups = sorted(reader_groups(exporter.groups))
    records = list_cases(engine, exporter, flt)
    with db.session_scope(engine) as session:
        row = GoldenExport(
            format=fmt,
            count=len(records),
            sha256="",
            filters=flt.describe(),
            case_ids=[r.id for r in records],
            created_by=actor,
            groups=groups,
        )
        session.add(row)
        session.flush()  # assigns the version
        version = f"golden-v{row.version}"
        for r in records:
            r.dataset_version = version
        content = {
            "jsonl": lambda: _jsonl(records),
            "csv": lambda: _csv(records),
            "promptfoo": lambda: _promptfoo(records, version),
            "openai-evals": lambda: _openai_evals(records),
        }[fmt]()
        row.sha256 = hashlib.sha256(content).hexdigest()
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
            sha256=row.sha256,
            case_ids=row.case_ids,
            created_by=actor,
            groups=groups,
            created_at=row.created_at,
            schema_version=records[0].schema_version if records else 1,
        )
    return Snapshot(manifest=manifest, content=content)


def manifest_path(out: Path) -> Path:
    return out.with_name(out.name + ".manifest.json")


def write_snapshot(snap: Snapshot, out: Path) -> Path:
    """Write the file and its manifest; refuse to replace anything that exists."""
    for path in (out, manifest_path(out)):
        if path.exists():
            raise ExportError(
                f"{path} already exists; exports never overwrite.",
                fix="Choose another --out path (each export is a new dataset version).",
            )
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "xb") as f:
        f.write(snap.content)
    with open(manifest_path(out), "x", encoding="utf-8") as f:
        f.write(snap.manifest.model_dump_json(indent=2) + "\n")
    return out


def list_exports(engine: Engine, limit: int = 50) -> list[GoldenExport]:
    from sqlmodel import col, select

    with db.session_scope(engine) as session:
        rows = session.exec(
            select(GoldenExport).order_by(col(GoldenExport.version).desc()).limit(limit)
        ).all()
        for row in rows:
            session.expunge(row)
        return list(rows)


def save_in_data_dir(snap: Snapshot, exports_dir: Path) -> Path:
    """Keep a page export's snapshot under the data dir (its name carries its version)."""
    suffix = SUFFIX[snap.manifest.format]
    name = f"{snap.manifest.dataset_version}-{snap.manifest.format}{suffix}"
    return write_snapshot(snap, exports_dir / name)
