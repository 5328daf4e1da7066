"""The Insights page's queries at 100,000 interactions (with feedback) on SQLite and on
PostgreSQL: each query timed alone, for a month and for a week, over all answers and
narrowed to one document; against the peer that pulls every row of the period into pandas
and counts there, in the same session.

    python -m benchmarks.insights [--rows 100000] [--database-url URL] [--repeat 5]

Without ``--database-url`` a fresh SQLite file in a temporary folder. The synthetic log:
30 days, 500 people, 4,000 conversations, 60 documents (one to three cited per answer,
one more retrieved), a quarter of the answers rated, one in twenty graded by a reviewer,
fallbacks and refusals at the rates the sample set shows, one answer in twenty retried,
one question in a hundred failed, each refused question with a
vector near one of 40 topics (content gaps). Goal (issue 16): each query ≤ 500 ms on 2 cores.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select

from assistant.answering.interactions import AnswerFailure, Interaction, InteractionDocument
from assistant.identity.groups import Reader
from assistant.storage import db
from benchmarks.report import write_report
from review.insights import Period, gaps, queries
from review.models import Feedback, Grade, ReviewItem

ROOT = Path(__file__).resolve().parents[1]
LAST_DAY = date(2026, 11, 30)
DAYS = 30
BATCH = 5000
GAP_DIM = 384  # MiniLM's
FALLBACKS = [None] * 14 + ["unverified", "figure", "unavailable", "slow", "not_found"]


def fill(engine: Any, rows: int, seed: int = 5) -> float:
    """``rows`` interactions with their documents and feedback; seconds it took."""
    rng = random.Random(seed)
    docs = [f"data/doc-{k:02d}.md" for k in range(60)]
    t0 = time.perf_counter()
    i_rows: list[dict] = []
    d_rows: list[dict] = []
    f_rows: list[dict] = []
    r_rows: list[dict] = []
    g_rows: list[dict] = []
    x_rows: list[dict] = []
    # Unanswered questions about 40 topics: each a direction, each question near one
    topics = np.random.default_rng(seed).standard_normal((40, GAP_DIM)).astype(np.float32)

    def flush() -> None:
        with engine.begin() as conn:
            conn.execute(Interaction.__table__.insert(), i_rows)
            for table, values in ((InteractionDocument, d_rows), (Feedback, f_rows),
                                  (ReviewItem, r_rows), (Grade, g_rows),
                                  (AnswerFailure, x_rows)):  # fmt: skip
                if values:
                    conn.execute(table.__table__.insert(), values)
        for values in (i_rows, d_rows, f_rows, r_rows, g_rows, x_rows):
            values.clear()

    start = datetime.combine(LAST_DAY - timedelta(days=DAYS - 1), datetime.min.time(), UTC)
    for k in range(rows):
        at = start + timedelta(seconds=rng.randrange(DAYS * 86400))
        refused = rng.random() < 0.12
        iid = f"{k:032x}"
        i_rows.append({
            "id": iid, "created_at": at, "user_id": f"user{rng.randrange(500)}",
            "conversation_id": f"c{rng.randrange(4000)}", "question": "q",
            "standalone_query": "q", "answer": "a", "mode": "refused" if refused else "generated",
            "refused": refused, "refusal_reason": None, "citations": [], "retrieval": [],
            "pii_entities": [], "model": rng.choice(["qwen2.5-coder-1.5b-instruct", "gpt-4o-mini"]),
            "config_version": rng.choice(["default-a", "default-b", "candidate-c"]),
            "prompt_version": "p", "prompt_tokens": rng.randrange(200, 1500),
            "completion_tokens": rng.randrange(20, 200), "latency_ms": {}, "cached": False,
            "details": {}, "access": [["everyone"]],
            "fallback": None if refused else rng.choice(FALLBACKS),
            "follow_up": rng.random() < 0.3, "retrieve_ms": rng.uniform(10, 90),
            "first_token_ms": None if refused else rng.uniform(400, 12000),
            "total_ms": rng.uniform(100, 30000), "best_similarity": rng.uniform(0.2, 0.9),
            "gap_vector": _near(topics[rng.randrange(40)], rng) if refused else None,
            "retries": rng.choice([0] * 19 + [1]),
        })  # fmt: skip
        if rng.random() < 0.01:  # a question that got no answer (a step failed)
            x_rows.append({
                "id": f"f{k:031x}", "created_at": at, "user_id": "u", "conversation_id": "c",
                "question": "q", "config_version": "default-a", "error": "DependencyUnavailable",
                "step": rng.choice(["retrieve", "generate", "store"]), "request_id": "r",
            })  # fmt: skip
        cited = [] if refused else rng.sample(docs, rng.randrange(1, 4))
        for d in sorted(set(cited) | {rng.choice(docs)}):
            d_rows.append({"interaction_id": iid, "document": d, "cited": d in cited,
                           "created_at": at})  # fmt: skip
        if rng.random() < 0.25:
            f_rows.append({
                "interaction_id": iid, "user_id": "rater", "rating": rng.choice([1, 1, -1]),
                "reason": rng.choice(["wrong", "incomplete", "citation", None]),
                "comment": None, "correct_answer": None, "correct_source": None,
                "created_at": at, "updated_at": at,
            })  # fmt: skip
        if rng.random() < 0.05:  # graded by a reviewer
            r_rows.append({
                "id": k + 1, "interaction_id": iid, "status": "graded", "reason": "sampled",
                "priority": 3, "documents": [], "asked_at": at, "required_reviews": 1,
                "round": 1, "claimed_by": None, "claim_expires_at": None, "version": 2,
                "updated_at": at,
            })  # fmt: skip
            g_rows.append({
                "item_id": k + 1, "round": 1, "reviewer": f"reviewer{rng.randrange(5)}",
                "correctness": rng.randint(1, 5), "groundedness": rng.randint(1, 5),
                "completeness": rng.randint(1, 5), "helpfulness": rng.randint(1, 5),
                "should_have_refused": False, "safety_issue": False, "citation_verdicts": {},
                "reference_answer": "", "expected_chunk_ids": [], "notes": "",
                "created_at": at + timedelta(hours=2), "updated_at": at,
            })  # fmt: skip
        if len(i_rows) >= BATCH:
            flush()
    if i_rows:
        flush()
    return time.perf_counter() - t0


def _near(topic: np.ndarray, rng: random.Random) -> bytes:
    noise = np.random.default_rng(rng.randrange(2**32)).standard_normal(GAP_DIM)
    v = (topic + 0.6 * noise).astype(np.float32)
    return (v / np.linalg.norm(v)).tobytes()


def time_gaps(engine: Any, period: Period, repeat: int) -> float:
    """Median ms of grouping the period's unanswered questions (SQL sample, then numpy)."""
    ms = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        gaps(engine, Reader("lead", ("everyone",)), period, GAP_DIM)
        ms.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(ms), 1)


def time_queries(engine: Any, period: Period, repeat: int) -> dict[str, float]:
    """Median ms of each of the page's queries (each run ``repeat`` times, first one warm)."""
    out = {}
    statements = queries(period)
    for measure in ("first_token_ms", "retrieve_ms"):
        statements[f"speed ({measure})"] = queries(period, measure)["speed"]
    with engine.connect() as conn:
        for name, statement in statements.items():
            conn.execute(statement).all()  # warm the cache
            ms = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                conn.execute(statement).all()
                ms.append((time.perf_counter() - t0) * 1000)
            out[name] = round(statistics.median(ms), 1)
    return out


def pandas_peer(engine: Any, period: Period, repeat: int) -> float:
    """The peer: every interaction of the period pulled into pandas, counted by day there
    (one of the page's figures, so the comparison flatters the peer)."""
    i = Interaction.__table__.c
    start = datetime.combine(period.since, datetime.min.time(), UTC)
    end = datetime.combine(period.until + timedelta(days=1), datetime.min.time(), UTC)
    statement = select(i.created_at, i.user_id, i.refused, i.fallback, i.total_ms).where(
        i.created_at >= start, i.created_at < end
    )
    ms = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        with engine.connect() as conn:
            rows = conn.execute(statement).all()
        frame = pd.DataFrame(rows, columns=list(statement.selected_columns.keys()))
        frame["day"] = pd.to_datetime(frame["created_at"]).dt.date
        frame.groupby("day").agg(
            questions=("user_id", "size"), askers=("user_id", "nunique"),
            refused=("refused", "sum"), p95=("total_ms", lambda s: s.quantile(0.95)),
        )  # fmt: skip
        ms.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(ms), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" /
                        "insights.json")  # fmt: skip
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'insights.db'}"
    engine = db.make_engine(url)
    db.migrate(engine)
    seconds = fill(engine, args.rows)
    print(f"{args.rows:,} interactions written in {seconds:.0f}s", file=sys.stderr)
    month = Period(since=LAST_DAY - timedelta(days=DAYS - 1), until=LAST_DAY)
    week = Period.last_days(7, today=LAST_DAY)
    one_document = month.model_copy(update={"document": "data/doc-07.md"})
    result: dict[str, Any] = {
        "database": engine.dialect.name,
        "rows": args.rows,
        "fill_seconds": round(seconds, 1),
    }
    for label, period in (("month", month), ("week", week), ("month, one document", one_document)):
        timed = time_queries(engine, period, args.repeat)
        timed["content gaps (SQL + grouping)"] = time_gaps(engine, period, 3)
        peer = pandas_peer(engine, period, args.repeat)
        result[label] = {
            "queries_ms": timed,
            "slowest_ms": max(timed.values()),
            "all_queries_ms": round(sum(timed.values()), 1),
            "pandas_peer_ms (one figure)": peer,
            "ratio_all_queries_to_pandas_peer": round(sum(timed.values()) / peer, 2),
        }
        print(label, result[label], file=sys.stderr)
    write_report(result, args.out)
    engine.dispose()


if __name__ == "__main__":
    main()
