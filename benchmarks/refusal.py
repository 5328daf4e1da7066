"""Refusal threshold across every benchmark set: where "the documents do not say" begins.

    python -m benchmarks.refusal --data-dir DIR [--set NAME ...] [--out FILE]

The assistant refuses when the best passage's cosine similarity to the question is below
``refusal.min_similarity``. One threshold serves every corpus, so it is chosen here over
all of them, the way the retrieval defaults are. Per set (the indexes that
``benchmarks.retrieval --data-dir DIR`` built, plus the sample documents with the
starter golden set's questions):

- answerable: the set's own questions (the starter set: its answerable cases);
- should refuse: general questions no company document answers (``OFF_TOPIC``) and
  near misses, questions of another set's domain (``NEAR_MISS_FROM``), which share its
  vocabulary ("How do I undo a commit?" asked of the SQLite documentation); the starter
  set: its should-refuse cases, written by hand.

For each candidate threshold it scores balanced accuracy (answerable kept, others
refused, each weighted half) per set; reports the best threshold per set, the threshold
with the best mean over the tuning sets, leave-one-set-out (chosen on the others, scored
on the one left out) and the configured threshold's figures. Retrieval only: no model.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

from assistant.answering.config import load_answer_config
from assistant.answering.pipeline import TERMS_DEPTH
from assistant.config import Settings
from assistant.index.analysis import term_coverage
from assistant.index.retrieve import SearchRequest, distinct
from assistant.runtime.stack import Runtime
from benchmarks.answers import OFF_TOPIC
from benchmarks.corpora import HELD_OUT, SETS, TUNING, build_corpus
from benchmarks.report import write_report
from review.evaluation.datasets import STARTER

ROOT = Path(__file__).resolve().parent.parent
# Whose questions each set is asked as near misses: a domain it does not cover but whose
# words it shares (shells, databases, version control, packaging, web frameworks).
NEAR_MISS_FROM = {
    "pydocs": "git",
    "sqlite": "zsh",
    "curl": "sqlite",
    "zsh": "sqlite",
    "git": "sqlite",
    "debian": "django",
    "django": "zsh",
    "debian-mixed": "django",
    "starter": "git",
}
PER_SIDE = 60  # questions per kind per set (seeded sample), so every set weighs alike
THRESHOLDS = np.round(np.arange(0.20, 0.70, 0.005), 3)
COVERAGES = (0.5, 0.6, 0.67, 0.75, 0.8, 1.0)  # share of the question's terms in a passage


def seeded_sample(items: list[str], seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    if len(items) <= PER_SIDE:
        return items
    return [items[i] for i in sorted(rng.choice(len(items), PER_SIDE, replace=False))]


def questions(cache: Path) -> dict[str, tuple[list[str], list[str]]]:
    """Per set: (answerable, should refuse)."""
    own = {name: [q.question for q in build_corpus(name, cache).questions] for name in SETS}
    out = {}
    for name in SETS:
        near = seeded_sample(own[NEAR_MISS_FROM[name]], seed=2)
        out[name] = (seeded_sample(own[name], seed=1), near + OFF_TOPIC)
    cases = [json.loads(line) for line in STARTER.read_text().splitlines() if line.strip()]
    answerable = [c["user_input"] for c in cases if not c["should_refuse"]]
    refuse = [c["user_input"] for c in cases if c["should_refuse"]]
    near = seeded_sample(own[NEAR_MISS_FROM["starter"]], seed=2)
    out["starter"] = (answerable, refuse + near + OFF_TOPIC)
    return out


def evidence(rt: Runtime, retriever, question: str) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """What the pipeline's refusal reads: the best passage's cosine to the question, and
    the largest share of its search terms one of the best-ranked passages holds."""
    vec = rt.embedder.embed_query(question)
    found = retriever.find(SearchRequest(question, vector=vec, with_vectors=True))
    hits, evidence = distinct(found.hits), distinct(found.evidence)
    best = max((float(h.vector @ vec) for h in hits if h.vector is not None), default=0.0)
    return best, term_coverage(question, (h.chunk.text for h in evidence[:TERMS_DEPTH]))


def measure(rt: Runtime, asked: tuple[list[str], list[str]]) -> tuple[np.ndarray, np.ndarray]:
    """(similarity, coverage) per question: answerable, and should refuse."""
    retriever = rt.retriever(load_answer_config().retrieval_config())
    pos = np.array([evidence(rt, retriever, q) for q in asked[0]])
    neg = np.array([evidence(rt, retriever, q) for q in asked[1]])
    return pos, neg


def kept(e: np.ndarray, t: float, c: float, t_low: float) -> np.ndarray:
    """Which questions are answered: close enough, or holding the terms and close enough."""
    return (e[:, 0] >= t) | ((e[:, 1] >= c) & (e[:, 0] >= t_low))


def accuracy(pos: np.ndarray, neg: np.ndarray, rule: tuple[float, float, float]) -> float:
    return float((kept(pos, *rule).mean() + (~kept(neg, *rule)).mean()) / 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--set", action="append", choices=[*SETS, "starter"], dest="sets")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / "refusal.json"
    )
    args = parser.parse_args()
    asked = questions(Settings().cache_dir / "bench")
    names = [n for n in (args.sets or [*SETS, "starter"])]
    sims: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name in names:
        if name == "starter":  # the sample documents, indexed here as `make run` does
            with tempfile.TemporaryDirectory() as tmp:
                rt = Runtime(Settings(data_dir=Path(tmp)))
                rt.start(print, parts=["weaviate"])
                try:
                    rt.ingest([ROOT / "data"])
                    sims[name] = measure(rt, asked[name])
                finally:
                    rt.stop()
            continue
        if not (args.data_dir / name).is_dir():
            print(f"{name}: no index in {args.data_dir}; skipped", file=sys.stderr)
            continue
        rt = Runtime(Settings(data_dir=args.data_dir / name))
        rt.start(print, parts=["weaviate"])
        try:
            sims[name] = measure(rt, asked[name])
        finally:
            rt.stop()
        print(name, {"answerable_p50": float(np.median(sims[name][0]))}, file=sys.stderr)

    configured = load_answer_config().refusal
    # Similarity alone (as before), and with the terms rule on top of the configured
    # threshold: (threshold, term coverage, lowest similarity with that coverage).
    never = 2.0
    rules = [(float(t), never, never) for t in THRESHOLDS] + [
        (configured.min_similarity, float(c), float(lo))
        for c in COVERAGES
        for lo in np.round(np.arange(0.15, configured.min_similarity, 0.01), 3)
    ]
    table = {n: [accuracy(p, q, r) for r in rules] for n, (p, q) in sims.items()}
    tuning = [n for n in sims if n in TUNING or n == "starter"] or list(sims)  # (a look only)
    held = [n for n in sims if n in HELD_OUT]

    def best_over(sets: list[str], among: range) -> int:
        return max(among, key=lambda i: statistics.fmean(table[s][i] for s in sets))

    alone = range(len(THRESHOLDS))
    with_terms = range(len(THRESHOLDS), len(rules))
    today = (
        configured.min_similarity,
        configured.min_term_coverage,
        configured.min_similarity_with_terms,
    )
    rules.append(today)
    for n, (p, q) in sims.items():
        table[n].append(accuracy(p, q, today))
    at_configured = len(rules) - 1
    chosen = {"similarity": best_over(tuning, alone), "terms": best_over(tuning, with_terms)}
    loso = {
        kind: {
            left: {
                "rule": rules[i],
                "balanced_accuracy": round(table[left][i], 3),
            }
            for left in tuning
            if len(tuning) > 1
            for i in [best_over([s for s in tuning if s != left], among)]
        }
        for kind, among in (("similarity", alone), ("terms", with_terms))
    }

    def figures(name: str, i: int) -> dict:
        pos, neg = sims[name]
        off = neg[-len(OFF_TOPIC) :]
        return {
            "rule": rules[i],
            "balanced_accuracy": round(table[name][i], 3),
            "false_refusals": round(float((~kept(pos, *rules[i])).mean()), 3),
            "should_refuse_answered": round(float(kept(neg, *rules[i]).mean()), 3),
            "off_topic_answered": round(float(kept(off, *rules[i]).mean()), 3),
        }

    def row(name: str) -> dict:
        pos, neg = sims[name]
        return {
            "answerable": len(pos),
            "should_refuse": len(neg),
            "answerable_similarity_p05_p50": [
                round(float(np.percentile(pos[:, 0], 5)), 3),
                round(float(np.median(pos[:, 0])), 3),
            ],
            "refuse_similarity_p50_p95": [
                round(float(np.median(neg[:, 0])), 3),
                round(float(np.percentile(neg[:, 0], 95)), 3),
            ],
            "answerable_coverage_p05_p50": [
                round(float(np.percentile(pos[:, 1], 5)), 3),
                round(float(np.median(pos[:, 1])), 3),
            ],
            "best_threshold_alone": figures(name, best_over([name], alone)),
            "at_configured": figures(name, at_configured),
            "at_chosen_similarity": figures(name, chosen["similarity"]),
            "at_chosen_terms": figures(name, chosen["terms"]),
        }

    def mean_at(sets: list[str], i: int) -> float | None:
        return round(statistics.fmean(table[s][i] for s in sets), 3) if sets else None

    report = {
        "sets": {n: row(n) for n in sims},
        "configured": today,
        "chosen": {k: rules[i] for k, i in chosen.items()},
        "mean_balanced_accuracy_tuning": {
            "configured": mean_at(tuning, at_configured),
            **{k: mean_at(tuning, i) for k, i in chosen.items()},
        },
        "mean_balanced_accuracy_held_out": {
            "configured": mean_at(held, at_configured),
            **{k: mean_at(held, i) for k, i in chosen.items()},
        },
        "leave_one_set_out": loso,
    }
    write_report(report, args.out)


if __name__ == "__main__":
    main()
