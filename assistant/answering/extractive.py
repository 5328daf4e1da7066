"""The extractive answer: the passages' own best sentences, cited. No model needed.

Used when the generator is down, too slow, or wrote nothing verifiable. Each
candidate sentence of the top passages is scored by its similarity to the
question (embeddings) blended with how many of the question's content words it
contains; the best few are returned in document order, each citing its passage.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assistant.answering.citations import Passage
from assistant.answering.wording import content_words, split_sentences
from assistant.index.embeddings import Embedder

MAX_PASSAGES = 3
MAX_SENTENCE_CHARS = 400
SHORTLIST = 8


def _cite(sentence: str, n: int) -> str:
    sentence = sentence.rstrip()
    if sentence[-1:] in ".!?":
        return f"{sentence[:-1].rstrip()} [{n}]{sentence[-1]}"
    return f"{sentence} [{n}]"


def _sentences(text: str) -> list[str]:
    """The sentences fit to be quoted on their own."""
    return [
        s
        for s in split_sentences(text)
        if 20 <= len(s) <= MAX_SENTENCE_CHARS and not s.startswith("[instruction-like")
    ]


def sentence_scores(
    question: str, question_vector: np.ndarray, sentences: Sequence[str], embedder: Embedder
) -> list[float]:
    """How well each sentence bears on the question: similarity blended with shared words."""
    if not sentences:
        return []
    wanted = set(content_words(question))
    vectors = embedder.embed([s[:MAX_SENTENCE_CHARS] for s in sentences])
    semantic = vectors @ question_vector
    return [
        0.7 * float(sim) + 0.3 * _overlap(wanted, s)
        for s, sim in zip(sentences, semantic, strict=True)
    ]


def _overlap(wanted: set[str], sentence: str) -> float:
    """Share of the question's content words that the sentence contains."""
    return len(wanted & set(content_words(sentence))) / len(wanted) if wanted else 0.0


def compose(
    question: str,
    question_vector: np.ndarray,
    passages: Sequence[Passage],
    embedder: Embedder,
    max_sentences: int,
    min_score: float,
) -> tuple[str, list[int]]:
    """(Markdown text with [n] markers, passage numbers used). Empty text: nothing fits."""
    candidates: list[tuple[int, int, str]] = []  # (passage n, position, sentence)
    seen: set[str] = set()  # overlapping chunks repeat sentences: quote each once
    for passage in passages[:MAX_PASSAGES]:
        for pos, sentence in enumerate(_sentences(passage.text)):
            if (same := sentence.casefold()) not in seen:
                seen.add(same)
                candidates.append((passage.n, pos, sentence))
    if not candidates:
        return "", []
    wanted = set(content_words(question))
    # Embedding every sentence of long passages costs a second on 2 cores; the lexical
    # shortlist keeps the extractive answer fast (the embedder then ranks the shortlist).
    shortlist = sorted(candidates, key=lambda c: (-_overlap(wanted, c[2]), c[0], c[1]))[:SHORTLIST]
    scores = sentence_scores(question, question_vector, [c[2] for c in shortlist], embedder)
    scored = [
        (sc, n, pos, sentence) for sc, (n, pos, sentence) in zip(scores, shortlist, strict=True)
    ]
    scored.sort(reverse=True)
    best = [s for s in scored if s[0] >= min_score][:max_sentences]
    if not best:
        return "", []
    best.sort(key=lambda s: (s[1], s[2]))  # passage order, then order within the passage
    text = " ".join(_cite(sentence, n) for _, n, _, sentence in best)
    return text, list(dict.fromkeys(n for _, n, _, _ in best))
