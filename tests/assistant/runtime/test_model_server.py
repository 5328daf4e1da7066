"""The local generator: llama.cpp's OpenAI-compatible server spoken to with the openai client."""

from __future__ import annotations

import pytest

from assistant.runtime.stack import Runtime

pytestmark = pytest.mark.integration


def test_local_model_serves_chat_completions_streamed(runtime: Runtime) -> None:
    client = runtime.openai_client()
    g = runtime.generator
    assert g.local and g.base_url.startswith("http://127.0.0.1:")
    assert g.model in [m.id for m in client.models.list().data]
    stream = client.chat.completions.create(
        model=g.model,
        messages=[{"role": "user", "content": "Say hello in one word."}],
        max_tokens=8,
        temperature=0,
        stream=True,
    )
    pieces = [c.choices[0].delta.content or "" for c in stream if c.choices]
    assert len(pieces) >= 2  # streamed in several deltas, not one blob
    assert "".join(pieces).strip()
