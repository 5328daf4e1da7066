"""Ingestion against a real Weaviate: incremental updates, deletion, bad input, access groups.

Each test indexes into collections of its own (a unique prefix) on the session's server.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT
from assistant.index.chunks import chunk_id, document_id, sha256_hex
from assistant.index.ingest import Ingestor
from assistant.index.readers import read_text
from assistant.index.retrieve import Retriever, SearchRequest
from assistant.index.store import Store
from assistant.runtime.stack import Runtime

pytestmark = pytest.mark.integration


class CountingEmbedder:
    """The real embedder, counting how many passages it was asked to embed."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name, self.dim = inner.name, inner.dim
        self.embedded = 0

    def embed(self, texts):
        self.embedded += len(texts)
        return self.inner.embed(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)

    def count_tokens(self, text):
        return self.inner.count_tokens(text)


@pytest.fixture()
def embedder(runtime: Runtime) -> CountingEmbedder:
    return CountingEmbedder(runtime.embedder)


@pytest.fixture()
def docs(tmp_path: Path) -> Path:
    root = tmp_path / "handbook"
    shutil.copytree(PROJECT_ROOT / "data", root)
    return root


def _all_chunks(store: Store) -> list:
    return [c for d in store.list_documents() for c in store.document_chunks(d.id, None)]


def test_first_run_indexes_everything_second_run_nothing(
    store: Store, embedder: CountingEmbedder, docs: Path
) -> None:
    ingestor = Ingestor(store, embedder)
    first = ingestor.sync([docs])
    assert (first.documents_seen, first.documents_indexed, first.failed) == (6, 6, [])
    assert first.chunks_added == store.count_chunks() == embedder.embedded > 0
    embedded = embedder.embedded
    second = ingestor.sync([docs])
    assert (second.documents_unchanged, second.documents_indexed) == (6, 0)
    assert embedder.embedded == embedded  # nothing re-embedded
    assert store.count_chunks() == first.chunks_added


def test_chunks_have_stable_ids_and_content_hashes(
    store: Store, embedder: CountingEmbedder, docs: Path
) -> None:
    Ingestor(store, embedder).sync([docs])
    doc = next(d for d in store.list_documents() if d.path == "handbook/employee-handbook.md")
    assert doc.id == document_id("handbook", "employee-handbook.md")
    chunks = store.document_chunks(doc.id, None)
    assert [c.id for c in chunks] == [chunk_id(doc.id, i) for i in range(len(chunks))]
    assert all(c.content_hash == sha256_hex(c.text) for c in chunks)
    leave = next(c for c in chunks if c.section_path[-1:] == ("2.1 Annual leave",))
    assert leave.section_path == ("2. Time off", "2.1 Annual leave")
    assert leave.title == "Northwind Robotics Employee Handbook"
    assert "28 days" in leave.text
    pdf = next(d for d in store.list_documents() if d.path.endswith(".pdf"))
    pages = {c.page for c in store.document_chunks(pdf.id, None)}
    assert pages == {1, 2}


def test_a_changed_document_replaces_exactly_its_chunks(
    store: Store, embedder: CountingEmbedder, docs: Path
) -> None:
    ingestor = Ingestor(store, embedder)
    ingestor.sync([docs])
    before = {c.id: c for c in _all_chunks(store)}
    handbook = docs / "employee-handbook.md"
    text = handbook.read_text()
    cut = text.index("## 3. Pay and benefits")
    handbook.write_text(
        text[:cut].replace("28 days of paid annual leave", "30 days of paid annual leave")
    )
    summary = ingestor.sync([docs])
    assert (summary.documents_indexed, summary.documents_unchanged) == (1, 5)
    after = {c.id: c for c in _all_chunks(store)}
    doc_id = document_id("handbook", "employee-handbook.md")
    new_handbook = [c for c in after.values() if c.document_id == doc_id]
    old_handbook = [c for c in before.values() if c.document_id == doc_id]
    assert len(new_handbook) < len(old_handbook)  # the pay section's chunks are gone
    assert summary.chunks_removed == len(old_handbook) - len(new_handbook)
    assert any("30 days" in c.text for c in new_handbook)
    assert not any("28 days" in c.text or "Payroll" in c.section for c in new_handbook)
    others_before = {i: c.content_hash for i, c in before.items() if c.document_id != doc_id}
    others_after = {i: c.content_hash for i, c in after.items() if c.document_id != doc_id}
    assert others_before == others_after
    assert store.get_document(doc_id).content_hash == sha256_hex(handbook.read_bytes())


def test_a_deleted_document_is_removed_with_its_chunks(
    store: Store, embedder: CountingEmbedder, docs: Path
) -> None:
    ingestor = Ingestor(store, embedder)
    ingestor.sync([docs])
    gone = document_id("handbook", "it-faq.html")
    n = len(store.document_chunks(gone, None))
    (docs / "it-faq.html").unlink()
    summary = ingestor.sync([docs])
    assert (summary.documents_removed, summary.chunks_removed) == (1, n)
    assert store.get_document(gone) is None and store.document_chunks(gone, None) == []
    assert len(store.list_documents()) == 5


def test_orphan_chunks_without_a_registry_entry_are_swept(
    store: Store, embedder: CountingEmbedder, docs: Path
) -> None:
    """What a run killed between writing chunks and their registry entry leaves behind."""
    ingestor = Ingestor(store, embedder)
    ingestor.sync([docs])
    orphan = document_id("handbook", "office-guide.txt")
    store.documents.data.delete_by_id(orphan)  # chunks written, registry entry never was
    (docs / "office-guide.txt").unlink()  # ... and the file went away before the re-run
    assert store.document_chunks(orphan, None)
    ingestor.sync([docs])
    assert store.document_chunks(orphan, None) == []


def test_access_groups_come_from_sidecars_and_filter_retrieval(
    store: Store, embedder: CountingEmbedder, tmp_path: Path
) -> None:
    root = tmp_path / "kb"
    (root / "hr").mkdir(parents=True)
    (root / "public.md").write_text("# Canteen\n\nThe canteen serves lunch from 11:30.\n")
    (root / "hr" / ".access.json").write_text(json.dumps({"access_groups": ["HR"]}))
    (root / "hr" / "salaries.md").write_text(
        "# Salary bands\n\nThe salary band for senior engineers is 95k to 120k.\n"
    )
    (root / "hr" / "bonus.md").write_text("# Bonus\n\nThe bonus pool is 8 percent of salary.\n")
    (root / "hr" / "bonus.md.meta.json").write_text(
        json.dumps({"access_groups": ["hr", "finance"], "title": "Bonus policy 2026"})
    )
    Ingestor(store, embedder).sync([root])
    by_path = {d.path: d for d in store.list_documents()}
    assert by_path["kb/public.md"].access_groups == ("everyone",)
    assert by_path["kb/hr/salaries.md"].access_groups == ("hr",)
    assert by_path["kb/hr/bonus.md"].access_groups == ("finance", "hr")
    assert by_path["kb/hr/bonus.md"].title == "Bonus policy 2026"
    assert "kb/hr/.access.json" not in by_path and "kb/hr/bonus.md.meta.json" not in by_path

    retriever = Retriever(store, embedder)
    query = "salary band senior engineers"
    everyone = retriever.search(SearchRequest(query, groups=["everyone"], k=10))
    assert {h.chunk.path for h in everyone} == {"kb/public.md"}
    hr = retriever.search(SearchRequest(query, groups=["hr"], k=10))
    assert hr[0].chunk.path == "kb/hr/salaries.md"
    finance = retriever.search(SearchRequest("bonus pool", groups=["Finance"], k=10))
    assert {h.chunk.path for h in finance} == {"kb/public.md", "kb/hr/bonus.md"}

    # Changing who may read a document re-indexes it even though its text did not change.
    (root / "hr" / ".access.json").write_text(json.dumps({"access_groups": ["hr", "managers"]}))
    summary = Ingestor(store, embedder).sync([root])
    assert summary.documents_indexed == 1  # salaries.md; bonus.md has its own sidecar
    managers = retriever.search(SearchRequest(query, groups=["managers"], k=10))
    assert "kb/hr/salaries.md" in {h.chunk.path for h in managers}
    # Opening a document shows a reader only the chunks they may read.
    salaries = document_id("kb", "hr/salaries.md")
    assert store.document_chunks(salaries, ["everyone"]) == []
    assert store.document_chunks(salaries, ["managers"])


def _tree(tmp_path: Path) -> Path:
    """kb/hr/.access.json (hr only) over kb/hr/2025/performance/ratings.md, and a public
    kb/canteen.md."""
    root = tmp_path / "kb"
    deep = root / "hr" / "2025" / "performance"
    deep.mkdir(parents=True)
    (root / "canteen.md").write_text("# Canteen\n\nThe canteen serves lunch from 11:30.\n")
    (root / "hr" / ".access.json").write_text(json.dumps({"access_groups": ["hr"]}))
    (deep / "ratings.md").write_text("# Ratings\n\nRatings are calibrated in the nightjar week.\n")
    return root


def _groups_by_id(store: Store) -> dict[str, tuple[str, ...]]:
    return {d.id: d.access_groups for d in store.list_documents()}


@pytest.mark.parametrize("first", ["file", "folder", "subfolder"])
def test_access_and_identity_do_not_depend_on_what_was_ingested(
    store: Store, embedder: CountingEmbedder, tmp_path: Path, first: str
) -> None:
    root = _tree(tmp_path)
    ratings = root / "hr" / "2025" / "performance" / "ratings.md"
    start = {"file": ratings, "folder": root, "subfolder": root / "hr" / "2025"}[first]
    Ingestor(store, embedder).sync([start])
    # Whatever was ingested, the folder two levels up decides who may read it.
    assert set(_groups_by_id(store).values()) >= {("hr",)}
    assert ("everyone",) not in {
        d.access_groups for d in store.list_documents() if d.path.endswith("ratings.md")
    }
    everyone = Retriever(store, embedder).search(SearchRequest("nightjar week", k=10))
    assert all("ratings" not in h.chunk.path for h in everyone)
    # Ingesting the whole folder, then the file alone again, then the sub-folder: one
    # document with one id, the id a folder ingest gives it.
    for again in (root, ratings, root / "hr"):
        Ingestor(store, embedder).sync([again])
        docs = [d for d in store.list_documents() if d.path.endswith("ratings.md")]
        assert [d.id for d in docs] == [document_id("kb", "hr/2025/performance/ratings.md")]
        assert docs[0].access_groups == ("hr",)
    assert {d.path for d in store.list_documents()} == {
        "kb/canteen.md",
        "kb/hr/2025/performance/ratings.md",
    }


@pytest.mark.parametrize(
    "sidecar",
    [
        '{"access_group": ["hr"]}',  # misspelled key
        '{"access_groups": ["hr"], "groups": ["x"]}',  # unknown extra key
        '{"access_groups": "hr"}',  # not a list
        "{broken json",
        '["hr"]',  # not an object
    ],
)
def test_a_sidecar_that_cannot_be_read_withdraws_its_document(
    store: Store, embedder: CountingEmbedder, tmp_path: Path, sidecar: str
) -> None:
    root = tmp_path / "kb"
    root.mkdir()
    doc = root / "salaries.md"
    doc.write_text("# Salaries\n\nThe nightjar band pays 95k.\n")
    (root / "canteen.md").write_text("# Canteen\n\nThe canteen serves lunch from 11:30.\n")
    Ingestor(store, embedder).sync([root])  # public at first
    (root / "salaries.md.meta.json").write_text(sidecar)
    summary = Ingestor(store, embedder).sync([root])
    (failure,) = summary.failed
    assert failure.path == "kb/salaries.md" and "withdrawn from search" in failure.error
    if 'access_group"' in sidecar:
        assert "did you mean 'access_groups'" in failure.error
    assert {d.path for d in store.list_documents()} == {"kb/canteen.md"}
    hits = Retriever(store, embedder).search(SearchRequest("nightjar band", k=10))
    assert all("salaries" not in h.chunk.path for h in hits)
    # Fixed: indexed again, under the groups it names.
    (root / "salaries.md.meta.json").write_text('{"access_groups": ["hr"]}')
    assert Ingestor(store, embedder).sync([root]).failed == []
    assert _groups_by_id(store)[document_id("kb", "salaries.md")] == ("hr",)


def test_a_document_whose_access_changed_but_cannot_be_read_is_withdrawn(
    store: Store, embedder: CountingEmbedder, tmp_path: Path
) -> None:
    root = tmp_path / "kb"
    root.mkdir()
    (root / "notes.md").write_text("# Notes\n\nThe nightjar plan is public for now.\n")
    Ingestor(store, embedder).sync([root])
    (root / ".access.json").write_text('{"access_groups": ["board"]}')
    (root / "notes.md").write_bytes(b"\xff\xfe\x00broken")  # now unreadable as text
    summary = Ingestor(store, embedder).sync([root])
    assert "withdrawn from search" in summary.failed[0].error
    assert store.list_documents() == []


OFFICE = "Northwind Robotics - Office Guide (Munich headquarters)"


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (f"{OFFICE}\n\nThe office is open.", OFFICE),
        ("The office opens at 07:00 and closes at 21:00 on weekdays.\n\nMore.", None),
        ("Address and access:\n\nWerksviertel 12.", None),
        ("  _   _ ____  _\n | | | |  _ \\| |\n\nASCII art is no title.", None),
        ("Only one paragraph, nothing after it", None),
        ("== 42 ==\n\nText.", None),
    ],
)  # fmt: skip
def test_a_plain_text_title_is_its_first_line_when_it_reads_as_one(
    text: str, title: str | None
) -> None:
    parsed = read_text(text.encode())
    assert parsed.title == title
    if title:  # the line stays in the text too: passages (and their hashes) are unchanged
        assert parsed.sections[0].text.startswith(title)
