"""Test helpers: run the CLI and the app as a person would; infrastructure checks."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from assistant.answering.citations import Passage
from assistant.config import PROJECT_ROOT
from assistant.index.chunks import Chunk, ScoredChunk
from assistant.runtime.ports import free_port


def passage(n: int, text: str, *, path: str = "s/doc.md", vector=None) -> Passage:  # type: ignore[no-untyped-def]
    """Passage [n] of a chunk holding ``text`` (content hash of the text, as ingestion stores)."""
    chunk = Chunk(
        id=f"c{n}", document_id="d", source="s", path=path, title="Handbook",
        section_path=("Leave",), page=None, position=n, text=text,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        access_groups=("everyone",), ingested_at=datetime.now(UTC),
    )  # fmt: skip
    return Passage(n=n, hit=ScoredChunk(chunk, 1.0), text=text, vector=vector)


IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def skip_or_fail(reason: str) -> None:
    """Missing test infrastructure skips on a laptop but fails in CI, where it must exist."""
    if IN_CI:
        pytest.fail(f"CI is missing test infrastructure: {reason}")
    pytest.skip(reason)


def assistant_cli(
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 300,
    prefix: list[str] | None = None,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m assistant ARGS`` as a user would."""
    return subprocess.run(
        [*(prefix or []), sys.executable, "-m", "assistant", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **(env or {})},
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def local_accounts_env(data_dir: Path, root: Path, prefix: str) -> dict[str, str]:
    """An app of its own on the session's servers: local accounts, its own database and
    collections, a copy of the sample documents in ``root/docs``."""
    shutil.copytree(PROJECT_ROOT / "data", root / "docs")
    return {
        "ASSISTANT_AUTH": "local",
        "ASSISTANT_DOCUMENTS_DIR": str(root / "docs"),
        "ASSISTANT_COLLECTION_PREFIX": prefix,
        "DATABASE_URL": f"sqlite:///{root / (prefix.lower() + '.db')}",
        "ASSISTANT_DATA_DIR": str(data_dir),
    }


class ServedApp:
    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        log: Path | None = None,
        env: dict[str, str] | None = None,
    ):
        self.data_dir = data_dir
        self.env = env or {}
        self.port = port or free_port()
        self.log = log or data_dir.parent / f"serve-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 240.0) -> ServedApp:
        env = {**os.environ, "ASSISTANT_DATA_DIR": str(self.data_dir), **self.env}
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "assistant", "serve", "--port", str(self.port)],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                if httpx.get(f"{self.url}/_stcore/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"the app did not answer on {self.url} in {timeout}s:\n{self.tail()}")

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    def kill(self, sig: int = signal.SIGKILL, timeout: float = 60.0) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        return self.proc.wait(timeout)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.kill(signal.SIGTERM)


def idle(page, timeout: float = 120_000) -> None:  # type: ignore[no-untyped-def]
    """Wait until the app's script run is over (Streamlit marks its root while it runs), so
    a click does not land during a rerun that redraws what it targets."""
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stApp]')"
        "?.getAttribute('data-test-script-state') !== 'running'",
        timeout=timeout,
    )


def in_nav(page, name: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether the sidebar navigation offers the page `name`. The app writes who is signed in
    before it builds the navigation, so wait for the navigation itself, then look."""
    nav = page.get_by_test_id("stSidebarNav")
    nav.wait_for()
    return nav.get_by_role("link", name=name, exact=True).count() > 0


def choose(  # type: ignore[no-untyped-def]
    page, selectbox, option: str | re.Pattern[str], attempts: int = 3, typed: str | None = None
) -> None:
    """Open a Streamlit selectbox and pick ``option`` (a pattern: the first option it
    matches, after typing ``typed``), once the script run is over. The option's text is
    typed first: the list draws only the options in view, so one far down
    a long list is not there to click until the list is narrowed to it. A rerun that lands
    between opening the list and clicking redraws the box and closes the list (the option
    detaches), so open it again and pick again."""
    exact = isinstance(option, str)  # a pattern: the first option it matches
    wanted = page.get_by_role("option", name=option, exact=exact or None).first
    for attempt in range(attempts):
        idle(page)
        selectbox.click()
        page.keyboard.type(typed or (option if isinstance(option, str) else ""))
        try:
            wanted.click(timeout=10_000)
            return
        except Exception:
            if attempt == attempts - 1:
                raise
            page.keyboard.press("Escape")


# -- schema drift: migrations against models ------------------------------------------
STRUCTURAL = {"add_table", "remove_table", "add_column", "remove_column", "add_index",
              "remove_index", "modify_nullable", "add_constraint", "remove_constraint"}  # fmt: skip


def schema_drift(engine, tables: set[str]) -> list:  # type: ignore[no-untyped-def]
    """What Alembic autogenerate would change in ``tables`` to make the migrated schema match
    the models (types such as TEXT vs AutoString and FK ON DELETE rules are left to the
    migrations)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    flat = [d for diff in diffs for d in (diff if isinstance(diff, list) else [diff])]
    return [d for d in flat if d[0] in STRUCTURAL and _table_of(d) in tables]


def _table_of(diff: tuple) -> str:
    """The table a diff is about: ("add_table", Table), ("add_column", schema, table, ...),
    ("add_index", Index) and constraints (which know their table)."""
    subject = diff[1]
    if subject is None or isinstance(subject, str):  # a schema name: the table comes next
        return str(diff[2])
    table = getattr(subject, "table", subject)
    return str(table.name)


def shown(markdown: str) -> str:
    """What a reader sees of Markdown the sanitiser wrote: its escapes undone."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")
