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
from assistant.config import Settings
from assistant.runtime.stack import Runtime
from benchmarks.answers import OFF_TOPIC, balanced, best_similarity
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


def _sample(items: list[str], seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    if len(items) <= PER_SIDE:
        return items
    return [items[i] for i in sorted(rng.choice(len(items), PER_SIDE, replace=False))]


def questions(cache: Path) -> dict[str, tuple[list[str], list[str]]]:
    """Per set: (answerable, should refuse)."""
    own = {name: [q.question for q in build_corpus(name, cache).questions] for name in SETS}
    out = {}
    for name in SETS:
        near = _sample(own[NEAR_MISS_FROM[name]], seed=2)
        out[name] = (_sample(own[name], seed=1), near + OFF_TOPIC)
    cases = [json.loads(line) for line in STARTER.read_text().splitlines() if line.strip()]
    answerable = [c["user_input"] for c in cases if not c["should_refuse"]]
    refuse = [c["user_input"] for c in cases if c["should_refuse"]]
    near = _sample(own[NEAR_MISS_FROM["starter"]], seed=2)
    out["starter"] = (answerable, refuse + near + OFF_TOPIC)
    return out


def measure(rt: Runtime, asked: tuple[list[str], list[str]]) -> tuple[np.ndarray, np.ndarray]:
    retriever = rt.retriever(load_answer_config().retrieval_config())
    pos = np.array([best_similarity(rt, retriever, q) for q in asked[0]])
    neg = np.array([best_similarity(rt, retriever, q) for q in asked[1]])
    return pos, neg


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

    table = {n: [balanced(p, q, float(t)) for t in THRESHOLDS] for n, (p, q) in sims.items()}
    tuning = [n for n in sims if n in TUNING or n == "starter"] or list(sims)  # (a look only)
    held = [n for n in sims if n in HELD_OUT]

    def best_over(sets: list[str]) -> int:
        return int(
            np.argmax([statistics.fmean(table[s][i] for s in sets) for i in range(len(THRESHOLDS))])
        )

    configured = load_answer_config().refusal.min_similarity
    at_configured = int(np.argmin(np.abs(THRESHOLDS - configured)))
    chosen = best_over(tuning)
    loso = {}
    for left in tuning if len(tuning) > 1 else []:
        i = best_over([s for s in tuning if s != left])
        loso[left] = {
            "threshold": float(THRESHOLDS[i]),
            "balanced_accuracy": round(table[left][i], 3),
        }

    def row(name: str) -> dict:
        pos, neg = sims[name]
        i = int(np.argmax(table[name]))
        return {
            "answerable": len(pos),
            "should_refuse": len(neg),
            "answerable_similarity_p05_p50": [
                round(float(np.percentile(pos, 5)), 3),
                round(float(np.median(pos)), 3),
            ],
            "refuse_similarity_p50_p95": [
                round(float(np.median(neg)), 3),
                round(float(np.percentile(neg, 95)), 3),
            ],
            "best_threshold": float(THRESHOLDS[i]),
            "balanced_accuracy_at_best": round(table[name][i], 3),
            "balanced_accuracy_at_chosen": round(table[name][chosen], 3),
            "false_refusals_at_chosen": round(float((pos < THRESHOLDS[chosen]).mean()), 3),
            "balanced_accuracy_at_configured": round(table[name][at_configured], 3),
            "false_refusals_at_configured": round(float((pos < configured).mean()), 3),
        }

    def mean_at(sets: list[str], i: int) -> float | None:
        return round(statistics.fmean(table[s][i] for s in sets), 3) if sets else None

    report = {
        "sets": {n: row(n) for n in sims},
        "configured_threshold": configured,
        "chosen_threshold_tuning_mean": float(THRESHOLDS[chosen]),
        "mean_balanced_accuracy_tuning_at_chosen": mean_at(tuning, chosen),
        "mean_balanced_accuracy_tuning_at_configured": mean_at(tuning, at_configured),
        "mean_balanced_accuracy_held_out_at_chosen": mean_at(held, chosen),
        "mean_balanced_accuracy_held_out_at_configured": mean_at(held, at_configured),
        "leave_one_set_out": loso,
    }
    write_report(report, args.out)


if __name__ == "__main__":
    main()
