"""`python -m assistant ingest/search` as a user runs them: JSON contracts, exit codes,
bad input named with its reason, and SIGKILL at any point followed by a clean re-run."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import assistant_cli
from weaviate.exceptions import WeaviateQueryError

from assistant.config import PROJECT_ROOT
from assistant.index.ingest import Ingestor
from assistant.index.store import Store
from assistant.runtime.stack import Runtime

pytestmark = pytest.mark.integration

SUMMARY_KEYS = {
    "documents_seen", "documents_indexed", "documents_unchanged", "documents_removed",
    "chunks_added", "chunks_removed", "failed",
}  # fmt: skip


@pytest.fixture()
def prefix(runtime: Runtime) -> Iterator[str]:
    name = f"C{uuid.uuid4().hex[:10]}"
    yield name
    runtime.weaviate().collections.delete([f"{name}Chunk", f"{name}Document"])


def _store(runtime: Runtime, prefix: str) -> Store:
    return Store(runtime.weaviate(), prefix=prefix)


def test_ingest_json_summary_and_search_json_lines(
    runtime: Runtime, prefix: str, tmp_path: Path
) -> None:
    env = {"ASSISTANT_COLLECTION_PREFIX": prefix}
    done = assistant_cli("ingest", str(PROJECT_ROOT / "data"), "--json", env=env)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert set(summary) >= SUMMARY_KEYS
    assert (summary["documents_seen"], summary["documents_indexed"], summary["failed"]) == (
        6,
        6,
        [],
    )

    queries = tmp_path / "q.jsonl"
    queries.write_text(
        '{"id": "leave", "question": "How many days of annual leave do employees get?"}\n'
        '{"id": 7, "question": "Which gateway should I use for the VPN in Europe?"}\n'
    )
    done = assistant_cli("search", "--queries", str(queries), "--k", "5", "--json", env=env)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["leave", 7]
    for line in lines:
        assert set(line) == {"id", "results", "documents"}
        assert 0 < len(line["results"]) <= 5
        assert set(line["results"][0]) == {"chunk_id", "document", "section", "score"}
        ranked = [r["document"] for r in line["results"]]
        assert line["documents"] == list(dict.fromkeys(ranked))
    assert lines[0]["documents"][0] == "data/employee-handbook.md"
    assert "Annual leave" in lines[0]["results"][0]["section"]
    assert lines[1]["documents"][0] == "data/it-faq.html"

    people = assistant_cli("search", "hotel limit in London", "-k", "2", env=env)
    assert people.returncode == 0 and "Hotels" in people.stdout


def test_bad_input_is_named_with_its_reason_and_the_rest_is_indexed(
    runtime: Runtime, prefix: str, tmp_path: Path
) -> None:
    root = tmp_path / "inbox"
    root.mkdir()
    (root / "good.md").write_text("# Parking\n\nThere are 40 parking spaces in the garage.\n")
    junk = random.Random(1)
    (root / "junk.txt").write_bytes(bytes(junk.randrange(256) for _ in range(4096)))
    (root / "empty.md").write_bytes(b"")
    (root / "latin1.md").write_bytes("# Café\n\nCafé opens at 8.".encode("latin-1"))
    (root / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage\n%%EOF")
    (root / "huge.txt").write_text("lorem ipsum dolor " * 120_000)  # ~2 MB
    (root / "photo.xyz").write_bytes(b"\x89PNG not really")
    (root / "locked.md").write_text("# Locked\n\nNobody may read this.\n")
    (root / "locked.md").chmod(0)
    # Root reads any file; drop the capabilities that let it, as an ordinary user would lack them.
    caps = "-dac_override,-dac_read_search"
    drop = ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}"] if os.geteuid() == 0 else []
    env = {"ASSISTANT_COLLECTION_PREFIX": prefix, "ASSISTANT_MAX_FILE_MB": "1"}
    done = assistant_cli("ingest", str(root), "--json", env=env, prefix=drop)
    assert done.returncode == 3, (done.returncode, done.stdout, done.stderr)  # partial
    summary = json.loads(done.stdout)
    reasons = {f["path"]: f["error"] for f in summary["failed"]}
    assert summary["documents_seen"] == 8 and summary["documents_indexed"] == 1
    assert "binary content" in reasons["inbox/junk.txt"] or "UTF-8" in reasons["inbox/junk.txt"]
    assert "empty file" in reasons["inbox/empty.md"]
    assert "not valid UTF-8" in reasons["inbox/latin1.md"]
    assert "PDF" in reasons["inbox/broken.pdf"]
    assert "over the 1 MiB limit" in reasons["inbox/huge.txt"]
    assert "unsupported file type .xyz" in reasons["inbox/photo.xyz"]
    assert "permission denied" in reasons["inbox/locked.md"]
    assert len(reasons) == 7
    docs = _store(runtime, prefix).list_documents()
    assert [d.path for d in docs] == ["inbox/good.md"]
    # For people: one line per failed file, even for a file name with a line break in it.
    (root / "two\nlines.pdf").write_bytes(b"%PDF-1.7 broken")
    people = assistant_cli("ingest", str(root), env=env, prefix=drop)
    lines = (people.stdout + people.stderr).splitlines()
    assert any("failed: inbox/two\\nlines.pdf: " in line for line in lines), lines
    assert not any(line.startswith("lines.pdf") for line in lines)


def test_fatal_errors_exit_1_with_a_message(tmp_path: Path) -> None:
    done = assistant_cli(
        "ingest", str(PROJECT_ROOT / "data"), env={"WEAVIATE_URL": "http://127.0.0.1:9"}
    )
    assert done.returncode == 1
    assert "Cannot connect to Weaviate at http://127.0.0.1:9" in done.stderr


def _write_corpus(root: Path, version: int) -> None:
    rnd = random.Random(version)
    topics = ["leave", "travel", "security", "laptops", "payroll", "parking", "onboarding"]
    names = [f"doc{i:03d}.md" for i in range(70)]
    if version == 2:  # some deleted, some added, some changed
        names = [*names[3:], "new-a.md", "new-b.md"]
    for old in root.glob("*.md"):
        if old.name not in names:
            old.unlink()
    for i, name in enumerate(names):
        body = [f"# Policy {name}\n"]
        for s in range(6):
            topic = topics[(i + s) % len(topics)]
            words = " ".join(rnd.choice(topics) for _ in range(60))
            changed = " Revised." if version == 2 and i % 9 == 0 else ""
            heading = f"## {topic.title()} rule {s}"
            body.append(f"{heading}\n\nRule {s} of {name} about {topic}: {words}.{changed}\n")
        (root / name).write_text("\n".join(body))


def _snapshot(store: Store) -> tuple[dict[str, str], dict[str, str], int]:
    docs = {d.id: d.content_hash for d in store.list_documents()}
    chunks = {c.id: c.content_hash for d in docs for c in store.document_chunks(d, None)}
    return docs, chunks, store.count_chunks()


def _start_and_kill(root: Path, prefix: str, store: Store, rnd: random.Random) -> None:
    env = {**os.environ, "ASSISTANT_COLLECTION_PREFIX": prefix}
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant", "ingest", str(root), "--json"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    before = store.count_chunks() if store.client.collections.exists(store.chunk_collection) else 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if store.client.collections.exists(store.chunk_collection) and (
                store.count_chunks() != before
            ):
                break  # writing has begun
        except WeaviateQueryError:
            pass  # the ingester has created the collection; its shard is not ready yet
        time.sleep(0.05)
    time.sleep(rnd.uniform(0.0, 1.5))
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def test_sigkill_at_any_point_then_rerun_leaves_exactly_the_right_set(
    runtime: Runtime, prefix: str, tmp_path: Path
) -> None:
    root = tmp_path / "policies"
    root.mkdir()
    store = _store(runtime, prefix)
    rnd = random.Random(42)
    _write_corpus(root, 1)
    _start_and_kill(root, prefix, store, rnd)
    _write_corpus(root, 2)
    _start_and_kill(root, prefix, store, rnd)
    _start_and_kill(root, prefix, store, rnd)
    done = assistant_cli("ingest", str(root), "--json", env={"ASSISTANT_COLLECTION_PREFIX": prefix})
    assert done.returncode == 0, done.stderr

    reference = Store(runtime.weaviate(), prefix=f"{prefix}Ref")
    try:
        Ingestor(reference, runtime.embedder).sync([root])
        want_docs, want_chunks, want_count = _snapshot(reference)
    finally:
        runtime.weaviate().collections.delete(
            [reference.chunk_collection, reference.document_collection]
        )
    got_docs, got_chunks, got_count = _snapshot(store)
    assert len(want_docs) == 69
    assert got_docs == want_docs  # registry: every current document at its current hash
    assert got_chunks == want_chunks  # chunks: the same ids with the same content
    assert got_count == want_count == len(want_chunks)  # no duplicates, no orphans
