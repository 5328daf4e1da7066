"""A follow-up made to stand alone for search ("Can I carry them over?" after a question
about annual leave), in one of three ways the answering config chooses between:

- ``joined``: the conversation's last standalone question and the follow-up, searched
  together (BM25 reads both; the query vector leans to the follow-up, the earlier
  question's vector added at ``earlier_weight``); no model call, so a follow-up is as fast
  as a first question;
- ``model``: the model rewrites it (1-2 s for the local model on 2 idle cores; longer
  behind other readers' answers), and the preview waits for it;
- ``both``: joined for the quoted preview at once, then the model's rewrite searched too
  and the two result lists fused by rank for the model's answer.

``benchmarks/followups.py`` measures them on hand-written conversations (README,
Follow-ups). A question that already stands alone is searched as asked."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assistant.answering.draft import Turn
from assistant.answering.generate import Generator, says_not_found
from assistant.answering.wording import content_words, reads_as_follow_up
from assistant.index.embeddings import Embedder

# The earlier question a follow-up is joined to keeps its first and last words (a long
# conversation's joined questions would otherwise grow with every turn).
JOINED_HEAD_WORDS = 24
JOINED_TAIL_WORDS = 24


def needs_context(question: str, history: Sequence[Turn]) -> bool:
    """Whether the question is searched with the conversation's help."""
    return bool(history) and reads_as_follow_up(question)


def earlier(history: Sequence[Turn]) -> str:
    """The last turn's question as it was searched (its standalone form when it had one)."""
    last = history[-1]
    words = (last.standalone or last.question).split()
    if len(words) > JOINED_HEAD_WORDS + JOINED_TAIL_WORDS:
        words = words[:JOINED_HEAD_WORDS] + words[-JOINED_TAIL_WORDS:]
    return " ".join(words)


def joined(question: str, history: Sequence[Turn]) -> str:
    """The follow-up searched together with the question before it."""
    return f"{earlier(history)} {question}"


def leaning_vector(embedder: Embedder, question: str, earlier: str, weight: float) -> np.ndarray:
    """The joined question's vector: the follow-up's own, plus ``weight`` times the earlier
    question's, normalised. The follow-up leads, so a turn to another topic ("and how do
    I send mail?") is not pulled back to the last one; the earlier words still say what
    "it" is."""
    v = embedder.embed_query(question) + weight * embedder.embed_query(earlier)
    return v / np.linalg.norm(v)


def rewrite_prompt(template: str, question: str, history: Sequence[Turn]) -> str:
    convo = "\n".join(f"User: {t.question}\nAssistant: {t.answer[:300]}" for t in history[-3:])
    return template.format(history=convo, question=question)


def model_rewrite(
    generator: Generator, template: str, question: str, history: Sequence[Turn]
) -> str | None:
    """The model's standalone question, or None when its reply is not a plausible one
    (it must bring something in from the conversation). Raises ``GeneratorUnavailable``."""
    reply = generator.complete(
        [{"role": "user", "content": rewrite_prompt(template, question, history)}], max_tokens=60
    )
    lines = reply.strip().strip('"').splitlines() if reply else []
    rewritten = lines[0].strip() if lines else ""
    own = set(content_words(question))
    context = set(content_words(" ".join(t.question for t in history))) - own
    plausible = (
        5 <= len(rewritten) <= 3 * len(question) + 200
        and not says_not_found(rewritten)
        and bool(set(content_words(rewritten)) & context)
    )
    return rewritten if plausible else None
