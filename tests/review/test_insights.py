"""Insights computed in SQL, on SQLite and PostgreSQL, against the same figures counted in
Python from the rows the test wrote: use, trust, speed (nearest-rank percentiles), errors,
feedback reasons, and the documents answers cite, named only to readers who may read them."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, text, update
from sqlalchemy.engine import Engine

from assistant.answering.config import ModelPrice
from assistant.answering.interactions import AnswerFailure, Interaction, InteractionDocument
from assistant.config import Settings
from assistant.identity.groups import Reader
from assistant.index.chunks import DocumentRecord
from assistant.index.embeddings import make_embedder
from assistant.storage import db
from review.insights import Period, examples, gaps, insights
from review.models import EvalResult, EvalRun, Feedback, Grade, ReviewItem

DAY0 = date(2026, 11, 30)
DOCS = {"data/handbook.md": ("everyone",), "data/it-faq.html": ("everyone",),
        "data/salaries.md": ("hr",), "data/travel.docx": ("everyone",)}  # fmt: skip
FALLBACKS = [None, None, None, "unverified", "figure", "unavailable", "slow"]


def _document(path: str, groups: tuple[str, ...]) -> DocumentRecord:
    return DocumentRecord(id=path, source="data", path=path, title=path, content_hash="h",
                          pipeline_version="p", chunk_count=1, size_bytes=1,
                          access_groups=groups, ingested_at=datetime.now(UTC))  # fmt: skip


@pytest.fixture()
def engine(database_url: str) -> Iterator[Engine]:
    engine = db.make_engine(database_url)
    db.migrate(engine)
    yield engine
    engine.dispose()


def _fill(engine: Engine, n: int = 240, seed: int = 7) -> list[dict]:
    """``n`` interactions over four days, with feedback on some; what was written."""
    rng = random.Random(seed)
    written = []
    with db.session_scope(engine) as session:
        for k in range(n):
            day = DAY0 + timedelta(days=k % 4)
            at = datetime(day.year, day.month, day.day, rng.randrange(24), rng.randrange(60),
                          tzinfo=UTC)  # fmt: skip
            refused = rng.random() < 0.15
            fallback = None if refused else rng.choice(FALLBACKS)
            cited = [] if refused else rng.sample(sorted(DOCS), rng.randrange(1, 3))
            seen = sorted(set(cited) | {rng.choice(sorted(DOCS))})
            row = {
                "id": f"i{k:04d}", "at": at, "day": day, "user": f"u{rng.randrange(9)}",
                "conversation": f"c{rng.randrange(30)}", "follow_up": rng.random() < 0.3,
                "refused": refused, "fallback": fallback, "config": rng.choice(["v1", "v2"]),
                "retrieve_ms": round(rng.uniform(5, 80), 1),
                "first_token_ms": None if refused else round(rng.uniform(300, 9000), 1),
                "total_ms": round(rng.uniform(50, 20000), 1), "cited": cited, "seen": seen,
                "prompt_tokens": rng.randrange(100, 900), "completion_tokens": rng.randrange(90),
                "rating": rng.choice([None, None, 1, -1]),
                "reason": rng.choice(["wrong", "incomplete", None]),
                "retries": rng.choice([0, 0, 0, 1, 2]),
            }  # fmt: skip
            written.append(row)
            session.add(
                Interaction(
                    id=row["id"], created_at=at, user_id=row["user"],
                    conversation_id=row["conversation"], question="q", standalone_query="q",
                    answer="a", mode="refused" if refused else "generated", refused=refused,
                    model="m", config_version=row["config"], fallback=fallback,
                    follow_up=row["follow_up"], retrieve_ms=row["retrieve_ms"],
                    first_token_ms=row["first_token_ms"], total_ms=row["total_ms"],
                    prompt_tokens=row["prompt_tokens"],
                    completion_tokens=row["completion_tokens"], retries=row["retries"],
                )
            )  # fmt: skip
            session.flush()
            for d in seen:
                session.add(InteractionDocument(interaction_id=row["id"], document=d,
                                                cited=d in cited, created_at=at))  # fmt: skip
            if row["rating"] is not None:
                session.add(Feedback(interaction_id=row["id"], user_id=row["user"],
                                     rating=row["rating"], reason=row["reason"]))  # fmt: skip
    return written


def _fail(engine: Engine, n: int = 20, seed: int = 3) -> list[SimpleNamespace]:
    """``n`` questions that got no answer, over the same four days."""
    rng = random.Random(seed)
    failures = []
    for k in range(n):
        step = rng.choice(["retrieve", "generate"])  # failing while the model wrote: after
        failures.append(dict(                        # an hr-only passage was retrieved
            id=f"f{k:03d}",
            created_at=datetime.combine(DAY0 + timedelta(days=k % 4), time(rng.randrange(24)), UTC),
            user_id="u1", conversation_id="c1", question=f"failed question {k}",
            config_version=rng.choice(["v1", "v2"]), step=step,
            error="DependencyUnavailable", request_id=f"r{k}",
            access=[] if step == "retrieve" else [["hr"]],
        ))  # fmt: skip
    with db.session_scope(engine) as session:
        session.add_all([AnswerFailure(**f) for f in failures])
    return [SimpleNamespace(**f) for f in failures]


def _nearest(values: list[float], p: int) -> float | None:
    ordered = sorted(values)
    return ordered[math.ceil(len(ordered) * p / 100) - 1] if ordered else None


def test_every_figure_is_what_the_rows_say(engine: Engine) -> None:
    rows = _fill(engine)
    failures = _fail(engine)
    documents = [_document(p, g) for p, g in DOCS.items()]
    period = Period(since=DAY0, until=DAY0 + timedelta(days=3))
    prices = {"m": ModelPrice(input_per_million=2.0, output_per_million=8.0)}
    got = insights(engine, documents, Reader("lena", ("everyone",)), period, prices)

    assert [d.day for d in got.days] == [DAY0 + timedelta(days=k) for k in range(4)]
    for d in got.days:
        mine = [r for r in rows if r["day"] == d.day]
        assert d.questions == len(mine)
        assert d.askers == len({r["user"] for r in mine})
        assert d.conversations == len({r["conversation"] for r in mine})
        assert d.follow_ups == sum(r["follow_up"] for r in mine)
        assert d.refused == sum(r["refused"] for r in mine)
        assert d.not_verified == sum(r["fallback"] in ("unverified", "figure") for r in mine)
        assert d.model_failed == sum(r["fallback"] in ("unavailable", "slow") for r in mine)
        assert d.with_feedback == sum(r["rating"] is not None for r in mine)
        assert d.negative == sum(r["rating"] == -1 for r in mine)
        assert d.prompt_tokens == sum(r["prompt_tokens"] for r in mine)

    speed = list(got.speed)
    for measure in ("first_token_ms", "retrieve_ms"):
        speed += insights(engine, documents, Reader("lena", ("everyone",)), period, prices,
                          measure).speed  # fmt: skip
    assert {s.measure for s in got.speed} == {"total_ms"} and len(speed) == 4 * 2 * 3
    for s in speed:
        values = [
            r[s.measure]
            for r in rows
            if (r["day"], r["config"]) == (s.day, s.config_version) and r[s.measure] is not None
        ]
        assert (s.p50, s.p95, s.answers) == (_nearest(values, 50), _nearest(values, 95),
                                             len(values)), s  # fmt: skip

    for t in got.tokens:  # one model: a row a day
        mine = [r for r in rows if r["day"] == t.day]
        useful = [r for r in mine if not r["refused"] and r["rating"] != -1]
        spent = sum(r["prompt_tokens"] * 2.0 + r["completion_tokens"] * 8.0 for r in mine) / 1e6
        assert (t.model, t.answers, t.useful) == ("m", len(mine), len(useful))
        assert t.cost == pytest.approx(spent) and t.cost_per_useful_answer == pytest.approx(
            spent / len(useful)
        )
    assert len(got.tokens) == 4

    negative = [r for r in rows if r["rating"] == -1]
    assert {x.reason: x.count for x in got.reasons} == {
        reason or "no reason given": sum((r["reason"] or "no reason given") ==
                                         (reason or "no reason given") for r in negative)
        for reason in {r["reason"] for r in negative}
    }  # fmt: skip

    for e in got.errors:  # quoted instead (by kind), retried, failed at a step
        if e.kind == "retried":
            mine = [r for r in rows if r["day"] == e.day and r["retries"] > 0]
        elif e.kind.startswith("failed at "):
            mine = [{"id": f.id} for f in failures
                    if (f.created_at.date(), f"failed at {f.step}") == (e.day, e.kind)]  # fmt: skip
        else:
            mine = [r for r in rows if r["day"] == e.day and r["fallback"] == e.kind]
        assert e.count == len(mine) and e.example in {r["id"] for r in mine}, e
        if e.source == "answer":
            assert e.example_question is None  # its access is unknown (NULL): shown to nobody
        else:  # a failure's question is shown where its retrieved passages may be read
            failed = next(f for f in failures if f.id == e.example)
            readable = failed.access == []  # the hr-only ones are not, to this reader
            assert e.example_question == (failed.question if readable else None), e
    kinds = [e.kind for e in got.errors]
    assert sum(e.count for e in got.errors if e.source == "failure") == len(failures)
    assert sum(e.count for e in got.errors if e.kind == "retried") == sum(
        r["retries"] > 0 for r in rows
    )
    assert sum(e.count for e in got.errors if e.kind in FALLBACKS) == sum(
        r["fallback"] is not None for r in rows
    )
    assert "retried" in kinds and "failed at retrieve" in kinds
    # Opened: an answer of unknown access shows its steps' kinds, never its text.
    some = next(e for e in got.errors if e.source == "answer")
    shown = examples(engine, [("answer", some.example)], Reader("lena", ("everyone",)))
    assert shown[some.example].question is None and shown[some.example].answer is None

    # Documents: the hr-only one is counted, never named, to a reader without hr.
    counts = {d: sum(d in r["cited"] for r in rows) for d in DOCS}
    assert {c.document: c.answers for c in got.top_cited} == {
        d: n for d, n in counts.items() if d != "data/salaries.md"
    }
    assert got.cited_hidden == counts["data/salaries.md"] > 0
    hr = insights(engine, documents, Reader("hanna", ("everyone", "hr")), period)
    assert {c.document for c in hr.top_cited} == set(DOCS) and hr.cited_hidden == 0


def test_a_document_and_a_config_version_narrow_every_figure(engine: Engine) -> None:
    rows = _fill(engine, n=120, seed=11)
    failures = _fail(engine)
    with db.session_scope(engine) as session:  # every answer readable by everyone
        session.execute(update(Interaction.__table__).values(access=[["everyone"]]))
    documents = [_document(p, g) for p, g in DOCS.items()]
    month = Period(since=DAY0, until=DAY0 + timedelta(days=3))
    errors = insights(engine, documents, Reader("lena", ("everyone",)), month).errors
    assert errors and all(e.example_question == "q" for e in errors if e.source == "answer")
    opened = next(e.example for e in errors if e.source == "answer")
    seen = examples(engine, [("answer", opened)], Reader("lena", ("everyone",)))[opened]
    assert (seen.question, seen.answer) == ("q", "a")
    with db.session_scope(engine) as session:  # now it drew on an hr-only passage
        i = Interaction.__table__.c
        session.execute(update(Interaction.__table__).where(i.id == opened).values(access=[["hr"]]))
    for reader, question in ((Reader("lena", ("everyone",)), None), (Reader("h", ("hr",)), "q")):
        assert examples(engine, [("answer", opened)], reader)[opened].question == question
    with db.session_scope(engine) as session:
        session.execute(update(Interaction.__table__).values(access=[["everyone"]]))
    period = Period(since=DAY0, until=DAY0 + timedelta(days=3), document="data/travel.docx",
                    config_version="v2")  # fmt: skip
    got = insights(engine, documents, Reader("lena", ("everyone",)), period)
    mine = [r for r in rows if "data/travel.docx" in r["seen"] and r["config"] == "v2"]
    assert sum(d.questions for d in got.days) == len(mine) > 0
    assert {s.config_version for s in got.speed} == {"v2"}
    assert all(e.source == "answer" for e in got.errors)  # a failure retrieved no document
    v2 = Period(since=DAY0, until=DAY0 + timedelta(days=3), config_version="v2")
    failed = [e for e in insights(engine, documents, Reader("l", ()), v2).errors
              if e.source == "failure"]  # fmt: skip
    assert sum(e.count for e in failed) == sum(f.config_version == "v2" for f in failures) > 0
    # Open to a group: answers that retrieved a document that group may read.
    hr = Period(since=DAY0, until=DAY0 + timedelta(days=3), group="hr",
                group_documents=("data/salaries.md",))  # fmt: skip
    got = insights(engine, documents, Reader("lena", ("everyone",)), hr)
    assert sum(d.questions for d in got.days) == sum("data/salaries.md" in r["seen"] for r in rows)
    # Outside the period: nothing.
    later = Period(since=DAY0 + timedelta(days=10), until=DAY0 + timedelta(days=12))
    empty = insights(engine, documents, Reader("lena", ("everyone",)), later)
    assert empty.days == [] and empty.speed == [] and empty.top_cited == []
    assert empty.never_cited == sorted(d for d, g in DOCS.items() if g == ("everyone",))


def test_grades_over_time_and_the_latest_pass_rate_of_each_config(engine: Engine) -> None:
    rows = _fill(engine, n=40, seed=3)
    day1 = datetime(2026, 12, 1, 9, tzinfo=UTC)
    with db.session_scope(engine) as session:
        for k, row in enumerate(rows[:6]):
            item = ReviewItem(interaction_id=row["id"], reason="sampled", priority=1,
                              asked_at=row["at"])  # fmt: skip
            session.add(item)
            session.flush()
            session.add(Grade(item_id=item.id, reviewer="rita", correctness=1 + k % 5,
                              groundedness=5, completeness=3, helpfulness=2,
                              created_at=day1 + timedelta(days=k % 2)))  # fmt: skip
        # v1: an old run that failed everything, then a newer one passing 3 of 4;
        # v2: a finished run passing 1 of 2 and a newer one still running (not counted).
        runs = [("old", "v1", 0, "complete", [False, False]),
                ("new", "v1", 1, "complete", [True, True, True, False]),
                ("v2done", "v2", 0, "complete", [True, False]),
                ("v2live", "v2", 2, "running", [True])]  # fmt: skip
        for run_id, version, hours, status, passed in runs:
            at = day1 + timedelta(hours=hours)
            session.add(EvalRun(id=run_id, status=status, started_at=at, finished_at=at,
                                started_by="lena", dataset="starter", dataset_version="s",
                                config_version=version, generator_model="m",
                                generator_endpoint="e", embedder="x",
                                index_fingerprint="f"))  # fmt: skip
            for n, ok in enumerate(passed):
                session.add(EvalResult(run_id=run_id, case_id=f"c{n}", passed=ok,
                                       outcome="pass" if ok else "fail"))  # fmt: skip
    documents = [_document(p, g) for p, g in DOCS.items()]
    period = Period(since=DAY0, until=DAY0 + timedelta(days=5))
    got = insights(engine, documents, Reader("lena", ("everyone",)), period)
    assert [(g.day, g.grades) for g in got.grades] == [(date(2026, 12, 1), 3),
                                                        (date(2026, 12, 2), 3)]  # fmt: skip
    assert got.grades[0].correctness == pytest.approx((1 + 3 + 5) / 3)
    assert got.grades[1].groundedness == 5 and got.grades[1].helpfulness == 2
    assert {(p.config_version, p.run_id, p.cases, p.pass_rate) for p in got.eval_passes} == {
        ("v1", "new", 4, 0.75), ("v2", "v2done", 2, 0.5)
    }  # fmt: skip


GYM = [
    "How do I expense a gym membership?",
    "Can I claim my gym subscription back?",
    "Is the fitness studio fee reimbursed?",
    "Does the company pay for my gym?",
]
WIFI = [
    "What is the wifi password in the Munich office?",
    "How do I connect to the guest wifi in Munich?",
    "guest wlan password munich",
]
ALONE = ["When is the christmas party?"]  # fmt: skip


def test_unanswered_questions_are_grouped_by_meaning_and_shown_only_where_readable(
    engine: Engine,
) -> None:
    embedder = make_embedder(Settings())
    asked = [(q, [["everyone"]]) for q in GYM + ALONE] + [(q, [["it"]]) for q in WIFI]
    with db.session_scope(engine) as session:
        for k, (question, access) in enumerate(asked):
            at = datetime(2026, 11, 30 if k % 2 else 28, 12, k, tzinfo=UTC)
            session.add(Interaction(
                id=f"g{k}", created_at=at, user_id="u", conversation_id=f"c{k}",
                question=question, standalone_query=question, answer="no", mode="refused",
                refused=True, model="m", config_version="v", access=access,
                gap_vector=embedder.embed_query(question).astype("float32").tobytes(),
            ))  # fmt: skip
        session.add(Interaction(id="answered", created_at=datetime(2026, 11, 29, tzinfo=UTC),
                                user_id="u", conversation_id="c", question="q",
                                standalone_query="q", answer="a", model="m",
                                config_version="v"))  # fmt: skip
    period = Period(since=date(2026, 11, 27), until=date(2026, 11, 30))
    found = gaps(engine, Reader("lena", ("everyone",)), period, embedder.dim)
    assert (found.grouped, found.unanswered) == (8, 8)
    assert [g.questions for g in found.groups] == [4, 3, 1]
    gym, wifi, alone = found.groups
    assert gym.label in GYM and set(gym.examples) <= set(GYM) and gym.unreadable == 0
    assert (gym.earlier, gym.later) == (2, 2)
    # The wifi questions needed "it": counted, never shown to a lead without it.
    assert wifi.label is None and wifi.examples == [] and wifi.unreadable == 3
    assert alone.label == ALONE[0]
    it = gaps(engine, Reader("ivan", ("everyone", "it")), period, embedder.dim)
    assert next(g for g in it.groups if g.questions == 3).label in WIFI
    # A lead in no group at all holds "everyone" only: the wifi questions stay counts.
    nobody = gaps(engine, Reader("nora", ()), period, embedder.dim)
    by_size = {g.questions: g for g in nobody.groups}
    assert by_size[4].label in GYM and by_size[3].label is None and by_size[3].examples == []
    # Vectors of another embedder (kept from before a change) are left out, not mixed in.
    with db.session_scope(engine) as session:
        session.add(Interaction(
            id="old", created_at=datetime(2026, 11, 29, tzinfo=UTC), user_id="u",
            conversation_id="c", question="q", standalone_query="q", answer="a", model="m",
            config_version="v", refused=True, gap_vector=b"\0" * 64 * 4,
        ))  # fmt: skip
    assert gaps(engine, Reader("lena", ("everyone",)), period, embedder.dim).grouped == 8
    # More than it groups: an even sample over the period, and it says so.
    sample = gaps(engine, Reader("lena", ("everyone",)), period, embedder.dim, most=4)
    assert (sample.grouped, sample.unanswered) == (4, 8)


@pytest.mark.postgres
def test_days_are_utc_days_whatever_the_database_time_zone(own_postgres_url: str) -> None:
    name = own_postgres_url.rsplit("/", 1)[1]
    admin = create_engine(own_postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # a server whose clock is New York's
        conn.execute(text(f"ALTER DATABASE \"{name}\" SET timezone TO 'America/New_York'"))
    admin.dispose()
    engine = db.make_engine(own_postgres_url)
    db.migrate(engine)
    late = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    with db.session_scope(engine) as session:
        session.add(Interaction(id="late", created_at=late, user_id="u", conversation_id="c",
                                question="q", standalone_query="q", answer="a", model="m",
                                config_version="v"))  # fmt: skip
    with db.session_scope(engine) as session:
        assert session.get(Interaction, "late").created_at == late
    got = insights(engine, [], Reader("lena", ("everyone",)), Period(since=DAY0, until=DAY0))
    assert [(d.day, d.questions) for d in got.days] == [(DAY0, 1)]
    engine.dispose()
