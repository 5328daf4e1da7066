"""Retrieval: Weaviate hybrid search (BM25 + vectors) under the caller's access groups.

Fusion is relative-score (min-max normalised scores, blended by ``alpha``):
unlike rank fusion it keeps how much better the top hit is than the next,
which the refusal threshold downstream needs. BM25 reads the chunk text plus
its section path, boosted, because people ask with the words of headings
("annual leave", "VPN") more than with those of the body.
Every query is filtered by access groups inside Weaviate, so a chunk outside
the caller's groups is never returned, scored or counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from weaviate.classes.query import Filter, HybridFusion, MetadataQuery

from assistant.chunks import ScoredChunk
from assistant.embeddings import Embedder
from assistant.ingest.access import EVERYONE
from assistant.store import Store, _chunk_from

Mode = Literal["hybrid", "bm25", "vector", "rrf"]


@dataclass(frozen=True)
class RetrievalConfig:
    mode: Mode = "hybrid"
    # 1 = vectors only, 0 = BM25 only. Questions rarely share words with their answers, so
    # vectors lead (benchmarks/retrieval.py: 0.5 -> nDCG@10 0.538, 0.8 -> 0.633).
    alpha: float = 0.8
    # The title is already in every chunk's vector (its heading context); in BM25 it would
    # lift all chunks of a document alike, so only the chunk's own section path is boosted.
    query_properties: tuple[str, ...] = ("text", "section^2")
    top_k: int = 8


@dataclass(frozen=True)
class SearchRequest:
    query: str
    groups: Sequence[str] = (EVERYONE,)
    k: int | None = None
    documents: Sequence[str] = field(default_factory=tuple)  # restrict to these paths
    vector: np.ndarray | None = None  # the query's embedding, if the caller has it
    with_vectors: bool = False  # return each chunk's stored embedding


def access_filter(groups: Sequence[str]) -> Filter:
    allowed = sorted({g.strip().lower() for g in groups if g.strip()} | {EVERYONE})
    return Filter.by_property("access_groups").contains_any(allowed)


class Retriever:
    def __init__(self, store: Store, embedder: Embedder, config: RetrievalConfig | None = None):
        self.store = store
        self.embedder = embedder
        self.config = config or RetrievalConfig()

    def search(self, request: SearchRequest) -> list[ScoredChunk]:
        cfg = self.config
        k = request.k or cfg.top_k
        flt = access_filter(request.groups)
        if request.documents:
            flt = flt & Filter.by_property("path").contains_any(list(request.documents))
        chunks = self.store.chunks
        meta = MetadataQuery(score=True)
        with_vec = request.with_vectors
        if cfg.mode == "bm25":
            res = chunks.query.bm25(
                query=request.query,
                query_properties=list(cfg.query_properties),
                filters=flt,
                limit=k,
                return_metadata=meta,
                include_vector=with_vec,
            )
        else:
            qvec = request.vector
            if qvec is None:
                qvec = self.embedder.embed_query(request.query)
            vector = qvec.tolist()
            if cfg.mode == "vector":
                res = chunks.query.near_vector(
                    near_vector=vector,
                    filters=flt,
                    limit=k,
                    return_metadata=MetadataQuery(distance=True),
                    include_vector=with_vec,
                )
                return [
                    ScoredChunk(
                        _chunk_from(o.properties, o.uuid),
                        1.0 - (o.metadata.distance or 0),
                        _vector(o) if with_vec else None,
                    )
                    for o in res.objects
                ]
            res = chunks.query.hybrid(
                query=request.query,
                vector=vector,
                alpha=cfg.alpha,
                fusion_type=HybridFusion.RANKED
                if cfg.mode == "rrf"
                else HybridFusion.RELATIVE_SCORE,
                query_properties=list(cfg.query_properties),
                filters=flt,
                limit=k,
                return_metadata=meta,
                include_vector=with_vec,
            )
        return [
            ScoredChunk(
                _chunk_from(o.properties, o.uuid),
                o.metadata.score or 0.0,
                _vector(o) if with_vec else None,
            )
            for o in res.objects
        ]


def _vector(obj) -> np.ndarray:
    vec = obj.vector.get("default") if isinstance(obj.vector, dict) else obj.vector
    return np.asarray(vec, dtype=np.float32)
