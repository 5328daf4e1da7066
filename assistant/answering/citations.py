"""Citations: [n] markers <-> passages, and verification of every cited sentence.

A sentence's citation stands only if the cited passage supports it: most of the
sentence's content words (and every number in it) appear in the passage, or a
fair share do and the sentence is semantically close to the passage. Markers
that point nowhere or fail the check are removed, never shown as if valid.
A sentence whose passage number is wrong, or missing, is cited to the passage that
passes the same check, if any does; a claim no passage supports is left out. Kept
citations are renumbered 1..m in order of first use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from assistant.answering.wording import (
    Token,
    content_tokens,
    content_words,
    numbers,
    split_sentences,
)
from assistant.index.chunks import ScoredChunk
from assistant.index.embeddings import Embedder

_MARKERS = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
# A sentence ends at .!? followed by space or the end (not "2.33" or "v1.2"), markers included.
_END = re.compile(r"[.!?]+(?:\s*\[\d+(?:\s*,\s*\d+)*\])*(?=\s|$)|\n+")
NUMBER_RADIUS = 2  # content words either side of a number that are read as bound to it


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk as numbered in the prompt."""

    n: int
    hit: ScoredChunk
    text: str  # as sent to the model (instruction-like sentences neutralised)
    vector: np.ndarray | None = None


@dataclass(frozen=True)
class Verified:
    text: str  # markers renumbered, unsupported ones removed, unsupported claims left out
    cited: list[tuple[int, Passage, str]]  # (new n, passage, supporting snippet)
    removed: int  # markers dropped: no passage supports their sentence
    moved: int  # sentences cited to another passage than the model's (or cited at all)
    supported_sentences: int
    dropped: list[str] = field(default_factory=list)  # sentences no passage supports, left out


def lexical_support(sentence: str, passage: str) -> float:
    words = content_words(_MARKERS.sub(" ", sentence))
    if not words:
        return 0.0
    have = set(content_words(passage))
    return sum(1 for w in words if w in have) / len(words)


def numbers_supported(sentence: str, passage: str) -> bool:
    """Every number of the sentence is in the passage, and none is paired with a word the
    passage pairs with another number.

    "The hotel limit in London is EUR 180" against "EUR 180 in most cities and EUR 250 in
    London" has all its words and numbers in the passage, but gives London the wrong
    number. Counting content words only, a word within ``NUMBER_RADIUS`` of a number in the
    sentence contradicts the passage when the passage has it that close to a number the
    sentence does not state and never that close to the sentence's own. Words near both (a
    unit like "days") and words the passage lacks (a paraphrase) are not held against it.
    """
    sentence = _MARKERS.sub(" ", sentence)
    stated = numbers(sentence)
    if not stated <= numbers(passage):
        return False
    said, source = content_tokens(sentence), content_tokens(passage)
    # Each passage word, with the numbers that stand within NUMBER_RADIUS of any of its
    # places: one pass, so the check is linear in the passage, however often a word recurs.
    bound: dict[str, set[str]] = {}
    for pos, token in enumerate(source):
        if not token.number:
            around = source[max(pos - NUMBER_RADIUS, 0) : pos + NUMBER_RADIUS + 1]
            bound.setdefault(token.text, set()).update(t.text for t in around if t.number)
    near_unstated = {word for word, nums in bound.items() if nums - stated}

    for i, token in enumerate(said):
        if not token.number:
            continue  # every stated number is one of the passage's tokens (checked above)
        for near in said[max(i - NUMBER_RADIUS, 0) : i + NUMBER_RADIUS + 1]:
            if near.number or near.text not in bound:
                continue
            if near.text in near_unstated and token.text not in bound[near.text]:
                return False
    return not _paired_elsewhere(said, bound)


def _paired_elsewhere(said: tuple[Token, ...], bound: dict[str, set[str]]) -> bool:
    """Whether the sentence puts a word closest to a number the passage never puts near it,
    while the passage does bind that word to numbers: both of "EUR 180 in most cities and
    EUR 250 in London" stated, but as "the limit in London is EUR 180 ... EUR 250 per
    person". A word the sentence holds equally close to two numbers may go with either, and
    a run of numbers (a date, 15/01/2024) counts as one; a word with no number within
    ``NUMBER_RADIUS`` (or none near it in the passage) says nothing. Linear: each word looks
    at most ``NUMBER_RADIUS`` tokens either side, and a run is read once per word."""
    for i, token in enumerate(said):
        if token.number or not bound.get(token.text):
            continue
        for distance in range(1, NUMBER_RADIUS + 1):
            nearest: set[str] = set()
            for j in (i - distance, i + distance):
                if 0 <= j < len(said) and said[j].number:
                    nearest |= _run(said, j)
            if nearest:
                if not nearest & bound[token.text]:
                    return True
                break
    return False


def _run(tokens: tuple[Token, ...], j: int, limit: int = 4) -> set[str]:
    """The numbers adjacent to ``tokens[j]`` (a date or a version read as several), at most
    ``limit`` either side."""
    out = {tokens[j].text}
    for step in (-1, 1):
        k = j + step
        while 0 <= k < len(tokens) and tokens[k].number and abs(k - j) <= limit:
            out.add(tokens[k].text)
            k += step
    return out


def snippet_for(units: Sequence[str], n: int, passage: str) -> str:
    """The passage sentence that best supports the answer's units citing ``[n]`` ("" when
    none cites it)."""
    citing = " ".join(u for u in units if n in marker_numbers(u))
    return best_snippet(citing, passage) if citing else ""


def best_snippet(sentence: str, passage: str) -> str:
    """The passage sentence that shares the most content words with ``sentence``."""
    parts = split_sentences(passage)
    if not parts:
        return passage[:300]
    want = set(content_words(sentence))
    return max(parts, key=lambda p: len(want & set(content_words(p))))


def split_units(text: str) -> list[str]:
    """Sentences with the markers that follow them."""
    units, start = [], 0
    for m in _END.finditer(text):
        if text[start : m.end()].strip():
            units.append(text[start : m.end()])
        start = m.end()
    if text[start:].strip():
        units.append(text[start:])
    return units


def shown_while_streaming(
    deltas: Iterable[str], passages: Sequence[Passage], min_lexical: float
) -> Iterator[str]:
    """The model's text as it streams, a whole sentence at a time, holding back any
    sentence that no passage (as the model saw it) supports word for word and number for
    number. Nothing the model was talked into by a document reaches the screen before
    ``verify`` has read the whole answer; the verified answer then replaces the stream."""
    pending = ""
    for delta in deltas:
        pending += delta
        units = split_units(pending)
        if len(units) < 2:
            continue
        for unit in units[:-1]:  # the last one may still be growing
            if _plainly_supported(unit, passages, min_lexical):
                yield unit
        pending = units[-1]
    if pending.strip() and _plainly_supported(pending, passages, min_lexical):
        yield pending


def _plainly_supported(unit: str, passages: Sequence[Passage], min_lexical: float) -> bool:
    if not content_words(_MARKERS.sub(" ", unit)):
        return True  # markers, list bullets, punctuation
    return any(
        lexical_support(unit, p.text) >= min_lexical and numbers_supported(unit, p.text)
        for p in passages
    )


def without_markers(text: str) -> str:
    """``text`` with its [n] markers (and the space before each) taken out; linear (a
    pattern with the space in it would rescan long runs of spaces)."""
    kept, last = [], 0
    for m in _MARKERS.finditer(text):
        kept.append(text[last : m.start()].rstrip())
        last = m.end()
    return "".join([*kept, text[last:]])


def marker_numbers(unit: str) -> list[int]:
    return [int(n) for group in _MARKERS.findall(unit) for n in re.split(r"\s*,\s*", group)]


def verify(
    answer: str,
    passages: Sequence[Passage],
    embedder: Embedder,
    min_lexical: float,
    min_semantic: float,
) -> Verified:
    """Check every cited sentence against its passage. A sentence whose markers all fail,
    or that has none, is cited to the passage that passes the same check best, if one does
    (small models often cite [2] for what [1] says): the claim stands only where a passage
    supports it, whichever number the model wrote."""
    by_n = {p.n: p for p in passages}
    units = split_units(answer)
    bodies = [_MARKERS.sub(" ", u) for u in units]
    checkable = [i for i, b in enumerate(bodies) if content_words(b)]
    vectors = embedder.embed([bodies[i] for i in checkable]) if checkable else []
    vec_of = dict(zip(checkable, vectors, strict=True))

    @cache  # a failed marker's passage is asked again when looking for the right one
    def support(i: int, n: int) -> float | None:
        """How well passage ``n`` supports unit ``i`` (word share + cosine); None: it does not."""
        passage = by_n.get(n)
        if passage is None or i not in vec_of:
            return None
        seen = passage.text  # what the model saw: instruction-like sentences removed
        lexical = lexical_support(units[i], seen)
        semantic = float(vec_of[i] @ passage.vector) if passage.vector is not None else -1.0
        ok = numbers_supported(units[i], seen) and (
            lexical >= min_lexical or (lexical >= 0.25 and semantic >= min_semantic)
        )
        return lexical + semantic if ok else None

    renumber: dict[int, int] = {}
    cited: list[tuple[int, Passage, str]] = []
    removed = moved = supported_sentences = 0
    out_units: list[str] = []
    dropped: list[str] = []
    for i, unit in enumerate(units):
        wanted = list(dict.fromkeys(marker_numbers(unit)))
        good = [n for n in wanted if support(i, n) is not None]
        failed = len(wanted) - len(good)
        if not good:
            scored = [(sc, n) for n in by_n if (sc := support(i, n)) is not None]
            if scored:
                good = [max(scored, key=lambda t: (t[0], -t[1]))[1]]
                moved += 1
                failed = max(failed - 1, 0)
        removed += failed
        keep: list[int] = []
        for n in good:
            if n not in renumber:
                renumber[n] = len(renumber) + 1
                passage = by_n[n]
                cited.append((renumber[n], passage, best_snippet(unit, passage.text)))
            keep.append(renumber[n])
        body = _MARKERS.sub("", unit).rstrip()
        tail = ""
        if body and body[-1] in ".!?":
            body, tail = body[:-1].rstrip(), body[-1]
        if keep:
            supported_sentences += 1
            body = f"{body} {''.join(f'[{k}]' for k in keep)}"
        elif i in vec_of:  # a claim no passage supports is not shown at all
            dropped.append(" ".join(body.split()) + tail)
            continue
        out_units.append(body + tail)
    text = " ".join(u.strip() for u in out_units if u.strip())
    return Verified(
        text=text,
        cited=cited,
        removed=removed,
        moved=moved,
        supported_sentences=supported_sentences,
        dropped=dropped,
    )
