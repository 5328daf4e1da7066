"""The document library: what is indexed, uploads, and re-indexing everything."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from assistant.errors import AssistantError
from assistant.identity.groups import EVERYONE, may_read
from assistant.index.access import SIDECAR_SUFFIX
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


def list_documents(rt: Runtime, groups: Sequence[str]) -> list[DocumentRecord]:
    """The indexed documents a reader holding ``groups`` may read."""
    return [d for d in rt.store().list_documents() if may_read(groups, d.access_groups)]


def save_upload(
    rt: Runtime,
    filename: str,
    data: bytes,
    *,
    replace: bool = False,
    actor: str = SYSTEM,
    groups: Sequence[str] = (),
) -> Path:
    """Store an uploaded file under the data dir, readable by ``groups`` (none given:
    everyone); an existing one is replaced only if asked. The access sidecar is written
    before the file, so the file is never indexed with access it was not given."""
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
    restricted = sorted({g.strip().lower() for g in groups if g.strip()} - {EVERYONE})
    sidecar = target.with_name(target.name + SIDECAR_SUFFIX)
    if restricted:
        part = sidecar.with_name(f".{sidecar.name}.part")
        part.write_text(json.dumps({"access_groups": restricted}))
        part.replace(sidecar)
    else:
        sidecar.unlink(missing_ok=True)
    tmp = target.with_name(f".{name}.part")
    tmp.write_bytes(data)
    replaced = target.exists()
    tmp.replace(target)
    audit.record(
        rt.engine,
        actor,
        "documents.upload",
        name,
        bytes=len(data),
        replaced=replaced,
        groups=restricted or [EVERYONE],
    )
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


def delete_document(
    rt: Runtime,
    doc_id: str,
    groups: Sequence[str],
    actor: str = SYSTEM,
    progress: Callable[[Progress], None] | None = None,
) -> IngestSummary:
    """Delete an uploaded document: its file goes, then a re-index removes its passages
    (and flags the golden cases that pin it stale). A document of the documents folder is
    that folder's: it is removed there, not here."""
    record = rt.store().get_document(doc_id)
    if record is None or not may_read(groups, record.access_groups):
        raise UploadError(
            f"No document {doc_id[:12]} that you may read.", fix="Reload the list of documents."
        )
    if record.source != UPLOADS:
        raise UploadError(
            f"{record.path} comes from the documents folder ({rt.settings.documents_dir.name}), "
            "not from an upload.",
            fix="Remove the file from that folder; the next re-index removes it from the index.",
        )
    name = record.path[len(UPLOADS) + 1 :]
    target = uploads_dir(rt) / name
    target.with_name(target.name + SIDECAR_SUFFIX).unlink(missing_ok=True)
    target.unlink(missing_ok=True)
    audit.record(rt.engine, actor, "documents.delete", record.path, title=record.title)
    return reindex(rt, progress=progress, actor=actor)
