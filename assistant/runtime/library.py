"""The document library: what is indexed, uploads, and re-indexing everything."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from assistant.errors import AssistantError
from assistant.index.chunks import DocumentRecord
from assistant.index.ingest import IngestSummary, Progress
from assistant.index.readers import READERS
from assistant.runtime.stack import Runtime
from assistant.storage import audit
from assistant.storage.audit import SYSTEM

UPLOADS = "uploads"
SUPPORTED_SUFFIXES = tuple(sorted(READERS))
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


class UploadError(AssistantError):
    """An upload that was not saved; the message says why."""


def uploads_dir(rt: Runtime) -> Path:
    return rt.settings.data_dir / UPLOADS


def list_documents(rt: Runtime) -> list[DocumentRecord]:
    return rt.store().list_documents()


def save_upload(
    rt: Runtime, filename: str, data: bytes, *, replace: bool = False, actor: str = SYSTEM
) -> Path:
    """Store an uploaded file under the data dir; an existing one is replaced only if asked."""
    name = _SAFE_NAME.sub("_", Path(filename).name).strip(" .") or "upload"
    if Path(name).suffix.lower() not in READERS:
        raise UploadError(
            f"{filename}: unsupported file type {Path(name).suffix or '(none)'}.",
            fix=f"Upload one of: {', '.join(sorted(READERS))}.",
        )
    target = uploads_dir(rt) / name
    if target.exists() and not replace:
        raise UploadError(
            f"A document named {name} was uploaded before.",
            fix="Tick 'replace existing documents' to upload a new version.",
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{name}.part")
    tmp.write_bytes(data)
    replaced = target.exists()
    tmp.replace(target)
    audit.record(rt.engine, actor, "documents.upload", name, bytes=len(data), replaced=replaced)
    return target


def reindex(
    rt: Runtime, progress: Callable[[Progress], None] | None = None, actor: str = SYSTEM
) -> IngestSummary:
    """Sync the documents folder and the uploads: changed re-indexed, deleted removed."""
    roots = [p for p in (rt.settings.documents_dir, uploads_dir(rt)) if p.is_dir()]
    summary = rt.ingest(roots, progress=progress)
    if summary.documents_indexed or summary.documents_removed or actor != SYSTEM:
        audit.record(
            rt.engine,
            actor,
            "documents.reindex",
            f"{summary.documents_indexed} indexed",
            indexed=summary.documents_indexed,
            removed=summary.documents_removed,
            failed=len(summary.failed),
        )
    return summary
