"""What one replayed answer scores against its golden case. Pure functions, no I/O.

Definitions (the README's Evaluation section repeats them):

- **Evidence matching.** An expected passage is found in a list of passages by chunk id,
  else by content hash (the same text, re-chunked or moved), else by document (any passage
  of the same document). Each case records the level each expected passage was matched at.
- **Retrieval** over the passages retrieved for the answer, in rank order: ``hit@k`` (1 if
  any expected passage is in the first k), ``recall@k`` (share of expected passages in the
  first k) and ``mrr`` (1 / rank of the first expected passage), at chunk or hash level.
- **Citations**: ``citation_precision`` is the share of the answer's citations that point at
  an expected passage (chunk or hash level; the pipeline keeps only citations whose passage
  supports the sentence); ``citation_recall`` the share of expected passages cited.
- **Correctness** against the reference: ``token_f1`` (SQuAD-style: lower case, punctuation
  and articles dropped, citation markers removed), ``similarity`` (cosine of the two texts'
  embeddings, computed by the caller), ``key_fact_recall`` (share of the reference's
  numbers, dates, amounts and capitalised names found in the answer; numbers compare by
  value, so "EUR 45" and "45 euros" agree).
- **Faithfulness**: share of the model's sentences supported by their cited passages (the
  verifier's count: sentences it had to leave out count against); 1.0 for quoted answers,
  none for refusals.
- **Refusal** is an outcome, never a missing value: ``answered``, ``false_refusal``
  (answerable, refused), ``correct_refusal``, ``missed_refusal`` (should refuse, answered).
- **Pass** (``passes``): an answerable case passes when it is answered, cites an expected
  passage and states every key fact of the reference (or, when the reference has none,
  reaches a token F1 of 0.5); a should-refuse case passes when it is refused.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any, Literal

import regex
from pydantic import BaseModel

from assistant.answering.wording import content_words, numbers, split_sentences

MatchLevel = Literal["chunk", "hash", "document"]
Outcome = Literal["answered", "false_refusal", "correct_refusal", "missed_refusal", "error"]
PASS_MIN_F1 = 0.5  # an answerable case with no key facts in its reference needs this F1


class Ref(BaseModel):
    """A passage as the metrics see it: an expected, retrieved or cited one."""

    chunk_id: str
    content_hash: str = ""
    document: str = ""

    @classmethod
    def of(cls, passage: Any) -> Ref:
        """From anything naming a passage that way: a pin, a citation, a retrieved source."""
        return cls(
            chunk_id=passage.chunk_id,
            content_hash=passage.content_hash or "",
            document=passage.document or "",
        )


class CaseScores(BaseModel):
    outcome: Outcome
    passed: bool
    match: MatchLevel | None = None  # the coarsest level an expected passage was found at
    hit_at_k: float | None = None
    recall_at_k: float | None = None
    mrr: float | None = None
    citation_precision: float | None = None
    citation_recall: float | None = None
    token_f1: float | None = None
    similarity: float | None = None
    key_fact_recall: float | None = None
    faithfulness: float | None = None
    judge_correctness: float | None = None  # the opt-in LLM judge's score (judge.py)
    why: str = ""  # the rule that failed, in words


# Higher is better for these; the rest of a run's numbers (latency, cost) lower is better.
QUALITY_METRICS = (
    "passed", "hit_at_k", "recall_at_k", "mrr", "citation_precision", "citation_recall",
    "token_f1", "similarity", "key_fact_recall", "faithfulness", "judge_correctness",
)  # fmt: skip


def match_level(expected: Ref, found: Ref) -> MatchLevel | None:
    if expected.chunk_id and expected.chunk_id == found.chunk_id:
        return "chunk"
    if expected.content_hash and expected.content_hash == found.content_hash:
        return "hash"
    if expected.document and _doc(expected.document) == _doc(found.document):
        return "document"
    return None


def _doc(path: str) -> str:
    """A document's path without its source folder (``data/x.md`` and ``kb/x.md`` agree)."""
    return path.split("/", 1)[-1]


def _exact(expected: Ref, found: Ref) -> bool:
    return match_level(expected, found) in ("chunk", "hash")


def retrieval_scores(
    expected: Sequence[Ref], retrieved: Sequence[Ref], k: int
) -> tuple[float, float, float]:
    """(hit@k, recall@k, MRR) of the expected passages in the ranked ``retrieved``."""
    top = retrieved[:k]
    found = [e for e in expected if any(_exact(e, r) for r in top)]
    ranks = [i for i, r in enumerate(retrieved, 1) if any(_exact(e, r) for e in expected)]
    return float(bool(found)), len(found) / len(expected), (1 / ranks[0] if ranks else 0.0)


def coarsest_match(expected: Sequence[Ref], seen: Sequence[Ref]) -> MatchLevel | None:
    order: list[MatchLevel] = ["chunk", "hash", "document"]
    levels = []
    for e in expected:
        found = [lvl for s in seen if (lvl := match_level(e, s)) is not None]
        if found:
            levels.append(min(found, key=order.index))
    return max(levels, key=order.index) if levels else None


def citation_scores(expected: Sequence[Ref], cited: Sequence[Ref]) -> tuple[float | None, float]:
    """(precision, recall); precision is None when nothing is cited (a refusal)."""
    precision = (
        sum(any(_exact(e, c) for e in expected) for c in cited) / len(cited) if cited else None
    )
    recall = sum(any(_exact(e, c) for c in cited) for e in expected) / len(expected)
    return precision, recall


_MARKER = re.compile(r"\[\d+\]")
_ARTICLES = {"a", "an", "the"}


_PUNCTUATION = regex.compile(r"[\p{P}\p{S}]+")  # any script's: “quotes”, «guillemets», …


def normalise_words(text: str) -> list[str]:
    text = _PUNCTUATION.sub(" ", _MARKER.sub(" ", text.lower()))
    return [w for w in text.split() if w not in _ARTICLES]


def token_f1(answer: str, reference: str) -> float:
    a, r = normalise_words(answer), normalise_words(reference)
    if not a or not r:
        return float(a == r)
    common = sum((Counter(a) & Counter(r)).values())
    if not common:
        return 0.0
    precision, recall = common / len(a), common / len(r)
    return 2 * precision * recall / (precision + recall)


_NAME = re.compile(r"\b[A-Z][A-Za-z0-9]+(?:[-'][A-Za-z0-9]+)*\b")


def key_facts(reference: str) -> set[str]:
    """The reference's numbers (by value) and capitalised names that do not open a
    sentence: what an answer must not get wrong."""
    facts = {f"#{n}" for n in numbers(reference)}
    for sentence in split_sentences(reference):
        words = list(_NAME.finditer(sentence))
        for m in words:
            if m.start() == 0 or not content_words(m.group()):
                continue  # a sentence's first word is capitalised anyway; stop words are not names
            facts.add(m.group().lower())
    return facts


def key_fact_recall(answer: str, reference: str) -> float | None:
    facts = key_facts(reference)
    if not facts:
        return None
    said = {f"#{n}" for n in numbers(answer)} | {w.lower() for w in _NAME.findall(answer)}
    said |= set(normalise_words(answer))
    return len(facts & said) / len(facts)


def faithfulness(mode: str, sentences: int, dropped: int) -> float | None:
    if mode == "refused":
        return None
    if mode != "generated":
        return 1.0  # quoted passages say what the passages say
    written = sentences + dropped
    return sentences / written if written else None


def outcome(should_refuse: bool, refused: bool) -> Outcome:
    if should_refuse:
        return "correct_refusal" if refused else "missed_refusal"
    return "false_refusal" if refused else "answered"


def passes(should_refuse: bool, s: CaseScores) -> tuple[bool, str]:
    """The pass rule, the one place it is written (see the module's docstring)."""
    if should_refuse:
        if s.outcome == "correct_refusal":
            return True, ""
        return False, "answered a question it should refuse"
    if s.outcome != "answered":
        return False, "refused an answerable question"
    if not s.citation_recall:
        return False, "cites none of the expected passages"
    if s.key_fact_recall is not None:
        if s.key_fact_recall < 1.0:
            return False, "misses a key fact of the reference"
        return True, ""
    if (s.token_f1 or 0.0) < PASS_MIN_F1:
        return False, f"token F1 under {PASS_MIN_F1} with no key facts to check"
    return True, ""


def score_case(
    *,
    should_refuse: bool,
    reference: str,
    expected: Sequence[Ref],
    answer_text: str,
    mode: str,
    refused: bool,
    cited: Sequence[Ref],
    retrieved: Sequence[Ref],
    k: int,
    similarity: float | None,
    dropped_sentences: int,
) -> CaseScores:
    s = CaseScores(outcome=outcome(should_refuse, refused), passed=False)
    if expected:
        s.hit_at_k, s.recall_at_k, s.mrr = retrieval_scores(expected, retrieved, k)
        s.match = coarsest_match(expected, [*cited, *retrieved])
        s.citation_precision, s.citation_recall = citation_scores(expected, cited)
    if not should_refuse and refused:
        # A refused answerable case said nothing of the reference: it scores zero, so
        # refusing hard questions never raises a run's averages.
        s.token_f1 = 0.0
        s.key_fact_recall = 0.0 if key_facts(reference) else None
    elif not should_refuse:
        s.token_f1 = token_f1(answer_text, reference)
        s.similarity = similarity
        s.key_fact_recall = key_fact_recall(answer_text, reference)
        sentences = len(split_sentences(_MARKER.sub("", answer_text)))
        s.faithfulness = faithfulness(mode, sentences, dropped_sentences)
    s.passed, s.why = passes(should_refuse, s)
    return s
