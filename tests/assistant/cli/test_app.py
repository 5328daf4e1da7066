"""`python -m assistant` help and doctor, run as a user runs them."""

from __future__ import annotations

import json

import pytest
from helpers import assistant_cli

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
