"""Batch query files: ``{"id", "question"}`` JSON lines in, one result line per query out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel, ValidationError

from assistant.answering.answer import Answer
from assistant.cli.common import one_line
from assistant.errors import AssistantError
from assistant.index.chunks import ScoredChunk
from assistant.phrases import counted


class QueryLine(BaseModel):
    id: str | int
    question: str


class QueryFileError(AssistantError):
    """A query file is missing or has a malformed line."""


def read_queries(path: Path) -> list[QueryLine]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise QueryFileError(f"Cannot read query file {path}: {err}") from err
    out = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            out.append(QueryLine.model_validate_json(line))
        except ValidationError as err:
            first = err.errors()[0]
            raise QueryFileError(
                f'{path}:{number}: not a {{"id", "question"}} object ({first["msg"]}).',
                fix="Each line must be a JSON object with an id and a question.",
            ) from err
    return out


def search_result(query_id: str | int, hits: list[ScoredChunk]) -> dict:
    documents: list[str] = []
    for hit in hits:
        if hit.chunk.path not in documents:
            documents.append(hit.chunk.path)
    return {
        "id": query_id,
        "results": [
            {
                "chunk_id": h.chunk.id,
                "document": h.chunk.path,
                "section": h.chunk.section,
                "score": round(h.score, 6),
            }
            for h in hits
        ],
        "documents": documents,
    }


def format_hits_for_people(query: str, hits: list[ScoredChunk]) -> Iterator[str]:
    yield f"{counted(len(hits), 'result')} for {query!r}"
    for rank, h in enumerate(hits, start=1):
        where = h.chunk.path + (f" > {h.chunk.section}" if h.chunk.section else "")
        where = one_line(where)
        page = f" (p. {h.chunk.page})" if h.chunk.page else ""
        yield f"{rank:>2}. [{h.score:.3f}] {where}{page}"
        snippet = " ".join(h.chunk.text.split())
        yield f"    {snippet[:200]}{'…' if len(snippet) > 200 else ''}"


def dumps(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False)


def answer_result(query_id: str | int, answer: Answer) -> dict:
    return {
        "id": query_id,
        "answer": answer.text,
        "refused": answer.refused,
        "refusal_reason": answer.refusal_reason,
        "mode": answer.mode,
        "citations": [
            {
                "n": c.n,
                "chunk_id": c.chunk_id,
                "document": c.document,
                "section": c.section,
                "snippet": c.snippet,
            }
            for c in answer.citations
        ],
        "latency_ms": answer.latency.total_ms,
        "first_token_ms": answer.latency.first_token_ms,
        "prompt_tokens": answer.prompt_tokens,
        "model": answer.model,
        "config_version": answer.config_version,
    }


def format_answer_for_people(answer: Answer) -> Iterator[str]:
    yield answer.text
    if answer.mode == "extractive":
        yield "(extractive answer: quoted from the documents)"
    for c in answer.citations:
        page = f", p. {c.page}" if c.page else ""
        yield f"  [{c.n}] {c.document} > {c.section}{page}"
    if answer.refused and answer.sources:
        yield "Closest passages:"
        for s in answer.sources:
            yield f"  - {s.document} > {s.section} (similarity {s.similarity:.2f})"
