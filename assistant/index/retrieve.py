"""Retrieval: Weaviate hybrid search (BM25 + vectors) under the caller's access groups.

Three signals, each measured on benchmarks/retrieval.py before it was kept:

- BM25 over the stemmed chunk text plus its stemmed section path, boosted,
  because people ask with the words of headings ("annual leave", "VPN") and
  seldom in the grammatical form the answer uses.
- The chunk's own vector (the query embedded by the same model).
- What the chunk's whole section is about: the cosine between the query and
  the mean vector of the section's chunks. A section's first chunk often holds
  its topic and the next ones its details; scoring each chunk alone loses that.

BM25 and the chunk vector are fused in Weaviate by relative score (min-max
normalised, blended by ``alpha``): unlike rank fusion it keeps how much better
the top hit is than the next. With the multilingual embedder on and a
``multilingual`` share above 0, that share of the vector weight goes to a third
list, the multilingual vector's nearest chunks (min-max normalised likewise),
blended here with Weaviate's fused scores so each side keeps exactly its weight.
The section cosine is then added, with weight ``section_weight``, to the best
``pool`` fused candidates, which are re-sorted (with the multilingual vector on,
MiniLM's and e5's section cosines blended by the same share). The multilingual side
(embedding the question, then its nearest chunks) runs in a thread beside MiniLM's
embedding and Weaviate's hybrid search, so it adds the longer of the two, not their sum.
Every query is filtered by access groups inside Weaviate, so a chunk outside
the caller's groups is never returned, scored or counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
from weaviate.classes.query import Filter, HybridFusion, MetadataQuery

from assistant.identity.groups import EVERYONE
from assistant.index.analysis import analyze_query
from assistant.index.chunks import ScoredChunk
from assistant.index.embeddings import Embedder
from assistant.index.language import DEFAULT as DEFAULT_LANGUAGE
from assistant.index.language import detect
from assistant.index.navigation import navigation_share
from assistant.index.store import (
    CHUNK_VECTOR,
    MULTILINGUAL_SECTION_VECTOR,
    MULTILINGUAL_VECTOR,
    SECTION_VECTOR,
    Store,
    access_filter,
    chunk_from,
)

Mode = Literal["hybrid", "bm25", "vector", "rrf"]
SIDE_DEPTH = 100  # how many chunks Weaviate's hybrid search takes from each side
# The multilingual side of searches in flight (numpy and Weaviate's client release the GIL).
_SIDE = ThreadPoolExecutor(max_workers=4, thread_name_prefix="multilingual-side")


@dataclass(frozen=True)
class RetrievalConfig:
    mode: Mode = "hybrid"
    # 1 = vectors only, 0 = BM25 only. With stemmed BM25 and the section signal, 0.4-0.5
    # and weights 2-3 form a plateau (README, retrieval experiments). Over five benchmark
    # sets of different kinds (benchmarks/fusion.py) (0.4, 3) has the best mean of 125
    # fusion choices, and leave-one-set-out validation keeps it or a neighbour.
    alpha: float = 0.4
    # The title is already in every chunk's vector (its heading context); in BM25 it would
    # lift all chunks of a document alike, so only the chunk's own section path is boosted.
    query_properties: tuple[str, ...] = ("text_stemmed", "section_stemmed^2")
    top_k: int = 8
    # Weight of cos(query, section mean vector) added to the fused score; 0 turns it off.
    # Made for scores on a 0..1 scale (hybrid with relative-score fusion, vector); BM25 and
    # rank-fusion scores are on other scales, so those modes want 0.
    section_weight: float = 3.0
    pool: int = 50  # fused candidates re-scored with the section signal
    # Subtracted in that re-score, times each candidate's navigation share (a table of
    # contents, a menu: assistant/index/navigation.py); 0 turns it off. Chosen in the
    # fusion lab: best on the five tuning sets' mean, picked by leave-one-set-out in four folds
    # of five (1.5 in the fifth); held-out sets +0.05 nDCG@10 (README, Navigation passages).
    navigation_penalty: float = 3.0
    # Share of the vector weight (alpha) given to the multilingual vector, when the index has
    # it (ASSISTANT_EMBEDDINGS_MULTILINGUAL); hybrid mode only. 0 = MiniLM alone.
    multilingual: float = 0.0
    # Whether the section signal blends in the multilingual model's section cosine (by the
    # same share) when that vector is used.
    multilingual_sections: bool = True
    # Weights for questions not in English (the language the analyser detects), if any: in
    # the fusion lab they lean on the multilingual vector (README, Other languages).
    other_languages: Weights | None = None

    def for_question(self, question: str) -> RetrievalConfig:
        """The config one question is searched with: ``other_languages`` applied to a
        question the analyser reads as not English."""
        if self.other_languages is None or detect(question) == DEFAULT_LANGUAGE:
            return self
        w = self.other_languages
        return replace(
            self,
            alpha=w.alpha,
            multilingual=w.multilingual,
            section_weight=w.section_weight,
            multilingual_sections=w.multilingual_sections,
            other_languages=None,
        )


@dataclass(frozen=True)
class Weights:
    """The fusion weights that may differ by the question's language."""

    alpha: float
    multilingual: float
    section_weight: float
    multilingual_sections: bool = True


@dataclass(frozen=True)
class SearchRequest:
    query: str
    groups: Sequence[str] = (EVERYONE,)
    k: int | None = None
    documents: Sequence[str] = field(default_factory=tuple)  # restrict to these paths
    vector: np.ndarray | None = None  # the query's embedding, if the caller has it
    with_vectors: bool = False  # return each chunk's stored embedding


@dataclass(frozen=True)
class Found:
    """One search: its passages, best first, and ``evidence``, the same candidates ranked
    before navigation passages were lowered. A table of contents that lists the question
    answers nothing, so it is lowered among the passages, yet it shows that the documents
    speak of the question: the refusal rule looks for the question's words in the
    evidence (over nine benchmark sets, fewer answerable questions refused on Debian's
    FAQ, 8% -> 2%, and no set worse; README, Refusal)."""

    hits: list[ScoredChunk]
    evidence: list[ScoredChunk]


class Retriever:
    side: Executor = _SIDE  # where the multilingual side of a search runs

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        config: RetrievalConfig | None = None,
        multilingual: Embedder | None = None,
    ):
        self.store = store
        self.embedder = embedder
        self.config = config or RetrievalConfig()
        self.multilingual = multilingual

    def _multilingual_share(self, cfg: RetrievalConfig) -> float:
        """The multilingual vector's share of alpha in this search (0 when it cannot run)."""
        on = cfg.mode == "hybrid" and self.multilingual is not None and cfg.alpha > 0
        return cfg.multilingual if on else 0.0

    def search(self, request: SearchRequest) -> list[ScoredChunk]:
        return self.find(request).hits

    def find(self, request: SearchRequest) -> Found:
        """The passages for ``request``, with the evidence ranking (``Found``)."""
        if not self.store.indexed():
            return Found([], [])  # nothing ingested yet
        cfg = self.config.for_question(request.query)
        k = request.k or cfg.top_k
        flt = access_filter(request.groups)
        if request.documents:
            flt = flt & Filter.by_property("path").contains_any(list(request.documents))
        rescore = cfg.section_weight > 0
        share = self._multilingual_share(cfg)
        keep = max(k, cfg.pool) if rescore else k
        limit = max(keep, SIDE_DEPTH) if share else keep  # all fused, to blend with the third
        vectors = [CHUNK_VECTOR] if request.with_vectors else []
        if rescore:
            vectors.append(SECTION_VECTOR)
            if share and cfg.multilingual_sections:
                vectors.append(MULTILINGUAL_SECTION_VECTOR)
        fetch = {"filters": flt, "limit": limit, "include_vector": vectors or False}
        chunks = self.store.chunks
        side = self.side.submit(self._side, request.query, fetch) if share else None
        qvec = None
        if cfg.mode != "bm25" or rescore:
            qvec = request.vector
            if qvec is None:
                qvec = self.embedder.embed_query(request.query)
        if cfg.mode == "bm25":
            res = chunks.query.bm25(
                query=analyze_query(request.query),
                query_properties=list(cfg.query_properties),
                return_metadata=MetadataQuery(score=True),
                **fetch,
            )
            scores = [o.metadata.score or 0.0 for o in res.objects]
        elif cfg.mode == "vector":
            res = chunks.query.near_vector(
                near_vector=qvec.tolist(),
                target_vector=CHUNK_VECTOR,
                return_metadata=MetadataQuery(distance=True),
                **fetch,
            )
            scores = [1.0 - (o.metadata.distance or 0) for o in res.objects]
        else:
            # With a third list taking a*share, Weaviate's alpha is set so that BM25 keeps
            # 1-a and MiniLM a*(1-share) of the final blend: (1-a*share)*hybrid + a*share*e5.
            a = cfg.alpha
            res = chunks.query.hybrid(
                query=analyze_query(request.query),
                vector=qvec.tolist(),
                target_vector=CHUNK_VECTOR,
                alpha=a * (1 - share) / (1 - a * share) if a * share < 1 else 1.0,
                fusion_type=HybridFusion.RANKED
                if cfg.mode == "rrf"
                else HybridFusion.RELATIVE_SCORE,
                query_properties=list(cfg.query_properties),
                return_metadata=MetadataQuery(score=True),
                **fetch,
            )
            scores = [o.metadata.score or 0.0 for o in res.objects]
        objects = list(res.objects)
        second_qvec, second_cos = None, {}
        if side is not None:
            second_qvec, nearest = side.result()
            objects, scores, second_cos = _blend(nearest, objects, scores, cfg.alpha * share)
            objects, scores = objects[:keep], scores[:keep]
            objects, scores = self._whole(objects, scores, fetch)
        hits = [
            ScoredChunk(
                chunk_from(o.properties, o.uuid),
                score,
                _vector(o, CHUNK_VECTOR) if request.with_vectors else None,
                second_cos.get(str(o.uuid)),
            )
            for o, score in zip(objects, scores, strict=True)
        ]
        if rescore and hits:
            sections = np.stack([_vector(o, SECTION_VECTOR) for o in objects])
            cosines = sections @ np.asarray(qvec, dtype=np.float32)
            named = [o.vector.get(MULTILINGUAL_SECTION_VECTOR) for o in objects]
            if cfg.multilingual_sections and second_qvec is not None and None not in named:
                second = np.asarray(named, dtype=np.float32) @ second_qvec
                cosines = (1 - share) * cosines + share * second
            w, p = cfg.section_weight, cfg.navigation_penalty

            def lowered(h: ScoredChunk) -> float:
                return p * navigation_share(h.chunk.text) if p else 0.0

            # Kept on the fused score's scale (about 0..1) for people reading it.
            rescored = [
                replace(h, score=(h.score + w * float(c)) / (1 + w))
                for h, c in zip(hits, cosines, strict=True)
            ]
            hits = [replace(h, score=h.score - lowered(h) / (1 + w)) for h in rescored]
            hits.sort(key=lambda h: h.score, reverse=True)
            if p:
                rescored.sort(key=lambda h: h.score, reverse=True)
                return Found(hits[:k], rescored[:k])
        return Found(hits[:k], hits[:k])

    def _side(self, query: str, fetch: dict) -> tuple[np.ndarray, list]:
        """The question's multilingual embedding and its nearest chunks (same filter)."""
        assert self.multilingual is not None
        qvec = self.multilingual.embed_query(query)
        res = self.store.chunks.query.near_vector(
            near_vector=qvec.tolist(),
            target_vector=MULTILINGUAL_VECTOR,
            return_metadata=MetadataQuery(distance=True),
            filters=fetch["filters"],
            limit=SIDE_DEPTH,
            return_properties=[],  # ids and distances: the few that make the cut come whole
            include_vector=False,
        )
        return qvec, list(res.objects)

    def _whole(self, objects: list, scores: list[float], fetch: dict) -> tuple[list, list]:
        """``objects`` (and their ``scores``) with those only the multilingual side found
        (ids alone) fetched whole: their properties and the vectors the search asked for,
        under the same access filter; one gone meanwhile is left out."""
        bare = [str(o.uuid) for o in objects if not o.properties]
        if not bare:
            return objects, scores
        res = self.store.chunks.query.fetch_objects(
            filters=fetch["filters"] & Filter.by_id().contains_any(bare),
            limit=len(bare),
            include_vector=fetch["include_vector"],
        )
        found = {str(o.uuid): o for o in res.objects}
        kept = [
            (found[str(o.uuid)] if not o.properties else o, score)
            for o, score in zip(objects, scores, strict=True)
            if o.properties or str(o.uuid) in found
        ]
        return [o for o, _ in kept], [score for _, score in kept]


def _blend(
    nearest: list, objects: list, scores: list[float], w: float
) -> tuple[list, list[float], dict[str, float]]:
    """Weaviate's fused list blended with the multilingual vector's nearest chunks (and
    their cosines to the question, by chunk id)."""
    cosines = np.array([1.0 - (o.metadata.distance or 0.0) for o in nearest])
    by_id = {str(o.uuid): o for o in objects}
    fused = {str(o.uuid): (1 - w) * s for o, s in zip(objects, scores, strict=True)}
    for o, v in zip(nearest, _minmax(cosines), strict=True):
        uid = str(o.uuid)
        by_id.setdefault(uid, o)
        fused[uid] = fused.get(uid, 0.0) + w * float(v)
    order = sorted(fused, key=lambda u: fused[u], reverse=True)
    cos = {str(o.uuid): float(c) for o, c in zip(nearest, cosines, strict=True)}
    return [by_id[u] for u in order], [fused[u] for u in order], cos


def distinct(hits: Sequence[ScoredChunk]) -> list[ScoredChunk]:
    """``hits`` with passages of identical text collapsed to the best-ranked one. The same
    file copied into two folders (common on shared drives) would otherwise fill the answer's
    context and sources with one passage twice."""
    seen: set[str] = set()
    kept = []
    for hit in hits:
        if hit.chunk.content_hash not in seen:
            seen.add(hit.chunk.content_hash)
            kept.append(hit)
    return kept


def rank_fused(*lists: Sequence[ScoredChunk], k: int = 60) -> list[ScoredChunk]:
    """Result lists of the same search for different phrasings merged by reciprocal rank
    (a chunk's score is the sum of 1/(k + rank) over the lists it is in)."""
    score: dict[str, float] = {}
    first: dict[str, ScoredChunk] = {}
    for hits in lists:
        for rank, hit in enumerate(hits, 1):
            score[hit.chunk.id] = score.get(hit.chunk.id, 0.0) + 1 / (k + rank)
            first.setdefault(hit.chunk.id, hit)
    return [first[i] for i in sorted(score, key=lambda i: -score[i])]


def _minmax(values: np.ndarray) -> np.ndarray:
    """Scores mapped onto 0..1 over their own list, as Weaviate's relative-score fusion does."""
    if len(values) == 0:
        return values
    lo, hi = float(values.min()), float(values.max())
    return (values - lo) / (hi - lo) if hi > lo else np.ones_like(values)


def _vector(obj, name: str) -> np.ndarray:
    vec = obj.vector.get(name) if isinstance(obj.vector, dict) else obj.vector
    return np.asarray(vec, dtype=np.float32)
