"""The evaluation harness's own cost, against the answers it replays, in one session.

    python -m benchmarks.evaluation [--model smollm2-135m-instruct] [--model-cases 20]
                                    [--out benchmarks/results/evaluation.json]

A fresh data dir with its own Weaviate (and the local model server for the model part),
the sample documents indexed. Measured:

- **overhead**: the starter set's questions answered through ``Pipeline.ask`` (what
  ``ask --questions`` does), then replayed by ``eval run`` (loading the dataset, scoring,
  embedding the answer for similarity, storing every result): the ratio of the two times.
  Once with quoted answers (no model: the harness's share is largest there) and once with
  the local model (greedy decoding) on the first ``--model-cases`` questions; the answers
  alone are timed before and after the harness and averaged. Target ≤ 1.05 with the model.
- **quoted-answer run**: the starter set replayed twice (164 answers) with no model;
  reported per 100 cases. Target ≤ 30 s per 100 cases on 2 cores.
- **compare**: two synthetic 1,000-case runs stored in SQL, compared (2,000 bootstrap
  resamples for each of 11 metrics, McNemar, flips). Target ≤ 2 s.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

from assistant.answering.config import AnswerConfig, load_answer_config
from assistant.answering.pipeline import Asker, Pipeline
from assistant.config import PROJECT_ROOT, Settings
from assistant.identity.groups import Reader
from assistant.runtime.stack import Runtime
from assistant.storage import db
from benchmarks.report import write_report
from review.evaluation import compare, datasets, runner
from review.models import EvalResult, EvalRun

LEAD = Reader("bench-lead")


def _quoted(config: AnswerConfig) -> AnswerConfig:
    return config.model_copy(
        update={"generation": config.generation.model_copy(update={"enabled": False})}
    )


def overhead(rt: Runtime, config: AnswerConfig, limit: int | None) -> dict:
    """Answers alone, then the harness, then answers alone again (their mean is the bare
    time, so drift in the model server's speed does not count as overhead)."""
    data = datasets.load(rt.engine, rt.store(), "starter", LEAD)
    cases = data.cases[:limit] if limit else data.cases
    pipe = Pipeline(rt, config=config, use_cache=False, log_interactions=False)
    pipe.ask(cases[0].question, asker=Asker("warm-up"))  # model and caches warm for both

    def bare() -> float:
        t0 = time.perf_counter()
        for case in cases:
            pipe.ask(case.question, asker=Asker("bench"), conversation_id="bench")
        return time.perf_counter() - t0

    first = bare()
    t0 = time.perf_counter()
    runner.run(rt, runner.RunRequest("starter", config, limit=limit), LEAD)
    harness = time.perf_counter() - t0
    alone = (first + bare()) / 2
    return {
        "cases": len(cases),
        "answers_alone_s": round(alone, 2),
        "eval_run_s": round(harness, 2),
        "ratio": round(harness / alone, 3),
        "harness_ms_per_case": round((harness - alone) / len(cases) * 1000, 1),
    }


def quoted_run(rt: Runtime, config: AnswerConfig) -> dict:
    t0 = time.perf_counter()
    run = runner.run(rt, runner.RunRequest("starter", config, repeat=2), LEAD)
    seconds = time.perf_counter() - t0
    answers = run.cases * run.repeat
    return {
        "answers": answers,
        "seconds": round(seconds, 2),
        "seconds_per_100_cases": round(seconds / answers * 100, 2),
    }


def compare_1000(rt: Runtime) -> dict:
    rnd = random.Random(3)
    ids = []
    with db.session_scope(rt.engine) as session:
        for shift in (0.0, 0.03):
            run_id = uuid.uuid4().hex
            ids.append(run_id)
            session.add(EvalRun(id=run_id, status="complete", started_by="bench",
                                dataset="synthetic", dataset_version="1", cases=1000,
                                config_version=f"v{shift}", generator_model="m",
                                generator_endpoint="e", embedder="x",
                                index_fingerprint="f"))  # fmt: skip
            for i in range(1000):
                passed = rnd.random() < 0.6 + shift
                scores = {m: rnd.random() for m in ("hit_at_k", "recall_at_k", "mrr",
                          "citation_precision", "citation_recall", "token_f1", "similarity",
                          "key_fact_recall", "faithfulness")}  # fmt: skip
                session.add(EvalResult(run_id=run_id, case_id=f"c{i}", passed=passed,
                                       outcome="answered", scores=scores,
                                       latency={"total_ms": rnd.uniform(100, 900)},
                                       answer="a", question="q", reference="r",
                                       access=[["everyone"]]))  # fmt: skip
    t0 = time.perf_counter()
    result = compare.compare(rt.engine, ids[0], ids[1], LEAD)
    seconds = time.perf_counter() - t0
    return {"cases": result.shared_cases, "seconds": round(seconds, 3),
            "flips_listed": len(result.flips)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="smollm2-135m-instruct")
    parser.add_argument("--model-cases", type=int, default=20)
    parser.add_argument(
        "--out", type=Path, default=PROJECT_ROOT / "benchmarks" / "results" / "evaluation.json"
    )
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-eval-"))
    rt = Runtime(Settings(data_dir=data_dir, local_model=args.model))
    rt.start(lambda m: print(m, file=sys.stderr))
    try:
        rt.ingest([PROJECT_ROOT / "data"])
        # Greedy decoding: the same words every time, so both passes do the same work.
        config = load_answer_config()
        config = config.model_copy(
            update={"generation": config.generation.model_copy(update={"temperature": 0.0})}
        )
        report = {
            "model": args.model,
            "overhead_quoted": overhead(rt, _quoted(config), None),
            "overhead_model": overhead(rt, config, args.model_cases),
            "quoted_run": quoted_run(rt, _quoted(config)),
            "compare_1000": compare_1000(rt),
        }
    finally:
        rt.stop()
    write_report(report, args.out)


if __name__ == "__main__":
    main()
