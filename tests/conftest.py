"""Shared fixtures: each test session gets its own data dir, ports and real servers.

Nothing here touches the user's data dir: ASSISTANT_DATA_DIR is pointed at a
temporary directory before any test runs, and configured remote endpoints are
removed from the environment so the embedded defaults are what gets tested.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import skip_or_fail
from hypothesis import settings as hypothesis_settings
from postgres import PostgresServer, pg_bin

from assistant.config import Settings
from assistant.runtime.stack import Runtime

# Property tests search afresh on every local run; CI replays one fixed search, so a
# landing is not failed by a case found by chance (a local run finds it, and it is fixed).
hypothesis_settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

TEST_LOCAL_MODEL = os.environ.get("ASSISTANT_TEST_LOCAL_MODEL", "smollm2-135m-instruct")
_REMOTE_VARS = (
    "WEAVIATE_URL", "WEAVIATE_API_KEY", "WEAVIATE_GRPC_PORT", "DATABASE_URL",
    "OPENAI_BASE_URL", "OPENAI_API_KEY",
)  # fmt: skip


@pytest.fixture(scope="session", autouse=True)
def isolated_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    data_dir = tmp_path_factory.mktemp("assistant-data")
    saved = dict(os.environ)
    for name in _REMOTE_VARS:
        os.environ.pop(name, None)
    for name in list(os.environ):
        if name.startswith("ASSISTANT_") and name != "ASSISTANT_TEST_LOCAL_MODEL":
            os.environ.pop(name)
    os.environ["ASSISTANT_DATA_DIR"] = str(data_dir)
    os.environ["ASSISTANT_LOCAL_MODEL"] = TEST_LOCAL_MODEL
    yield data_dir
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(scope="session")
def settings(isolated_environment: Path) -> Settings:
    return Settings(data_dir=isolated_environment, local_model=TEST_LOCAL_MODEL)


@pytest.fixture(scope="session")
def runtime(settings: Settings) -> Iterator[Runtime]:
    """The real stack for this session: Weaviate and the local model server, started once."""
    rt = Runtime(settings)
    rt.start(print)
    yield rt
    rt.stop()


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample documents in a folder named handbook; read-only (copy it to change it)."""
    root = tmp_path_factory.mktemp("corpus") / "handbook"
    shutil.copytree(Path(__file__).parents[1] / "data", root)
    return root


@pytest.fixture()
def fresh_settings(tmp_path: Path) -> Settings:
    """Settings on a data dir of the test's own (no servers started)."""
    return Settings(data_dir=tmp_path / "data", local_model=TEST_LOCAL_MODEL)


# -- PostgreSQL: a private cluster per session ---------------------------------
@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The session's PostgreSQL server (its own port and data dir), stopped afterwards."""
    if url := os.environ.get("ASSISTANT_TEST_POSTGRES_URL"):
        yield url
        return
    binaries = pg_bin()
    if binaries is None:
        skip_or_fail("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    server = PostgresServer(binaries)
    try:
        yield server.url
    finally:
        server.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each kind the product supports: a SQLite file, and a
    database of the test's own on the session's PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'kb.db'}"
    return str(request.getfixturevalue("own_postgres_url"))


@pytest.fixture()
def own_postgres_url(postgres_url: str) -> Iterator[str]:
    """A database of the test's own on the session's PostgreSQL server, dropped afterwards."""
    import uuid

    from sqlalchemy import create_engine, text

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
