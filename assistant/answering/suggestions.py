"""Questions to offer on an empty chat, drawn from the headings of documents the reader may
read: a heading that is a question is asked as written; any other becomes "What does
<document> say about <heading>?". One per document, at most ``n``, the same for everyone
holding the same groups over the same index."""

from __future__ import annotations

import hashlib
import re

from assistant.index.chunks import Chunk
from assistant.index.store import Store

MAX_HEADING_CHARS = 60  # longer headings read as sentences, not topics
_NUMBERING = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[A-Z]\.|[IVX]+\.)\s+")  # "2.", "2.1", "A."


def question_for(chunk: Chunk) -> str | None:
    """The question a chunk's heading suggests; None when it has no usable heading."""
    heading = next((h.strip() for h in reversed(chunk.section_path) if h.strip()), "")
    heading = _NUMBERING.sub("", heading)
    if not heading or len(heading) > MAX_HEADING_CHARS or heading == chunk.title:
        return None
    if heading.endswith("?"):
        return heading
    topic = heading if any(c.isupper() for c in heading[1:]) else heading[0].lower() + heading[1:]
    return f"What does the {chunk.title} say about {topic.rstrip('.:')}?"


def suggested_questions(store: Store, groups: tuple[str, ...], n: int = 4) -> list[str]:
    """Up to ``n`` questions, each from a different readable document."""
    chunks = sorted(
        store.headings(groups),
        key=lambda c: hashlib.sha256(c.id.encode()).hexdigest(),  # stable, not by position
    )
    out: dict[str, str] = {}  # document -> question
    for chunk in chunks:
        if chunk.document_id in out or len(out) >= n:
            continue
        if (question := question_for(chunk)) is not None:
            out[chunk.document_id] = question
    return list(out.values())
