"""Which language a text is in, among those the index can analyse.

BM25 needs words in the form the index holds them: a German passage stemmed by the
English stemmer keeps "Urlaubstage" and "Urlaubstagen" apart, and German stopwords
("der", "und", "nicht") would count as content. So each passage and each question is
analysed in its own language. Detection is py3langid (a naive Bayes model over byte
n-grams, bundled with the package, no network), restricted to the languages below;
it is fast (well under a millisecond for a passage) and wrong mostly on very short or
code-like text ("git rebase", "SELECT * FROM t"), so such text, or anything the model
is not sure of, is read as ``DEFAULT`` — English, the analysis the index had before.
"""

from __future__ import annotations

import re
from functools import cache

# Language code -> Snowball stemmer. Each has a stopword list in spaCy (analysis.py).
SUPPORTED = {
    "en": "english",
    "de": "german",
    "fr": "french",
    "es": "spanish",
    "it": "italian",
    "nl": "dutch",
    "pt": "portuguese",
}
DEFAULT = "en"
MIN_CONFIDENCE = 0.9  # probability among SUPPORTED; below it the text stays DEFAULT
MIN_LETTERS = 12  # shorter texts ("VPN", "git rebase") carry too little to tell
SAMPLE_CHARS = 2000  # a passage's language shows in its first lines; bounds the cost

_LETTER = re.compile(r"[^\W\d_]")


@cache
def _identifier():  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(sorted(SUPPORTED))
    return identifier


def detect(text: str) -> str:
    """The language code of ``text`` (a key of ``SUPPORTED``), or ``DEFAULT`` when unsure."""
    sample = text[:SAMPLE_CHARS]
    if len(_LETTER.findall(sample)) < MIN_LETTERS:
        return DEFAULT
    language, confidence = _identifier().classify(sample)
    return language if confidence >= MIN_CONFIDENCE and language in SUPPORTED else DEFAULT


@cache
def _any_language():  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def identify(text: str) -> str:
    """The language of ``text`` among every language py3langid knows (97), not only those
    the index analyses: Turkish or Polish is itself here, though ``detect`` falls back to
    English for it. Short text, which tells too little, and text the identifier is unsure
    of where ``detect`` reads English, are ``DEFAULT``."""
    sample = text[:SAMPLE_CHARS]
    if len(_LETTER.findall(sample)) < MIN_LETTERS:
        return DEFAULT
    language, confidence = _any_language().classify(sample)
    if confidence < MIN_CONFIDENCE and detect(sample) == DEFAULT:
        return DEFAULT
    return str(language)
