"""``eval run``: replay a dataset through the answering pipeline and store every result.

Each case is asked through ``Pipeline.stream`` (what the Ask page calls) with no cache
and the case's groups, so the run measures what a reader would get. The run row is
written first (``running``) and finished last: Ctrl-C leaves it ``incomplete``, a killed
process leaves it ``running`` with no end (read as incomplete); neither is ever counted as
finished. An answer that fell back to quotes because the model was down or slow is stored
with its reason and counted.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from assistant.answering import versions
from assistant.answering.answer import Answer
from assistant.answering.config import AnswerConfig
from assistant.answering.pii import PiiRedactor, default_redactor
from assistant.answering.pipeline import Pipeline
from assistant.identity.groups import Reader, requirement
from assistant.runtime.stack import Runtime
from assistant.storage import audit, db
from assistant.storage.db import utcnow
from review.evaluation import datasets
from review.evaluation.datasets import Dataset, EvalCase
from review.evaluation.judge import Judge
from review.evaluation.metrics import Ref, score_case
from review.evaluation.summary import summarise
from review.models import EvalResult, EvalRun

Progress = Callable[[int, int, str], None]  # done, total, case id


@dataclass
class RunRequest:
    dataset: str
    config: AnswerConfig
    repeat: int = 1
    limit: int | None = None
    include_stale: bool = False
    judge: Judge | None = None  # opt-in: an LLM grades correctness against the reference


def run(
    rt: Runtime,
    request: RunRequest,
    reader: Reader,
    progress: Progress | None = None,
    redactor: PiiRedactor | None = None,
) -> EvalRun:
    """Replay the dataset, store the run and its results, return the finished run."""
    store = rt.store()
    data = datasets.load(
        rt.engine, store, request.dataset, reader, include_stale=request.include_stale
    )
    cases = data.cases[: request.limit] if request.limit else data.cases
    versions.remember(rt.engine, request.config, reader.user_id, source="evaluated")
    pipeline = Pipeline(rt, config=request.config, use_cache=False, log_interactions=False)
    redactor = redactor or default_redactor()
    run_id = _start(rt, request, reader, data, cases, pipeline)
    t0 = time.monotonic()
    total, done = len(cases) * request.repeat, 0
    try:
        for repetition in range(request.repeat):
            for case in cases:
                result = _replay(rt, pipeline, case, reader, request, redactor)
                result.run_id, result.repetition = run_id, repetition
                with db.session_scope(rt.engine) as session:
                    session.add(result)
                done += 1
                if progress:
                    progress(done, total, case.id)
    except BaseException:
        _finish(rt.engine, run_id, "incomplete", time.monotonic() - t0)
        raise
    return _finish(rt.engine, run_id, "complete", time.monotonic() - t0)


def _start(
    rt: Runtime,
    request: RunRequest,
    reader: Reader,
    data: Dataset,
    cases: list[EvalCase],
    pipeline: Pipeline,
) -> str:
    """The run's row, written before the first case (``running``); its id."""
    store = rt.store()
    documents = sorted((d.path, d.content_hash) for d in store.list_documents())
    fingerprint = hashlib.sha256(repr(documents).encode()).hexdigest()[:16]
    run_id = uuid.uuid4().hex
    row = EvalRun(
        id=run_id,
        started_by=reader.user_id,
        dataset=data.name,
        dataset_version=data.version,
        cases=len(cases),
        excluded={
            "stale": data.stale if not request.include_stale else 0,
            "stale_included": data.stale if request.include_stale else 0,
            "unreadable": data.unreadable,
            "invalid": [p.model_dump() for p in data.invalid],
            "stale_cases": [p.model_dump() for p in data.stale_cases],
            "beyond_limit": len(data.cases) - len(cases),
        },
        config_version=request.config.version,
        config=request.config.model_dump(mode="json"),
        generator_model=pipeline.generator_model,
        generator_endpoint=pipeline.generator_url,
        embedder=" + ".join(e.name for e in (rt.embedder, rt.multilingual_embedder) if e),
        index_fingerprint=fingerprint,
        judge=request.judge.describe() if request.judge else None,
        repeat=request.repeat,
        options={"limit": request.limit, "include_stale": request.include_stale},
        reader_groups=list(reader.groups),
    )
    with db.session_scope(rt.engine) as session:
        session.add(row)
        audit.audit(
            session, reader.user_id, "eval.run", run_id, dataset=data.name, cases=len(cases)
        )
    return run_id


def _replay(
    rt: Runtime,
    pipeline: Pipeline,
    case: EvalCase,
    reader: Reader,
    request: RunRequest,
    redactor: PiiRedactor,
) -> EvalResult:
    asker = Reader(f"eval:{reader.user_id}", datasets.asker_groups(case, reader))
    base = {
        "case_id": case.id,
        "should_refuse": case.should_refuse,
        "stale": case.status == "stale",
        "question": case.question,
        "reference": case.reference,
        "outcome": "error",
        "access": case.access,
    }
    try:
        answer = pipeline.ask(case.question, asker=asker, conversation_id="eval")
    except Exception as err:  # one failing case is recorded; the run goes on
        first = str(err).splitlines()[0] if str(err) else ""
        return EvalResult(**base, why=f"{type(err).__name__}: {first}")
    return EvalResult(**base | _scored(rt, case, answer, request, redactor))


def _scored(
    rt: Runtime,
    case: EvalCase,
    answer: Answer,
    request: RunRequest,
    redactor: PiiRedactor,
) -> dict[str, object]:
    """The result's fields from the answer: what it cited and retrieved, its scores."""
    cited = [Ref.of(c) for c in answer.citations]
    retrieved = [Ref.of(s) for s in sorted(answer.sources, key=lambda s: s.score, reverse=True)]
    similarity = None
    if not case.should_refuse and not answer.refused and answer.text and case.reference:
        vectors = rt.embedder.embed([answer.text, case.reference])
        similarity = round(float(np.dot(vectors[0], vectors[1])), 4)
    scores = score_case(
        should_refuse=case.should_refuse,
        reference=case.reference,
        expected=case.expected,
        answer_text=answer.text,
        mode=answer.mode,
        refused=answer.refused,
        cited=cited,
        retrieved=retrieved,
        k=request.config.retrieval.context_chunks,
        similarity=similarity,
        dropped_sentences=answer.dropped_sentences,
    )
    if request.judge is not None and not case.should_refuse:
        scores.judge_correctness = (
            0.0
            if answer.refused  # a refused answerable case is wrong; the judge is not asked
            else request.judge.grade(case.question, case.reference, answer.text)
        )
    stored = answer.text
    if not rt.settings.store_raw_text:
        stored = redactor.redact(answer.text).text
    needed = requirement([*case.access, *(answer.access or [])]) if answer.access else None
    return {
        "passed": scores.passed,
        "outcome": scores.outcome,
        "why": scores.why,
        "mode": answer.mode,
        "fallback_reason": answer.fallback_reason or None,
        "answer": stored,
        "citations": [r.model_dump() for r in cited],
        "retrieved": [r.model_dump() for r in retrieved],
        "scores": scores.model_dump(exclude={"outcome", "passed", "why"}),
        "latency": answer.latency.model_dump(),
        "prompt_tokens": answer.prompt_tokens,
        "completion_tokens": answer.completion_tokens,
        "cost": _cost(request.config, answer, rt.generator.local),
        "access": needed,
    }


def _cost(config: AnswerConfig, answer: Answer, local: bool) -> float | None:
    """Estimated cost of one answer from the config's price list: nothing for the local
    model, unknown (None) for a hosted model without a price or without token counts."""
    if local or (answer.mode == "refused" and not answer.prompt_tokens):
        return 0.0
    price = config.prices.get(answer.model)
    if price is None or answer.prompt_tokens is None:
        return None
    out = answer.completion_tokens or 0
    return (answer.prompt_tokens * price.input_per_million + out * price.output_per_million) / 1e6


def _finish(engine: Engine, run_id: str, status: str, seconds: float) -> EvalRun:
    with db.session_scope(engine) as session:
        row = session.get(EvalRun, run_id)
        assert row is not None
        results = session.exec(
            select(EvalResult)
            .where(EvalResult.run_id == run_id)
            .order_by(col(EvalResult.case_id), col(EvalResult.repetition))
        ).all()
        row.status = status
        row.finished_at = utcnow()
        row.seconds = round(seconds, 2)
        judged = row.judge is not None
        row.summary = summarise(list(results), row.repeat, judged=judged).model_dump(mode="json")
        session.add(row)
        session.flush()
        session.refresh(row)
        session.expunge(row)  # read after the commit
    return row
