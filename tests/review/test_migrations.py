"""The review loop owns its tables' migrations: an Alembic branch on the core's, found
through the ``knowledge_assistant.migrations`` entry point, that also adopts the tables a
database migrated before the split already has."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from helpers import schema_drift
from sqlalchemy import column, inspect, table, text
from sqlmodel import SQLModel, select

from assistant.answering.interactions import Interaction
from assistant.storage import db
from review.models import (
    EvalResult,
    EvalRun,
    Feedback,
    GoldenCase,
    GoldenExport,
    Grade,
    ReviewItem,
)

REVIEW_TABLES = {
    m.__table__.name
    for m in (Feedback, ReviewItem, Grade, GoldenCase, GoldenExport, EvalRun, EvalResult)
}


def test_the_review_branch_is_found_and_migrated(tmp_path: Path) -> None:
    assert any(loc.endswith("review/migrations") for loc in db.version_locations())
    engine = db.make_engine(f"sqlite:///{tmp_path / 'kb.db'}")
    assert db.migrate(engine) == db.head_revision() == "0009+r0005"
    assert set(inspect(engine).get_table_names()) >= REVIEW_TABLES
    engine.dispose()


def test_a_database_migrated_before_the_split_keeps_its_review_rows(tmp_path: Path) -> None:
    """Until 2026-11-29 the core's 0002 and 0003 made the review tables: such a database is
    at 0003 with them in place, and upgrading adopts them instead of failing on them."""
    engine = db.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    assert db.migrate(engine, revision="0003") == "0003"
    SQLModel.metadata.create_all(engine, tables=[m.__table__ for m in (
        Feedback, ReviewItem, Grade, GoldenCase, GoldenExport)])  # fmt: skip
    now = datetime.now(UTC)
    row = Interaction(id="i1", user_id="u", conversation_id="c", question="q",
                      standalone_query="q", answer="a", model="m", config_version="v")  # fmt: skip
    with db.session_scope(engine) as session:  # the interaction table as 0003 made it
        values = row.model_dump(
            exclude={
                "access",
                "fallback",
                "follow_up",
                "retrieve_ms",
                "first_token_ms",
                "total_ms",
                "best_similarity",
                "gap_vector",
                "retries",
            }
        )
        then = table("interaction", *(column(k, Interaction.__table__.c[k].type) for k in values))
        session.execute(then.insert().values(values))  # only the columns 0003 made
        session.add(Feedback(interaction_id="i1", user_id="u", rating=-1, created_at=now,
                             updated_at=now))  # fmt: skip
    assert db.migrate(engine) == db.head_revision()
    with db.session_scope(engine) as session:
        assert [f.rating for f in session.exec(select(Feedback)).all()] == [-1]
    with engine.connect() as conn:
        found = conn.execute(text("select version_num from alembic_version")).scalars().all()
        assert sorted(found) == ["0009", "r0005"]
    engine.dispose()


def test_the_review_migrations_match_the_review_models(database_url: str) -> None:
    engine = db.make_engine(database_url)
    db.migrate(engine)
    assert schema_drift(engine, REVIEW_TABLES) == []
    engine.dispose()
