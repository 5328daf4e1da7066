"""The database failing under the app: SQLite held by another writer, PostgreSQL stopped
or restarted in the middle of a transaction. Each is a plain ``DependencyUnavailable``
that names the database and says nothing was saved; a transaction is written whole or
not at all; the same engine works again once the database is back, without a restart."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import skip_or_fail
from postgres import PostgresServer, pg_bin
from sqlalchemy import func
from sqlmodel import select

from assistant.errors import DependencyUnavailable
from assistant.storage import audit, db
from assistant.storage.audit import AuditEvent

pytestmark = pytest.mark.integration


def _count(engine, action: str) -> int:  # type: ignore[no-untyped-def]
    with db.session_scope(engine) as session:
        query = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        return int(session.exec(query).one())


def test_a_sqlite_database_held_by_another_writer_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "kb.db"
    engine = db.make_engine(f"sqlite:///{path}", wait_s=0.5)
    db.migrate(engine)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writing, for longer than we wait
    try:
        started = time.monotonic()
        with pytest.raises(DependencyUnavailable) as caught:
            audit.record(engine, "alice", "feedback.saved", "i1")
        assert time.monotonic() - started < 5
        message = str(caught.value)
        assert "is busy" in message and "Nothing was saved" in message and "kb.db" in message
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert _count(engine, "feedback.saved") == 0
    audit.record(engine, "alice", "feedback.saved", "i1")  # the writer is gone: it saves
    assert _count(engine, "feedback.saved") == 1
    engine.dispose()


@pytest.fixture()
def own_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server of this test's own, since the test stops and restarts it."""
    binaries = pg_bin()
    if binaries is None:
        skip_or_fail("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    server = PostgresServer(binaries)
    yield server
    server.close()


def test_postgresql_restarted_mid_write_leaves_nothing_half_written(
    own_server: PostgresServer,
) -> None:
    engine = db.make_engine(own_server.url, wait_s=2)
    db.migrate(engine)
    audit.record(engine, "alice", "before")
    with pytest.raises(DependencyUnavailable) as caught, db.session_scope(engine) as session:
        # One transaction of two changes: the server goes away between them.
        audit.audit(session, "alice", "grade.saved", "i1")
        session.flush()
        own_server.stop()
        own_server.start()
        audit.audit(session, "alice", "case.approved", "i1")
    message = str(caught.value)
    assert "did not answer" in message and "Nothing was saved" in message
    assert "postgresql" in message
    # The same engine, no restart of the app: the transaction left no trace, writes work.
    assert _count(engine, "grade.saved") == 0 and _count(engine, "case.approved") == 0
    assert _count(engine, "before") == 1
    audit.record(engine, "alice", "after")
    assert _count(engine, "after") == 1
    engine.dispose()


def test_postgresql_that_is_down_is_a_clear_error_within_seconds(
    own_server: PostgresServer,
) -> None:
    engine = db.make_engine(own_server.url, wait_s=2)
    db.migrate(engine)
    own_server.stop()
    started = time.monotonic()
    with pytest.raises(DependencyUnavailable, match=r"did not answer.*Nothing was saved"):
        audit.record(engine, "alice", "feedback.saved")
    assert time.monotonic() - started < 5
    own_server.start()
    audit.record(engine, "alice", "feedback.saved")
    assert _count(engine, "feedback.saved") == 1
    engine.dispose()
