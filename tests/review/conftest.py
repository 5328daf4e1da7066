"""Fixtures of the review loop's tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from review_world import make_stack
from stack import Stack


@pytest.fixture()
def world(runtime, corpus: Path, tmp_path: Path) -> Iterator[Stack]:  # type: ignore[no-untyped-def]
    stack = make_stack(runtime, corpus, f"sqlite:///{tmp_path / 'review.db'}")
    yield stack
    stack.close()
