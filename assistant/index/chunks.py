"""The typed records that cross module boundaries: documents, chunks, scored chunks."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

_NAMESPACE = uuid.UUID("6f1d2c4e-9a57-4d8b-b1a3-52c0e7f4a9d1")
SECTION_SEP = " > "


def document_id(source: str, path: str) -> str:
    """Stable id of a document: its source name and path within the source."""
    return str(uuid.uuid5(_NAMESPACE, f"{source}/{path}"))


def chunk_id(doc_id: str, position: int) -> str:
    """Stable id of a chunk: its document and position, so re-ingestion overwrites in place."""
    return str(uuid.uuid5(_NAMESPACE, f"{doc_id}#{position}"))


def sha256_hex(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


@dataclass(frozen=True)
class DocumentRecord:
    id: str
    source: str
    path: str  # "<source>/<path within the source>", as shown to people
    title: str
    content_hash: str  # sha256 of the file's bytes
    pipeline_version: str  # chunking/embedding settings the chunks were made with
    chunk_count: int
    size_bytes: int
    access_groups: tuple[str, ...]
    ingested_at: datetime


@dataclass(frozen=True)
class Chunk:
    id: str
    document_id: str
    source: str
    path: str
    title: str
    section_path: tuple[str, ...]
    page: int | None
    position: int
    text: str
    content_hash: str  # sha256 of ``text``: golden cases pin it
    access_groups: tuple[str, ...]
    ingested_at: datetime
    token_count: int = 0

    @property
    def section(self) -> str:
        return SECTION_SEP.join(self.section_path)


@dataclass(frozen=True)
class ScoredChunk:
    chunk: Chunk
    score: float
    vector: Any = None  # the stored embedding (numpy array) when the search asked for it
    # cosine of the multilingual vector to the question, where that side found this chunk
    multilingual_similarity: float | None = None
