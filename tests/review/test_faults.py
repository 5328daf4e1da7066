"""Faults while people use it: Weaviate killed between questions (the running app starts
it again and answers; feedback given meanwhile is saved), a remote Weaviate that is
down (a plain message within seconds, feedback still saved), and the local model server
killed while it answers (the quoted answer at once, the server back for the next one)."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import psutil
import pytest
from fake_openai import FakeOpenAI, Reply
from stack import answer_config

from assistant.answering.answer import Preview
from assistant.answering.pipeline import Asker, Pipeline
from assistant.config import Settings
from assistant.errors import DependencyUnavailable
from assistant.runtime import weaviate_server
from assistant.runtime.health import check_generator
from assistant.runtime.stack import Runtime
from review.feedback import record_feedback
from review.models import FeedbackCreate

pytestmark = pytest.mark.integration

LEAVE = "How many days of paid annual leave do full-time employees get?"
REPLY = "Full-time employees receive 28 days of paid annual leave per calendar year [1]."


def _settings(data_dir: Path, fake: FakeOpenAI, **more: object) -> Settings:
    return Settings(
        data_dir=data_dir,
        openai_base_url=fake.base_url,
        openai_api_key="sk-test-not-a-real-key",
        generator_model="fake-model",
        **more,  # type: ignore[arg-type]
    )


def test_a_killed_weaviate_is_started_again_and_nothing_is_lost(
    corpus: Path, tmp_path: Path
) -> None:
    fake = FakeOpenAI()
    fake.default = Reply(text=REPLY)
    rt = Runtime(_settings(tmp_path / "data", fake))
    try:
        rt.start(parts=["weaviate"])
        rt.ingest([corpus])
        pipeline = Pipeline(rt, config=answer_config(), use_cache=False)
        first = pipeline.ask(LEAVE, asker=Asker("alice"))
        assert first.citations and first.interaction_id

        pid = rt.managed(parts=["weaviate"])[0].read_state().pid
        os.kill(pid, signal.SIGKILL)
        psutil.Process(pid).wait(10)
        # Feedback needs only the database: it is saved while Weaviate is down.
        saved = record_feedback(
            rt.engine,
            FeedbackCreate(interaction_id=first.interaction_id, rating=-1, reason="wrong"),
            user_id="alice",
        )
        assert saved.id is not None
        # The same running app, the next question: Weaviate is back and it is answered.
        started = time.monotonic()
        again = pipeline.ask(LEAVE, asker=Asker("bob"))
        assert again.citations and not again.refused
        assert time.monotonic() - started < 60
        assert rt.managed(parts=["weaviate"])[0].read_state().pid != pid
    finally:
        rt.stop()
        fake.close()


def test_a_remote_weaviate_that_is_down_is_a_plain_message_within_seconds(
    runtime: Runtime, corpus: Path, tmp_path: Path
) -> None:
    fake = FakeOpenAI()
    fake.default = Reply(text=REPLY)
    up = Runtime(_settings(runtime.settings.data_dir, fake, collection_prefix="Faults"))
    up.ingest([corpus])
    answered = Pipeline(up, config=answer_config()).ask(LEAVE, asker=Asker("alice"))
    down = Runtime(
        _settings(
            runtime.settings.data_dir,
            fake,
            weaviate_url="http://127.0.0.1:9",
            database_url=up.settings.sqlalchemy_url,
        )
    )
    try:
        started = time.monotonic()
        with pytest.raises(DependencyUnavailable, match="Cannot connect to Weaviate at"):
            Pipeline(down, config=answer_config()).ask(LEAVE, asker=Asker("alice"))
        assert time.monotonic() - started < 5
        assert answered.interaction_id
        record_feedback(
            down.engine,
            FeedbackCreate(interaction_id=answered.interaction_id, rating=1),
            user_id="alice",
        )
    finally:
        up.close()
        down.close()
        fake.close()


def test_a_killed_model_server_gives_quotes_now_and_answers_again_next(
    runtime: Runtime, corpus: Path, tmp_path: Path
) -> None:
    ports = weaviate_server.embedded_ports(runtime.settings)
    rt = Runtime(
        Settings(
            data_dir=tmp_path / "data",  # its own model server, which this test kills
            local_model=runtime.settings.local_model,
            weaviate_url=f"http://127.0.0.1:{ports['http']}",
            weaviate_grpc_port=ports["grpc"],
            collection_prefix="KilledModel",
        )
    )
    try:
        rt.start(parts=["generator"])
        rt.ingest([corpus])
        server = rt.managed(parts=["generator"])[0]
        pid = server.read_state().pid
        pipeline = Pipeline(rt, config=answer_config(max_retries=0), use_cache=False)
        started = time.monotonic()
        final = None
        for event in pipeline.stream(LEAVE, asker=Asker("alice")):
            if isinstance(event, Preview):  # the quotes are on screen; the model is next
                os.kill(pid, signal.SIGKILL)
                psutil.Process(pid).wait(10)
            final = event
        assert final is not None and not isinstance(final, (str, Preview))
        assert final.mode == "extractive" and "28 days" in final.text and final.citations
        assert "unavailable" in (final.fallback_reason or "")
        assert time.monotonic() - started < 15  # no hung page
        saved = record_feedback(
            rt.engine,
            FeedbackCreate(interaction_id=final.interaction_id, rating=-1, reason="wrong"),
            user_id="alice",
        )
        assert saved.id is not None
        # The running app started its model server again, without anyone restarting it.
        deadline = time.monotonic() + 120
        while server.running() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert server.read_state().pid != pid
        # The Status page says so, and where to read why (the server looks healthy again).
        health = check_generator(rt)
        assert health.ok and "started again 1 time" in (health.detail or "")
        assert str(server.log_path) in (health.detail or "")
        again = pipeline.ask(LEAVE, asker=Asker("bob"))
        assert "unavailable" not in (again.fallback_reason or "")
        assert again.citations and not again.refused
    finally:
        with contextlib.suppress(Exception):
            rt.weaviate().collections.delete(["KilledModelChunk", "KilledModelDocument"])
        rt.stop()
