"""When the model says the passages do not answer (NOT_FOUND): refuse, or show the quoted
preview the reader already saw?

    python -m benchmarks.model_refusals [--set starter] [--set pydocs] [--set django]
                                        [--questions 50] [--model M] [--index-dir DIR]
                                        [--out FILE]

A question that passes the retrieval refusal gets a quoted preview at once, and then the
model's answer. Small local models answer NOT_FOUND to questions the passages do answer
(sampled at the configured temperature, the same question is answered on one try and
refused on the next), and also to near misses whose passages only look relevant. Every
question runs once through the real pipeline; per set it counts, for answerable questions
(the starter set's answerable cases; a FAQ set's own questions) and for questions that
should be refused (the starter set's should-refuse cases; for every set, questions of
another set's domain and general questions, as ``benchmarks/refusal.py`` asks them), how
each ended: refused by retrieval, refused by the model, answered. Then two rules for the
model's NOT_FOUND:

- ``refuse``: "I couldn't find this in the documents" (the pipeline's rule);
- ``quote``: the quoted preview stays, labelled as not confirmed by the model.

Reported per rule: the share of answerable questions answered, of should-refuse questions
refused, their balanced accuracy, and the key-fact recall of what the reader ends with
on answerable questions (a refusal scores 0).
"""

from __future__ import annotations

import statistics
from collections import Counter

from assistant.answering.answer import Answer
from assistant.answering.config import load_answer_config
from assistant.answering.pipeline import Pipeline
from assistant.config import Settings
from benchmarks.answer_sets import Case, parser, preview_and_final, run_sets, starter_rows
from benchmarks.answers import OFF_TOPIC
from benchmarks.corpora import build_corpus
from benchmarks.refusal import NEAR_MISS_FROM, seeded_sample
from review.evaluation.metrics import key_fact_recall

RULES = ("refuse", "quote")


def should_refuse(name: str) -> list[str]:
    near_set = NEAR_MISS_FROM[name]
    near = [q.question for q in build_corpus(near_set, Settings().cache_dir / "bench").questions]
    asked = seeded_sample(near, seed=2)[:30] + OFF_TOPIC
    if name == "starter":
        asked = [r["user_input"] for r in starter_rows() if r["should_refuse"]] + asked
    return asked


def ending(preview: Answer | None, final: Answer) -> str:
    if not final.refused:
        return "answered"
    if final.refusal_reason == "model_not_found":
        return "model refused, preview shown" if preview is not None else "model refused"
    return "retrieval refused"


def shown(rule: str, preview: Answer | None, final: Answer) -> Answer | None:
    """What the reader ends with under ``rule``; None for a refusal."""
    if not final.refused:
        return final
    if rule == "quote" and final.refusal_reason == "model_not_found":
        return preview
    return None


def run(pipe: Pipeline, answerable: list[Case], refuse: list[str]) -> dict:
    endings: dict[str, Counter[str]] = {"answerable": Counter(), "should_refuse": Counter()}
    answered = {r: [] for r in RULES}
    refused = {r: [] for r in RULES}
    recall: dict[str, list[float]] = {r: [] for r in RULES}
    examples = []
    for case in answerable:
        preview, final = preview_and_final(pipe, case.question)
        endings["answerable"][ending(preview, final)] += 1
        for rule in RULES:
            ends = shown(rule, preview, final)
            answered[rule].append(ends is not None)
            score = key_fact_recall(ends.text, case.reference) if ends is not None else 0.0
            if score is not None:
                recall[rule].append(score)
        if final.refusal_reason == "model_not_found" and len(examples) < 8:
            examples.append({"question": case.question, "preview": preview and preview.text})
    for question in refuse:
        preview, final = preview_and_final(pipe, question)
        endings["should_refuse"][ending(preview, final)] += 1
        for rule in RULES:
            refused[rule].append(shown(rule, preview, final) is None)
    per_rule = {}
    for rule in RULES:
        kept, held = statistics.fmean(answered[rule]), statistics.fmean(refused[rule])
        per_rule[rule] = {
            "answerable_answered": round(kept, 3),
            "should_refuse_refused": round(held, 3),
            "balanced_accuracy": round((kept + held) / 2, 3),
            "key_fact_recall": round(statistics.fmean(recall[rule]), 3),
        }
    return {
        "answerable": len(answerable),
        "should_refuse": len(refuse),
        "endings": {k: dict(v) for k, v in endings.items()},
        "rules": per_rule,
        "answerable_refused_by_the_model": examples,
    }


def main() -> None:
    args = parser(__doc__.splitlines()[0], "model_refusals.json", questions=50).parse_args()
    run_sets(
        args,
        load_answer_config(),
        lambda name, pipe, cases: run(pipe, cases, should_refuse(name)),
    )


if __name__ == "__main__":
    main()
