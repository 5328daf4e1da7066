"""`python -m assistant users|export|import-golden` as an admin or lead runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import assistant_cli


@pytest.fixture()
def env(tmp_path: Path) -> dict[str, str]:
    return {"ASSISTANT_DATA_DIR": str(tmp_path / "data")}


def test_accounts_from_the_command_line(env: dict[str, str]) -> None:
    made = assistant_cli(
        "users", "add", "lena", "--role", "lead", "--password-stdin", env=env,
        input="a long password\n",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    again = assistant_cli(
        "users", "add", "lena", "--role", "admin", "--password-stdin", env=env, input="x" * 9
    )
    assert again.returncode == 1 and "already exists" in again.stderr
    changed = assistant_cli("users", "set", "lena", "--role", "reviewer", "--disable", env=env)
    assert changed.returncode == 0, changed.stderr
    (row,) = [
        json.loads(x)
        for x in assistant_cli("users", "list", "--json", env=env).stdout.split("\n")
        if x
    ]
    assert (row["username"], row["role"], row["disabled"]) == ("lena", "reviewer", True)
    assert "password" not in json.dumps(row).replace('"sign_in": "password"', "")


def test_export_refuses_to_overwrite_and_checks_who_exports(
    env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "golden.jsonl"
    first = assistant_cli("export", "--no-check-stale", "--out", str(out), env=env)
    assert first.returncode == 0, first.stderr
    manifest = json.loads(first.stdout)
    assert manifest["dataset_version"] == "golden-v1" and manifest["count"] == 0
    assert json.loads((tmp_path / "golden.jsonl.manifest.json").read_text()) == manifest
    second = assistant_cli("export", "--no-check-stale", "--out", str(out), env=env)
    assert second.returncode == 1 and "never overwrite" in second.stderr
    assistant_cli(
        "users", "add", "rita", "--role", "reviewer", "--password-stdin", env=env,
        input="a long password\n",
    )  # fmt: skip
    denied = assistant_cli(
        "export", "--no-check-stale", "--as", "rita", "--out", str(tmp_path / "x.jsonl"), env=env
    )
    assert denied.returncode == 1 and "may not export" in denied.stderr
    bad_format = assistant_cli(
        "export", "--no-check-stale", "--format", "xml", "--out", str(tmp_path / "y"), env=env
    )
    assert bad_format.returncode == 1 and "Unknown export format" in bad_format.stderr


def test_import_reports_bad_lines_with_a_partial_exit_code(
    env: dict[str, str], tmp_path: Path
) -> None:
    good = {
        "id": "gc_imported_1",
        "user_input": "How many days of leave?",
        "response": "28 days [1].",
        "reference": "28 days.",
        "approved_by": "lena",
        "approved_at": "2026-11-23T08:00:00Z",
    }
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps(good) + "\n{broken\n")
    done = assistant_cli("import-golden", str(path), "--json", env=env)
    assert done.returncode == 3, done.stderr
    summary = json.loads(done.stdout)
    assert summary["added"] == ["gc_imported_1"] and summary["invalid"][0]["line"] == "2"
    path.write_text(json.dumps(good) + "\n")
    again = assistant_cli("import-golden", str(path), "--json", env=env)
    assert again.returncode == 0 and json.loads(again.stdout)["unchanged"] == ["gc_imported_1"]


def test_every_reading_command_works_on_a_fresh_instance(
    env: dict[str, str], tmp_path: Path
) -> None:
    """Nothing ingested yet: reads are empty, never a Weaviate "class not found" error."""
    out = tmp_path / "golden.jsonl"
    try:
        exported = assistant_cli("export", "--out", str(out), env=env)  # checks staleness
        assert exported.returncode == 0, exported.stderr
        assert json.loads(exported.stdout)["count"] == 0
        found = assistant_cli("search", "annual leave", env=env)
        assert found.returncode == 0, found.stderr
        (tmp_path / "in.jsonl").write_text(out.read_text())
        imported = assistant_cli("import-golden", str(tmp_path / "in.jsonl"), env=env)
        assert imported.returncode == 0, imported.stderr
    finally:
        assistant_cli("stop", env=env)
