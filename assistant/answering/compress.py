"""Context compression: the model reads only the sentences of each passage that bear on
the question.

A local model's time to first token is the prompt's tokens over its prefill speed
(about 45 tokens/s for a 1.5B model on 2 cores), so each passage token delays the
answer by some 20 ms. Each passage keeps its first sentence (what it is about), then
the best sentences of all passages (similarity to the question blended with shared
content words, as in the extractive answer) are added while they fit the budget, and
every passage's sentences are put back in their original order with "…" where some
were left out. Only the prompt is compressed: citations are verified against, and
readers open, the whole passage.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from assistant.answering.citations import Passage
from assistant.answering.extractive import sentence_scores
from assistant.answering.wording import split_sentences
from assistant.index.embeddings import Embedder

GAP = " … "


def compress(
    question: str,
    question_vector: np.ndarray,
    passages: Sequence[Passage],
    embedder: Embedder,
    token_budget: int,
    count_tokens: Callable[[str], int] | None = None,
) -> list[Passage]:
    """``passages`` with their text cut to the sentences that fit ``token_budget`` tokens."""
    count = count_tokens or embedder.count_tokens
    pieces = [
        (i, pos, s) for i, p in enumerate(passages) for pos, s in enumerate(split_sentences(p.text))
    ]
    if not pieces:
        return list(passages)
    scores = sentence_scores(question, question_vector, [s for _, _, s in pieces], embedder)
    cost = [count(s) + 1 for _, _, s in pieces]
    firsts = [k for k, (_, pos, _) in enumerate(pieces) if pos == 0]
    ranked = sorted(range(len(pieces)), key=lambda k: -scores[k])
    chosen: set[int] = set()
    said: set[str] = set()  # overlapping chunks repeat sentences: spend the budget once
    spent = 0
    for k in [*firsts, *ranked]:
        same = pieces[k][2].casefold()
        if k not in chosen and same not in said and spent + cost[k] <= token_budget:
            chosen.add(k)
            said.add(same)
            spent += cost[k]
    out = []
    for i, passage in enumerate(passages):
        kept = [(pos, s) for k, (j, pos, s) in enumerate(pieces) if j == i and k in chosen]
        if not kept:
            continue  # nothing of it fits: the model does not see it
        text, last = "", -1
        for pos, sentence in kept:
            text += (GAP if text and pos != last + 1 else " " if text else "") + sentence
            last = pos
        total = sum(1 for j, _, _ in pieces if j == i)
        if last < total - 1:
            text += " …"
        out.append(replace(passage, text=text))
    return out
