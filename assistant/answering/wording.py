"""How answers, passages and questions are read into words and numbers: one tokeniser for
every comparison, so a number found in a text is always one of that text's tokens.

A token is a run of digits (with inner ``.``, ``,`` or ``:`` between digits), a run of
letters and marks in any script, or one Han/Kana character (those scripts do not put
spaces between words). Anything else separates tokens, so "v1.3" reads as "v" and "1.3",
"2.6.32-5-amd64" as "2.6.32", "5", "amd", "64", and "x86_64" as "x", "86", "64": a
number is found whether it stands alone or inside a longer token, the same way in a
sentence and in a passage. Text is NFKC-normalised (full-width digits, ligatures) and
case-folded first.

Numbers are compared in a canonical form: thousands separators dropped ("1,500" and
"1.500,00" read as 1500 and 1500), a decimal comma read as a point ("1,5" is 1.5),
leading zeros dropped ("01" is 1), and an all-zero fraction dropped ("180.00" is 180).
"1,500" is read as fifteen hundred, never as the German 1.5; "3.10" stays 3.10 (a version
is not 3.1).

Number words are numbers too: "five minutes" reads as 5 minutes, "twenty-one" as 21 (zero
to nineteen and the tens, alone or joined by a hyphen, never across a space). "one" is left
a word: it is far more often a pronoun ("no one", "one of") than a count.

Every pattern here matches in time linear in its input: no alternative can consume what
another already could.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import regex

from assistant.index.analysis import ENGLISH_STOPWORDS

_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}"
_TOKEN = regex.compile(
    rf"(?P<number>\p{{Nd}}+(?:[.,:]\p{{Nd}}+)*)"
    rf"|(?P<cjk>[{_CJK}])"
    rf"|(?P<word>[\p{{L}}\p{{M}}--[{_CJK}]]+)",
    regex.V1,
)
_SMALL = (
    *("zero", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen"),
    *("eighteen", "nineteen"),
)
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_DIGIT_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_VALUE = {
    **{w: v for w, v in zip(_SMALL, [0, *range(2, 20)], strict=True)},
    **{w: 10 * (i + 2) for i, w in enumerate(_TENS)},
    **{w: i + 1 for i, w in enumerate(_DIGIT_WORDS)},
}
_NUMBER_WORD = regex.compile(
    rf"\b(?:(?P<tens>{'|'.join(_TENS)})(?:-(?P<unit>{'|'.join(_DIGIT_WORDS)}))?"
    rf"|(?P<small>{'|'.join(_SMALL)}))\b"
)
_THOUSANDS = regex.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")  # 1,500 / 1,500.25
_EUROPEAN = regex.compile(r"\d{1,3}(?:\.\d{3})+,\d+")  # 1.500,25
_DECIMAL_COMMA = regex.compile(r"\d+,\d+")  # 1,5 (three digits after it: thousands)
_ZERO_FRACTION = regex.compile(r"(\d+)\.0+")
_LEADING_ZEROS = regex.compile(r"^0+(?=\d)")
# Control characters other than tab and newline: PostgreSQL refuses NUL in text, and none
# of them means anything in a question.
_CONTROL = regex.compile(r"[\x00-\x08\x0b-\x1f\x7f]+")

# Words that carry no claim: the index's English stopwords (the same list BM25 drops) and
# the function words an answer sentence adds around its facts.
STOPWORDS = frozenset(ENGLISH_STOPWORDS) | frozenset(
    """been can could do does did from had has have he her his how i its may me might must my
    our she should so than them these those us we were what when where which while who
    whom why would you your yes also only any all each per up out about over under after
    before between s t d ll re ve m""".split()  # noqa: SIM905
)
# A sentence ends at ".", "!" or "?" followed by a space and a capital, digit or quote, or
# at a blank line (a paragraph, a list item, a heading).
_SENTENCE_END = regex.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])|\n{2,}")


def split_sentences(text: str) -> list[str]:
    """Sentences and blank-line-separated blocks of ``text``, whitespace collapsed, in order."""
    return [p for p in (" ".join(part.split()) for part in _SENTENCE_END.split(text)) if p]


def plain_text(text: str) -> str:
    """``text`` without control characters (tab and newline kept), as it may be stored."""
    return _CONTROL.sub(" ", text)


@dataclass(frozen=True, slots=True)
class Token:
    text: str  # a case-folded word, or a number in canonical form
    number: bool


def canonical_number(raw: str) -> str:
    """One spelling per value: see the module's docstring for the rules."""
    if _THOUSANDS.fullmatch(raw):
        raw = raw.replace(",", "")
    elif _EUROPEAN.fullmatch(raw):
        raw = raw.replace(".", "").replace(",", ".")
    elif _DECIMAL_COMMA.fullmatch(raw) and len(raw.partition(",")[2]) != 3:
        raw = raw.replace(",", ".")
    if zero := _ZERO_FRACTION.fullmatch(raw):
        raw = zero.group(1)
    return _LEADING_ZEROS.sub("", raw)


@lru_cache(maxsize=4096)  # a passage is read once per sentence it is checked against
def tokens(text: str) -> tuple[Token, ...]:
    """Every word and number of ``text``, in order."""
    folded = _NUMBER_WORD.sub(_spelled, unicodedata.normalize("NFKC", text).casefold())
    out = []
    for m in _TOKEN.finditer(folded):
        if m.lastgroup == "number":
            out.append(Token(canonical_number(m.group()), number=True))
        else:
            out.append(Token(m.group(), number=False))
    return tuple(out)


def _spelled(m: regex.Match[str]) -> str:
    """A number word's digits: "five" -> 5, "twenty-one" -> 21."""
    if small := m.group("small"):
        return str(_VALUE[small])
    return str(_VALUE[m.group("tens")] + (_VALUE[m.group("unit")] if m.group("unit") else 0))


def content_tokens(text: str) -> tuple[Token, ...]:
    """Words and numbers that carry meaning, in order (stopwords do not count)."""
    return tuple(t for t in tokens(text) if t.number or t.text not in STOPWORDS)


def content_words(text: str) -> list[str]:
    """The text of each content token (numbers included), in order."""
    return [t.text for t in content_tokens(text)]


def numbers(text: str) -> set[str]:
    """The canonical numbers of ``text``."""
    return {t.text for t in tokens(text) if t.number}


# Words that point back into the conversation. "there" counts only as a place ("the wifi
# there"), not in "is there ...?", which asks whether something exists. "one" counts where
# it stands for a thing named before ("book one?", "a new one for me", "which one"), not
# as a number ("one day off").
_FOLLOW_UP = regex.compile(
    r"\b(it|its|that|this|those|these|they|them|their|he|she|his|her|same|also|else|more)\b"
    r"|(?<!\bis )(?<!\bare )(?<!\bwas )(?<!\bwere )\bthere\b"
    r"|\b(?:which|another|other|new|old|same|each|every|right|first|last)\s+ones?\b"
    r"|\bones?\b(?=\s*(?:[?.!,;:]|$|\b(?:for|from|in|on|at|with|to|of|instead|too|again)\b))",
    regex.I,
)


def reads_as_follow_up(question: str) -> bool:
    """Whether a question leans on the conversation: a pointing word, or too few words of
    its own to stand alone."""
    return bool(_FOLLOW_UP.search(question)) or len(set(content_words(question))) <= 3
