"""The Weaviate side of the index: our own collection schema and every read and write.

Two collections per index (a prefix keeps indexes apart). ``<P>Chunk`` holds
chunk text and heading context, BM25 over their analysed (stemmed) forms, and
two vectors per chunk: its own (``default``, HNSW, cosine) and the mean of its
section's chunks (``section``, a flat index: read back, never searched), which
lets retrieval weigh what a whole section is about; with the multilingual embedder
on, the same two from that model (``multilingual``, ``multilingual_section``).
``<P>Document`` is the
registry of what was ingested from which file at which content hash. A
document's registry entry is written only after its chunks are, which is what
makes an interrupted ingestion re-runnable. A collection made by an older
schema is rebuilt (and so re-ingested) rather than half-used.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import numpy as np
import weaviate
from weaviate.classes.config import (
    Configure,
    DataType,
    Property,
    StopwordsPreset,
    Tokenization,
    VectorDistances,
)
from weaviate.classes.query import Filter
from weaviate.collections import Collection

from assistant.errors import DependencyUnavailable
from assistant.identity.groups import reader_groups
from assistant.index.analysis import analyze
from assistant.index.chunks import Chunk, DocumentRecord
from assistant.index.language import detect
from assistant.phrases import counted

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "Kb"
BATCH_SIZE = 256
CHUNK_VECTOR = "default"
SECTION_VECTOR = "section"
MULTILINGUAL_VECTOR = "multilingual"  # the second embedder's, when it is on
MULTILINGUAL_SECTION_VECTOR = "multilingual_section"  # its section means


# What each text property is for: (tokenization, searched by BM25, filterable).
_TEXT_ROLES = {
    "key": (Tokenization.FIELD, False, True),  # shown, and filtered by exact value
    "shown": (None, False, False),  # only shown: it costs no index
    "analysed": (Tokenization.WHITESPACE, True, False),  # assistant.index.analysis output, for BM25
}


def _text(name: str, role: str = "key") -> Property:
    tokenization, searchable, filterable = _TEXT_ROLES[role]
    return Property(
        name=name,
        data_type=DataType.TEXT,
        tokenization=tokenization,
        index_searchable=searchable,
        index_filterable=filterable,
    )


def _keys(name: str) -> Property:
    return Property(
        name=name,
        data_type=DataType.TEXT_ARRAY,
        tokenization=Tokenization.FIELD,
        index_searchable=False,
        index_filterable=True,
    )


def _plain(name: str, data_type: DataType, *, filterable: bool = False) -> Property:
    return Property(name=name, data_type=data_type, index_filterable=filterable)


CHUNK_PROPERTIES = [
    _text("text", "shown"),
    _text("section", "shown"),
    _text("title", "shown"),
    _text("text_stemmed", "analysed"),
    _text("section_stemmed", "analysed"),
    _text("document_id"),
    _text("source"),
    _text("path"),
    _keys("section_path"),
    _keys("access_groups"),
    _text("content_hash"),
    _text("run_id"),
    _plain("page", DataType.INT),
    _plain("position", DataType.INT),
    _plain("token_count", DataType.INT),
    _plain("ingested_at", DataType.DATE, filterable=True),
]

DOCUMENT_PROPERTIES = [
    _text("source"),
    _text("path"),
    _text("title"),
    _text("content_hash"),
    _text("pipeline_version"),
    _keys("access_groups"),
    _plain("chunk_count", DataType.INT),
    _plain("size_bytes", DataType.INT),
    _plain("ingested_at", DataType.DATE, filterable=True),
]


def _vector_config(name: str, *, searched: bool):  # type: ignore[no-untyped-def]
    """A named vector we provide; searched ones get HNSW, read-back ones a flat index."""
    index = Configure.VectorIndex.hnsw if searched else Configure.VectorIndex.flat
    return Configure.Vectors.self_provided(
        name=name, vector_index_config=index(distance_metric=VectorDistances.COSINE)
    )


def chunk_from(props: dict, uid: object) -> Chunk:
    return Chunk(
        id=str(uid),
        document_id=props["document_id"],
        source=props["source"],
        path=props["path"],
        title=props.get("title") or "",
        section_path=tuple(props.get("section_path") or ()),
        page=props.get("page"),
        position=int(props.get("position") or 0),
        text=props["text"],
        content_hash=props["content_hash"],
        access_groups=tuple(props.get("access_groups") or ()),
        ingested_at=props["ingested_at"],
        token_count=int(props.get("token_count") or 0),
    )


def _document_from(props: dict, uid: object) -> DocumentRecord:
    return DocumentRecord(
        id=str(uid),
        source=props["source"],
        path=props["path"],
        title=props.get("title") or "",
        content_hash=props["content_hash"],
        pipeline_version=props.get("pipeline_version") or "",
        chunk_count=int(props.get("chunk_count") or 0),
        size_bytes=int(props.get("size_bytes") or 0),
        access_groups=tuple(props.get("access_groups") or ()),
        ingested_at=props["ingested_at"],
    )


def access_filter(groups: Sequence[str]) -> Filter:
    """Chunks a reader holding ``groups`` may read (the rule of ``identity.groups.may_read``)."""
    return Filter.by_property("access_groups").contains_any(sorted(reader_groups(groups)))


class Store:
    def __init__(self, client: weaviate.WeaviateClient, prefix: str = DEFAULT_PREFIX) -> None:
        self.client = client
        self.chunk_collection = f"{prefix}Chunk"
        self.document_collection = f"{prefix}Document"
        self._indexed = False

    def indexed(self) -> bool:
        """Whether this index exists yet (a fresh instance has none until the first ingest):
        every read of an index that does not exist is empty, not an error."""
        if not self._indexed:
            exists = self.client.collections.exists
            self._indexed = exists(self.chunk_collection) and exists(self.document_collection)
        return self._indexed

    # -- schema -----------------------------------------------------------
    def ensure_schema(self) -> None:
        if self._outdated():
            # Made by an older version: drop it with its registry, so every document is
            # indexed afresh (chunk ids are deterministic: golden cases still resolve).
            log.warning(
                "The index %s was made by an older schema; rebuilding it. The documents "
                "folder and uploads are re-indexed now; re-run `assistant ingest` for any "
                "other folder you had indexed.",
                self.chunk_collection,
            )
            self.client.collections.delete([self.chunk_collection, self.document_collection])
        if not self.client.collections.exists(self.chunk_collection):
            self.client.collections.create(
                self.chunk_collection,
                description="Passages of ingested documents, with vectors and BM25.",
                properties=CHUNK_PROPERTIES,
                vector_config=[
                    _vector_config(CHUNK_VECTOR, searched=True),
                    _vector_config(SECTION_VECTOR, searched=False),
                    # the multilingual two stay empty while that embedder is off
                    _vector_config(MULTILINGUAL_VECTOR, searched=True),
                    _vector_config(MULTILINGUAL_SECTION_VECTOR, searched=False),
                ],
                inverted_index_config=Configure.inverted_index(
                    bm25_b=0.75,
                    bm25_k1=1.2,
                    # assistant.index.analysis drops stopwords before stemming
                    stopwords_preset=StopwordsPreset.NONE,
                ),
            )
        if not self.client.collections.exists(self.document_collection):
            self.client.collections.create(
                self.document_collection,
                description="Registry of ingested documents and their content hashes.",
                properties=DOCUMENT_PROPERTIES,
                vector_config=Configure.Vectors.self_provided(),
            )

    def _outdated(self) -> bool:
        if not self.client.collections.exists(self.chunk_collection):
            return False
        config = self.chunks.config.get()
        props = {p.name for p in config.properties}
        wanted = {p.name for p in CHUNK_PROPERTIES}
        vectors = config.vector_config or {}
        named = {SECTION_VECTOR, MULTILINGUAL_VECTOR, MULTILINGUAL_SECTION_VECTOR}
        return not wanted <= props or not named <= set(vectors)

    @property
    def chunks(self) -> Collection:
        return self.client.collections.use(self.chunk_collection)

    @property
    def documents(self) -> Collection:
        return self.client.collections.use(self.document_collection)

    # -- reads ------------------------------------------------------------
    def list_documents(self, source: str | None = None) -> list[DocumentRecord]:
        if not self.indexed():
            return []
        flt = Filter.by_property("source").equal(source) if source else None
        out = []
        if flt is None:
            for obj in self.documents.iterator():
                out.append(_document_from(obj.properties, obj.uuid))
        else:
            offset = 0
            while True:
                page = self.documents.query.fetch_objects(filters=flt, limit=1000, offset=offset)
                out.extend(_document_from(o.properties, o.uuid) for o in page.objects)
                if len(page.objects) < 1000:
                    break
                offset += 1000
        return sorted(out, key=lambda d: d.path)

    def get_document(self, doc_id: str) -> DocumentRecord | None:
        if not self.indexed():
            return None
        obj = self.documents.query.fetch_object_by_id(doc_id)
        return _document_from(obj.properties, obj.uuid) if obj else None

    def document_chunks(self, doc_id: str, groups: Sequence[str] | None) -> list[Chunk]:
        """A document's chunks in order: those a reader holding ``groups`` may read, or
        (``None``: index maintenance, never a reader) all of them."""
        if not self.indexed():
            return []
        flt = Filter.by_property("document_id").equal(doc_id)
        if groups is not None:
            flt = flt & access_filter(groups)
        res = self.chunks.query.fetch_objects(filters=flt, limit=10_000)
        return sorted(
            (chunk_from(o.properties, o.uuid) for o in res.objects), key=lambda c: c.position
        )

    def get_chunks(self, ids: Sequence[str], groups: Sequence[str] | None) -> list[Chunk]:
        """The chunks of ``ids`` (in that order, missing ones left out): those a reader
        holding ``groups`` may read, or (``None``: the caller checks access itself) all."""
        if not self.indexed():
            return []
        if not ids:
            return []
        flt = Filter.by_id().contains_any(list(ids))
        if groups is not None:
            flt = flt & access_filter(groups)
        res = self.chunks.query.fetch_objects(filters=flt, limit=len(ids))
        by_id = {str(o.uuid): chunk_from(o.properties, o.uuid) for o in res.objects}
        return [by_id[i] for i in ids if i in by_id]

    def headings(self, groups: Sequence[str], limit: int = 300) -> list[Chunk]:
        """Up to ``limit`` chunks a reader holding ``groups`` may read, any order (for
        their titles and headings: suggested questions)."""
        if not self.indexed():
            return []
        res = self.chunks.query.fetch_objects(filters=access_filter(groups), limit=limit)
        return [chunk_from(o.properties, o.uuid) for o in res.objects]

    def chunks_by_hash(
        self, hashes: Sequence[str], groups: Sequence[str] | None
    ) -> dict[str, Chunk]:
        """One chunk holding each content hash (a passage that moved to another document or
        position keeps its hash): among those a reader holding ``groups`` may read, or
        (``None``: index maintenance, never shown to a reader) among all."""
        if not self.indexed() or not hashes:
            return {}
        flt = Filter.by_property("content_hash").contains_any(list(hashes))
        if groups is not None:
            flt = flt & access_filter(groups)
        res = self.chunks.query.fetch_objects(filters=flt, limit=max(100, 4 * len(hashes)))
        found: dict[str, Chunk] = {}
        for o in res.objects:
            chunk = chunk_from(o.properties, o.uuid)
            found.setdefault(chunk.content_hash, chunk)
        return found

    def count_chunks(self, source: str | None = None) -> int:
        if not self.indexed():
            return 0
        if not self.client.collections.exists(self.chunk_collection):
            return 0  # nothing ingested yet
        flt = Filter.by_property("source").equal(source) if source else None
        return int(self.chunks.aggregate.over_all(filters=flt, total_count=True).total_count or 0)

    def fingerprint(self) -> str:
        """Changes whenever documents are added, changed or removed (keys the answer cache)."""
        from weaviate.classes.aggregate import Metrics

        if not self.indexed():
            return "empty"
        res = self.documents.aggregate.over_all(
            total_count=True, return_metrics=Metrics("ingested_at").date_(maximum=True)
        )
        newest = res.properties["ingested_at"].maximum
        return f"{res.total_count}:{newest or '-'}"

    def chunk_document_ids(self, source: str) -> set[str]:
        """Distinct document ids that have chunks in ``source`` (registered or not)."""
        if not self.indexed():
            return set()
        from weaviate.classes.aggregate import GroupByAggregate

        res = self.chunks.aggregate.over_all(
            filters=Filter.by_property("source").equal(source),
            group_by=GroupByAggregate(prop="document_id", limit=1_000_000),
            total_count=True,
        )
        return {str(g.grouped_by.value) for g in res.groups}

    # -- writes -----------------------------------------------------------
    def write_chunks(
        self,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        run_id: str,
        multilingual: np.ndarray | None = None,
    ) -> dict[str, str]:
        """Upsert chunks (ids are deterministic). Returns {document_id: error} for failures.

        ``chunks`` must hold whole documents: each section's vector is the mean of its
        chunks' vectors, computed here. ``multilingual``: the second embedder's vectors.
        """
        failures: dict[str, str] = {}
        owner = {c.id: c.document_id for c in chunks}
        sections = section_vectors(chunks, vectors)
        second = section_vectors(chunks, multilingual) if multilingual is not None else None
        with self.chunks.batch.fixed_size(batch_size=BATCH_SIZE, concurrent_requests=2) as batch:
            for n, (chunk, vector, section) in enumerate(
                zip(chunks, vectors, sections, strict=True)
            ):
                language = detect(chunk.text)  # a heading alone is too short to tell
                named = {CHUNK_VECTOR: vector.tolist(), SECTION_VECTOR: section.tolist()}
                if multilingual is not None and second is not None:
                    named[MULTILINGUAL_VECTOR] = multilingual[n].tolist()
                    named[MULTILINGUAL_SECTION_VECTOR] = second[n].tolist()
                batch.add_object(
                    uuid=chunk.id,
                    vector=named,
                    properties={
                        "text": chunk.text,
                        "section": chunk.section,
                        "title": chunk.title,
                        "text_stemmed": analyze(chunk.text, language),
                        "section_stemmed": analyze(chunk.section, language),
                        "document_id": chunk.document_id,
                        "source": chunk.source,
                        "path": chunk.path,
                        "section_path": list(chunk.section_path),
                        "access_groups": list(chunk.access_groups),
                        "content_hash": chunk.content_hash,
                        "run_id": run_id,
                        "page": chunk.page,
                        "position": chunk.position,
                        "token_count": chunk.token_count,
                        "ingested_at": chunk.ingested_at,
                    },
                )
        for failed in self.chunks.batch.failed_objects:
            doc = owner.get(str(failed.object_.uuid), "?")
            failures.setdefault(doc, f"Weaviate rejected a chunk: {failed.message}")
        return failures

    def delete_stale_chunks(self, doc_ids: Iterable[str], run_id: str) -> int:
        """Chunks of these documents not rewritten by ``run_id``: old positions, old content."""
        ids = list(doc_ids)
        if not ids:
            return 0
        res = self.chunks.data.delete_many(
            where=Filter.by_property("document_id").contains_any(ids)
            & Filter.by_property("run_id").not_equal(run_id)
        )
        return int(res.successful)

    def write_documents(self, records: Sequence[DocumentRecord]) -> None:
        with self.documents.batch.fixed_size(batch_size=BATCH_SIZE) as batch:
            for rec in records:
                batch.add_object(
                    uuid=rec.id,
                    properties={
                        "source": rec.source,
                        "path": rec.path,
                        "title": rec.title,
                        "content_hash": rec.content_hash,
                        "pipeline_version": rec.pipeline_version,
                        "access_groups": list(rec.access_groups),
                        "chunk_count": rec.chunk_count,
                        "size_bytes": rec.size_bytes,
                        "ingested_at": rec.ingested_at,
                    },
                )
        failed = self.documents.batch.failed_objects
        if failed:
            raise DependencyUnavailable(
                f"Weaviate rejected {counted(len(failed), 'document record')}: {failed[0].message}",
                fix="Check the Weaviate log; re-run the ingestion (it is idempotent).",
            )

    def delete_documents(self, doc_ids: Iterable[str]) -> int:
        """Remove documents: chunks first, then the registry entry (re-runnable if cut short)."""
        ids = list(doc_ids)
        if not ids:
            return 0
        removed = 0
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            res = self.chunks.data.delete_many(
                where=Filter.by_property("document_id").contains_any(part)
            )
            removed += int(res.successful)
            self.documents.data.delete_many(where=Filter.by_id().contains_any(part))
        return removed


def section_vectors(chunks: Sequence[Chunk], vectors: np.ndarray) -> np.ndarray:
    """Per chunk, the unit-length mean of the vectors of its document's same section."""
    keys = [(c.document_id, c.section_path) for c in chunks]
    index = {k: i for i, k in enumerate(dict.fromkeys(keys))}
    rows = np.array([index[k] for k in keys])
    sums = np.zeros((len(index), vectors.shape[1]), dtype=np.float32)
    np.add.at(sums, rows, vectors)
    sums /= np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    return sums[rows]


def now() -> datetime:
    return datetime.now(UTC)
