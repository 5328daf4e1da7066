"""`python -m assistant` help and doctor, run as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_openai import Reply
from helpers import assistant_cli
from stack import Stack

from assistant.runtime.stack import Runtime

pytestmark = pytest.mark.integration


def test_help_lists_the_commands() -> None:
    done = assistant_cli("--help")
    assert done.returncode == 0
    for command in ("setup", "serve", "doctor", "ingest", "search", "stop"):
        assert command in done.stdout


def test_doctor_json_reports_every_real_part_ok(runtime: Runtime) -> None:
    done = assistant_cli("doctor", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] is True
    for part in ("weaviate", "database", "embedder", "generator"):
        assert report[part]["ok"] is True, report[part]
        assert report[part]["version"]
    assert report["weaviate"]["version"].startswith("1.39.")
    assert report["database"]["version"].startswith("SQLite")
    assert "all-MiniLM-L6-v2" in report["embedder"]["version"]
    assert runtime.settings.local_model in report["generator"]["version"]
    # Beside the parts: what the index holds, and room on the data dir's disk.
    assert "indexed" in report["index"]["detail"] and report["index"]["required"] is False
    assert "% used" in report["disk"]["detail"] and report["disk"]["required"] is False
    # It attached to the session's servers instead of starting its own.
    pid = runtime.managed(parts=["weaviate"])[0].read_state().pid
    assert f"pid {pid}" in report["weaviate"]["where"]


def test_doctor_exits_nonzero_and_names_the_part_that_is_down(runtime: Runtime) -> None:
    done = assistant_cli("doctor", "--json", env={"WEAVIATE_URL": "http://127.0.0.1:9"})
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["ok"] is False
    assert report["weaviate"]["ok"] is False
    assert "Cannot connect to Weaviate at http://127.0.0.1:9" in report["weaviate"]["detail"]
    assert report["database"]["ok"] and report["embedder"]["ok"]


def test_secrets_never_reach_output_logs_or_the_database(
    runtime: Runtime, corpus: Path, tmp_path: Path
) -> None:
    """Keys and passwords given to the commands that use them, through failures too (a
    provider that refuses the key, a database URL whose password is wrong): not one of
    them is printed, logged, or stored."""
    key, db_password, user_password = "sk-live-KEYNOTLOGGED", "PWDNOTLOGGED", "UserPass NOTLOGGED"
    stack = Stack(runtime.settings, corpus)
    stack.fake.default = Reply(status=401)
    database = tmp_path / "kb.db"
    env = {
        **stack.environment(),
        "OPENAI_API_KEY": key,
        "WEAVIATE_API_KEY": "wv-NOTLOGGED",
        "DATABASE_URL": f"sqlite:///{database}",
    }
    try:
        outputs = [
            assistant_cli("doctor", "--json", env=env),
            assistant_cli("ask", "How many days of paid annual leave do I get?", env=env),
            assistant_cli(
                "users",
                "add",
                "lena",
                "--role",
                "lead",
                "--password-stdin",
                env=env,
                input=f"{user_password}\n",
            ),
            assistant_cli(
                "doctor",
                env={**env, "DATABASE_URL": f"postgresql://kb:{db_password}@127.0.0.1:9/kb"},
            ),
        ]
    finally:
        stack.close()
    said = "\n".join(o.stdout + o.stderr for o in outputs)
    stored = database.read_bytes() + b"".join(
        p.read_bytes() for p in runtime.settings.log_dir.glob("*") if p.is_file()
    )
    for secret in (key, db_password, user_password, "wv-NOTLOGGED"):
        assert secret not in said, secret
        assert secret.encode() not in stored, secret
    # The failures themselves are reported: the refused key as a quoted answer, the
    # database by where it is (its password masked).
    assert "(extractive answer: quoted from the documents)" in said, said
    assert "postgresql://kb:***@127.0.0.1:9/kb" in said, said
