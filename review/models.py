"""SQLModel tables of the review loop (one ``table=True`` class per entity)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import Field as PydField
from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from assistant.storage.db import utc_column, utcnow


def migrations() -> Path:
    """The folder of this package's migrations (entry point ``knowledge_assistant.migrations``)."""
    return Path(__file__).with_name("migrations")


FeedbackReason = Literal[
    "wrong", "incomplete", "wrong_citation", "missing_citation", "outdated", "unsafe", "other"
]
FEEDBACK_REASONS: tuple[str, ...] = FeedbackReason.__args__  # type: ignore[attr-defined]


class FeedbackBase(SQLModel):
    rating: int = Field(ge=-1, le=1)  # 1 thumbs up, -1 thumbs down
    reason: str | None = Field(default=None, max_length=32)
    comment: str | None = None
    correct_answer: str | None = None
    correct_source: str | None = None


class Feedback(FeedbackBase, table=True):
    __table_args__ = (
        UniqueConstraint("interaction_id", "user_id", name="uq_feedback_interaction_user"),
    )
    id: int | None = Field(default=None, primary_key=True)
    interaction_id: str = Field(foreign_key="interaction.id", index=True, max_length=32)
    user_id: str = Field(index=True, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class FeedbackCreate(FeedbackBase):
    interaction_id: str


# --- The review queue -------------------------------------------------------------------

ItemStatus = Literal["not_selected", "new", "in_review", "graded", "approved", "rejected"]
OPEN_STATUSES: tuple[str, ...] = ("new", "in_review")
QueueReason = Literal["negative_feedback", "refused", "low_confidence", "sample", "not_selected"]
# Lower is reviewed first: complaints, then doubtful answers, then the random sample.
PRIORITY: dict[str, int] = {
    "negative_feedback": 0,
    "refused": 1,
    "low_confidence": 1,
    "sample": 2,
    "not_selected": 9,
}


class ReviewItem(SQLModel, table=True):
    """One row per answer: whether and where it sits in the review queue.

    ``version`` is bumped by every change; writers say which version they read and lose
    (and are told) when someone changed the row in between (optimistic concurrency).
    ``round`` starts at 1 and is bumped when an item is sent back for re-review.
    """

    id: int | None = Field(default=None, primary_key=True)
    interaction_id: str = Field(foreign_key="interaction.id", unique=True, max_length=32)
    status: str = Field(default="new", index=True, max_length=16)
    reason: str = Field(max_length=32)
    priority: int = Field(index=True)
    documents: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    asked_at: datetime = Field(sa_column=utc_column(index=True))
    required_reviews: int = 1
    round: int = 1
    claimed_by: str | None = Field(default=None, max_length=200)
    claim_expires_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    version: int = 1
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


Verdict = Literal["supports", "partial", "does_not_support"]
VERDICTS: tuple[str, ...] = Verdict.__args__  # type: ignore[attr-defined]
SCALE_FIELDS: tuple[str, ...] = ("correctness", "groundedness", "completeness", "helpfulness")
FLAG_FIELDS: tuple[str, ...] = ("should_have_refused", "safety_issue")
RUBRIC_FIELDS: tuple[str, ...] = SCALE_FIELDS + FLAG_FIELDS


class RubricScores(SQLModel):
    """The rubric, as submitted and as stored: four 1-5 scales and two flags."""

    correctness: int = Field(ge=1, le=5)
    groundedness: int = Field(ge=1, le=5)
    completeness: int = Field(ge=1, le=5)
    helpfulness: int = Field(ge=1, le=5)
    should_have_refused: bool = False
    safety_issue: bool = False


class GradeInput(RubricScores):
    """What a reviewer submits for one answer (free text is redacted before it is stored)."""

    citation_verdicts: dict[int, Verdict] = PydField(default_factory=dict)
    reference_answer: str = ""
    expected_chunk_ids: list[str] = PydField(default_factory=list)
    notes: str = ""


class Grade(RubricScores, table=True):
    __table_args__ = (
        UniqueConstraint("item_id", "reviewer", "round", name="uq_grade_item_reviewer_round"),
    )
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="reviewitem.id", index=True)
    round: int = 1
    reviewer: str = Field(index=True, max_length=200)
    citation_verdicts: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON))
    reference_answer: str = ""  # redacted
    expected_chunk_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    notes: str = ""  # redacted
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())

    def rubric(self) -> dict[str, int | bool]:
        return {f: getattr(self, f) for f in RUBRIC_FIELDS}


# --- Golden cases and their exports ------------------------------------------------------

GoldenStatus = Literal["active", "stale", "superseded"]


class GoldenCase(SQLModel, table=True):
    """An approved review: the question, the reference and the evidence, pinned.

    ``cited`` and ``expected`` pin chunks as ``{chunk_id, content_hash, document,
    document_id}``; ``document_hashes`` pins each document's content hash at approval, so a
    re-ingested change or a deletion marks the case stale.
    """

    id: str = Field(primary_key=True, max_length=40)
    item_id: int | None = Field(default=None, index=True)
    source_interaction_id: str | None = Field(default=None, index=True, max_length=32)
    status: str = Field(default="active", index=True, max_length=16)
    stale_reason: str | None = None
    user_input: str  # the question as it stands alone (a follow-up, rewritten)
    # A follow-up's conversation up to it: [{"role": "user"|"assistant", "content": ...}],
    # as stored (redacted), the follow-up as asked last; empty for a first question.
    conversation: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON))
    response: str
    reference: str
    retrieved_contexts: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    reference_contexts: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    cited: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    expected: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    document_hashes: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON))
    config_version: str = Field(default="", max_length=64)
    should_refuse: bool = False
    grades: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    citation_verdicts: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON))
    reviewer_count: int = 1
    agreement: float | None = None
    approved_by: str = Field(max_length=200)
    approved_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
    origin: str = Field(default="review", max_length=16)  # review | import
    # The groups a reader must hold to see this case (identity.groups.requirement); NULL
    # when unknown (approved before access was recorded): shown to nobody.
    access: list[list[str]] | None = Field(default=None, sa_column=Column(JSON))
    # Where an imported case came from: the file's approver, date and dataset version.
    provenance: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class GoldenExport(SQLModel, table=True):
    """One export snapshot: its manifest, kept so a dataset version can be traced."""

    version: int | None = Field(default=None, primary_key=True)
    format: str = Field(max_length=16)
    count: int
    sha256: str = Field(max_length=64)
    filters: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    case_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    groups: list[str] | None = Field(default=None, sa_column=Column(JSON))  # the exporter's
    # What makes an export this version (its cases' content and filters), and its files.
    fingerprint: str = Field(default="", max_length=64)
    files: dict[str, str] | None = Field(default=None, sa_column=Column(JSON))  # format: sha


class EvalRun(SQLModel, table=True):
    """One replay of a dataset against one exact configuration (review/evaluation)."""

    id: str = Field(primary_key=True, max_length=32)
    status: str = Field(default="running", index=True, max_length=16)  # running|complete|incomplete
    started_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
    finished_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    started_by: str = Field(max_length=200)
    dataset: str = Field(max_length=200)
    dataset_version: str = Field(max_length=64)
    cases: int = 0  # cases in the run (each replayed ``repeat`` times)
    excluded: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    config_version: str = Field(index=True, max_length=64)
    config: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    generator_model: str = Field(max_length=200)
    generator_endpoint: str = Field(max_length=500)
    embedder: str = Field(max_length=200)
    index_fingerprint: str = Field(max_length=64)
    judge: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    repeat: int = 1
    options: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    reader_groups: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    summary: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    seconds: float = 0.0


class EvalResult(SQLModel, table=True):
    """One case of a run, one repetition: the answer, what it cited, its scores."""

    __table_args__ = (UniqueConstraint("run_id", "case_id", "repetition"),)
    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(index=True, max_length=32)
    case_id: str = Field(max_length=40)
    repetition: int = 0
    should_refuse: bool = False
    stale: bool = False
    passed: bool = False
    outcome: str = Field(max_length=16)
    why: str = ""
    mode: str = Field(default="", max_length=16)
    fallback_reason: str | None = None
    answer: str = ""  # redacted like every stored answer
    reference: str = ""
    question: str = ""
    citations: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    retrieved: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    scores: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    latency: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost: float | None = None
    # What a reader must hold to see this result (the case's and the answer's passages).
    access: list[list[str]] | None = Field(default=None, sa_column=Column(JSON))
