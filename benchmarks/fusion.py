"""Fusion lab: how BM25 and vectors should be combined, chosen across benchmark sets.

    python -m benchmarks.fusion --data-dir DIR [--set NAME ...] [--out FILE]

Reads the indexes that ``benchmarks.retrieval --data-dir DIR`` built (one folder per
set). For every question it asks the real Weaviate once per signal: BM25 over text and
section path (our query properties), BM25 over the section path alone, and the chunk
vectors, each its top ``DEPTH`` chunks with their scores, and the cosine of each chunk's
section mean vector to the query. Fusion is then computed here, exactly as Weaviate and
our retriever compute it from those lists (relative-score fusion normalises each side
over its own results; a chunk missing from one side gets 0 from it), so dozens of
choices can be compared on every set without re-querying:

- relative-score fusion (min-max), alpha 0.2-1.0, with the section signal at weight 0-5;
- z-score fusion (each side standardised over its list);
- reciprocal-rank fusion (k 60), weighted;
- per-query weighting by each side's confidence (how far its best hit stands out);
- BM25 over section titles only, in place of text + section.

Each choice is scored by nDCG@10 per set; the default is the choice with the best mean
over the tuning sets, and leave-one-set-out validation picks it on all sets but one and
scores it on the one left out, for every set in turn. Held-out sets are scored, never
used to choose. The real retriever's figure for the current default is printed beside
its simulation, so a gap between the lab and the product shows.
"""

from __future__ import annotations

import argparse
import itertools
import math
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from weaviate.classes.query import MetadataQuery

from assistant.config import Settings
from assistant.index.analysis import analyze
from assistant.index.retrieve import RetrievalConfig, SearchRequest
from assistant.index.store import CHUNK_VECTOR, SECTION_VECTOR
from assistant.runtime.stack import Runtime
from benchmarks.corpora import HELD_OUT, LANGUAGES, SETS, TUNING, build_corpus, translated
from benchmarks.report import write_report

ROOT = Path(__file__).resolve().parent.parent
DEPTH = 100  # chunks from each side, as Weaviate's hybrid search takes its lists
K = 10
ADAPT = 0.4  # how far per-query confidence moves alpha (at most half of this each way)


@dataclass
class Side:
    ids: list[str]  # chunk ids, best first
    scores: np.ndarray


@dataclass
class Captured:
    """One question's evidence: each signal's ranked list, and per chunk its document and
    section cosine."""

    gold: str
    bm25: Side
    bm25_sections: Side
    vector: Side
    path: dict[str, str]
    section_cos: dict[str, float]


def capture(rt: Runtime, questions: Sequence, depth: int = DEPTH) -> list[Captured]:
    return [_capture_one(rt, q.question, q.gold, depth) for q in questions]


def _capture_one(rt: Runtime, question: str, gold: str, depth: int) -> Captured:
    chunks = rt.store().chunks
    qvec = rt.embedder.embed_query(question)
    path: dict[str, str] = {}
    section_cos: dict[str, float] = {}

    def keep(objects) -> list[str]:  # type: ignore[no-untyped-def]
        ids = []
        for o in objects:
            cid = str(o.uuid)
            ids.append(cid)
            path[cid] = o.properties["path"]
            vec = np.asarray(o.vector.get(SECTION_VECTOR), dtype=np.float32)
            section_cos[cid] = float(np.dot(vec, qvec))
        return ids

    def bm25(properties: list[str]) -> Side:
        res = chunks.query.bm25(
            query=analyze(question), query_properties=properties, limit=depth,
            return_metadata=MetadataQuery(score=True), include_vector=[SECTION_VECTOR],
            return_properties=["path"],
        )  # fmt: skip
        ids = keep(res.objects)
        return Side(ids, np.array([o.metadata.score or 0.0 for o in res.objects]))

    res = chunks.query.near_vector(
        near_vector=qvec.tolist(), target_vector=CHUNK_VECTOR, limit=depth,
        return_metadata=MetadataQuery(distance=True), include_vector=[SECTION_VECTOR],
        return_properties=["path"],
    )  # fmt: skip
    vector = Side(keep(res.objects), np.array([1 - o.metadata.distance for o in res.objects]))
    text = bm25(list(RetrievalConfig().query_properties))
    return Captured(gold, text, bm25(["section_stemmed"]), vector, path, section_cos)


# -- fusion ------------------------------------------------------------------------------


def _minmax(s: np.ndarray) -> np.ndarray:
    if len(s) == 0:
        return s
    lo, hi = float(s.min()), float(s.max())
    return (s - lo) / (hi - lo) if hi > lo else np.ones_like(s)


def _z(s: np.ndarray) -> np.ndarray:
    if len(s) < 2:
        return np.ones_like(s)
    sd = float(s.std())
    return (s - float(s.mean())) / sd if sd > 0 else np.zeros_like(s)


def _rrf(s: np.ndarray, k: int = 60) -> np.ndarray:
    return 1.0 / (k + np.arange(1, len(s) + 1))


def _confidence(s: np.ndarray) -> float:
    """How far a side's best hit stands out from its next ones (in its own spread)."""
    if len(s) < 3:
        return 0.0
    rest = s[1:20]
    sd = float(rest.std()) or 1e-6
    return max(0.0, (float(s[0]) - float(rest.mean())) / sd)


@dataclass(frozen=True)
class Choice:
    name: str
    norm: str  # minmax | z | rrf
    alpha: float  # weight of the vector side (1 - alpha for BM25)
    section_weight: float
    bm25: str = "text"  # text | sections
    adaptive: bool = False  # alpha moved by each side's confidence, per query
    pool: int = 50

    def rank(self, c: Captured) -> list[str]:
        b = c.bm25 if self.bm25 == "text" else c.bm25_sections
        norm: Callable[[np.ndarray], np.ndarray] = {"minmax": _minmax, "z": _z, "rrf": _rrf}[
            self.norm
        ]
        alpha = self.alpha
        if self.adaptive:
            cb, cv = _confidence(b.scores), _confidence(c.vector.scores)
            if cb + cv > 0:  # toward the side whose best hit stands out more
                alpha = min(1.0, max(0.0, alpha + ADAPT * (cv / (cb + cv) - 0.5)))
        fused: dict[str, float] = {}
        floor = {"minmax": 0.0, "z": None, "rrf": 0.0}[self.norm]
        for side, weight in ((b, 1 - alpha), (c.vector, alpha)):
            if weight == 0:
                continue
            vals = norm(side.scores)
            for cid, v in zip(side.ids, vals, strict=True):
                fused[cid] = fused.get(cid, 0.0) + weight * float(v)
        if floor is None:  # z: a chunk absent from a side gets that side's lowest z
            for side, weight in ((b, 1 - alpha), (c.vector, alpha)):
                if weight == 0 or not side.ids:
                    continue
                low = float(_z(side.scores).min())
                present = set(side.ids)
                for cid in fused:
                    if cid not in present:
                        fused[cid] += weight * low
        ranked = sorted(fused, key=lambda i: fused[i], reverse=True)
        if self.section_weight > 0:
            top = ranked[: self.pool]
            w = self.section_weight
            scale = _minmax(np.array([fused[i] for i in top])) if self.norm != "minmax" else None
            base = {
                i: (float(scale[n]) if scale is not None else fused[i]) for n, i in enumerate(top)
            }
            ranked = sorted(top, key=lambda i: base[i] + w * c.section_cos[i], reverse=True)
        return list(dict.fromkeys(c.path[i] for i in ranked))[:K]


def ndcg(ranked: list[str], gold: str) -> float:
    return 1.0 / math.log2(ranked.index(gold) + 2) if gold in ranked else 0.0


def evaluate(choice: Choice, captured: list[Captured]) -> float:
    return statistics.fmean(ndcg(choice.rank(c), c.gold) for c in captured)


def choices() -> list[Choice]:
    out = []
    for alpha, w in itertools.product(
        (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0), (0, 1, 2, 3, 5)
    ):
        out.append(Choice(f"minmax a{alpha} w{w}", "minmax", alpha, w))
    for alpha, w in itertools.product((0.3, 0.5, 0.7, 0.8, 0.9), (0, 1, 2, 3)):
        out.append(Choice(f"z a{alpha} w{w}", "z", alpha, w))
        out.append(Choice(f"rrf a{alpha} w{w}", "rrf", alpha, w))
        out.append(Choice(f"minmax-adaptive a{alpha} w{w}", "minmax", alpha, w, adaptive=True))
        out.append(Choice(f"minmax-sections a{alpha} w{w}", "minmax", alpha, w, bm25="sections"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--set", action="append", choices=list(SETS), dest="sets")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "fusion.json")
    parser.add_argument("--cache", type=Path, help="captured lists (default: beside --out)")
    args = parser.parse_args()
    names = [n for n in (args.sets or list(SETS)) if (args.data_dir / n).is_dir()]
    corpora_cache = Settings().cache_dir / "bench-lab"
    captured: dict[str, list[Captured]] = {}
    real: dict[str, float] = {}
    for name in names:
        corpus = build_corpus(name, corpora_cache)
        rt = Runtime(Settings(data_dir=args.data_dir / name))
        rt.start(print, parts=["weaviate"])
        try:
            captured[name] = capture(rt, corpus.questions)
            for lang in LANGUAGES:  # reported, never used to choose
                captured[f"{name}@{lang}"] = capture(rt, translated(corpus, lang))
            retriever = rt.retriever(RetrievalConfig())
            real[name] = statistics.fmean(
                ndcg(
                    list(
                        dict.fromkeys(
                            h.chunk.path for h in retriever.search(SearchRequest(q.question, k=40))
                        )
                    )[:K],
                    q.gold,
                )
                for q in corpus.questions
            )
        finally:
            rt.stop()
        print(
            f"{name}: {len(captured[name])} questions captured; real default {real[name]:.3f}",
            file=sys.stderr,
        )

    grid = choices()
    table = {
        ch.name: {n: round(evaluate(ch, got), 4) for n, got in captured.items() if got}
        for ch in grid
    }
    tuning = [n for n in names if n in TUNING] or names  # (only held-out sets: a look, no pick)
    held = [n for n in names if n in HELD_OUT]

    def mean_over(choice: str, sets: list[str]) -> float:
        return statistics.fmean(table[choice][s] for s in sets)

    best = max(table, key=lambda ch: mean_over(ch, tuning))
    loso = {}
    for left in tuning if len(tuning) > 1 else []:
        rest = [s for s in tuning if s != left]
        picked = max(table, key=lambda ch: mean_over(ch, rest))
        loso[left] = {"picked": picked, "ndcg@10": table[picked][left]}
    current = f"minmax a{RetrievalConfig().alpha} w{int(RetrievalConfig().section_weight)}"
    report = {
        "sets": names,
        "real_default_ndcg@10": {n: round(v, 4) for n, v in real.items()},
        "simulated_default": current,
        "simulated_default_ndcg@10": table.get(current),
        "best_on_tuning_mean": best,
        "best_ndcg@10": table[best],
        "best_mean_tuning": round(mean_over(best, tuning), 4),
        "best_mean_held_out": round(mean_over(best, held), 4) if held else None,
        "leave_one_set_out": loso,
        "leave_one_set_out_mean": round(statistics.fmean(v["ndcg@10"] for v in loso.values()), 4)
        if loso
        else None,
        "top_choices": sorted(
            (
                {"choice": ch, "mean_tuning": round(mean_over(ch, tuning), 4), **table[ch]}
                for ch in table
            ),
            key=lambda r: -r["mean_tuning"],
        )[:25],
        "table": table,
    }
    write_report(report, args.out)
    print(f"simulated {current}: {table.get(current)} (real {report['real_default_ndcg@10']})",
          file=sys.stderr)  # fmt: skip
    for row in report["top_choices"][:12]:
        print(row, file=sys.stderr)


if __name__ == "__main__":
    main()
