"""Backup and restore of the whole state: a data dir lost entirely comes back from its
backup in a new one (SQLite and the embedded Weaviate), a PostgreSQL instance on a remote
Weaviate is restored over itself, and a restore never overwrites silently."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI, Reply
from helpers import assistant_cli
from sqlmodel import func, select
from stack import answer_config

from assistant.answering.interactions import Interaction
from assistant.answering.pipeline import Asker, Pipeline
from assistant.config import PROJECT_ROOT, Settings
from assistant.runtime import backup as backups
from assistant.runtime import library, weaviate_server
from assistant.runtime.stack import Runtime
from assistant.storage import audit, db

pytestmark = pytest.mark.integration

LEAVE = "How many days of paid annual leave do full-time employees get?"
REPLY = "Full-time employees receive 28 days of paid annual leave per calendar year [1]."


@pytest.fixture()
def fake() -> FakeOpenAI:
    server = FakeOpenAI()
    server.default = Reply(text=REPLY)
    yield server
    server.close()


def _settings(data_dir: Path, fake: FakeOpenAI, **more: object) -> Settings:
    return Settings(
        data_dir=data_dir,
        openai_base_url=fake.base_url,
        openai_api_key="sk-test-not-a-real-key",
        generator_model="fake-model",
        **more,  # type: ignore[arg-type]
    )


def _interactions(rt: Runtime) -> list[str]:
    with db.session_scope(rt.engine) as session:
        return sorted(i.id for i in session.exec(select(Interaction)).all())


def _ask(rt: Runtime, who: str) -> str:
    answer = Pipeline(rt, config=answer_config(), use_cache=False).ask(LEAVE, asker=Asker(who))
    assert answer.citations and answer.interaction_id
    return answer.interaction_id


def test_a_lost_data_dir_comes_back_from_its_backup(
    fake: FakeOpenAI, corpus: Path, tmp_path: Path
) -> None:
    first = Runtime(_settings(tmp_path / "first", fake))
    try:
        first.start(parts=["weaviate"])
        library.save_upload(first, "travel-extra.md", b"# Travel extras\n\nTaxis need a receipt.\n")
        library.reindex(first)
        first.ingest([corpus])
        asked = [_ask(first, "alice"), _ask(first, "bob")]
        chunks = first.store().count_chunks()
        bundle = tmp_path / "bundle"
        manifest = backups.backup(first, bundle, actor="cli:ops")
        assert manifest.interactions == 2 and manifest.uploads == 1
        assert manifest.weaviate.stored == "bundle" and sum(manifest.weaviate.objects.values())
    finally:
        first.stop()
    shutil.rmtree(tmp_path / "first")  # the machine is gone

    second = Runtime(_settings(tmp_path / "second", fake))
    try:
        second.start(parts=["weaviate"])
        backups.restore(second, bundle, actor="cli:ops")
        assert _interactions(second) == sorted(asked)
        assert second.store().count_chunks() == chunks
        assert (library.uploads_dir(second) / "travel-extra.md").read_text().startswith("# Travel")
        # The restored instance answers from the restored index, and logs it.
        _ask(second, "carol")
        assert len(_interactions(second)) == 3
        # Restoring over what it now holds is refused, unless asked; then it is backed up.
        with pytest.raises(backups.BackupError, match="already holds 3 logged answers"):
            backups.restore(second, bundle)
        backups.restore(second, bundle, replace=True)
        assert _interactions(second) == sorted(asked)
        [safety] = (second.settings.data_dir / "backups").glob("before-restore-*")
        assert backups.read_manifest(safety).interactions == 3
        # The restored log is the backed-up one, and says it was restored.
        assert "state.restore" in [e.action for e in audit.entries(second.engine)]
    finally:
        second.stop()


def test_a_backup_that_was_changed_is_refused(fake: FakeOpenAI, tmp_path: Path) -> None:
    rt = Runtime(_settings(tmp_path / "data", fake))
    try:
        rt.start(parts=["weaviate"])
        library.save_upload(rt, "note.md", b"# Note\n\nA note.\n")
        bundle = tmp_path / "bundle"
        backups.backup(rt, bundle)
        with pytest.raises(backups.BackupError, match="not empty"):
            backups.backup(rt, bundle)
        (bundle / "uploads" / "note.md").write_text("# Note\n\nSomething else.\n")
        with pytest.raises(backups.BackupError, match=r"uploads/note\.md is missing or changed"):
            backups.read_manifest(bundle)
        with pytest.raises(backups.BackupError, match=r"has no manifest\.json"):
            backups.read_manifest(tmp_path)
    finally:
        rt.stop()


def test_postgresql_on_a_remote_weaviate_is_restored_over_itself(
    runtime: Runtime, fake: FakeOpenAI, corpus: Path, tmp_path: Path, own_postgres_url: str
) -> None:
    ports = weaviate_server.embedded_ports(runtime.settings)
    settings = _settings(
        tmp_path / "data",
        fake,
        database_url=own_postgres_url,
        weaviate_url=f"http://127.0.0.1:{ports['http']}",
        weaviate_grpc_port=ports["grpc"],
        collection_prefix="Restored",
    )
    rt = Runtime(settings)
    try:
        rt.ingest([corpus])
        asked = _ask(rt, "alice")
        chunks = rt.store().count_chunks()
        bundle = tmp_path / "bundle"
        manifest = backups.backup(rt, bundle)
        assert manifest.database == "postgresql" and (bundle / "database.pgdump").is_file()
        assert manifest.weaviate.stored == "server"
        # Lost after the backup: an answer logged later, and the index itself.
        _ask(rt, "bob")
        rt.weaviate().collections.delete(["RestoredChunk", "RestoredDocument"])
        backups.restore(rt, bundle, replace=True)
        assert _interactions(rt) == [asked]
        assert rt.store().count_chunks() == chunks
        with db.session_scope(rt.engine) as session:  # the pool reconnected after pg_restore
            assert session.exec(select(func.count()).select_from(Interaction)).one() == 1
    finally:
        rt.weaviate().collections.delete(["RestoredChunk", "RestoredDocument"])
        rt.close()


def test_the_cli_backs_up_and_refuses_to_restore_over_data(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    env = {
        "ASSISTANT_DATA_DIR": str(tmp_path / "data"),
        "OPENAI_BASE_URL": fake.base_url,
        "OPENAI_API_KEY": "sk-test-not-a-real-key",
    }
    try:
        done = assistant_cli("ingest", str(PROJECT_ROOT / "data"), env=env)
        assert done.returncode == 0, done.stderr
        done = assistant_cli("backup", "--out", str(tmp_path / "b"), env=env)
        assert done.returncode == 0, done.stderr
        assert "backed up to" in done.stderr
        assert re.search(r"[1-9][0-9]* index objects", done.stderr)
        done = assistant_cli("restore", str(tmp_path / "b"), env=env)
        assert done.returncode == 1
        assert "already holds" in done.stderr and "--replace" in done.stderr
        done = assistant_cli("restore", str(tmp_path / "b"), "--replace", env=env)
        assert done.returncode == 0, done.stderr
        assert "restored" in done.stderr
    finally:
        assistant_cli("stop", env=env)
