"""The Ask page (app.py) run by Streamlit's AppTest: what a reader sees when answering fails.

The failure is real: the hosted embeddings provider (``FakeOpenAI``, a loopback server
speaking the OpenAI protocol) refuses the question's text, so retrieval cannot run.
Weaviate and SQL are the session's real servers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from fake_openai import Reply
from helpers import shown
from stack import Stack
from streamlit.testing.v1 import AppTest

from assistant.config import PROJECT_ROOT
from assistant.runtime.stack import Runtime

pytestmark = pytest.mark.integration

LEAVE = "How many days of paid annual leave do full-time employees get?"


@pytest.fixture()
def hosted(runtime: Runtime, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    stack = Stack(runtime.settings, corpus, hosted_embeddings=True)
    stack.fake.default = Reply(text="NOT_FOUND")
    for name, value in {"ASSISTANT_AUTH": "demo", **stack.environment()}.items():
        monkeypatch.setenv(name, value)
    st.cache_resource.clear()  # the page's Runtime and Pipeline are built from these settings
    yield stack
    st.cache_resource.clear()
    stack.close()


def test_a_failing_dependency_is_a_plain_message_and_the_next_question_is_answered(
    hosted: Stack,
) -> None:
    hosted.fake.refuse_words = {"zebra"}
    app = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    app.run()
    assert not app.exception
    app.chat_input[0].set_value("Is there a zebra crossing policy?").run()
    assert not app.exception, [e.message for e in app.exception]
    [error] = [e.value for e in app.error]
    assert error.startswith("The assistant could not answer: Embeddings endpoint")
    assert "content filter" in error and "Traceback" not in error
    # The page is still usable: the next question gets an answer.
    app.chat_input[0].set_value(LEAVE).run()
    assert not app.exception
    # (the model says the passages do not answer: the quoted passages stay, so labelled)
    texts = [shown(m.value) for m in app.markdown] + [c.value for c in app.caption]
    assert any("28 days" in t for t in texts), texts
    assert any("did not find the answer in these passages" in t for t in texts), texts
