"""How BM25 reads text: words, stopwords dropped, Snowball stems, in the text's language.

Weaviate tokenises but does not stem, so "configure", "configured" and
"configuration" are three words to it, and a question rarely uses the form its
answer does. Chunks are therefore indexed twice: as written (shown to people)
and analysed here (``text_stemmed``, ``section_stemmed``, whitespace-tokenised
in Weaviate); queries go through the same functions, so both sides agree.

Each text is analysed in its own language (``assistant.index.language``): English
with the Lucene stopwords plus question words below and the Porter 2 stemmer, as
always; German, French, Spanish, Italian, Dutch and Portuguese with spaCy's stopword
lists and their Snowball stemmers. A question in another language than English is
analysed both ways (``analyze_query``): its technical words ("commit", "VACUUM",
"Python") are often the English ones, and the documents may be in either language.
"""

from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Iterable
from functools import cache

import Stemmer  # PyStemmer: the Snowball stemmers, compiled

from assistant.index.language import DEFAULT, SUPPORTED, detect

ANALYSIS_VERSION = "2"  # bump when analysis changes: every document is re-indexed (ingest.py)

# Lucene's English stopwords (Weaviate's "en" preset) ...
ENGLISH_STOPWORDS = [
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is",
    "it", "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there",
    "these", "they", "this", "to", "was", "will", "with",
]  # fmt: skip
# ... plus words that carry a question's form, not its topic: the index is searched with
# questions, and "How do I get ..." would otherwise match every heading that starts alike.
QUESTION_STOPWORDS = [
    "how", "what", "when", "where", "which", "who", "whom", "whose", "why", "do", "does",
    "did", "done", "can", "could", "should", "would", "may", "might", "must", "shall", "i",
    "me", "my", "we", "us", "our", "you", "your", "am", "has", "have", "had", "get", "gets",
    "got", "many", "much", "any", "some", "about", "please", "tell", "know",
]  # fmt: skip
STOPWORDS = frozenset(ENGLISH_STOPWORDS) | frozenset(QUESTION_STOPWORDS)

_WORD = re.compile(r"[^\W_]+")  # letters and digits, any script: Weaviate's "word" split
_local = threading.local()  # a PyStemmer object must not be shared between threads


@cache
def stopwords(language: str) -> frozenset[str]:
    """The words of ``language`` that carry no topic (English: the list above)."""
    if language == DEFAULT:
        return STOPWORDS
    listed = importlib.import_module(f"spacy.lang.{language}.stop_words").STOP_WORDS
    words = set()
    for word in listed:  # "l'", "qu’": the part our word split leaves of an elision
        words.update(_WORD.findall(word.lower()))
    return frozenset(words)


def _stemmer(language: str) -> Stemmer.Stemmer:
    stemmers = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {}
    if language not in stemmers:
        stemmers[language] = Stemmer.Stemmer(SUPPORTED[language])
    return stemmers[language]


def analyze(text: str, language: str | None = None) -> str:
    """The stemmed content words of ``text``, space-separated, in order, analysed in
    ``language`` (a code of ``language.SUPPORTED``; detected from the text if not given)."""
    language = language or detect(text)
    stop = stopwords(language)
    words = [w for w in _WORD.findall(text.lower()) if w not in stop]
    return " ".join(_stemmer(language).stemWords(words))


def analyze_query(question: str) -> str:
    """A question's BM25 terms: in its language and, if that is not English, in English too
    (each distinct term once, so no word counts twice)."""
    language = detect(question)
    if language == DEFAULT:
        return analyze(question, DEFAULT)  # exactly as before questions had a language
    terms = analyze(question, language).split() + analyze(question, DEFAULT).split()
    return " ".join(dict.fromkeys(terms))


def term_coverage(question: str, passages: Iterable[str]) -> float:
    """The largest share of the question's BM25 terms (``analyze_query``) that one of the
    passages holds (each analysed in its own language): lexical evidence of a passage
    about the question."""
    asked = set(analyze_query(question).split())
    if not asked:
        return 0.0
    return max((len(asked & set(analyze(p).split())) / len(asked) for p in passages), default=0.0)
