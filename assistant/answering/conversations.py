"""Each user's conversations: listed recent first, titled by their first question (as
stored, so redacted), renamed, deleted, and reopened with their turns.

A conversation's turns are the interaction log's rows for it: nothing is stored twice.
Deleting one hides it from its owner's list; its answers stay in the log, where review and
evaluation already hold them. Every lookup is by (user, conversation): a conversation id
that belongs to someone else reads as not found.

Reopening re-reads each cited passage from the index under the reader's groups *now*: an
answer whose passages the reader may no longer read (or whose access was never recorded)
comes back as a note, never as its text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Field, Session, SQLModel, col, select

from assistant.answering.answer import Answer, Citation, Latency, Source
from assistant.answering.citations import snippet_for, split_units
from assistant.answering.interactions import Interaction
from assistant.errors import AssistantError
from assistant.identity.groups import may_read_all
from assistant.index.store import Store
from assistant.storage import db
from assistant.storage.db import utc_column, utcnow

TITLE_CHARS = 80  # a title drawn from the first question is cut here (at a word)
MAX_TITLE_CHARS = 200
UNREADABLE = (
    "This answer used documents you cannot read now (your access changed, or the documents "
    "did), so it is not shown."
)


class ConversationNotFound(AssistantError):
    """No such conversation of this user (never: "it is someone else's")."""


class Conversation(SQLModel, table=True):
    user_id: str = Field(primary_key=True, max_length=200)
    id: str = Field(primary_key=True, max_length=64)
    title: str = Field(max_length=MAX_TITLE_CHARS)
    renamed: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
    deleted_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class ConversationSummary(BaseModel):
    id: str
    title: str
    updated_at: datetime


class StoredTurn(BaseModel):
    """A turn as reopened: the question as stored and its answer, or why it is withheld."""

    question: str
    answer: Answer | None  # None: withheld (``UNREADABLE``)


def title_from(question: str) -> str:
    """A conversation's title from its first question: one line, cut at a word."""
    return cut_at_word(question, TITLE_CHARS) or "Untitled conversation"


def cut_at_word(text: str, chars: int) -> str:
    """``text`` on one line, at most ``chars`` characters and an ellipsis, cut at a word."""
    line = " ".join(text.split())
    if len(line) <= chars:
        return line
    cut = line[:chars].rsplit(" ", 1)[0]
    return f"{cut}…"


def note_turn(session: Session, user_id: str, conversation_id: str, question: str) -> None:
    """Record a turn in ``session`` (it commits with the interaction it belongs to): the
    first one names the conversation. A turn asked in a conversation deleted meanwhile (in
    another tab) brings it back: nothing asked disappears from the list."""
    row = session.get(Conversation, (user_id, conversation_id))
    if row is None:
        session.add(Conversation(user_id=user_id, id=conversation_id, title=title_from(question)))
    else:
        row.updated_at, row.deleted_at = utcnow(), None
        session.add(row)


def listed(engine, user_id: str, limit: int = 50) -> list[ConversationSummary]:  # type: ignore[no-untyped-def]
    """The user's conversations, most recently used first (deleted ones left out)."""
    query = (
        select(Conversation)
        .where(Conversation.user_id == user_id, col(Conversation.deleted_at).is_(None))
        .order_by(col(Conversation.updated_at).desc())
        .limit(limit)
    )
    with db.session_scope(engine) as session:
        return [
            ConversationSummary(id=c.id, title=c.title, updated_at=c.updated_at)
            for c in session.exec(query)
        ]


def _own(session: Session, user_id: str, conversation_id: str) -> Conversation:
    row = session.get(Conversation, (user_id, conversation_id))
    if row is None or row.deleted_at is not None:
        raise ConversationNotFound(
            f"No conversation {conversation_id[:12]} of yours.",
            fix="Pick one from the list of your conversations, or start a new one.",
        )
    return row


def rename(  # type: ignore[no-untyped-def]
    engine, user_id: str, conversation_id: str, title: str, redact: Callable[[str], str]
) -> str:
    """Give a conversation its owner's title (redacted like a question); returns it."""
    clean = " ".join(title.split())
    if not clean:
        raise AssistantError("A conversation's title cannot be empty.", fix="Type a title.")
    if len(clean) > MAX_TITLE_CHARS:
        raise AssistantError(
            f"The title is {len(clean)} characters long; the limit is {MAX_TITLE_CHARS}.",
            fix="Shorten the title.",
        )
    stored = redact(clean)
    with db.session_scope(engine) as session:
        row = _own(session, user_id, conversation_id)
        row.title, row.renamed = stored, True
        session.add(row)
    return stored


def delete(engine, user_id: str, conversation_id: str) -> None:  # type: ignore[no-untyped-def]
    """Hide a conversation from its owner's list (its answers stay in the log)."""
    with db.session_scope(engine) as session:
        row = _own(session, user_id, conversation_id)
        row.deleted_at = utcnow()
        session.add(row)


def reopen(  # type: ignore[no-untyped-def]
    engine, store: Store, user_id: str, conversation_id: str, groups: tuple[str, ...]
) -> list[StoredTurn]:
    """The conversation's turns in order, as far as a reader holding ``groups`` may read
    them now. Raises ``ConversationNotFound`` unless it is this user's."""
    with db.session_scope(engine) as session:
        _own(session, user_id, conversation_id)
        rows = list(
            session.exec(
                select(Interaction)
                .where(
                    Interaction.user_id == user_id,
                    Interaction.conversation_id == conversation_id,
                )
                .order_by(col(Interaction.created_at))
            )
        )
        for row in rows:
            session.expunge(row)
    wanted = [c["chunk_id"] for r in rows for c in (r.citations or []) + (r.retrieval or [])]
    chunks = {c.id: c for c in store.get_chunks(list(dict.fromkeys(wanted)), groups)}
    turns = []
    for row in rows:
        readable = may_read_all(groups, row.access) and all(
            c["chunk_id"] in chunks for c in row.citations or []
        )
        turns.append(
            StoredTurn(question=row.question, answer=_answer(row, chunks) if readable else None)
        )
    return turns


def _answer(row: Interaction, chunks: dict) -> Answer:  # type: ignore[type-arg]
    """An ``Answer`` again from its log row, its passages read from the index."""
    units = split_units(row.answer)
    citations = []
    for c in row.citations or []:
        chunk = chunks[c["chunk_id"]]
        citations.append(
            Citation(
                n=c["n"],
                chunk_id=chunk.id,
                document_id=chunk.document_id,
                document=chunk.path,
                title=chunk.title,
                section=chunk.section,
                page=chunk.page,
                snippet=snippet_for(units, c["n"], chunk.text),
                text=chunk.text,
                score=c.get("score", 0.0),
                content_hash=chunk.content_hash,
            )
        )
    sources = [
        Source(
            chunk_id=chunk.id,
            document=chunk.path,
            title=chunk.title,
            section=chunk.section,
            page=chunk.page,
            score=r.get("score", 0.0),
            similarity=r.get("similarity", 0.0),
            content_hash=chunk.content_hash,
            text=chunk.text,
            access_groups=list(chunk.access_groups),
        )
        for r in row.retrieval or []
        if (chunk := chunks.get(r["chunk_id"])) is not None
    ]
    details = row.details or {}
    return Answer(
        question=row.question,
        standalone_query=row.standalone_query,
        text=row.answer,
        mode=row.mode,  # type: ignore[arg-type]
        citations=citations,
        sources=sources,
        refused=row.refused,
        refusal_reason=row.refusal_reason,  # type: ignore[arg-type]
        removed_markers=details.get("removed_markers", 0),
        moved_markers=details.get("moved_markers", 0),
        dropped_sentences=details.get("dropped_sentences", 0),
        fallback_reason=details.get("fallback_reason"),
        fallback=details.get("fallback"),
        model=row.model,
        config_version=row.config_version,
        prompt_version=row.prompt_version,
        latency=Latency(**{k: v for k, v in (row.latency_ms or {}).items() if v is not None}),
        access=row.access,
        cached=row.cached,
        interaction_id=row.id,
    )
