"""Benchmark reports: every result file says when and on what machine it was measured."""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import psutil

from assistant.answering.answer import Answer
from assistant.answering.batch import answer_each
from assistant.answering.pipeline import Asker, Pipeline


def best_time(fn: Callable[[str], object], text: str, runs: int = 3) -> float:
    """The fastest of ``runs`` calls of ``fn(text)``, in seconds (the least disturbed)."""
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        fn(text)
        best = min(best, time.perf_counter() - t0)
    return best


def write_report(result: dict, out: Path) -> dict:
    report = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, no GPU",
        **result,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    return report


def answer_all(
    pipeline: Pipeline, questions: Sequence[str], asker: Asker
) -> tuple[list[tuple[int, Answer]], list[dict]]:
    """(index, answer) for every question answered, and {index, question, error} for every
    one that failed: a failure is reported in the result, never ends the run."""
    answered, errors = [], []
    for o in answer_each(pipeline, enumerate(questions), asker=asker, conversation_id="bench"):
        if o.answer is None:
            errors.append({"index": o.id, "question": o.question, "error": o.error})
        else:
            answered.append((int(o.id), o.answer))
    return answered, errors
