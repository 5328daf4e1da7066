"""How BM25 reads text: words, stopwords dropped, Snowball (Porter 2) stems.

Weaviate tokenises but does not stem, so "configure", "configured" and
"configuration" are three words to it, and a question rarely uses the form its
answer does. Chunks are therefore indexed twice: as written (shown to people)
and analysed here (``text_stemmed``, ``section_stemmed``, whitespace-tokenised
in Weaviate); queries go through the same function, so both sides agree.
"""

from __future__ import annotations

import re
import threading

import Stemmer  # PyStemmer: the Snowball stemmers, compiled

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


def _stemmer() -> Stemmer.Stemmer:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return stemmer


def analyze(text: str) -> str:
    """The stemmed content words of ``text``, space-separated, in order."""
    words = [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS]
    return " ".join(_stemmer().stemWords(words))
