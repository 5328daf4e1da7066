"""The SQL store: engine from a URL, schema migrations (Alembic), session scope.

SQLite (a file in the data dir) by default; PostgreSQL via psycopg when
``DATABASE_URL`` says so. ``migrate`` upgrades an existing database in place.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import FileLock
from sqlalchemy import Column, DateTime, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, create_engine

from assistant.errors import DependencyUnavailable

MIGRATIONS = Path(__file__).parent / "migrations"
_PG_MIGRATION_LOCK = 7_240_311  # pg_advisory_lock key: one migrator at a time across replicas


def make_engine(url: str, wait_s: float = 30.0) -> Engine:
    """An engine whose errors never echo the values of a statement (questions, answers).
    ``wait_s``: how long to wait for another writer (SQLite) or a connection (PostgreSQL)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": wait_s},
            hide_parameters=True,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            # WAL: the app and the CLI read while one of them writes.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(wait_s * 1000)}")
            cur.close()

        return engine
    return create_engine(
        url,
        pool_pre_ping=True,  # a restarted server's dead connections are replaced, not used
        pool_timeout=wait_s,
        hide_parameters=True,
        # Times are UTC in every session, whatever the server's time zone: timestamps
        # without a zone (the interaction log's) are written and read as UTC, and a day
        # is a UTC day in every count.
        connect_args={"connect_timeout": max(1, round(wait_s)), "options": "-c timezone=UTC"}
        if url.startswith("postgresql")
        else {},
    )


# Entry-point group naming folders of more migrations: packages that add tables (the review
# loop) own their migrations, as an Alembic branch that depends on the core's revisions.
MIGRATION_LOCATIONS = "knowledge_assistant.migrations"


def version_locations() -> list[str]:
    """The core's migrations folder, then each registered package's."""
    from importlib.metadata import entry_points

    extra = [str(ep.load()()) for ep in entry_points(group=MIGRATION_LOCATIONS)]
    return [str(MIGRATIONS / "versions"), *extra]


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", os.pathsep.join(version_locations()))
    return cfg


def _revisions(heads: Iterable[str]) -> str | None:
    """Heads as one string, e.g. "r0001", or "0004+r0001" once the core moves past what
    the review branch depends on."""
    return "+".join(sorted(heads)) or None


def head_revision() -> str | None:
    """What ``migrate`` leaves current: every head, less those a revision of another branch
    depends on (Alembic does not keep a dependency in the version table beside its
    dependant, nor beside the dependant's descendants)."""
    script = ScriptDirectory.from_config(_alembic_config())
    heads = set(script.get_heads())
    needed = set()
    for rev in script.walk_revisions():  # a dependency anywhere below a head counts
        deps = rev.dependencies or ()
        needed.update((deps,) if isinstance(deps, str) else deps)
    return _revisions(heads - needed)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return _revisions(MigrationContext.configure(conn).get_current_heads())


def migrate(engine: Engine, revision: str = "heads") -> str | None:
    """Upgrade the schema to ``revision`` (every package's newest by default); return the
    revisions now current. Safe to call on every start."""
    cfg = _alembic_config()
    lock: contextlib.AbstractContextManager[object] = contextlib.nullcontext()
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        lock = FileLock(f"{engine.url.database}.migrate.lock", timeout=120)
    try:
        with lock, engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    except SQLAlchemyError as err:
        raise DependencyUnavailable(
            f"Could not migrate the database at {engine.url.render_as_string()}: {err}",
            fix="Check DATABASE_URL and that the server is running and writable.",
        ) from err
    return current_revision(engine)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error: a transaction is
    written whole or not at all. A database that is down, restarting or held by another
    writer is a ``DependencyUnavailable`` that names it and says nothing was saved."""
    try:
        with Session(engine) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                with contextlib.suppress(SQLAlchemyError):  # a dead connection cannot roll back
                    session.rollback()
                raise
    except (OperationalError, InterfaceError) as err:
        raise unavailable(engine, err) from err


def unavailable(engine: Engine, err: DBAPIError) -> DependencyUnavailable:
    """The reader's sentence for a database that could not do its work (no values: the
    engine hides statement parameters, and only the driver's first line is kept)."""
    where = engine.url.render_as_string(hide_password=True)
    lines = str(err.orig or err).strip().splitlines()
    reason = lines[0] if lines else type(err).__name__
    if "locked" in reason or "busy" in reason:
        return DependencyUnavailable(
            f"The database at {where} is busy: another writer held it too long ({reason}). "
            "Nothing was saved.",
            fix="Try again in a moment; if it stays busy, look for a long-running command "
            "on the same database.",
        )
    return DependencyUnavailable(
        f"The database at {where} did not answer ({reason}). Nothing was saved.",
        fix="Check that the database server is running; the app reconnects by itself.",
    )


def server_version(engine: Engine) -> str:
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            return "SQLite " + conn.exec_driver_sql("select sqlite_version()").scalar_one()
        return str(conn.exec_driver_sql("select version()").scalar_one()).split(" on ")[0]


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in Python on every backend (SQLite keeps no offset; PostgreSQL
    stores ``timestamptz``). Naive datetimes are refused rather than guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware (UTC) datetime")
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:  # type: ignore[no-untyped-def]
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_column(*, nullable: bool = False, index: bool = False) -> Column:
    """A ``UtcDateTime`` column for SQLModel's ``sa_column``."""
    return Column(UtcDateTime(), nullable=nullable, index=index)


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """A datetime read from a column without an offset (SQLite) is UTC by convention here."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
