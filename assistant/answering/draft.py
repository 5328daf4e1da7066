"""One answer in the making: who asks, what each step of the pipeline found, and the
``Answer`` it becomes (every outcome carries the same shared fields, set in one place)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.answering.answer import (
    Answer,
    Citation,
    Fallback,
    Latency,
    RefusalReason,
    Source,
    Span,
    Trace,
)
from assistant.answering.citations import Passage
from assistant.answering.pii import Redaction
from assistant.identity.groups import Reader, requirement
from assistant.index.chunks import ScoredChunk

if TYPE_CHECKING:
    from assistant.answering.generate import Generator

SOURCES_OFFERED = 3  # closest passages offered with a refusal
Attr = str | int | float | bool | None  # a span's attribute (None: not recorded)


Asker = Reader  # who asks: their id and the groups every search is filtered by


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str
    standalone: str = ""  # how it was searched, when that differed from the question


@dataclass
class Clock:
    """Laps of the steps, each named lap kept as a span of the answer's trace, and the time
    since the question arrived."""

    start: float = field(default_factory=time.perf_counter)
    latency: Latency = field(default_factory=Latency)
    started_at: float = field(default_factory=time.time)
    spans: list[Span] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lap_start = self.start

    def lap(self, step: str | None = None, outcome: str = "ok", **attributes: Attr) -> float:
        """The time since the last lap (ms); kept as the span ``step`` when it is named."""
        now = time.perf_counter()
        ms, began, self._lap_start = (now - self._lap_start) * 1000, self._lap_start, now
        if step is not None:
            self.spans.append(
                Span(
                    name=step,
                    start_ms=round((began - self.start) * 1000, 1),
                    duration_ms=round(ms, 1),
                    outcome=outcome,
                    attributes={k: v for k, v in attributes.items() if v is not None},
                )
            )
        return round(ms, 1)

    def trace(self, request_id: str) -> Trace:
        return Trace(request_id=request_id, started_at=self.started_at, spans=list(self.spans))

    def since_start(self) -> float:
        return round((time.perf_counter() - self.start) * 1000, 1)


@dataclass
class Draft:
    """What the steps have gathered so far. The text fields are as stored (redacted unless
    the settings keep raw text); ``model_question`` and ``standalone`` are what is searched
    and sent to the model."""

    asker: Asker
    history: Sequence[Turn]
    conversation_id: str
    asked: str  # the question as typed (control characters removed); never stored
    redaction: Redaction
    stored_question: str
    model_question: str
    model: str
    config_version: str
    prompt_version: str
    generator: Generator  # this answer's calls to the model (and their retries)
    clock: Clock = field(default_factory=Clock)
    step: str = "guard"  # the step under way (named when one fails)
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    standalone: str = ""
    stored_standalone: str | None = None
    cache_key: str = ""
    cacheable: bool = False  # may an answer to this question be kept and served again
    fresh: bool = False  # answer afresh (regenerate): not served from the cache
    earlier: str | None = None  # a joined follow-up: the question it was joined to
    widen: bool = False  # a follow-up's model rewrite is still to be searched (``both``)
    query_vector: np.ndarray | None = None
    hits: list[ScoredChunk] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    injection_flags: list[str] = field(default_factory=list)
    quoted: Answer | None = None  # the extractive answer: preview, and fallback
    model_text: str = ""  # everything the model wrote, shown or held back
    shown_text: str = ""  # what the reader has seen of it so far
    failure: str | None = None  # why the model's answer cannot be shown
    fallback: Fallback | None = None  # the same, as a kind a reader is told about
    unchecked: Exception | None = None  # a fault while verifying, logged with the answer
    usage: dict[str, int | None] = field(default_factory=dict)

    def shared(self) -> dict[str, Any]:
        """The fields every outcome carries."""
        return {
            "question": self.stored_question,
            "standalone_query": self.stored_standalone or "",
            "model": self.model,
            "config_version": self.config_version,
            "prompt_version": self.prompt_version,
            "pii_entities": list(self.redaction.entities),
            "sources": self.sources,
            "injection_flags": self.injection_flags,
            "access": requirement(
                [s.access_groups for s in self.sources]
                + [list(p.hit.chunk.access_groups) for p in self.passages]
            ),
        }

    def answer(self, **fields: Any) -> Answer:
        return Answer(**{**self.shared(), **self.usage, **fields})

    def refusal(self, reason: RefusalReason, message: str) -> Answer:
        return self.answer(
            text=message,
            mode="refused",
            refused=True,
            refusal_reason=reason,
            sources=self.sources[:SOURCES_OFFERED],
        )


def source_of(hit: ScoredChunk, similarity: float) -> Source:
    c = hit.chunk
    return Source(
        chunk_id=c.id,
        document=c.path,
        title=c.title,
        section=c.section,
        page=c.page,
        score=round(hit.score, 4),
        similarity=round(similarity, 4),
        content_hash=c.content_hash,
        text=c.text,
        access_groups=list(c.access_groups),
    )


def citation_of(n: int, passage: Passage, snippet: str) -> Citation:
    c = passage.hit.chunk
    return Citation(
        n=n,
        chunk_id=c.id,
        document_id=c.document_id,
        document=c.path,
        title=c.title,
        section=c.section,
        page=c.page,
        snippet=snippet,
        text=c.text,
        score=round(passage.hit.score, 4),
        content_hash=c.content_hash,
    )
