"""Answer benchmark on a benchmark set (default: the Python FAQ): grounding, citations,
refusals, latency.

    python -m benchmarks.answers [--set pydocs] [--questions 40] [--model M] [--config FILE]

Uses the set's section corpus (benchmarks/corpora), indexed into a Weaviate of
its own. For a sample of FAQ questions it runs the full pipeline twice, with the
local model and with the extractive path alone (the generator pointed at a closed
port, so every answer falls back), and for the off-topic questions below (which
the Python docs cannot answer) it measures how often the assistant refuses.
Reports: share of answers citing the gold section, citation precision (cited
passages that belong to the gold section), refusal rates, time to first token
p50/p95, total latency, prompt tokens. Also calibrates the refusal threshold:
the best cosine similarity of each question's top passage, answerable vs not.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

from assistant.answering.config import AnswerConfig, load_answer_config
from assistant.answering.pipeline import Asker, Pipeline
from assistant.config import Settings
from assistant.index.retrieve import SearchRequest, distinct
from assistant.runtime.stack import Runtime
from benchmarks.corpora import SETS, build_corpus
from benchmarks.report import answer_all, write_report

ROOT = Path(__file__).resolve().parent.parent

OFF_TOPIC = [
    "Who won the football world cup in 2018?",
    "What is the capital of Mongolia?",
    "How do I bake sourdough bread?",
    "What will the weather be in Paris tomorrow?",
    "Who painted the Mona Lisa?",
    "How many moons does Jupiter have?",
    "What is the best treatment for a sprained ankle?",
    "How do I change a flat tyre on a bicycle?",
    "What is the plot of Hamlet?",
    "When did the Berlin Wall fall?",
    "What is the boiling point of water on Mount Everest?",
    "How do I train my dog to sit?",
    "Which country produces the most coffee?",
    "What is the price of gold today?",
    "How tall is the Eiffel Tower?",
    "Who is the president of Brazil?",
    "What are the rules of cricket?",
    "How do I grow tomatoes on a balcony?",
    "What is the recipe for tiramisu?",
    "How long does it take to fly from London to Tokyo?",
    "What is the population of Canada?",
    "How do I knit a scarf?",
    "What causes the northern lights?",
    "Which vitamins are in spinach?",
    "How do I apply for a Japanese visa?",
]


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * (len(values) - 1) + 0.5))] if values else 0.0


def summarise(name: str, answered: list, gold: list[str], off: list) -> dict:
    cites_gold = [
        any(c.document == g for c in a.citations) for a, g in zip(answered, gold, strict=True)
    ]
    cited = [(c.document == g) for a, g in zip(answered, gold, strict=True) for c in a.citations]
    ttft = [a.latency.first_token_ms for a in answered if a.latency.first_token_ms]
    # From the question to the model's first word on screen (retrieval, compression included).
    seen = [a.latency.answer_first_token_ms for a in answered if a.latency.answer_first_token_ms]
    # From the question to the quoted preview on screen (shown before the model's tokens).
    preview = [a.latency.preview_ms for a in answered if a.latency.preview_ms]
    total = [a.latency.total_ms for a in answered]
    prompt = [a.prompt_tokens for a in answered if a.prompt_tokens]
    return {
        "system": name,
        "answerable": len(answered),
        "cites_gold_section": round(sum(cites_gold) / len(answered), 3),
        "citation_precision": round(sum(cited) / len(cited), 3) if cited else None,
        "refused_answerable": round(sum(a.refused for a in answered) / len(answered), 3),
        "modes": {
            m: sum(a.mode == m for a in answered) for m in ("generated", "extractive", "refused")
        },
        "off_topic": len(off),
        "refused_off_topic": round(sum(a.refused for a in off) / len(off), 3),
        "first_token_ms_p50": round(pct(ttft, 0.5)) if ttft else None,
        "first_token_ms_p95": round(pct(ttft, 0.95)) if ttft else None,
        "question_to_first_token_ms_p50": round(pct(seen, 0.5)) if seen else None,
        "question_to_first_token_ms_p95": round(pct(seen, 0.95)) if seen else None,
        "preview_ms_p50": round(pct(preview, 0.5)) if preview else None,
        "preview_ms_p95": round(pct(preview, 0.95)) if preview else None,
        "total_ms_p50": round(pct(total, 0.5)),
        "total_ms_p95": round(pct(total, 0.95)),
        "prompt_tokens_p50": round(statistics.median(prompt)) if prompt else None,
    }


def best_similarity(rt: Runtime, retriever, question: str, k: int | None = None) -> float:  # type: ignore[no-untyped-def]
    """What the pipeline compares with ``refusal.min_similarity``: the best retrieved
    passage's cosine to the question (among the top ``k``; default: all it retrieves)."""
    vec = rt.embedder.embed_query(question)
    request = SearchRequest(question, vector=vec, with_vectors=True, k=k)
    hits = distinct(retriever.search(request))
    return max((float(h.vector @ vec) for h in hits if h.vector is not None), default=0.0)


def balanced(pos: np.ndarray, neg: np.ndarray, t: float) -> float:
    """Balanced accuracy of threshold ``t``: answerable kept and the rest refused, each half."""
    return float(((pos >= t).mean() + (neg < t).mean()) / 2)


def calibrate(
    rt: Runtime, config: AnswerConfig, answerable: list[str], off_topic: list[str]
) -> dict:
    """Best-passage cosine for each question; the threshold that separates them best."""
    retriever = rt.retriever(config.retrieval_config())
    pos = np.array([best_similarity(rt, retriever, q, k=5) for q in answerable])
    neg = np.array([best_similarity(rt, retriever, q, k=5) for q in off_topic])
    candidates = sorted(set(round(float(x), 3) for x in [*pos, *neg]))
    threshold = max(candidates, key=lambda t: balanced(pos, neg, t))
    configured = config.refusal.min_similarity
    return {
        "answerable_similarity_p05_p50": [
            round(pct(list(pos), 0.05), 3),
            round(pct(list(pos), 0.5), 3),
        ],
        "off_topic_similarity_p50_p95": [
            round(pct(list(neg), 0.5), 3),
            round(pct(list(neg), 0.95), 3),
        ],
        "best_threshold": threshold,
        "balanced_accuracy_at_best": round(balanced(pos, neg, threshold), 3),
        "configured_threshold": configured,
        "balanced_accuracy_at_configured": round(balanced(pos, neg, configured), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=40, help="FAQ questions sampled")
    parser.add_argument("--model", default="qwen2.5-coder-1.5b-instruct")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / "answers.json"
    )
    parser.add_argument("--data-dir", type=Path, help="reuse the index of benchmarks.retrieval")
    parser.add_argument(
        "--config", type=Path, help="answering config to measure (default: the product's)"
    )
    parser.add_argument(
        "--paths", default="local,extractive", help="which answer paths to run (comma-separated)"
    )
    parser.add_argument("--set", default="pydocs", choices=list(SETS), help="benchmark set")
    args = parser.parse_args()
    config = load_answer_config(args.config)

    built = build_corpus(args.set, Settings().cache_dir / "bench")
    corpus, questions = built.root, built.questions
    sample = random.Random(7).sample(questions, min(args.questions, len(questions)))
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="bench-answers-"))
    local = Runtime(Settings(data_dir=data_dir, local_model=args.model))
    local.start(lambda m: print(m, file=sys.stderr))
    local.ingest([corpus], source=args.set)
    # The extractive path alone: a generator endpoint nobody listens on.
    offline = Runtime(
        Settings(data_dir=data_dir, openai_base_url="http://127.0.0.1:9/v1", openai_api_key="x")
    )
    asker = Asker("benchmark")
    rows = []
    try:
        calibration = calibrate(local, config, [q.question for q in questions], OFF_TOPIC)
        print(calibration, file=sys.stderr)
        paths = {
            "local": (f"local model {args.model}", local),
            "extractive": ("extractive only", offline),
        }
        for name, rt in (paths[p] for p in args.paths.split(",")):
            cfg = config.model_copy(
                update={"generation": config.generation.model_copy(update={"max_retries": 0})}
            )
            pipe = Pipeline(rt, config=cfg, use_cache=False)
            answered, failed = answer_all(pipe, [q.question for q in sample], asker)
            off, off_failed = answer_all(pipe, OFF_TOPIC, asker)
            rows.append(
                summarise(
                    name,
                    [a for _, a in answered],
                    [sample[i].gold for i, _ in answered],
                    [a for _, a in off],
                )
                | {"failed": failed + off_failed}  # not counted above: listed here
            )
            print(rows[-1], file=sys.stderr)
    finally:
        local.stop()
    result = {
        "set": args.set,
        "config_version": config.version,
        "faq_questions_sampled": len(sample),
        "systems": rows,
        "refusal_calibration": calibration,
    }
    write_report(result, args.out)


if __name__ == "__main__":
    main()
