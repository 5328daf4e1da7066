"""Exports: versioned snapshots in every format, formula-safe CSV, and import back."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest
import yaml
from review_world import LENA, REDACTOR, approved
from stack import Stack

from assistant.storage import db
from review import export, importing
from review.golden import CaseFilter
from review.models import GoldenCase

pytestmark = pytest.mark.integration


def test_exports_are_versioned_snapshots_in_every_format(world: Stack, tmp_path: Path) -> None:
    engine = world.rt.engine
    case_id = approved(world, "How many days of paid annual leave? Mail me at bob@example.com")
    versions = []
    for fmt in export.FORMATS:
        snap = export.snapshot(engine, fmt, CaseFilter(), LENA)
        out = export.write_snapshot(snap, tmp_path / f"golden{export.SUFFIX[fmt]}.{fmt}")
        manifest = json.loads(export.manifest_path(out).read_text())
        assert manifest["count"] == 1 and manifest["case_ids"] == [case_id]
        assert manifest["created_by"] == "lena" and manifest["format"] == fmt
        assert manifest["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
        assert "bob@example.com" not in out.read_text(), f"raw PII in the {fmt} export"
        versions.append(manifest["dataset_version"])
        if fmt == "jsonl":
            record = json.loads(out.read_text().splitlines()[0])
            for field in ("user_input", "retrieved_contexts", "reference_contexts"):
                assert record[field], field
            for field in ("response", "reference", "source_interaction_id"):
                assert record[field], field
            assert (
                record["cited_chunks"][0]["chunk_id"] and record["cited_chunks"][0]["content_hash"]
            )
        elif fmt == "csv":
            rows = list(csv.DictReader(io.StringIO(out.read_text())))
            assert rows[0]["reference"].startswith("'="), "formula neutralised"
        elif fmt == "promptfoo":
            suite = yaml.safe_load(out.read_text())
            assert suite["tests"][0]["vars"]["question"]
            assert suite["tests"][0]["assert"][0]["type"] == "factuality"
        else:
            sample = json.loads(out.read_text().splitlines()[0])
            assert sample["input"][-1]["role"] == "user" and sample["ideal"]
    assert len(set(versions)) == 1, "the same cases in four formats are one dataset version"
    (version,) = export.versions(engine, LENA)
    assert set(version.files) == set(export.FORMATS) and version.count == 1
    # A changed set of cases is the next version.
    approved(world, "Who approves travel expenses?")
    assert (
        export.snapshot(engine, "csv", CaseFilter(), LENA).manifest.dataset_version != (versions[0])
    )
    # Never overwritten.
    snap = export.snapshot(engine, "jsonl", CaseFilter(), LENA)
    with pytest.raises(export.ExportError, match="never overwrite"):
        export.write_snapshot(snap, tmp_path / "golden.jsonl.jsonl")


@pytest.mark.parametrize(
    "value",
    ["=1+2", "+1", "-2", "@SUM(A1)", "\t=1", " =1", '=HYPERLINK("http://x")', "|cmd"],
)
def test_csv_cells_cannot_become_formulas(value: str) -> None:
    assert export.csv_safe(value).startswith("'")
    assert export.csv_safe("28 days") == "28 days"


def test_a_jsonl_export_imports_back_unchanged(
    world: Stack, runtime, corpus: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    approved(world)
    approved(world, "Who approves travel expenses?")
    snap = export.snapshot(world.rt.engine, "jsonl", CaseFilter(), LENA)
    lines = snap.content.decode().splitlines()
    other = db.make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    db.migrate(other)
    bad = ["{not json", json.dumps({"id": "x"})]
    summary = importing.import_records(other, world.rt.store(), [*lines, *bad], LENA, REDACTOR)
    assert len(summary.added) == 2 and len(summary.invalid) == 2
    again = export.snapshot(other, "jsonl", CaseFilter(), LENA)

    def strip(text: bytes) -> list[dict]:
        out = []
        for line in text.decode().splitlines():
            rec = json.loads(line)
            rec.pop("dataset_version")
            rec.pop("approved_at")  # the import's time: the importer approves
            out.append(rec)
        return out

    assert strip(again.content) == strip(snap.content)
    with db.session_scope(other) as session:
        first = json.loads(lines[0])
        imported = session.get(GoldenCase, first["id"])
        assert imported.origin == "import" and imported.approved_by == "lena"
        assert imported.provenance["approved_at"] == first["approved_at"].replace("Z", "+00:00")
    # Importing the same file again changes nothing; a different case under a known id is
    # reported, not written over.
    assert (
        len(importing.import_records(other, world.rt.store(), lines, LENA, REDACTOR).unchanged) == 2
    )
    changed = json.loads(lines[0])
    changed["reference"] = "something else"
    conflict = importing.import_records(
        other, world.rt.store(), [json.dumps(changed)], LENA, REDACTOR
    )
    assert conflict.conflicts[0]["id"] == changed["id"]
    with db.session_scope(other) as session:
        assert session.get(GoldenCase, changed["id"]).reference != "something else"
