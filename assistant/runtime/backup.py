"""Backup and restore of a data dir's whole state: the index, the SQL store and uploads.

A backup is a folder (a *bundle*):

- ``manifest.json``: when, what, counts, and a SHA-256 of every file it holds;
- ``weaviate/``: the index through Weaviate's own backup module (the embedded server
  writes it here; a remote server keeps it in its configured backend, named in the
  manifest);
- ``database.sqlite`` (SQLite's online backup: a consistent snapshot while the app
  writes) or ``database.pgdump`` (``pg_dump`` custom format);
- ``uploads/``: documents people uploaded in the app (the documents folder is yours and
  is not copied).

Ingestion is held off while a backup runs, so the index and the registry agree.
``restore`` refuses to overwrite a store that holds anything unless told to replace it,
and then first backs up what it replaces.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from filelock import FileLock
from pydantic import BaseModel
from sqlalchemy import func, inspect, select, table
from sqlalchemy.engine import Engine, make_url
from weaviate.backup.backup import BackupStorage
from weaviate.backup.backup_location import BackupLocation

from assistant.errors import AssistantError, ConfigurationError
from assistant.runtime.library import uploads_dir
from assistant.runtime.stack import Runtime
from assistant.storage import audit, db

FORMAT = 1
MANIFEST = "manifest.json"
WEAVIATE = "weaviate"
UPLOADS = "uploads"
SQLITE_FILE = "database.sqlite"
PG_FILE = "database.pgdump"


class BackupError(AssistantError):
    """A backup or restore that could not be done; nothing was changed by it."""


class WeaviatePart(BaseModel):
    backup_id: str
    collections: list[str]
    objects: dict[str, int]
    stored: Literal["bundle", "server"]  # in this folder, or in the remote server's backend
    backend: str


class Manifest(BaseModel):
    format: int = FORMAT
    created_at: datetime
    schema_revision: str | None
    database: Literal["sqlite", "postgresql"]
    interactions: int
    weaviate: WeaviatePart
    uploads: int
    files: dict[str, str]  # relative path -> sha256
    seconds: float = 0.0


def backup(rt: Runtime, out: Path, actor: str = audit.SYSTEM) -> Manifest:
    """Write a bundle of ``rt``'s state to ``out`` (a new or empty folder)."""
    if out.exists() and any(out.iterdir()):
        raise BackupError(
            f"{out} is not empty; a backup never writes over files.",
            fix="Name a new folder (the default is a new one under the data dir's backups/).",
        )
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    rt.settings.run_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(str(rt.settings.run_dir / "ingest.lock")):  # the index holds still
        part = _backup_index(rt, out)
        dialect = _backup_database(rt, out)
        uploads = _copy_tree(uploads_dir(rt), out / UPLOADS)
    manifest = Manifest(
        created_at=datetime.now(UTC),
        schema_revision=db.current_revision(rt.engine),
        database=dialect,
        interactions=_count_interactions(rt.engine),
        weaviate=part,
        uploads=uploads,
        files=_checksums(out),
        seconds=round(time.monotonic() - t0, 2),
    )
    (out / MANIFEST).write_text(manifest.model_dump_json(indent=2))
    audit.record(
        rt.engine, actor, "state.backup", str(out.name), interactions=manifest.interactions
    )
    return manifest


def restore(
    rt: Runtime, bundle: Path, *, replace: bool = False, actor: str = audit.SYSTEM
) -> Manifest:
    """Bring the bundle's state into ``rt``'s stores. A store that holds anything is only
    replaced when ``replace`` is set, and then after a backup of it (named in the audit
    log and returned in the error if the restore fails)."""
    manifest = read_manifest(bundle)
    if manifest.database != rt.engine.dialect.name:
        raise BackupError(
            f"{bundle} holds a {manifest.database} database; this instance uses "
            f"{rt.engine.dialect.name}.",
            fix="Restore into an instance with the same kind of database.",
        )
    occupied = _occupied(rt)
    if occupied and not replace:
        raise BackupError(
            f"This instance already holds {', '.join(occupied)}; restoring would replace it.",
            fix="Pass --replace to replace it (what it holds is backed up first), or restore "
            "into an empty data dir.",
        )
    safety = None
    if occupied:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        safety = rt.settings.data_dir / "backups" / f"before-restore-{stamp}"
        backup(rt, safety, actor=actor)
    rt.settings.run_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(str(rt.settings.run_dir / "ingest.lock")):
        try:
            _restore_database(rt, bundle, manifest)
            _restore_index(rt, bundle, manifest)
            _copy_tree(bundle / UPLOADS, uploads_dir(rt), replace=True)
        except AssistantError as err:
            kept = f" What was here before is in {safety}." if safety else ""
            raise BackupError(f"The restore from {bundle} failed: {err}{kept}") from err
    db.migrate(rt.engine)  # a bundle from an older version is brought up to date
    audit.record(
        rt.engine, actor, "state.restore", bundle.name, replaced=bool(occupied), safety=str(safety)
    )
    return manifest


def read_manifest(bundle: Path) -> Manifest:
    """The bundle's manifest, after checking every file it lists is there, unchanged."""
    path = bundle / MANIFEST
    try:
        manifest = Manifest.model_validate_json(path.read_text())
    except FileNotFoundError as err:
        raise BackupError(
            f"{bundle} is not a backup: it has no {MANIFEST}.",
            fix="Name the folder `python -m assistant backup` wrote.",
        ) from err
    except ValueError as err:
        raise BackupError(f"{path} cannot be read: {err}") from err
    if manifest.format != FORMAT:
        raise BackupError(
            f"{bundle} is backup format {manifest.format}; this version reads {FORMAT}."
        )
    for name, digest in manifest.files.items():
        file = bundle / name
        if not file.is_file() or _sha256(file) != digest:
            raise BackupError(
                f"{bundle}: {name} is missing or changed since the backup was written.",
                fix="Use an intact copy of the backup.",
            )
    return manifest


def default_folder(rt: Runtime) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return rt.settings.data_dir / "backups" / stamp


# -- the index ------------------------------------------------------------------
def _collections(rt: Runtime) -> list[str]:
    store = rt.store()
    return [store.chunk_collection, store.document_collection]


def _backup_index(rt: Runtime, out: Path) -> WeaviatePart:
    client = rt.weaviate()
    names = [n for n in _collections(rt) if client.collections.exists(n)]
    backup_id = f"ka-{datetime.now(UTC):%Y%m%d%H%M%S}-{uuid.uuid4().hex[:8]}"
    embedded = rt.settings.uses_embedded_weaviate
    backend = (
        BackupStorage.FILESYSTEM if embedded else BackupStorage(rt.settings.weaviate_backup_backend)
    )
    objects = {n: _object_count(rt, n) for n in names}
    if names:
        location = (
            BackupLocation.FileSystem(path=str((out / WEAVIATE).resolve())) if embedded else None
        )
        try:
            result = client.backup.create(
                backup_id,
                backend,
                include_collections=names,
                wait_for_completion=True,
                backup_location=location,
            )
        except Exception as err:  # the client raises several types for a refused backup
            raise BackupError(
                f"Weaviate could not back up {', '.join(names)}: {err}",
                fix=_module_fix(embedded),
            ) from err
        if str(result.status.value) != "SUCCESS":
            raise BackupError(
                f"Weaviate's backup {backup_id} ended {result.status}: {result.error}"
            )
    return WeaviatePart(
        backup_id=backup_id,
        collections=names,
        objects=objects,
        stored="bundle" if embedded else "server",
        backend=backend.value,
    )


def _restore_index(rt: Runtime, bundle: Path, manifest: Manifest) -> None:
    part = manifest.weaviate
    client = rt.weaviate()
    ours = _collections(rt)
    if part.collections and sorted(part.collections) != sorted(ours):
        raise ConfigurationError(
            f"The backup holds collections {part.collections}; this instance uses {ours}.",
            fix="Set ASSISTANT_COLLECTION_PREFIX to the backed-up instance's prefix.",
        )
    existing = [n for n in ours if client.collections.exists(n)]
    if existing:
        client.collections.delete(existing)
    if not part.collections:
        return
    location = None
    if part.stored == "bundle":
        location = BackupLocation.FileSystem(path=str((bundle / WEAVIATE).resolve()))
    try:
        result = client.backup.restore(
            part.backup_id,
            BackupStorage(part.backend),
            include_collections=part.collections,
            wait_for_completion=True,
            backup_location=location,
        )
    except Exception as err:
        raise BackupError(
            f"Weaviate could not restore backup {part.backup_id}: {err}",
            fix=_module_fix(rt.settings.uses_embedded_weaviate),
        ) from err
    if str(result.status.value) != "SUCCESS":
        raise BackupError(
            f"Weaviate's restore of {part.backup_id} ended {result.status}: {result.error}"
        )
    for name, expected in part.objects.items():
        if (found := _object_count(rt, name)) != expected:
            raise BackupError(f"{name} holds {found} objects after the restore, not {expected}.")


def _object_count(rt: Runtime, name: str) -> int:
    return int(rt.weaviate().collections.get(name).aggregate.over_all().total_count or 0)


def _module_fix(embedded: bool) -> str:
    if embedded:
        return (
            "Servers started by an older version lack the backup module: run "
            "`python -m assistant stop`, then start the app again."
        )
    return (
        "Enable a backup module on the Weaviate server (e.g. backup-filesystem) and set "
        "ASSISTANT_WEAVIATE_BACKUP_BACKEND to it."
    )


# -- the SQL store ----------------------------------------------------------------
def _backup_database(rt: Runtime, out: Path) -> Literal["sqlite", "postgresql"]:
    engine = rt.engine
    if engine.dialect.name == "sqlite":
        with _sqlite(engine) as source, sqlite3.connect(out / SQLITE_FILE) as target:
            source.backup(target)
        return "sqlite"
    if engine.dialect.name == "postgresql":
        _pg_tool("pg_dump", engine, "--format=custom", "--no-owner", "--no-privileges",
                 f"--file={out / PG_FILE}")  # fmt: skip
        return "postgresql"
    raise BackupError(f"Backups of {engine.dialect.name} databases are not supported.")


def _restore_database(rt: Runtime, bundle: Path, manifest: Manifest) -> None:
    engine = rt.engine
    if manifest.database == "sqlite":
        engine.dispose()  # no pooled connection keeps reading the old pages
        with sqlite3.connect(bundle / SQLITE_FILE) as source, _sqlite(engine) as target:
            source.backup(target)
    else:
        engine.dispose()
        _pg_tool("pg_restore", engine, "--clean", "--if-exists", "--no-owner",
                 "--no-privileges", "--single-transaction", str(bundle / PG_FILE))  # fmt: skip


class _sqlite:
    """A plain sqlite3 connection to the engine's file (the online backup API needs one)."""

    def __init__(self, engine: Engine) -> None:
        self.path = engine.url.database or ""

    def __enter__(self) -> sqlite3.Connection:
        self.conn = sqlite3.connect(self.path, timeout=30)
        return self.conn

    def __exit__(self, *exc: object) -> None:
        self.conn.close()


def _pg_tool(tool: str, engine: Engine, *args: str) -> None:
    """Run ``pg_dump``/``pg_restore`` against the engine's database; the password goes
    through the environment, never the command line."""
    exe = shutil.which(tool)
    if exe is None:
        raise BackupError(
            f"{tool} is not installed; it is needed to back up or restore PostgreSQL.",
            fix="Install the PostgreSQL client tools of the server's version (postgresql-client).",
        )
    url = make_url(engine.url)
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    proc = subprocess.run(
        [exe, f"--dbname={conninfo}", *args], env=env, capture_output=True, text=True
    )
    if proc.returncode != 0:
        where = engine.url.render_as_string(hide_password=True)
        raise BackupError(f"{tool} failed for {where}: {proc.stderr.strip()[-800:]}")


def _count_interactions(engine: Engine) -> int:
    """Logged answers (the answering layer's table, read by name from below it)."""
    if not inspect(engine).has_table("interaction"):
        return 0
    with engine.connect() as conn:
        return int(
            conn.execute(select(func.count()).select_from(table("interaction"))).scalar_one()
        )


def _occupied(rt: Runtime) -> list[str]:
    """What this instance holds that a restore would replace, in words."""
    held = []
    if n := _count_interactions(rt.engine):
        held.append(f"{n} logged answers")
    client = rt.weaviate()
    for name in _collections(rt):
        if client.collections.exists(name) and (n := _object_count(rt, name)):
            held.append(f"{n} objects in {name}")
    if uploads := sum(1 for p in uploads_dir(rt).rglob("*") if p.is_file()):
        held.append(f"{uploads} uploads")
    return held


# -- files --------------------------------------------------------------------
def _copy_tree(source: Path, target: Path, *, replace: bool = False) -> int:
    """Copy every file under ``source`` into ``target``; the number copied."""
    if not source.is_dir():
        return 0
    copied = 0
    for file in sorted(p for p in source.rglob("*") if p.is_file()):
        dest = target / file.relative_to(source)
        if dest.exists() and not replace:
            raise BackupError(f"{dest} exists; a backup never writes over files.")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file, dest)
        copied += 1
    return copied


def _checksums(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): _sha256(p)
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
