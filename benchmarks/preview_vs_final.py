"""What the reader should end with when the model's verified answer says less than the
quoted preview it replaces.

    python -m benchmarks.preview_vs_final [--set starter] [--set pydocs] [--set django]
                                          [--questions 40] [--model M] [--index-dir DIR]
                                          [--out FILE]

Every question runs once through the real pipeline with the local model; the quoted
preview and the final answer are both kept. Each is scored by key-fact recall (numbers
and names, review/evaluation/metrics.py) against a reference: the starter golden set's
hand-written reference answers over the sample documents, and for a FAQ benchmark set
(``benchmarks/corpora``) the gold section's own text (what a complete answer could say).
The rule was chosen on the starter cases and the Python FAQ; ``debian`` and ``django``
are held out. Then the rules a page could follow, none of which may look at the reference:

- ``final``: the model's verified answer alone replaces the preview;
- ``preview``: the quoted preview stays (the model's words never shown);
- ``more facts``: whichever of the two states more numbers and names of its own;
- ``final + dropped``: the final answer, and the preview's sentences whose figures the
  final answer left out, appended as quotes;
- ``final + left out (the page)``: the same, only the dropped sentences quoting a passage
  the final answer cites, labelled as quotes (``assistant/answering/left_out.py``: the
  preview's last sentence is often beside the point; a figure beside the model's own
  evidence less often).

Reported per set, per rule: key-fact recall (what the reader learns), token precision (the
share of the text's words found in the reference: what is beside the point lowers it) and
token F1; how often the final answer states fewer facts than the preview did, and how
often it loses a fact of the reference the preview had; every question's texts and scores
in the report file.
"""

from __future__ import annotations

import statistics
from collections import Counter

from assistant.answering.answer import Answer
from assistant.answering.citations import split_units, without_markers
from assistant.answering.config import load_answer_config
from assistant.answering.left_out import keeping_left_out
from assistant.answering.pipeline import Pipeline
from assistant.answering.wording import numbers
from benchmarks.answer_sets import Case, parser, preview_and_final, run_sets
from review.evaluation.metrics import key_fact_recall, key_facts, normalise_words, token_f1

RULES = ("final", "preview", "more facts", "final + dropped", "final + left out (the page)")


def with_dropped(final: Answer, preview: Answer) -> str:
    """The final answer, and every preview sentence holding a figure it left out."""
    said = numbers(without_markers(final.text))
    extra = [u for u in split_units(preview.text) if numbers(without_markers(u)) - said]
    return " ".join([final.text, *extra]) if extra else final.text


def token_precision(answer: str, reference: str) -> float:
    """The share of the answer's words that the reference holds."""
    a, r = normalise_words(answer), Counter(normalise_words(reference))
    return sum((Counter(a) & r).values()) / len(a) if a else 0.0


def own_facts(text: str) -> int:
    return len(key_facts(text))


def ruled(final: Answer, preview: Answer | None) -> dict[str, str]:
    if final.mode != "generated" or preview is None:  # quoted, refused: nothing to choose
        return dict.fromkeys(RULES, final.text)
    shown = preview.text
    return {
        "final": final.text,
        "preview": shown,
        "more facts": shown if own_facts(shown) > own_facts(final.text) else final.text,
        "final + dropped": with_dropped(final, preview),
        "final + left out (the page)": keeping_left_out(final, preview).text,
    }


MEASURES = {
    "key_fact_recall": key_fact_recall,
    "token_precision": token_precision,
    "token_f1": token_f1,
}


def run(pipe: Pipeline, cases: list[Case]) -> dict:
    scores: dict[str, dict[str, list[float]]] = {m: {r: [] for r in RULES} for m in MEASURES}
    fewer = lost = generated = 0
    rows = []
    for case in cases:
        preview, final = preview_and_final(pipe, case.question)
        texts = ruled(final, preview)
        row = {m: {r: f(t, case.reference) for r, t in texts.items()} for m, f in MEASURES.items()}
        if row["key_fact_recall"]["final"] is None:
            continue  # a reference without numbers or names says nothing here
        for m, by_rule in row.items():
            for r, v in by_rule.items():
                scores[m][r].append(float(v))  # type: ignore[arg-type]
        model_answer = final.mode == "generated" and preview is not None
        if model_answer:
            generated += 1
            fewer += own_facts(final.text) < own_facts(texts["preview"])
            lost += row["key_fact_recall"]["final"] < row["key_fact_recall"]["preview"]
        rows.append({"question": case.question, "mode": final.mode, "texts": texts, **row})
    return {
        "questions_scored": len(rows),
        "model_answers": generated,
        **{
            m: {r: round(statistics.fmean(v), 3) if v else None for r, v in by_rule.items()}
            for m, by_rule in scores.items()
        },
        "final_states_fewer_facts_than_preview": fewer,
        "final_loses_a_reference_fact_the_preview_had": lost,
        "questions": rows,
    }


def main() -> None:
    args = parser(__doc__.splitlines()[0], "preview_vs_final.json", questions=40).parse_args()
    config = load_answer_config()  # the verified answer alone: the rules add to it
    config = config.model_copy(
        update={"extractive": config.extractive.model_copy(update={"keep_left_out": False})}
    )
    run_sets(
        args,
        config,
        lambda _name, pipe, cases: run(pipe, cases),
        shown=lambda result: {k: v for k, v in result.items() if k != "questions"},
    )


if __name__ == "__main__":
    main()
