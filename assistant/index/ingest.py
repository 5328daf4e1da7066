"""Ingestion: files -> chunks -> vectors -> Weaviate, incremental by content hash.

Idempotent and safe to interrupt. Chunk ids are deterministic (document +
position) so a re-run overwrites instead of duplicating; every chunk carries the
id of the run that wrote it, so after a window of documents is written, their
chunks from earlier runs are deleted; a document's registry entry (its content
hash) is written last. A run killed at any point leaves registry entries that
are either current or missing, and the next run repairs exactly those. Chunks of
a source whose document is no longer registered are swept at the end.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from assistant.index.access import AccessResolver, DocumentMeta, is_sidecar
from assistant.index.analysis import ANALYSIS_VERSION
from assistant.index.chunking import chunk_sections, embedding_text
from assistant.index.chunks import Chunk, DocumentRecord, chunk_id, document_id, sha256_hex
from assistant.index.documents import ReadError
from assistant.index.embeddings import MAX_TOKENS, Embedder
from assistant.index.placement import Known, Placement, known_documents, place, superseded
from assistant.index.readers import read_document
from assistant.index.store import Store, now

READERS_VERSION = "3"  # bump when readers or chunking change: every document is re-indexed
WINDOW_CHUNKS = 256


class IngestFailure(BaseModel):
    path: str
    error: str


class IngestSummary(BaseModel):
    documents_seen: int = 0
    documents_indexed: int = 0
    documents_unchanged: int = 0
    documents_removed: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    failed: list[IngestFailure] = []
    seconds: float = 0.0
    notes: list[str] = []  # what other parts did about the change (golden cases flagged stale)

    @property
    def partial(self) -> bool:
        return bool(self.failed)

    @property
    def chunks_per_second(self) -> float:
        return self.chunks_added / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class Progress:
    documents_done: int
    documents_total: int
    chunks_added: int
    elapsed_s: float
    current: str


@dataclass
class _Pending:
    record: DocumentRecord
    chunks: list[Chunk]


@dataclass
class _Window:
    pending: list[_Pending] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(len(p.chunks) for p in self.pending)


def pipeline_version(
    embedder: Embedder, max_tokens: int, multilingual: Embedder | None = None
) -> str:
    key = f"{READERS_VERSION}|{ANALYSIS_VERSION}|{embedder.name}|{embedder.dim}|{max_tokens}"
    if multilingual is not None:  # switching it on or off re-embeds every document
        key += f"|{multilingual.name}|{multilingual.dim}"
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def _walk(root: Path) -> Iterator[Path]:
    """Files under ``root`` in a stable order; hidden files/folders and sidecars are skipped."""
    for dirpath, dirnames, filenames in os.walk(root, onerror=None):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if not name.startswith(".") and not is_sidecar(path):
                yield path


class Ingestor:
    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        *,
        max_file_bytes: int = 50 * 1024 * 1024,
        max_tokens: int = MAX_TOKENS,
        progress: Callable[[Progress], None] | None = None,
        multilingual: Embedder | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.multilingual = multilingual
        self.max_file_bytes = max_file_bytes
        self.max_tokens = max_tokens
        self.progress = progress or (lambda _p: None)
        self.version = pipeline_version(embedder, max_tokens, multilingual)

    def sync(self, paths: Sequence[Path], source: str | None = None) -> IngestSummary:
        """Bring the index in line with ``paths`` (folders are mirrored, files upserted)."""
        t0 = time.monotonic()
        self.store.ensure_schema()
        summary = IngestSummary()
        run_id = uuid.uuid4().hex
        access = AccessResolver()
        for arg in paths:
            arg = Path(arg)
            if not (arg.is_dir() or arg.is_file() or arg.is_symlink()):
                summary.documents_seen += 1
                summary.failed.append(IngestFailure(path=str(arg), error="no such file or folder"))
                continue
            known = known_documents(self.store.list_documents())
            placement = place(arg.resolve(), known, source)
            self._sync_root(placement, known, access, run_id, summary, t0)
        summary.seconds = round(time.monotonic() - t0, 3)
        return summary

    def _sync_root(
        self,
        placement: Placement,
        known: Known,
        access: AccessResolver,
        run_id: str,
        summary: IngestSummary,
        t0: float,
    ) -> None:
        root, source = placement.root, placement.source
        registry = {d.id: d for d in self.store.list_documents(source)}
        if placement.files is not None:
            files = list(placement.files)
        else:
            under = root / placement.scope if placement.scope else root
            files = list(_walk(under))
        seen: set[str] = set()
        window = _Window()
        for i, path in enumerate(files):
            rel = path.relative_to(root).as_posix()
            shown = f"{source}/{rel}"
            doc_id = document_id(source, rel)
            seen.add(doc_id)
            summary.documents_seen += 1
            existing = registry.get(doc_id)
            meta: DocumentMeta | None = None
            try:
                meta = access.meta(path)
                pending = self._prepare(path, source, rel, doc_id, existing, meta)
            except ReadError as err:
                error = str(err)
                # A file that cannot be read keeps its last good version indexed, unless
                # who may read it is unknown or has changed: then that version must not
                # stay searchable under its old groups.
                if existing is not None and (
                    meta is None or existing.access_groups != meta.access_groups
                ):
                    summary.chunks_removed += self.store.delete_documents([doc_id])
                    summary.documents_removed += 1
                    error += "; withdrawn from search until this is fixed"
                summary.failed.append(IngestFailure(path=shown, error=error))
            else:
                if pending is None:
                    summary.documents_unchanged += 1
                else:
                    window.pending.append(pending)
                    if window.size >= WINDOW_CHUNKS:
                        self._flush(window, run_id, summary)
            elapsed = time.monotonic() - t0
            self.progress(Progress(i + 1, len(files), summary.chunks_added, elapsed, shown))
        self._flush(window, run_id, summary)
        earlier = superseded(placement, files, known)
        if earlier:
            summary.chunks_removed += self.store.delete_documents(earlier)
            summary.documents_removed += len(earlier)
        if placement.files is None:
            prefix = f"{source}/{placement.scope}"
            gone = [d for d, r in registry.items() if d not in seen and r.path.startswith(prefix)]
            summary.chunks_removed += self.store.delete_documents(gone)
            summary.documents_removed += len(gone)
            if not placement.scope:
                keep = set(registry) | seen
                orphans = self.store.chunk_document_ids(source) - keep
                summary.chunks_removed += self.store.delete_documents(orphans)

    def _prepare(
        self,
        path: Path,
        source: str,
        rel: str,
        doc_id: str,
        existing: DocumentRecord | None,
        meta: DocumentMeta,
    ) -> _Pending | None:
        try:
            size = path.stat().st_size
            if size > self.max_file_bytes:
                raise ReadError(
                    f"file is {size / 2**20:.1f} MiB, over the "
                    f"{self.max_file_bytes / 2**20:.0f} MiB limit",
                    fix="Split it, or raise ASSISTANT_MAX_FILE_MB.",
                )
            data = path.read_bytes()
        except PermissionError:
            raise ReadError("permission denied", fix="Make the file readable.") from None
        except IsADirectoryError:
            raise ReadError("is a folder, not a file") from None
        except FileNotFoundError:
            raise ReadError("file disappeared while indexing (a broken link?)") from None
        except OSError as err:
            raise ReadError(f"cannot read the file ({err.strerror or err})") from None
        content_hash = sha256_hex(data)
        if (
            existing is not None
            and existing.content_hash == content_hash
            and existing.pipeline_version == self.version
            and existing.access_groups == meta.access_groups
            and (meta.title is None or existing.title == meta.title)
        ):
            return None
        parsed = read_document(path, data)
        title = meta.title or parsed.title or path.stem.replace("-", " ").replace("_", " ")
        drafts = chunk_sections(title, parsed.sections, self.embedder.count_tokens, self.max_tokens)
        stamp = now()
        shown = f"{source}/{rel}"
        chunks = [
            Chunk(
                id=chunk_id(doc_id, d.position),
                document_id=doc_id,
                source=source,
                path=shown,
                title=title,
                section_path=d.section_path,
                page=d.page,
                position=d.position,
                text=d.text,
                content_hash=sha256_hex(d.text),
                access_groups=meta.access_groups,
                ingested_at=stamp,
                token_count=d.token_count,
            )
            for d in drafts
        ]
        record = DocumentRecord(
            id=doc_id,
            source=source,
            path=shown,
            title=title,
            content_hash=content_hash,
            pipeline_version=self.version,
            chunk_count=len(chunks),
            size_bytes=size,
            access_groups=meta.access_groups,
            ingested_at=stamp,
        )
        return _Pending(record=record, chunks=chunks)

    def _flush(self, window: _Window, run_id: str, summary: IngestSummary) -> None:
        if not window.pending:
            return
        chunks = [c for p in window.pending for c in p.chunks]
        texts = [embedding_text(c.title, c.section_path, c.text) for c in chunks]
        vectors = self.embedder.embed(texts)
        second = self.multilingual.embed(texts) if self.multilingual is not None else None
        failures = self.store.write_chunks(chunks, vectors, run_id, multilingual=second)
        done = [p for p in window.pending if p.record.id not in failures]
        summary.chunks_removed += self.store.delete_stale_chunks(
            [p.record.id for p in done], run_id
        )
        self.store.write_documents([p.record for p in done])
        summary.documents_indexed += len(done)
        summary.chunks_added += sum(len(p.chunks) for p in done)
        for p in window.pending:
            if p.record.id in failures:
                summary.failed.append(
                    IngestFailure(path=p.record.path, error=failures[p.record.id])
                )
        window.pending.clear()
