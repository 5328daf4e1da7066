"""Answering many questions in a row, where a question that fails fails alone.

The command line, the benchmarks and the evaluation harness answer questions in loops.
One question that raises (a bug, a dependency that hiccups) must not cost the answers to
the others: each outcome is either an answer or the error that question met, named with
the question's id, and the caller decides what the count means (the CLI's exit code).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from assistant.answering.answer import Answer
from assistant.answering.pipeline import Asker, Pipeline
from assistant.errors import AssistantError
from assistant.runtime import logs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    id: str | int
    question: str
    answer: Answer | None = None
    error: str | None = None  # what failed, when ``answer`` is None


def describe(err: Exception, limit: int = 300) -> str:
    """A domain error's own message; anything else with its type (it is unexpected), on one
    line and cut to ``limit`` characters (a driver's message can run to whole statements)."""
    text = str(err) if isinstance(err, AssistantError) else f"{type(err).__name__}: {err}"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def answer_each(
    pipeline: Pipeline,
    questions: Iterable[tuple[str | int, str]],
    *,
    asker: Asker,
    conversation_id: str = "cli",
) -> Iterator[Outcome]:
    """An ``Outcome`` per ``(id, question)``, in order, whatever any one of them raises."""
    for qid, question in questions:
        try:
            answer = pipeline.ask(question, asker=asker, conversation_id=conversation_id)
        except Exception as err:  # one question's failure is reported, the rest go on
            unexpected = not isinstance(err, AssistantError)  # a bug: keep its traceback
            with logs.request(logs.of(err)):
                log.error(
                    "Question %s could not be answered.", qid, exc_info=err if unexpected else None
                )
            yield Outcome(qid, question, error=describe(err))
            continue
        yield Outcome(qid, question, answer=answer)
