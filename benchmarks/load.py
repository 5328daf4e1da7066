"""Load: askers and reviewers at once, on loopback, through the app's code path.

    python -m benchmarks.load [--askers 20] [--reviewers 5] [--seconds 120]
                              [--model smollm2-135m-instruct] [--database-url URL]

A fresh data dir with its own Weaviate, the local model server and SQLite (or the
PostgreSQL at ``--database-url``). ``askers`` threads each ask the sample questions in a
loop through ``Pipeline.stream`` (what the Ask page calls) and give a thumbs-down to
every third answer; ``reviewers`` threads work the review queue through ``ReviewDesk``
(what the Review page calls): claim the first free item, grade it. For ``seconds``.

Then it checks what was stored against what the threads saw: every answer returned has
exactly one interaction row, every saved feedback and grade is there once, nothing else
is. Reported: answers, errors (a claim lost to another reviewer is contention, counted
apart), p50/p95 of time to the first shown text and to the final answer. The bound is
the one model server that 2 cores allow: it answers one question at a time, so latency
here is mostly queueing for it.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from sqlmodel import func, select

from assistant.answering.answer import Answer
from assistant.answering.interactions import Interaction
from assistant.answering.pipeline import Asker, Pipeline
from assistant.config import PROJECT_ROOT, Settings
from assistant.errors import AssistantError
from assistant.identity.groups import Reader
from assistant.runtime.stack import Runtime
from assistant.storage import db
from benchmarks.report import write_report
from benchmarks.sample_answers import ANSWERABLE, NOT_COVERED
from review.desk import ReviewDesk
from review.feedback import record_feedback
from review.models import Feedback, FeedbackCreate, Grade, GradeInput
from review.queue import ConflictError, NotFound, QueueFilter

QUESTIONS = [q for q, _, _ in ANSWERABLE] + NOT_COVERED
GRADE = GradeInput(correctness=4, groundedness=4, completeness=4, helpfulness=4)


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(int(q * len(ordered)), len(ordered) - 1)], 1)


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answers: list[str] = []
        self.feedback: list[str] = []
        self.grades: list[int] = []
        self.first_ms: list[float] = []
        self.total_ms: list[float] = []
        self.errors: Counter[str] = Counter()
        self.contention = 0

    def error(self, where: str, err: BaseException) -> None:
        with self.lock:
            self.errors[f"{where}: {type(err).__name__}: {str(err)[:120]}"] += 1


def asker(rt: Runtime, pipe: Pipeline, n: int, until: float, tally: Tally) -> None:
    rnd = random.Random(n)
    who = Asker(f"asker{n}")
    asked = 0
    while time.monotonic() < until:
        question = rnd.choice(QUESTIONS)
        started, first, final = time.monotonic(), None, None
        try:
            for event in pipe.stream(question, asker=who, conversation_id=who.user_id):
                if first is None:
                    first = time.monotonic()
                if isinstance(event, Answer):
                    final = event
        except Exception as err:  # counted, and the asker goes on
            tally.error("ask", err)
            continue
        done = time.monotonic()
        assert final is not None and final.interaction_id
        with tally.lock:
            tally.answers.append(final.interaction_id)
            tally.first_ms.append(((first or done) - started) * 1000)
            tally.total_ms.append((done - started) * 1000)
        asked += 1
        if asked % 3 == 0:
            try:
                record_feedback(
                    rt.engine,
                    FeedbackCreate(interaction_id=final.interaction_id, rating=-1, reason="wrong"),
                    user_id=who.user_id,
                )
                with tally.lock:
                    tally.feedback.append(final.interaction_id)
            except Exception as err:
                tally.error("feedback", err)


def reviewer(rt: Runtime, n: int, until: float, tally: Tally) -> None:
    desk = ReviewDesk(rt, Reader(f"reviewer{n}"))
    rnd = random.Random(1000 + n)
    while time.monotonic() < until:
        try:
            free = [e for e in desk.queue(QueueFilter(statuses=("new",))) if not e.claimed_by]
            if not free:
                time.sleep(0.5)
                continue
            entry = rnd.choice(free[:5])
            held = desk.claim(entry.item_id, entry.version)
            desk.grade(entry.item_id, GRADE, held.version)
            with tally.lock:
                tally.grades.append(entry.item_id)
        except (ConflictError, NotFound):
            with tally.lock:
                tally.contention += 1  # another reviewer was first: expected, told, nothing lost
        except AssistantError as err:
            tally.error("review", err)
        except Exception as err:
            tally.error("review", err)


def check_stored(rt: Runtime, tally: Tally) -> dict:
    with db.session_scope(rt.engine) as session:
        ids = list(session.exec(select(Interaction.id)).all())
        feedback = session.exec(select(func.count()).select_from(Feedback)).one()
        grades = session.exec(select(func.count()).select_from(Grade)).one()
    return {
        "answers_returned": len(tally.answers),
        "interactions_stored": len(ids),
        "answers_missing_in_the_log": len(set(tally.answers) - set(ids)),
        "log_rows_no_answer_returned": len(set(ids) - set(tally.answers)),
        "duplicate_answer_ids": len(tally.answers) - len(set(tally.answers)),
        "feedback_saved": len(tally.feedback),
        "feedback_stored": int(feedback),
        "grades_saved": len(tally.grades),
        "grades_stored": int(grades),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--askers", type=int, default=20)
    parser.add_argument("--reviewers", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--model", default="smollm2-135m-instruct")
    parser.add_argument("--database-url", help="PostgreSQL (default: SQLite in the data dir)")
    parser.add_argument(
        "--out", type=Path, default=PROJECT_ROOT / "benchmarks" / "results" / "load.json"
    )
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    settings = Settings(data_dir=data_dir, local_model=args.model, database_url=args.database_url)
    rt = Runtime(settings)
    rt.start(lambda m: print(m, file=sys.stderr))
    try:
        rt.ingest([PROJECT_ROOT / "data"])
        pipe = Pipeline(rt, use_cache=False)
        tally = Tally()
        until = time.monotonic() + args.seconds
        threads = [
            threading.Thread(target=asker, args=(rt, pipe, i, until, tally))
            for i in range(args.askers)
        ] + [
            threading.Thread(target=reviewer, args=(rt, i, until, tally))
            for i in range(args.reviewers)
        ]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        stored = check_stored(rt, tally)
    finally:
        rt.stop()
    consistent = (
        stored["answers_returned"] == stored["interactions_stored"]
        and not stored["answers_missing_in_the_log"]
        and not stored["log_rows_no_answer_returned"]
        and not stored["duplicate_answer_ids"]
        and stored["feedback_saved"] == stored["feedback_stored"]
        and stored["grades_saved"] == stored["grades_stored"]
    )
    write_report(
        {
            "askers": args.askers,
            "reviewers": args.reviewers,
            "seconds": round(elapsed, 1),
            "model": args.model,
            "database": "postgresql" if args.database_url else "sqlite",
            "answers_per_minute": round(len(tally.answers) / elapsed * 60, 1),
            "errors": sum(tally.errors.values()),
            "error_kinds": dict(tally.errors),
            "review_contention": tally.contention,
            "stored_matches_what_was_seen": consistent,
            "stored": stored,
            "first_shown_ms_p50": pct(tally.first_ms, 0.5),
            "first_shown_ms_p95": pct(tally.first_ms, 0.95),
            "answer_ms_p50": pct(tally.total_ms, 0.5),
            "answer_ms_p95": pct(tally.total_ms, 0.95),
            "answer_ms_mean": round(statistics.fmean(tally.total_ms), 1)
            if tally.total_ms
            else None,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
