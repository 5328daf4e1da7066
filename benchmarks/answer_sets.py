"""Questions with references for the answer benchmarks that run the whole pipeline with
the local model (``preview_vs_final``, ``model_refusals``): the starter golden set over
the sample documents, or a FAQ benchmark set, each on its own index."""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.answering.answer import Answer, Preview
from assistant.answering.config import AnswerConfig
from assistant.answering.pipeline import Asker, Pipeline
from assistant.config import Settings
from benchmarks.corpora import SETS, build_corpus
from benchmarks.followups import prepared
from benchmarks.report import write_report
from review.evaluation.datasets import STARTER

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Case:
    question: str
    reference: str


def starter_rows() -> list[dict]:
    """The starter golden set's records (export format)."""
    lines = STARTER.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def starter_cases() -> list[Case]:
    """The starter golden set's answerable cases and their hand-written references."""
    rows = starter_rows()
    return [Case(r["user_input"], r["reference"]) for r in rows if not r["should_refuse"]]


def faq_cases(name: str, n: int) -> list[Case]:
    """``n`` questions of the set (seeded), each with its gold section's text."""
    corpus = build_corpus(name, Settings().cache_dir / "bench")
    sample = random.Random(7).sample(corpus.questions, min(n, len(corpus.questions)))
    root = corpus.root.parent
    return [Case(q.question, (root / q.gold).read_text(encoding="utf-8")) for q in sample]


def preview_and_final(pipe: Pipeline, question: str) -> tuple[Answer | None, Answer]:
    """One question through the pipeline: the quoted preview (if one was shown) and the
    final answer."""
    preview: Answer | None = None
    final: Answer | None = None
    for event in pipe.stream(question, asker=Asker("benchmark")):
        if isinstance(event, Preview):
            preview = event.answer
        elif isinstance(event, Answer):
            final = event
    assert final is not None
    return preview, final


def parser(description: str, out: str, questions: int) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--set", action="append", dest="sets", choices=["starter", *SETS])
    p.add_argument("--questions", type=int, default=questions, help="FAQ questions sampled")
    p.add_argument("--model", default="qwen2.5-coder-1.5b-instruct")
    p.add_argument("--index-dir", type=Path, help="indexes kept here (as followups.py)")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / out)
    return p


def run_sets(
    args: argparse.Namespace,
    config: AnswerConfig,
    measure: Callable[[str, Pipeline, list[Case]], dict],
    shown: Callable[[dict], dict] = lambda result: result,
) -> None:
    """``measure`` each set (default: starter and pydocs) on its index, with the local
    model; print what ``shown`` keeps of each result, write the report."""
    results = {}
    for name in args.sets or ["starter", "pydocs"]:
        index = "sample" if name == "starter" else name
        data_dir = (args.index_dir / index) if args.index_dir else Path(tempfile.mkdtemp())
        rt = prepared(index, Settings(data_dir=data_dir, local_model=args.model), print)
        try:
            cases = starter_cases() if name == "starter" else faq_cases(name, args.questions)
            pipe = Pipeline(rt, config=config, use_cache=False, log_interactions=False)
            results[name] = measure(name, pipe, cases)
            print(name, json.dumps(shown(results[name]), indent=1), file=sys.stderr)
        finally:
            rt.stop()
    write_report({"model": args.model, "config_version": config.version, "sets": results}, args.out)
