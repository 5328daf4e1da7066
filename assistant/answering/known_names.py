"""People's names the redactor knows by their words, in any language: the given and family
names of every locale Faker ships (about 30k given and 28k family names, in Latin, Cyrillic,
Greek, Arabic, Hebrew and other scripts), read once from its person providers.

spaCy's English model finds names by context, so it misses unfamiliar names in English
("Ask Giulia Bianchi about it") and cannot tell names from capitalised nouns in other
languages ("am Münchner Standort"). These lists answer both: a known given name followed by
a known family name is a name in any language, and a name the model finds in text not in
English counts only if one of its words is a known name.

Only the words are used; nothing is generated. Looking up is per word, so reading a text
costs time linear in its length."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from functools import lru_cache

import regex

# A word: letters and marks, with inner apostrophes and hyphens (O'Brien, Jean-Pierre).
_WORD = regex.compile(r"[\p{L}\p{M}]+(?:['’\-][\p{L}\p{M}]+)*")
# Lower-case words that sit inside a name ("João da Silva", "Jan de Vries", "Ludwig van
# Beethoven"): skipped between its capitalised words, never a name's first or last word.
PARTICLES = frozenset((
    "al", "bin", "da", "das", "de", "del", "della", "dei", "der", "den", "des", "di", "do",
    "dos", "du", "ibn", "la", "le", "ter", "van", "von", "y", "zu",
))  # fmt: skip
_MAX_WORDS_AFTER = 3  # a given name and up to three more words: "Ana María García López"

_GIVEN = ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary")
_FAMILY = ("last_names", "last_names_male", "last_names_female")


@dataclass(frozen=True)
class KnownNames:
    given: frozenset[str]  # case-folded
    family: frozenset[str]

    def is_given(self, word: str) -> bool:
        return _known(word, self.given)

    def is_family(self, word: str) -> bool:
        return _known(word, self.family)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Spans of a known given name followed by a known family name (with any capitalised
        words and name particles between), in scripts with capitals; in scripts without
        (Arabic, Hebrew), two known names in a row."""
        words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
        out: list[tuple[int, int]] = []
        i = 0
        while i < len(words):
            start, _, first = words[i]
            cased = _shape(first)
            if cased is None or not self.is_given(first):
                i += 1
                continue
            last, k, after, particles = None, i + 1, 0, []
            while k < len(words) and after < _MAX_WORDS_AFTER:
                if not _one_gap(text[words[k - 1][1] : words[k][0]]):
                    break  # punctuation or a paragraph between: not one name
                word = words[k][2]
                if word in PARTICLES:
                    particles.append(word)
                    k += 1
                    continue
                if _shape(word) != cased:
                    break
                after += 1
                # family names listed with their particle ("de Vries", "da Silva")
                family = self.is_family(word) or self.is_family(" ".join([*particles, word]))
                if family or (cased == "caseless" and self.is_given(word)):
                    last = k
                particles = []
                k += 1
            if last is None:
                i += 1
                continue
            out.append((start, words[last][1]))
            i = last + 1
        return out


def _one_gap(between: str) -> bool:
    """Only spaces between two words, and at most one line break (a name wrapped in plain
    text, not two lines of a list)."""
    return not between.strip() and between.count("\n") <= 1


def _shape(word: str) -> str | None:
    """ "cased" for a capitalised word, "caseless" for a word in a script without capitals,
    None for a lower-case one."""
    head = word[0]
    if head.isupper():
        return "cased"
    if head.islower():
        return None
    return "caseless"


def _known(word: str, names: frozenset[str]) -> bool:
    folded = word.casefold()
    if folded in names:
        return True
    # "Jean-Pierre", "Al-Sayed": a hyphenated name is known if its first part is
    head = regex.split(r"['’\-]", folded, maxsplit=1)[0]
    return head != folded and len(head) > 2 and head in names


@lru_cache(maxsize=1)
def known_names() -> KnownNames:
    """Every locale's given and family names from Faker's person providers (read once)."""
    import faker.providers.person as providers

    given: set[str] = set()
    family: set[str] = set()
    for module in pkgutil.iter_modules(providers.__path__):
        provider = importlib.import_module(f"{providers.__name__}.{module.name}").Provider
        for attrs, into in ((_GIVEN, given), (_FAMILY, family)):
            for attr in attrs:
                names = provider.__dict__.get(attr)
                if isinstance(names, (tuple, list, set, frozenset, dict)):
                    into.update(n.casefold() for n in names if isinstance(n, str))
    if not given or not family:
        raise RuntimeError(
            "Faker's person providers held no names: the redactor cannot read names by "
            "their words. Reinstall the app's packages (make clean; make run)."
        )
    return KnownNames(frozenset(given), frozenset(family))
