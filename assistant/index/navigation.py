"""How much of a passage is navigation rather than content: a table of contents, an index,
a menu ("Home | Table of contents | Index"), a list of a chapter's section titles.

Such passages hold the words of many headings, so they match title-like questions well
and rank high, yet they answer nothing: in Debian's FAQ the table of contents, which
repeats every question, was among the three passages given to the model for a third of
the questions. Retrieval can lower them by this share
(``RetrievalConfig.navigation_penalty``).

Read from the text alone, in any language, two ways; the share is the larger:

- *numbered titles*: section numbers ("1.2.", "3.1.4") per word, as a table of contents
  has one every few words and prose almost never;
- *a list of titles*: lines that end without punctuation and are followed by a line that
  starts with a capital (or by nothing): each line a title of its own. Hard-wrapped prose
  mostly continues in lower case on the next line.

Linear in the text's length: about 3 ms for a search's 50 candidates on 2 cores, less for
those seen before (cached)."""

from __future__ import annotations

from functools import lru_cache

import regex

MIN_LINES = 5  # fewer lines say too little about a list
MIN_NUMBERS = 4  # fewer section numbers are versions or references ("3.11 and 3.12")
_NUMBER = regex.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3})+\.?(?=\s|\p{L})")
_WORD = regex.compile(r"[\p{L}\p{N}]+")
_ENDS_CLAUSE = regex.compile(r"[.,;:!?)\]。、，]$")
_STARTS_TITLE = regex.compile(r"^[\p{Lu}\p{N}\"'“«(]")
NUMBERS_PER_WORD = 1 / 8  # a section number every 8 words is all navigation
LIST_FROM, LIST_TO = 0.35, 0.85  # share of title lines from which it counts, and is all


@lru_cache(maxsize=4096)  # the same passages come back question after question
def navigation_share(text: str) -> float:
    """The share of ``text`` (0 to 1) that reads as navigation."""
    words = word_count(text)
    if not words:
        return 0.0
    numbers = len(_NUMBER.findall(text))
    numbered = min(1.0, numbers / words / NUMBERS_PER_WORD) if numbers >= MIN_NUMBERS else 0.0
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    listed = 0.0
    if len(lines) >= MIN_LINES:
        titles = sum(
            1
            for line, after in zip(lines, [*lines[1:], ""], strict=True)
            if not _ENDS_CLAUSE.search(line) and (not after or _STARTS_TITLE.match(after))
        )
        share = titles / len(lines)
        listed = min(1.0, max(0.0, (share - LIST_FROM) / (LIST_TO - LIST_FROM)))
    return max(numbered, listed)


def word_count(text: str) -> int:
    """Words (runs of letters and digits) in ``text``, in any script."""
    return len(_WORD.findall(text))
