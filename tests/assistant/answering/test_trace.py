"""Each answer's trace: its steps kept with the interaction and shown to reviewers, its
request id on every log line of it, and the same spans sent over OTLP/HTTP to a real
receiver on loopback (GenAI semantic conventions), never carrying the question's text."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_openai import Reply
from otlp_receiver import OtlpReceiver
from sqlmodel import select
from stack import Stack

from assistant.answering import telemetry
from assistant.answering.batch import answer_each
from assistant.answering.interactions import AnswerFailure, get_interaction
from assistant.answering.pipeline import Asker
from assistant.errors import DependencyUnavailable
from assistant.runtime import logs
from assistant.runtime.logs import JsonLines
from assistant.runtime.stack import Runtime
from assistant.storage import db

pytestmark = pytest.mark.integration

USER = Asker(user_id="tracer")
LEAVE = "How many days of paid annual leave do full-time employees get?"
REPLY = "Full-time employees receive 28 days of paid annual leave per calendar year [1]."
STEPS = ["guard", "rewrite", "cache", "embed", "retrieve", "preview", "generate", "verify",
         "store"]  # fmt: skip


@pytest.fixture()
def stack(runtime: Runtime, corpus: Path) -> Iterator[Stack]:
    s = Stack(runtime.settings, corpus)
    yield s
    s.close()


def test_an_answer_keeps_its_steps_and_its_log_lines_carry_its_request_id(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    stack.fake.default = Reply(text=REPLY)
    caplog.set_level(logging.INFO, logger="assistant")
    answer = stack.pipeline().ask(LEAVE, asker=USER)
    trace = answer.trace
    assert trace is not None and answer.mode == "generated"
    assert [s.name for s in trace.spans] == STEPS
    for before, after in zip(trace.spans, trace.spans[1:], strict=False):
        assert after.start_ms >= before.start_ms + before.duration_ms - 0.2, (before, after)
    generate = trace.spans[STEPS.index("generate")]
    assert generate.outcome == "ok" and generate.attributes["model"] == "fake-model"
    assert generate.attributes["prompt_tokens"] == 321
    assert 0 < generate.attributes["shown_first_ms"] <= generate.attributes["last_token_at_ms"]
    assert trace.spans[STEPS.index("verify")].outcome == "verified"
    assert trace.spans[-1].start_ms + trace.spans[-1].duration_ms <= answer.latency.total_ms + 1
    # Stored with the interaction, as the reviewer's detail reads it.
    row = get_interaction(stack.rt.engine, answer.interaction_id)
    assert row is not None and row.details["trace"] == trace.model_dump()
    # One line for the answer, and every line of it carries its request id; no question text.
    mine = [r for r in caplog.records if getattr(r, "request_id", "-") == trace.request_id]
    assert any(r.getMessage().startswith("answered: mode=generated") for r in mine)
    assert "generate=" in next(r.getMessage() for r in mine if "answered" in r.getMessage())
    assert all("annual leave" not in r.getMessage() for r in caplog.records)
    line = json.loads(JsonLines().format(mine[-1]))
    assert line["request_id"] == trace.request_id and line["level"] == "INFO"


def test_a_model_that_is_down_and_a_refusal_show_in_their_steps(stack: Stack) -> None:
    stack.fake.default = Reply(status=500)
    down = stack.pipeline(max_retries=0).ask(LEAVE, asker=USER)
    assert down.trace is not None
    steps = {s.name: s for s in down.trace.spans}
    assert steps["generate"].outcome == "unavailable"
    assert steps["verify"].outcome == "quoted instead: unavailable"
    refused = stack.pipeline().ask("Who won the 1954 football world cup?", asker=USER)
    assert refused.refused and refused.trace is not None
    names = [s.name for s in refused.trace.spans]
    assert names == ["guard", "rewrite", "cache", "embed", "retrieve", "store"]
    assert refused.trace.spans[4].outcome.startswith("refused")
    assert down.trace.request_id != refused.trace.request_id
    # The refused question keeps its vector for grouping content gaps; the answered one not.
    gap = get_interaction(stack.rt.engine, refused.interaction_id)
    assert gap is not None and gap.gap_vector is not None
    assert len(gap.gap_vector) == 4 * stack.rt.embedder.dim
    assert get_interaction(stack.rt.engine, down.interaction_id).gap_vector is None


def test_spans_go_out_over_otlp_with_the_genai_conventions(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver = OtlpReceiver()
    telemetry.shutdown()  # a provider made before this test would hold another endpoint
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint)
    monkeypatch.setenv("OTEL_SERVICE_NAME", "kb-under-test")
    try:
        stack.fake.default = Reply(text=REPLY)
        answer = stack.pipeline().ask(LEAVE, asker=USER)
        assert telemetry.flush()
    finally:
        telemetry.shutdown()
        receiver.close()
    assert answer.trace is not None
    assert set(receiver.paths) == {"/v1/traces"}
    spans = {s.name: s for s in receiver.spans}
    root = spans["answer"]
    assert root.attributes["knowledge_assistant.request_id"] == answer.trace.request_id
    assert root.attributes["knowledge_assistant.interaction_id"] == answer.interaction_id
    assert root.service == "kb-under-test"
    assert {s.trace_id for s in receiver.spans} == {root.trace_id}
    children = [s for s in receiver.spans if s is not root]
    assert {s.parent_span_id for s in children} == {root.span_id}
    embedder = f"embeddings {stack.rt.embedder.name}"
    expected = [*STEPS, "log"]
    expected[STEPS.index("embed")], expected[STEPS.index("generate")] = embedder, "chat fake-model"
    assert sorted(s.name for s in children) == sorted(expected)
    chat = spans["chat fake-model"]
    assert chat.attributes["gen_ai.operation.name"] == "chat"
    assert chat.attributes["gen_ai.provider.name"] == "openai"
    assert chat.attributes["gen_ai.request.model"] == "fake-model"
    assert chat.attributes["gen_ai.usage.input_tokens"] == 321
    assert chat.attributes["server.address"] == "127.0.0.1"
    assert chat.events == ["gen_ai.first_token"]
    embed = spans[embedder]
    assert embed.attributes["gen_ai.operation.name"] == "embeddings"
    assert root.start_ns <= min(s.start_ns for s in children)
    assert root.end_ns >= max(s.end_ns for s in children)
    said = json.dumps([s.attributes for s in receiver.spans])
    assert "annual leave" not in said and "tracer" not in said  # no question, no asker


def test_a_stream_left_open_does_not_label_other_log_lines(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    stack.fake.default = Reply(text=REPLY)
    caplog.set_level(logging.INFO, logger="assistant")
    stream = stack.pipeline().stream(LEAVE, asker=USER)
    while not isinstance(next(stream), str):  # until the model's first words are on screen
        pass
    logging.getLogger("assistant.elsewhere").warning("unrelated")
    (unrelated,) = [r for r in caplog.records if r.getMessage() == "unrelated"]
    assert unrelated.request_id == "-"
    stream.close()  # the reader stops: the stopped answer is logged under its own id
    stopped = [r for r in caplog.records if r.getMessage().startswith("answered: mode=")]
    assert stopped and stopped[-1].request_id not in ("-", None)


def test_retried_model_requests_are_counted_with_the_answer(stack: Stack) -> None:
    stack.fake.replies.extend([Reply(status=503), Reply(status=429), Reply(text=REPLY)])
    answer = stack.pipeline(max_retries=2).ask(LEAVE, asker=USER)
    assert answer.mode == "generated" and answer.retries == 2
    assert answer.trace is not None
    generate = next(s for s in answer.trace.spans if s.name == "generate")
    assert generate.attributes["retries"] == 2
    row = get_interaction(stack.rt.engine, answer.interaction_id)
    assert row is not None and row.retries == 2
    # Retried to the end and still failing: the quoted answer, with every retry counted.
    stack.fake.replies.extend([Reply(status=503)] * 2)
    quoted = stack.pipeline(max_retries=1).ask(LEAVE, asker=USER, fresh=True)
    assert quoted.fallback == "unavailable" and quoted.retries == 1
    plain = stack.pipeline().ask(LEAVE, asker=USER, fresh=True)
    assert plain.retries == 0


def test_an_answer_that_fails_is_stored_and_logged_under_its_request_id(
    runtime: Runtime,
    corpus: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The question's embedding is refused (a hosted provider's filter): no answer. The
    failure is stored with its step and kind, never the error's text, its spans go out over
    OTLP marked as an error, and the error reaches the caller tagged with the request id
    every line about it carries."""
    s = Stack(runtime.settings, corpus, hosted_embeddings=True)
    caplog.set_level(logging.INFO, logger="assistant")
    receiver = OtlpReceiver()
    telemetry.shutdown()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint)
    try:
        s.fake.refuse_words = {"forbiddenword"}
        with pytest.raises(DependencyUnavailable) as failed:
            s.pipeline().ask("Is the forbiddenword allowed at the office?", asker=USER)
        assert telemetry.flush()
        request_id = logs.of(failed.value)
        spans = {x.name: x for x in receiver.spans}
        assert spans["answer"].attributes["knowledge_assistant.request_id"] == request_id
        assert spans["answer"].attributes["error.type"] == "DependencyUnavailable"
        assert spans["answer"].status_code == spans["retrieve"].status_code == 2  # ERROR
        assert "forbiddenword" not in json.dumps([x.attributes for x in receiver.spans])
        assert request_id != "-"
        lines = [r.getMessage() for r in caplog.records if r.request_id == request_id]
        assert "The answer failed at its retrieve step (DependencyUnavailable)." in lines
        assert all("forbiddenword" not in r.getMessage() for r in caplog.records)
        with db.session_scope(s.rt.engine) as session:
            rows = session.exec(select(AnswerFailure).where(AnswerFailure.request_id == request_id))
            stored = [(r.step, r.error, r.user_id, r.question, r.access) for r in rows]
        question = "Is the forbiddenword allowed at the office?"  # stored (nothing to redact)
        # failed before any passage was read: no group needed to see its question
        assert stored == [("retrieve", "DependencyUnavailable", USER.user_id, question, [])]
        # A batch of questions logs its failure under the same kind of id.
        caplog.clear()
        outcomes = list(answer_each(s.pipeline(), [(1, "forbiddenword again?")], asker=USER))
        assert outcomes[0].error
        (line,) = [
            r for r in caplog.records if r.getMessage() == "Question 1 could not be answered."
        ]
        assert line.request_id not in ("-", None)
    finally:
        telemetry.shutdown()
        receiver.close()
        s.close()
