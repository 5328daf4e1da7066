"""Retrieval benchmark on every benchmark set: ours against its peers, in one run per set.

    python -m benchmarks.retrieval [--set NAME ...] [--limit-questions N]
                                   [--out benchmarks/results/retrieval.json]

End to end, per set (``benchmarks/corpora``: five tuning sets and two held out): download
and extract its Debian documentation package, build the section corpus and the FAQ
questions, start a Weaviate of its own (fresh data dir), ingest with our pipeline (timed,
peak memory of the ingesting process), embed the same texts with the bare embedder (the
throughput peer), then query every system and score nDCG@10, MRR@10 and Recall@10 at
document level. The report has each set, the mean over the tuning sets and the mean over
the held-out ones. Peers:
- BM25 only and vectors only: the two halves of our index, alone;
- reciprocal-rank fusion of the two (Weaviate's ranked fusion);
- rank_bm25 over the raw section texts (the reference number in RUNTIME.md);
- llama-index's default pipeline: SimpleDirectoryReader + VectorStoreIndex with its
  default chunking (SentenceSplitter, 1024 tokens) and the same embedding model.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from assistant.config import Settings
from assistant.index.chunking import embedding_text
from assistant.index.retrieve import RetrievalConfig, SearchRequest, Weights
from assistant.runtime.stack import Runtime
from benchmarks.corpora import (
    HELD_OUT,
    SETS,
    TUNING,
    Corpus,
    build_corpus,
    languages,
    translated,
)
from benchmarks.corpora.common import Question
from benchmarks.report import write_report

ROOT = Path(__file__).resolve().parent.parent
K = 10
CHUNK_CANDIDATES = 40  # chunks fetched to fill 10 distinct documents


def ndcg_mrr_recall(ranked: Sequence[str], gold: str, k: int = K) -> tuple[float, float, float]:
    top = list(ranked)[:k]
    if gold not in top:
        return 0.0, 0.0, 0.0
    rank = top.index(gold) + 1
    return 1.0 / math.log2(rank + 1), 1.0 / rank, 1.0


def score(name: str, run: Callable[[str], list[str]], questions: list[Question]) -> dict:
    totals = [0.0, 0.0, 0.0]
    latencies = []
    for q in questions:
        t0 = time.perf_counter()
        ranked = run(q.question)
        latencies.append((time.perf_counter() - t0) * 1000)
        for i, v in enumerate(ndcg_mrr_recall(ranked, q.gold)):
            totals[i] += v
    n = len(questions)
    latencies.sort()
    return {
        "system": name,
        "ndcg@10": round(totals[0] / n, 3),
        "mrr@10": round(totals[1] / n, 3),
        "recall@10": round(totals[2] / n, 3),
        "latency_ms_p50": round(statistics.median(latencies), 1),
        "latency_ms_p95": round(latencies[int(0.95 * (n - 1))], 1),
    }


def distinct_documents(paths: Sequence[str], k: int = K) -> list[str]:
    return list(dict.fromkeys(paths))[:k]


def ingest_in_subprocess(corpus: Path, data_dir: Path, source: str) -> tuple[dict, float]:
    """The real CLI, as an operator runs it; returns its summary and its peak RSS (MiB)."""
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data_dir)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "ingest", str(corpus), "--json", "--source", source],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        try:  # a partial run (exit 3) names its failed documents on stdout
            failed = json.loads(done.stdout).get("failed", [])
        except ValueError:
            failed = []
        raise RuntimeError(
            f"ingest failed ({done.returncode}): {len(failed)} document(s) failed, first "
            f"{failed[:3]}\n{done.stderr[-3000:]}"
        )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest child so far; the ingest process is by far the largest.
    return json.loads(done.stdout), max(peak, before) / 1024


def bare_embedder_rate(rt: Runtime, sample: int = 1500) -> tuple[float, int]:
    """Chunks/s of the embedder(s) alone on texts the pipeline embedded (a uniform sample of
    them: the same length distribution, without embedding the corpus twice); with the
    multilingual vector on, both embedders one after the other, as ingestion needs both."""
    import random

    store = rt.store()
    docs = store.list_documents()
    picked = random.Random(3).sample(docs, min(len(docs), sample))
    texts = [
        embedding_text(c.title, c.section_path, c.text)
        for d in picked
        for c in store.document_chunks(d.id, None)
    ][:sample]
    t0 = time.perf_counter()
    rt.embedder.embed(texts)
    if rt.multilingual_embedder is not None:
        rt.multilingual_embedder.embed(texts)
    return len(texts) / (time.perf_counter() - t0), len(texts)


def rank_bm25_runner(corpus: Path, source: str) -> Callable[[str], list[str]]:
    from rank_bm25 import BM25Okapi

    token = re.compile(r"\w+")
    paths, docs = [], []
    for f in sorted(corpus.rglob("*.txt")):
        paths.append(f"{source}/{f.relative_to(corpus).as_posix()}")
        docs.append(token.findall(f.read_text().lower()))
    bm25 = BM25Okapi(docs)

    def run(q: str) -> list[str]:
        scores = bm25.get_scores(token.findall(q.lower()))
        best = sorted(range(len(scores)), key=lambda i: -scores[i])[:K]
        return [paths[i] for i in best]

    return run


def llama_index_runner(corpus: Path, source: str, rt: Runtime) -> tuple[Callable, dict]:
    from llama_index.core import Settings as LlamaSettings
    from llama_index.core import SimpleDirectoryReader, VectorStoreIndex
    from llama_index.core.embeddings import BaseEmbedding

    embedder = rt.embedder

    class OurModel(BaseEmbedding):  # the same MiniLM, so only the pipeline differs
        def _get_query_embedding(self, query: str) -> list[float]:
            return embedder.embed_query(query).tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return embedder.embed([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return embedder.embed(texts).tolist()

    LlamaSettings.embed_model = OurModel(embed_batch_size=64)
    t0 = time.perf_counter()
    docs = SimpleDirectoryReader(
        str(corpus), recursive=True, required_exts=[".txt"], exclude_hidden=False
    ).load_data()
    index = VectorStoreIndex.from_documents(docs)
    build_s = time.perf_counter() - t0
    retriever = index.as_retriever(similarity_top_k=CHUNK_CANDIDATES)

    def run(q: str) -> list[str]:
        nodes = retriever.retrieve(q)
        return distinct_documents(
            f"{source}/{Path(n.node.metadata['file_path']).relative_to(corpus).as_posix()}"
            for n in nodes
        )

    return run, {"nodes": len(index.docstore.docs), "build_s": round(build_s, 1)}


def run_set(corpus: Corpus, args: argparse.Namespace) -> dict:
    """Ours and every peer on one set's corpus, in one Weaviate of its own."""
    questions = corpus.questions[: args.limit_questions or None]
    source = corpus.name
    print(f"{source}: {corpus.documents} section documents, {len(questions)} questions",
          file=sys.stderr)  # fmt: skip
    data_dir = (args.data_dir / source) if args.data_dir else Path(tempfile.mkdtemp())
    rt = Runtime(Settings(data_dir=data_dir))
    rt.start(print, parts=["weaviate"])
    try:
        ingestion = None
        n_chunks = rt.store().count_chunks()
        if not (args.reuse_index and n_chunks):
            summary, peak_rss = ingest_in_subprocess(corpus.root, data_dir, source)
            pipeline_rate = summary["chunks_added"] / summary["seconds"]
            bare_rate, n_texts = bare_embedder_rate(rt)
            n_chunks = summary["chunks_added"]
            ingestion = {
                "chunks_per_s": round(pipeline_rate, 1),
                "bare_embedder_chunks_per_s": round(bare_rate, 1),
                "ratio_to_bare_embedder": round(pipeline_rate / bare_rate, 3),
                "texts_embedded_by_peer": n_texts,
                "seconds": summary["seconds"],
                "peak_rss_mib": round(peak_rss),
            }
            print(ingestion, file=sys.stderr)
        runners: list[tuple[str, Callable[[str], list[str]]]] = []
        e5 = rt.multilingual_embedder is not None  # the index has e5's vector: ours uses it
        for name, cfg in (E5_SYSTEMS + E5_ABLATIONS) if e5 else (SYSTEMS + ABLATIONS):
            retriever = rt.retriever(cfg)

            def run(q: str, r=retriever) -> list[str]:
                hits = r.search(SearchRequest(q, k=CHUNK_CANDIDATES))
                return distinct_documents(h.chunk.path for h in hits)

            run("warm-up query")
            runners.append((name, run))
        runners.append(("rank_bm25 over section texts", rank_bm25_runner(corpus.root, source)))
        li_run, li_info = llama_index_runner(corpus.root, source, rt)
        runners.append(("llama-index default (VectorStoreIndex)", li_run))
        ablations = {name for name, _ in ABLATIONS + E5_ABLATIONS}
        rows, ablation_rows = [], []
        for name, run in runners:
            (ablation_rows if name in ablations else rows).append(score(name, run, questions))
            print(source, (ablation_rows if name in ablations else rows)[-1], file=sys.stderr)
        # The same questions in other languages (reported; never used to choose defaults).
        cross = {}
        for lang in languages(corpus):
            asked = translated(corpus, lang)
            if asked:
                cross[lang] = {
                    "questions": len(asked),
                    "systems": [score(n, run, asked) for n, run in runners if n not in ablations],
                }
                print(source, lang, cross[lang]["systems"][0], file=sys.stderr)
    finally:
        rt.stop()
        if args.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)
    best_peer = max(r["ndcg@10"] for r in rows[1:])
    return {
        "shape": SETS[source].shape,
        "held_out": SETS[source].held_out,
        "corpus": {"documents": corpus.documents, "chunks": n_chunks, "questions": len(questions)},
        "systems": rows,
        "ours_minus_best_peer_ndcg@10": round(rows[0]["ndcg@10"] - best_peer, 3),
        "ablations": ablation_rows,
        "cross_language": cross,
        "ingestion": ingestion or "not measured in this run (--reuse-index)",
        "llama_index": li_info,
    }


_OURS = RetrievalConfig()
_PLAIN = replace(_OURS, section_weight=0.0)
SYSTEMS: list[tuple[str, RetrievalConfig]] = [
    (
        f"ours: hybrid (relative score, alpha {_OURS.alpha}, stemmed BM25 on text + "
        f"section^2) + {_OURS.section_weight} x section-mean cosine",
        _OURS,
    ),
    ("BM25 only (our index, stemmed)", replace(_PLAIN, mode="bm25")),
    ("vectors only (our index)", replace(_PLAIN, mode="vector")),
    # the textbook method: BM25 and vector ranks weighted equally
    ("reciprocal-rank fusion (our index)", replace(_PLAIN, mode="rrf", alpha=0.5)),
]
# What each part of ours adds, in the same run (not peers: not in "best peer").
ABLATIONS: list[tuple[str, RetrievalConfig]] = [
    (f"ours without the section signal (alpha {_OURS.alpha})", _PLAIN),
    ("ours without the section signal, alpha 0.8", replace(_PLAIN, alpha=0.8)),
    ("vectors + section signal (no BM25)", replace(_OURS, alpha=1.0)),
]


# With ASSISTANT_EMBEDDINGS_MULTILINGUAL=true the set is indexed with multilingual-e5-small
# as a second named vector; ours is then the weights the fusion lab chose for it, e5 alone
# is a peer, and ours without e5 is an ablation.
WITH_E5 = replace(
    _OURS,
    alpha=0.8,
    multilingual=0.5,
    multilingual_sections=False,
    other_languages=Weights(alpha=1.0, multilingual=0.7, section_weight=2.0),
)
E5_SYSTEMS: list[tuple[str, RetrievalConfig]] = [
    (
        "ours + e5: hybrid (alpha 0.8, e5's share 0.5; questions not in English alpha 1.0, "
        "share 0.7, weight 2) + 3 x section-mean cosine",
        WITH_E5,
    ),
    *SYSTEMS[1:],
    ("dense e5-small alone (our index)", replace(_PLAIN, alpha=1.0, multilingual=1.0)),
]
E5_ABLATIONS: list[tuple[str, RetrievalConfig]] = [
    (SYSTEMS[0][0] + " (ours without e5)", _OURS),
]


def means(results: dict[str, dict], names: list[str]) -> dict[str, float] | None:
    """Each system's nDCG@10 averaged over ``names`` (the sets run here among them)."""
    got = [results[n] for n in names if n in results]
    if not got:
        return None
    systems = [r["system"] for r in got[0]["systems"]]
    return {
        system: round(statistics.fmean(r["systems"][i]["ndcg@10"] for r in got), 3)
        for i, system in enumerate(systems)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", action="append", choices=list(SETS), dest="sets",
                        help="a benchmark set (repeatable; default: all)")  # fmt: skip
    parser.add_argument("--limit-questions", type=int, default=0)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / "retrieval.json"
    )
    parser.add_argument("--data-dir", type=Path, help="index here, one folder per set, and keep it")
    parser.add_argument(
        "--reuse-index",
        action="store_true",
        help="query an index already in --data-dir; its ingestion is not measured again",
    )
    args = parser.parse_args()
    cache = Settings().cache_dir / "bench"
    results = {}
    for name in args.sets or list(SETS):
        results[name] = run_set(build_corpus(name, cache), args)
    tuning, held = means(results, TUNING), means(results, HELD_OUT)
    write_report(
        {
            "sets": results,
            "mean_ndcg@10_tuning_sets": tuning,
            "mean_ndcg@10_held_out_sets": held,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
