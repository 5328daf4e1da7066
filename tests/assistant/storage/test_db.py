"""The SQL store on SQLite and PostgreSQL: migrations, upgrade in place, sessions."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import schema_drift
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from assistant.answering.conversations import Conversation
from assistant.answering.interactions import (
    AnswerCache,
    AnswerFailure,
    Interaction,
    InteractionDocument,
)
from assistant.answering.versions import ConfigLabel, ConfigVersion
from assistant.identity.accounts import Account
from assistant.storage import db
from assistant.storage.audit import AuditEvent


def _interaction(**fields: object) -> Interaction:
    base = {
        "conversation_id": "c", "question": "q", "standalone_query": "q", "answer": "a",
        "model": "m", "config_version": "v",
    }  # fmt: skip
    return Interaction(**{**base, **fields})


def _roundtrip(url: str) -> None:
    engine = db.make_engine(url)
    assert db.migrate(engine) == db.head_revision()
    with db.session_scope(engine) as session:
        session.add(_interaction(user_id="u1", citations=[{"n": 1}]))
    # Running the migrations again (every start does) keeps the rows.
    assert db.migrate(engine) == db.head_revision()
    with db.session_scope(engine) as session:
        rows = session.exec(select(Interaction)).all()
        assert [(r.user_id, r.citations) for r in rows] == [("u1", [{"n": 1}])]
    engine.dispose()


def test_sqlite_migrates_and_keeps_rows(tmp_path: Path) -> None:
    _roundtrip(f"sqlite:///{tmp_path / 'kb.db'}")


@pytest.mark.postgres
def test_postgresql_migrates_and_keeps_rows(own_postgres_url: str) -> None:
    _roundtrip(own_postgres_url)
    engine = db.make_engine(own_postgres_url)
    assert db.server_version(engine).startswith("PostgreSQL")
    engine.dispose()


def test_a_database_at_an_older_revision_upgrades_in_place(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'v1.db'}")
    assert db.migrate(engine, revision="0001") == "0001"
    with engine.begin() as conn:
        conn.execute(
            text(
                "insert into interaction (id, created_at, user_id, conversation_id, question, "
                "standalone_query, answer, refused, model, config_version) values ('i1', "
                "'2026-01-01 00:00:00', 'u', 'c', 'q', 'q', 'a', 0, 'm', 'v')"
            )
        )
    assert db.migrate(engine) == db.head_revision() != "0001"
    with db.session_scope(engine) as session:
        row = session.get(Interaction, "i1")
        assert (row.question, row.mode, row.cached) == ("q", "generated", False)


def test_interactions_logged_before_insights_get_their_columns_and_documents(
    database_url: str,
) -> None:
    engine = db.make_engine(database_url)
    assert db.migrate(engine, revision="0006") == "0006"
    row = {
        "id": "i1", "created_at": "2026-12-01 10:00:00", "user_id": "u", "conversation_id": "c",
        "question": "and until when?", "standalone_query": "Carry-over days: until when?",
        "answer": "a", "mode": "extractive", "refused": False, "model": "m",
        "config_version": "v", "prompt_version": "p", "cached": False,
        "latency_ms": '{"retrieve_ms": 40.5, "answer_first_token_ms": null, "total_ms": 900}',
        "details": '{"fallback": "slow"}',
        "citations": '[{"n": 1, "document": "data/handbook.md"}]',
        "retrieval": '[{"document": "data/handbook.md", "similarity": 0.61},'
                     ' {"document": "data/it-faq.html", "similarity": 0.42}]',
        "pii_entities": "[]",
    }  # fmt: skip
    columns = ", ".join(row)
    with engine.begin() as conn:
        conn.execute(text(f"insert into interaction ({columns}) values "
                          f"({', '.join(':' + k for k in row)})"), row)  # fmt: skip
    assert db.migrate(engine) == db.head_revision()
    with db.session_scope(engine) as session:
        got = session.get(Interaction, "i1")
        assert got is not None
        assert (got.fallback, got.follow_up, got.retrieve_ms, got.total_ms) == (
            "slow",
            True,
            40.5,
            900,
        )
        assert got.first_token_ms is None and got.best_similarity == 0.61
        docs = session.exec(select(InteractionDocument)).all()
        assert sorted((d.document, d.cited) for d in docs) == [
            ("data/handbook.md", True), ("data/it-faq.html", False)
        ]  # fmt: skip
    engine.dispose()


def test_a_database_without_migrations_upgrades_in_place(tmp_path: Path) -> None:
    """A database that predates migrations (no version table) keeps its tables."""
    engine = db.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:  # what a pre-migrations install left behind: no schema at all
        conn.execute(text("create table legacy_note (id integer primary key, body text)"))
        conn.execute(text("insert into legacy_note (body) values ('kept')"))
    assert db.current_revision(engine) is None
    db.migrate(engine)
    assert db.current_revision(engine) == db.head_revision()
    names = set(inspect(engine).get_table_names())
    assert {"interaction", "legacy_note", "alembic_version"} <= names
    with engine.connect() as conn:
        assert conn.execute(text("select body from legacy_note")).scalar_one() == "kept"


def test_session_scope_rolls_back_on_error(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'kb.db'}")
    db.migrate(engine)
    with pytest.raises(RuntimeError), db.session_scope(engine) as session:
        session.add(_interaction(user_id="u"))
        session.flush()
        raise RuntimeError("boom")
    with db.session_scope(engine) as session:
        assert session.exec(select(Interaction)).all() == []


# The core's tables; the review loop checks its own (tests/review/test_migrations.py).
CORE_TABLES = {
    m.__table__.name
    for m in (
        Interaction,
        InteractionDocument,
        AnswerFailure,
        AnswerCache,
        Account,
        AuditEvent,
        ConfigVersion,
        ConfigLabel,
        Conversation,
    )
}


def test_migrations_create_every_table_column_and_index_the_models_use(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'drift.db'}")
    db.migrate(engine)
    assert schema_drift(engine, CORE_TABLES) == []


@pytest.mark.postgres
def test_migrations_match_the_models_on_postgresql(own_postgres_url: str) -> None:
    engine = db.make_engine(own_postgres_url)
    db.migrate(engine)
    assert schema_drift(engine, CORE_TABLES) == []
    engine.dispose()


def test_a_database_error_never_echoes_the_values_it_was_given(tmp_path: Path) -> None:
    """Errors reach logs and the CLI: the rows' text (questions, answers) must not."""
    engine = db.make_engine(f"sqlite:///{tmp_path / 'kb.db'}")
    db.migrate(engine)
    with db.session_scope(engine) as session:
        session.add(_interaction(id="same", user_id="u", question="secret question one"))
    with pytest.raises(IntegrityError) as raised, db.session_scope(engine) as session:
        session.add(_interaction(id="same", user_id="u", question="secret question two"))
    assert "UNIQUE" in str(raised.value) and "secret" not in str(raised.value)
    engine.dispose()
