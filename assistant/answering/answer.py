"""The Answer contract: what the pipeline returns, the page renders and the log stores."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from assistant.render import plain_text

# "stopped": the reader stopped the model mid-answer (or asked something else); the answer
# holds what had been shown.
AnswerMode = Literal["generated", "extractive", "refused", "stopped"]
RefusalReason = Literal[
    "no_relevant_documents",  # retrieval found nothing close enough
    "model_not_found",  # the model said the passages do not answer
    "unverifiable",  # nothing the model wrote could be verified against the passages
    "out_of_scope",  # not a question about the documents (or an attempt to misuse it)
    "empty_question",
]


NOT_IN_DOCUMENTS = "I couldn't find this in the documents."  # when the documents do not say

# Why a quoted answer replaced the model's (``Answer.fallback``), and how a reader is told.
Fallback = Literal[
    "not_configured", "slow", "unavailable", "unchecked", "unverified", "figure", "not_found"
]
QUOTED_BECAUSE: dict[str, str] = {
    "not_configured": "This assistant is set up to quote the documents rather than write answers.",
    "slow": "The language model took too long, so the documents' own sentences are shown.",
    "unavailable": "The language model is not available right now, so the documents' own "
    "sentences are shown.",
    "unchecked": "The model's answer could not be checked against the documents, so their own "
    "sentences are shown.",
    "unverified": "The documents do not back up the model's answer, so their own sentences are "
    "shown.",
    "figure": "The model's answer gave a figure the documents do not contain, so their own "
    "sentences are shown.",
    "not_found": "The language model did not find the answer in these passages, so their "
    "closest sentences are shown: check that they answer your question.",
}


class Citation(BaseModel):
    n: int
    chunk_id: str
    document_id: str
    document: str  # path, e.g. "data/employee-handbook.md"
    title: str
    section: str
    page: int | None = None
    snippet: str  # the passage sentence(s) that support the citing sentence
    text: str  # the whole passage, for "show in context"
    score: float  # retrieval score
    content_hash: str


class Source(BaseModel):
    """A retrieved passage (cited or not): the closest sources offered with a refusal."""

    chunk_id: str
    document: str
    title: str
    section: str
    page: int | None = None
    score: float
    similarity: float
    content_hash: str
    text: str
    access_groups: list[str] | None = None  # None: not recorded (unknown, fails closed)


class Latency(BaseModel):
    rewrite_ms: float = 0.0
    retrieve_ms: float = 0.0
    preview_ms: float | None = None  # from the question to the quoted preview, when shown
    first_token_ms: float | None = None  # from the request to the model's first token
    # from the question to the model's first token on screen (retrieval, preview and
    # compression included): what the reader waits for the model's words
    answer_first_token_ms: float | None = None
    generate_ms: float = 0.0
    verify_ms: float = 0.0
    total_ms: float = 0.0


class Span(BaseModel):
    """One step of answering a question: when it began (ms after the question arrived),
    how long it took, how it ended, and what it worked with (never the question's text)."""

    name: str  # guard, rewrite, cache, embed, retrieve, preview, compress, generate, verify, store
    start_ms: float
    duration_ms: float
    outcome: str = "ok"
    attributes: dict[str, str | int | float | bool] = {}


class Trace(BaseModel):
    """The steps of one answer, under the request id its log lines carry."""

    request_id: str
    started_at: float  # when the question arrived (seconds since the epoch)
    spans: list[Span] = []

    @property
    def ended_ms(self) -> float:
        """When its last step ended, in ms after the question arrived (0 with no steps)."""
        return max((s.start_ms + s.duration_ms for s in self.spans), default=0.0)


class Answer(BaseModel):
    question: str  # as stored (redacted unless configured otherwise)
    standalone_query: str
    text: str  # Markdown with [n] markers that point into ``citations``
    mode: AnswerMode
    citations: list[Citation] = []
    sources: list[Source] = []
    refused: bool = False
    refusal_reason: RefusalReason | None = None
    removed_markers: int = 0  # citations the model made that did not verify
    moved_markers: int = 0  # sentences cited to another passage than the model's
    dropped_sentences: int = 0  # the model's sentences no passage supports, left out
    kept_quotes: int = 0  # the preview's sentences with figures the model left out, kept
    fallback_reason: str | None = None  # why an extractive answer replaced the model's
    fallback: Fallback | None = None  # the same, as a kind (``QUOTED_BECAUSE``)
    model: str
    config_version: str
    prompt_version: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    retries: int = 0  # requests to the model its client had to send again (429, 5xx, cut)
    latency: Latency = Field(default_factory=Latency)
    trace: Trace | None = None  # the steps that made it (None: from before traces were kept)
    pii_entities: list[str] = []
    injection_flags: list[str] = []  # documents whose instruction-like text was neutralised
    # What a reader must hold to see this answer: the group sets of every passage retrieved
    # or given to the model (identity.groups.requirement); None when unknown.
    access: list[list[str]] | None = None
    cached: bool = False
    interaction_id: str | None = None


def quoted_because(answer: Answer) -> str | None:
    """Why a reader sees quoted sentences rather than the model's answer, in their words;
    None for an answer the model wrote (or a refusal)."""
    if answer.mode != "extractive":
        return None
    if answer.fallback is None:
        return "Quoted from the documents."
    return QUOTED_BECAUSE[answer.fallback]


def as_plain_text(answer: Answer) -> str:
    """The answer and its sources as plain text, for the clipboard."""
    lines = [plain_text(answer.text.strip())]
    if answer.citations:
        lines += ["", "Sources:"]
        for c in answer.citations:
            where = " > ".join(x for x in (c.title, c.section) if x)
            page = f", p. {c.page}" if c.page else ""
            lines.append(f"[{c.n}] {where}{page} ({c.document})")
    return "\n".join(lines)


class Preview(BaseModel):
    """A quoted (extractive) answer to show while the model writes its own: the best
    supporting sentences of the passages, cited. The final ``Answer`` replaces it."""

    answer: Answer
