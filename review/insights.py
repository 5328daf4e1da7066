"""How the assistant is doing over a period, computed in SQL (aggregates only: no row is
pulled into Python to be counted): use, trust, speed, errors, tokens and the documents
answers cite. The same queries run on SQLite and PostgreSQL (percentiles by nearest rank
over window functions, which both have).

Access: counts are shown to every lead; a document is named only to a reader who may read
it (documents they may not read are summed into one line, never named).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel
from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    cast,
    distinct,
    func,
    literal,
    select,
    true,
    union_all,
)
from sqlalchemy.engine import Engine

from assistant.answering.answer import Trace
from assistant.answering.config import ModelPrice
from assistant.answering.interactions import AnswerFailure, Interaction, InteractionDocument
from assistant.identity.groups import Reader, may_read, may_read_all
from assistant.index.chunks import DocumentRecord
from assistant.storage import db
from review.models import SCALE_FIELDS, EvalResult, EvalRun, Feedback, Grade, ReviewItem

# The kinds of fallback that mean the model's answer was not shown (QUOTED_BECAUSE)
NOT_VERIFIED = ("unverified", "figure", "unchecked", "not_found")
FAILED = ("unavailable", "slow")
RETRIED = "retried"  # an error kind: answers whose requests to the model were sent again
FAILED_AT = "failed at "  # an error kind's start: no answer, a step failed ("failed at retrieve")
Source = Literal["answer", "failure"]  # an interaction, or a question that got no answer
PERCENTILES = (50, 95)
Measure = Literal["total_ms", "first_token_ms", "retrieve_ms"]  # whole answer, first word, search
TOP_CITED = 15
# Paraphrases of one question sit at 0.6-0.75 cosine with MiniLM, unrelated questions under
# 0.4 (measured on hand-written pairs); against a group's mean a paraphrase scores higher.
GAP_SIMILARITY = 0.5
GAP_QUESTIONS = 2000  # the latest unanswered questions grouped
GAP_EXAMPLES = 3


class Period(BaseModel):
    """Which answers: logged from ``since`` to ``until`` (whole days, UTC), optionally only
    those that retrieved ``document``, or answered with ``config_version``."""

    since: date
    until: date
    document: str | None = None
    config_version: str | None = None
    # Only answers that retrieved a document this group may read (``group_documents``, the
    # index's documents open to it, filled in by ``ReviewDesk.insights``)
    group: str | None = None
    group_documents: tuple[str, ...] = ()

    @classmethod
    def last_days(cls, days: int, today: date | None = None) -> Period:
        end = today or datetime.now(UTC).date()
        return cls(since=end - timedelta(days=days - 1), until=end)


class Day(BaseModel):
    day: date
    questions: int
    askers: int
    conversations: int
    follow_ups: int
    refused: int
    not_verified: int  # the model's answer did not verify: its quotes were shown
    model_failed: int  # the model was down or too slow: quotes were shown
    with_feedback: int
    negative: int
    prompt_tokens: int
    completion_tokens: int


class Speed(BaseModel):
    day: date
    config_version: str
    measure: Measure
    p50: float | None
    p95: float | None
    answers: int


class Reason(BaseModel):
    reason: str
    count: int


class ErrorDay(BaseModel):
    day: date
    # a fallback kind (``unavailable``, ``slow``, ``figure``, ...), ``retried``, or
    # ``failed at <step>`` (no answer: Weaviate down, a bug)
    kind: str
    count: int  # answers (or questions that got none)
    example: str  # one of that day and kind: an interaction's id, or a failure's
    source: Source = "answer"  # which of the two ``example`` is
    example_question: str | None = None  # its question, if this reader may read its passages


class Example(BaseModel):
    """One answer, or one question that got none, behind an error figure."""

    id: str
    source: Source
    asked_at: datetime
    question: str | None  # None: it drew on a document this reader may not read
    answer: str | None = None  # as stored (redacted), Markdown; None as for the question
    why: str | None = None  # why it was quoted, or which step failed
    retries: int = 0
    request_id: str | None = None  # a failure's (an answer's is in its trace)
    trace: Trace | None = None  # its steps: kinds and timings, no text


class Tokens(BaseModel):
    """Tokens and their estimated cost per day and model (the price list of the answering
    config; zero for a model that is not on it, such as the local one)."""

    day: date
    model: str
    answers: int
    useful: int  # answers neither refused nor thumbed down
    prompt_tokens: int
    completion_tokens: int
    cost: float = 0.0

    @property
    def cost_per_answer(self) -> float:
        return self.cost / self.answers if self.answers else 0.0

    @property
    def cost_per_useful_answer(self) -> float | None:
        return self.cost / self.useful if self.useful else None


class GradesDay(BaseModel):
    """Reviewers' mean grades (1-5) of the answers graded that day."""

    day: date
    grades: int
    correctness: float
    groundedness: float
    completeness: float
    helpfulness: float


class EvalPass(BaseModel):
    """The golden-case pass rate of the latest finished eval run of a config version."""

    config_version: str
    run_id: str
    dataset: str
    finished_at: datetime
    cases: int
    pass_rate: float


class Gap(BaseModel):
    """Questions the documents could not answer, grouped by meaning: what to write next."""

    label: str | None  # its most typical question this reader may read (None: none of them)
    questions: int
    earlier: int  # asked in the first half of the period
    later: int  # and in the second half: the trend
    examples: list[str]  # a few more of its questions this reader may read
    unreadable: int  # its questions that need groups this reader lacks (counted, not shown)


class CitedDocument(BaseModel):
    document: str
    answers: int  # answers in the period that cited it
    title: str = ""


class Insights(BaseModel):
    period: Period
    askers: int  # distinct people who asked in the period
    conversations: int
    days: list[Day]
    speed: list[Speed]
    reasons: list[Reason]
    errors: list[ErrorDay]
    tokens: list[Tokens]
    grades: list[GradesDay]
    eval_passes: list[EvalPass]
    gaps: Gaps
    top_cited: list[CitedDocument]
    cited_hidden: int  # answers citing documents the reader may not read (not named)
    never_cited: list[str]  # readable documents in the index no answer of the period cited


def insights(
    engine: Engine,
    documents: Sequence[DocumentRecord],
    reader: Reader,
    period: Period,
    prices: Mapping[str, ModelPrice] | None = None,
    measure: Measure = "total_ms",
    dim: int = 384,
) -> Insights:
    """Every figure of the Insights page for ``period``, as ``reader`` may see it
    (``documents``: what the index holds, with who may read each)."""
    q = queries(period, measure)
    with db.session_scope(engine) as session:
        conn = session.connection()
        days = [Day(**r._mapping) for r in conn.execute(q["days"])]
        askers, conversations = conn.execute(q["people"]).one()
        speed = [_speed_row(r) for r in conn.execute(q["speed"])]
        reasons = [Reason(**r._mapping) for r in conn.execute(q["reasons"])]
        errors = [ErrorDay(**r._mapping) for r in conn.execute(q["errors"])]
        tokens = [_priced(Tokens(**r._mapping), prices or {}) for r in conn.execute(q["tokens"])]
        cited = [CitedDocument(**r._mapping) for r in conn.execute(q["cited"])]
        grades = [GradesDay(**r._mapping) for r in conn.execute(q["grades"])]
        eval_passes = [EvalPass(**r._mapping) for r in conn.execute(q["eval_passes"])]
    errors = _with_questions(engine, errors, reader)
    readable = readable_paths(documents, reader.groups)
    titles = {d.path: d.title for d in documents}
    shown = [c.model_copy(update={"title": titles[c.document]}) for c in cited
             if c.document in readable]  # fmt: skip
    hidden = sum(c.answers for c in cited if c.document not in readable)
    cited_paths = {c.document for c in cited}
    return Insights(
        period=period,
        askers=askers,
        conversations=conversations,
        days=days,
        speed=speed,
        reasons=reasons,
        errors=errors,
        tokens=tokens,
        grades=grades,
        eval_passes=eval_passes,
        gaps=gaps(engine, reader, period, dim),
        top_cited=shown[:TOP_CITED],
        cited_hidden=hidden,
        never_cited=sorted(readable - cited_paths),
    )


def readable_paths(documents: Sequence[DocumentRecord], groups: Sequence[str]) -> set[str]:
    """The paths of ``documents`` a reader holding ``groups`` may read."""
    return {d.path for d in documents if may_read(groups, d.access_groups)}


# -- the queries -----------------------------------------------------------------------
def queries(period: Period, measure: Measure = "total_ms") -> dict[str, Any]:
    """Every statement the page runs, by name (``benchmarks/insights.py`` times each)."""
    return {
        "days": _days(period),
        "people": _people(period),
        "speed": _speed(period, measure),
        "reasons": _reasons(period),
        "errors": _errors(period),
        "tokens": _tokens(period),
        "cited": _cited(period),
        "grades": _grades(period),
        "eval_passes": _eval_passes(),
    }


def _bounds(period: Period) -> tuple[datetime, datetime]:
    start = datetime.combine(period.since, time.min, UTC)
    return start, datetime.combine(period.until + timedelta(days=1), time.min, UTC)


def _window(period: Period) -> Any:
    """Answers logged in the period, narrowed as it says."""
    start, end = _bounds(period)
    i = Interaction.__table__.c
    return and_(i.created_at >= start, i.created_at < end, _filters(period))


def _filters(period: Period) -> Any:
    """The period's narrowing by config version and document (true when it has none)."""
    i = Interaction.__table__.c
    conditions = [true()]
    if period.config_version:
        conditions.append(i.config_version == period.config_version)
    d = InteractionDocument.__table__.c
    if period.document:
        conditions.append(i.id.in_(select(d.interaction_id).where(d.document == period.document)))
    if period.group is not None:
        docs = list(period.group_documents)
        conditions.append(i.id.in_(select(d.interaction_id).where(d.document.in_(docs))))
    return and_(*conditions)


def _day() -> Any:
    return func.date(Interaction.__table__.c.created_at)


def _days(period: Period) -> Any:
    i = Interaction.__table__.c
    f = Feedback.__table__.c
    # Probes of feedback's interaction_id index, one per answer (a join of the feedback
    # grouped by answer made PostgreSQL loop over it for every answer: 6 s at 100k rows).
    rated = select(f.interaction_id).where(f.interaction_id == i.id).exists()
    thumbed_down = select(f.interaction_id).where(f.interaction_id == i.id, f.rating < 0).exists()
    day = _day().label("day")
    return (
        select(
            day,
            func.count().label("questions"),
            func.count(distinct(i.user_id)).label("askers"),
            func.count(distinct(i.conversation_id)).label("conversations"),
            _sum(i.follow_up).label("follow_ups"),
            _sum(i.refused).label("refused"),
            _sum(i.fallback.in_(NOT_VERIFIED)).label("not_verified"),
            _sum(i.fallback.in_(FAILED)).label("model_failed"),
            _sum(rated).label("with_feedback"),
            _sum(thumbed_down).label("negative"),
            func.coalesce(func.sum(i.prompt_tokens), 0).label("prompt_tokens"),
            func.coalesce(func.sum(i.completion_tokens), 0).label("completion_tokens"),
        )
        .where(_window(period))
        .group_by(day)
        .order_by(day)
    )


def _people(period: Period) -> Any:
    i = Interaction.__table__.c
    return select(func.count(distinct(i.user_id)), func.count(distinct(i.conversation_id))).where(
        _window(period)
    )


def _sum(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _speed(period: Period, measure: Measure) -> Any:
    """p50 and p95 of one measure by nearest rank, per day and config version (one measure
    a query: each is a sort of the period's answers, the page's costliest step)."""
    i = Interaction.__table__.c
    value = i[measure]
    ranked = (
        select(
            _day().label("day"),
            i.config_version.label("config_version"),
            literal(measure, String(16)).label("measure"),
            value.label("value"),
            func.row_number()
            .over(partition_by=(_day(), i.config_version), order_by=value)
            .label("rank"),
            func.count().over(partition_by=(_day(), i.config_version)).label("n"),
        )
        .where(_window(period), value.is_not(None))
        .subquery()
    )
    r = ranked.c
    picks = [
        func.max(case((r.rank == _nearest_rank(r.n, p), r.value))).label(f"p{p}")
        for p in PERCENTILES
    ]
    return (
        select(r.day, r.config_version, r.measure, *picks, func.max(r.n).label("answers"))
        .group_by(r.day, r.config_version, r.measure)
        .order_by(r.day, r.config_version, r.measure)
    )


def _nearest_rank(n: Any, p: int) -> Any:
    """ceil(n * p / 100) by integer division, the same on both databases."""
    return cast((n * p + 99).self_group().op("/")(100), Integer)


def _reasons(period: Period) -> Any:
    i = Interaction.__table__.c
    f = Feedback.__table__.c
    reason = func.coalesce(f.reason, "no reason given")
    return (
        select(reason.label("reason"), func.count().label("count"))
        .select_from(Feedback.__table__.join(Interaction.__table__, f.interaction_id == i.id))
        .where(_window(period), f.rating < 0)
        .group_by(reason)
        .order_by(func.count().desc())
    )


def _errors(period: Period) -> Any:
    """Per day and kind: answers quoted instead (their fallback), answers whose model
    requests were retried, and questions that got no answer (a failed step). Failures
    retrieved no document, so a document or group filter leaves them out."""
    i = Interaction.__table__.c
    day = _day().label("day")
    answer = cast(literal("answer"), String).label("source")
    fallbacks = (
        select(day, i.fallback.label("kind"), func.count().label("count"),
               func.min(i.id).label("example"), answer)
        .where(_window(period), i.fallback.is_not(None))
        .group_by(day, i.fallback)
    )  # fmt: skip
    retried = (
        select(day, cast(literal(RETRIED), String).label("kind"), func.count().label("count"),
               func.min(i.id).label("example"), answer)
        .where(_window(period), i.retries > 0)
        .group_by(day)
    )  # fmt: skip
    parts = [fallbacks, retried]
    if period.document is None and period.group is None:
        f = AnswerFailure.__table__.c
        start, end = _bounds(period)
        fday = func.date(f.created_at).label("day")
        version = f.config_version == period.config_version if period.config_version else true()
        parts.append(
            select(fday, (cast(literal(FAILED_AT), String) + f.step).label("kind"),
                   func.count().label("count"), func.min(f.id).label("example"),
                   cast(literal("failure"), String).label("source"))
            .where(f.created_at >= start, f.created_at < end, version)
            .group_by(fday, f.step)
        )  # fmt: skip
    every = union_all(*parts).subquery()
    return select(every).order_by(every.c.day, every.c.kind)


def _with_questions(engine: Engine, errors: list[ErrorDay], reader: Reader) -> list[ErrorDay]:
    """Each error's example with its (stored, redacted) question where ``reader`` may read
    every passage its answer drew on (a failure, those it had retrieved)."""
    found = examples(engine, [(e.source, e.example) for e in errors], reader)
    return [
        e.model_copy(update={"example_question": found[e.example].question})
        if e.example in found
        else e
        for e in errors
    ]


def examples(
    engine: Engine, refs: Sequence[tuple[Source, str]], reader: Reader
) -> dict[str, Example]:
    """The answers and failed questions ``refs`` names, by id, as ``reader`` may see them:
    an answer's question and text only where they may read every passage it drew on."""
    i = Interaction.__table__.c
    f = AnswerFailure.__table__.c
    answers = [ref for source, ref in refs if source == "answer"]
    failures = [ref for source, ref in refs if source == "failure"]
    out: dict[str, Example] = {}
    with db.session_scope(engine) as session:
        conn = session.connection()
        if answers:
            cols = (i.id, i.created_at, i.question, i.answer, i.access, i.details, i.retries)
            for r in conn.execute(select(*cols).where(i.id.in_(answers))):
                readable = may_read_all(reader.groups, r.access)
                details = r.details or {}
                trace = details.get("trace")
                out[r.id] = Example(
                    id=r.id,
                    source="answer",
                    asked_at=db.as_utc(r.created_at),
                    question=r.question if readable else None,
                    answer=r.answer if readable else None,
                    why=details.get("fallback_reason"),
                    retries=r.retries,
                    trace=Trace.model_validate(trace) if trace else None,
                )
        if failures:
            for r in conn.execute(select(f).where(f.id.in_(failures))):
                out[r.id] = Example(
                    id=r.id,
                    source="failure",
                    asked_at=db.as_utc(r.created_at),
                    question=r.question if may_read_all(reader.groups, r.access) else None,
                    why=f"no answer: the {r.step} step failed ({r.error})",
                    request_id=r.request_id,
                )
    return out


def _grades(period: Period) -> Any:
    """Grades given in the period (by when they were given), of answers in the filter."""
    g = Grade.__table__.c
    r = ReviewItem.__table__.c
    i = Interaction.__table__.c
    start, end = _bounds(period)
    day = func.date(g.created_at).label("day")
    return (
        select(
            day,
            func.count().label("grades"),
            *(func.avg(g[f]).label(f) for f in SCALE_FIELDS),
        )
        .select_from(
            Grade.__table__.join(ReviewItem.__table__, r.id == g.item_id).join(
                Interaction.__table__, i.id == r.interaction_id
            )
        )
        .where(g.created_at >= start, g.created_at < end, _filters(period))
        .group_by(day)
        .order_by(day)
    )


def _eval_passes() -> Any:
    """Per config version, its latest finished run and the share of its cases that passed
    (every repetition counted)."""
    e = EvalRun.__table__.c
    x = EvalResult.__table__.c
    latest = (
        select(e.config_version, func.max(e.started_at).label("started_at"))
        .where(e.status == "complete")
        .group_by(e.config_version)
        .subquery()
    )
    return (
        select(
            e.config_version,
            e.id.label("run_id"),
            e.dataset,
            e.finished_at,
            func.count(x.id).label("cases"),
            func.avg(case((x.passed, 1.0), else_=0.0)).label("pass_rate"),
        )
        .select_from(
            EvalRun.__table__.join(
                latest,
                and_(
                    latest.c.config_version == e.config_version,
                    latest.c.started_at == e.started_at,
                ),
            ).join(EvalResult.__table__, x.run_id == e.id)
        )
        .where(e.status == "complete")
        .group_by(e.config_version, e.id, e.dataset, e.finished_at)
        .order_by(e.finished_at)
    )


class Gaps(BaseModel):
    groups: list[Gap]
    grouped: int  # unanswered questions grouped
    unanswered: int  # of this many in the period (more than ``grouped``: an even sample)


def gaps(
    engine: Engine,
    reader: Reader,
    period: Period,
    dim: int,
    similarity: float = GAP_SIMILARITY,
    most: int = GAP_QUESTIONS,
) -> Gaps:
    """The period's unanswered questions with a stored vector of ``dim`` floats (the
    embedder's now: vectors of another kept from before a change are left out), in groups
    of similar meaning, largest first; at most ``most`` of them, spread evenly over the
    period when there are more. Each question joins the group whose mean is closest, if
    within ``similarity`` (cosine), else starts one; the means are then recomputed and
    every question placed once more. A group is labelled by the member closest to its mean
    that the reader may read (``may_read_all`` on what the answer's passages required;
    unknown access shows nothing)."""
    i = Interaction.__table__.c
    mine = and_(_window(period), i.gap_vector.is_not(None),
                func.length(i.gap_vector) == dim * 4)  # fmt: skip
    ranked = select(
        i.created_at, i.question, i.standalone_query, i.access, i.gap_vector,
        func.row_number().over(order_by=(i.created_at, i.id)).label("n"),
    ).where(mine).subquery()  # fmt: skip
    with db.session_scope(engine) as session:
        conn = session.connection()
        unanswered = conn.execute(select(func.count()).select_from(Interaction.__table__)
                                  .where(mine)).scalar_one()  # fmt: skip
        step = max(1, -(-unanswered // most))  # every step-th question, oldest first
        rows = conn.execute(select(ranked).where(ranked.c.n % step == 0)).all()
    if not rows:
        return Gaps(groups=[], grouped=0, unanswered=unanswered)
    vectors = np.stack([np.frombuffer(r.gap_vector, dtype=np.float32) for r in rows])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True).clip(1e-12)
    start, end = _bounds(period)
    middle = start + (end - start) / 2
    out = []
    for members in sorted(_groups(vectors, similarity), key=len, reverse=True):
        mean = vectors[members].mean(axis=0)
        typical = sorted(members, key=lambda m: -float(vectors[m] @ mean))
        readable = [m for m in typical if may_read_all(reader.groups, rows[m].access)]
        texts = list(dict.fromkeys(rows[m].standalone_query or rows[m].question for m in readable))
        later = sum(_utc(rows[m].created_at) >= middle for m in members)
        out.append(
            Gap(
                label=texts[0] if texts else None,
                questions=len(members),
                earlier=len(members) - later,
                later=later,
                examples=texts[1 : GAP_EXAMPLES + 1],
                unreadable=len(members) - len(readable),
            )
        )
    return Gaps(groups=out, grouped=len(rows), unanswered=unanswered)


def _groups(vectors: np.ndarray, similarity: float) -> list[list[int]]:
    """Leader grouping, then one pass against the groups' means (matrix products)."""
    n_vectors, dim = vectors.shape
    means = np.empty((0, dim), dtype=np.float32)
    kept: list[list[int]] = []
    for _ in range(2):
        table = np.empty((len(means) + n_vectors, dim), dtype=np.float32)
        table[: len(means)] = means
        k = len(means)
        placed = np.empty(n_vectors, dtype=int)
        for n, v in enumerate(vectors):
            if k:
                sims = table[:k] @ v
                best = int(sims.argmax())
                if sims[best] >= similarity:
                    placed[n] = best
                    continue
            table[k] = v
            placed[n] = k
            k += 1
        kept = [m for g in range(k) if (m := np.flatnonzero(placed == g).tolist())]
        means = np.asarray([_unit(vectors[m].mean(axis=0)) for m in kept], dtype=np.float32)
    return kept


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-12)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _tokens(period: Period) -> Any:
    i = Interaction.__table__.c
    f = Feedback.__table__.c
    thumbed_down = select(f.interaction_id).where(f.rating < 0)
    day = _day().label("day")
    return (
        select(
            day,
            i.model,
            func.count().label("answers"),
            _sum(and_(i.refused.is_(False), i.id.not_in(thumbed_down))).label("useful"),
            func.coalesce(func.sum(i.prompt_tokens), 0).label("prompt_tokens"),
            func.coalesce(func.sum(i.completion_tokens), 0).label("completion_tokens"),
        )
        .where(_window(period))
        .group_by(day, i.model)
        .order_by(day, i.model)
    )


def _priced(t: Tokens, prices: Mapping[str, ModelPrice]) -> Tokens:
    price = prices.get(t.model)
    if price is not None:
        t.cost = (
            t.prompt_tokens * price.input_per_million
            + t.completion_tokens * price.output_per_million
        ) / 1e6
    return t


def _cited(period: Period) -> Any:
    d = InteractionDocument.__table__.c
    answers = func.count().label("answers")
    in_period = select(Interaction.__table__.c.id).where(_window(period))
    return (
        select(d.document, answers)
        .where(d.cited, d.interaction_id.in_(in_period))
        .group_by(d.document)
        .order_by(answers.desc(), d.document)
    )


# -- rows ------------------------------------------------------------------------------
def _speed_row(r: Any) -> Speed:
    m = r._mapping
    return Speed(
        day=_date(m["day"]),
        config_version=m["config_version"],
        measure=m["measure"],
        p50=m["p50"],
        p95=m["p95"],
        answers=m["answers"],
    )


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
