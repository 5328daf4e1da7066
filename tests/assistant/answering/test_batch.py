"""Answering in a loop: one question that fails fails alone, in the library and the CLI.

The failing question is a real failure at the edge we cannot run here: the hosted
embeddings provider (``FakeOpenAI``, a loopback server speaking the OpenAI protocol)
refuses its input with HTTP 400, as a provider's content filter does. Weaviate, SQL and
the pipeline are the real ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_openai import Reply
from helpers import assistant_cli
from stack import Stack

from assistant.answering.batch import answer_each, describe
from assistant.answering.interactions import get_interaction
from assistant.answering.pipeline import Asker
from assistant.runtime.stack import Runtime

pytestmark = pytest.mark.integration

POISON = "zebra"  # the provider refuses any input holding this word
QUESTIONS = [
    (1, "How many days of paid annual leave do full-time employees get?"),
    (2, "What is the nightly hotel limit in London?"),
    ("q-3", f"Is there a {POISON} crossing policy for the office car park?"),
    (4, "How do I report a lost laptop?"),
    (5, "How much notice must employees give before they leave?"),
]
REPLY = "Full-time employees receive 28 days of paid annual leave per calendar year [1]."


@pytest.fixture()
def hosted(runtime: Runtime, corpus: Path) -> Iterator[Stack]:
    """Generation and embeddings from the fake provider; Weaviate and SQL real."""
    s = Stack(runtime.settings, corpus, hosted_embeddings=True)
    s.fake.refuse_words = {POISON}
    s.fake.default = Reply(text=REPLY)
    yield s
    s.close()


def test_one_failing_question_leaves_the_others_answered(hosted: Stack) -> None:
    outcomes = list(answer_each(hosted.pipeline(), QUESTIONS, asker=Asker(user_id="tester")))
    assert [o.id for o in outcomes] == [qid for qid, _ in QUESTIONS]
    failed = [o for o in outcomes if o.answer is None]
    assert [o.id for o in failed] == ["q-3"]
    assert "Embeddings endpoint" in (failed[0].error or "")
    assert "content filter" in (failed[0].error or "")
    answered = [o.answer for o in outcomes if o.answer is not None]
    assert len(answered) == 4
    for answer in answered:
        assert answer.interaction_id is not None
        assert get_interaction(hosted.rt.engine, answer.interaction_id) is not None


def test_ask_questions_reports_the_failed_one_on_its_own_line(
    hosted: Stack, tmp_path: Path
) -> None:
    questions = tmp_path / "questions.jsonl"
    questions.write_text("".join(json.dumps({"id": i, "question": q}) + "\n" for i, q in QUESTIONS))
    env = hosted.environment()
    done = assistant_cli("ask", "--questions", str(questions), "--json", env=env)
    assert done.returncode == 3, done.stderr  # some failed, the rest answered
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["id"] for line in lines] == [qid for qid, _ in QUESTIONS]
    errors = {line["id"]: line["error"] for line in lines if "error" in line}
    assert list(errors) == ["q-3"] and "content filter" in errors["q-3"]
    assert all("answer" in line for line in lines if line["id"] != "q-3")
    assert "error: question q-3: Embeddings endpoint" in done.stderr
    assert "Traceback" not in done.stderr

    # Every question failing is a failure of the command.
    poisoned = tmp_path / "poisoned.jsonl"
    poisoned.write_text(
        "".join(json.dumps({"id": i, "question": f"{POISON} question {i}?"}) + "\n" for i in (1, 2))
    )
    done = assistant_cli("ask", "--questions", str(poisoned), "--json", env=env)
    assert done.returncode == 1
    assert [json.loads(line)["id"] for line in done.stdout.splitlines()] == [1, 2]
    assert all('"error"' in line for line in done.stdout.splitlines())


@pytest.mark.postgres
def test_control_characters_in_questions_are_answered_and_not_stored_on_postgresql(
    runtime: Runtime, corpus: Path, own_postgres_url: str
) -> None:
    """PostgreSQL refuses NUL in text: such a question used to fail when it was logged."""
    stack = Stack(runtime.settings, corpus, database_url=own_postgres_url)
    try:
        stack.fake.default = Reply(text=REPLY)
        questions = [
            (1, "How many days of paid\x00 annual leave do full-time employees get?"),
            (2, "What is the nightly hotel limit in London?\x1b[31m"),
        ]
        outcomes = list(answer_each(stack.pipeline(), questions, asker=Asker(user_id="tester")))
        assert [o.error for o in outcomes] == [None, None]
        for outcome in outcomes:
            assert outcome.answer is not None and outcome.answer.interaction_id
            row = get_interaction(stack.rt.engine, outcome.answer.interaction_id)
            assert row is not None and row.question
            assert "\x00" not in row.question and "\x1b" not in row.question
    finally:
        stack.close()


def test_an_unexpected_error_is_described_on_one_short_line() -> None:
    assert describe(KeyError("1.3")) == "KeyError: '1.3'"
    long = describe(ValueError("first line\n[SQL: " + "x" * 1000 + "]"))
    assert long.startswith("ValueError: first line [SQL: ") and len(long) == 300
    assert "\n" not in long
