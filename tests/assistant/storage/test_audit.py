from datetime import UTC, datetime

from assistant.storage.audit import AuditEntry


def entry(**details: object) -> AuditEntry:
    return AuditEntry(at=datetime.now(UTC), actor="lena", action="golden.export", target="v3",
                      details=details)  # fmt: skip


def test_details_read_as_words_not_json() -> None:
    summary = entry(dataset_version="golden-v3", include_stale=False, formats=["jsonl", "csv"],
                    filter={"document": None}).summary  # fmt: skip
    assert summary == (
        "dataset version: golden-v3 · include stale: no · formats: jsonl, csv · filter: document —"
    )
    assert "{" not in summary and "_" not in summary


def test_no_details_is_an_empty_summary() -> None:
    assert entry().summary == ""
