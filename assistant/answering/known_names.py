"""People's names the redactor knows by their words, in any language: the given and family
names of every locale Faker ships (about 30k given and 28k family names, in Latin, Cyrillic,
Greek, Arabic, Hebrew and other scripts), read once from its person providers.

spaCy's English model finds names by context, so it misses unfamiliar names in English
("Ask Giulia Bianchi about it") and cannot tell names from capitalised nouns in other
languages ("am Münchner Standort"). These lists answer both: a known given name followed by
a known family name is a name in any language, and a name the model finds in text not in
English counts only if one of its words is a known name.

Chinese, Japanese and Korean names have no spaces or capitals around them: there a name is
a known family name and a known given name in a row, a known family name followed by the
title or honorific after a name ("王先生", "田中花子さん", "박지성 씨"), or, in text mostly in
Latin letters, a run of two to four such characters starting with a known family name
("Please add 李建国 to the channel").

Only the words are used; nothing is generated. Looking up is per word (per character in
Chinese, Japanese and Korean, at most four back), so reading a text costs time linear in
its length."""

from __future__ import annotations

import importlib
import itertools
import pkgutil
from dataclasses import dataclass, field
from functools import lru_cache

import regex

# A word: letters and marks, with inner apostrophes and hyphens (O'Brien, Jean-Pierre).
_Word = tuple[int, int, str]  # a word's start, end and text
_WORD = regex.compile(r"[\p{L}\p{M}]+(?:['’\-][\p{L}\p{M}]+)*")
# Lower-case words that sit inside a name ("João da Silva", "Jan de Vries", "Ludwig van
# Beethoven"): skipped between its capitalised words, never a name's first or last word.
PARTICLES = frozenset((
    "al", "bin", "da", "das", "de", "del", "della", "dei", "der", "den", "des", "di", "do",
    "dos", "du", "ibn", "la", "le", "ter", "van", "von", "y", "zu",
))  # fmt: skip
# Inside an Arabic name: "عبد الله", "بن", "أبو" join its parts.
_ARABIC_PARTICLES = frozenset(("عبد", "بن", "بنت", "ابن", "أبو", "ابو"))
# A family name elided with its particle: D'Angelo, d'Arcy, O'Brien, dell'Acqua, McDonald's
# own shape aside.
_ELIDED = regex.compile(r"^(?:[DdLlOo]|[Dd]ell|[Dd]e)['’]\p{Lu}")
_CJK = regex.compile(r"[\p{Han}\p{Hangul}\p{Hiragana}\p{Katakana}]+")
_LATIN = regex.compile(r"\p{Latin}")
# What follows a name in Chinese, Japanese and Korean (Mr/Ms, -san, -sama, -kun, teacher,
# manager); a space may come before the Korean ones.
_HONORIFIC = regex.compile(
    r"\s?(?:先生|女士|小姐|老师|老師|经理|經理|さん|さま|様|くん|君|ちゃん|氏|씨|님)"
)
# Scripts whose letters Unicode calls lower case though they have no capitals in use
_UNCASED = regex.compile(r"\p{Georgian}")
_JOINER = regex.compile(r"['’\-]")  # inside a name: O'Brien, Jean-Pierre
_HEBREW = regex.compile(r"\p{Hebrew}")
_HEBREW_PREFIXES = "ובלמהשכ"  # and, in, to, from, the, that, as
# What a case ending replaces at a name's end: Agnieszk-a, Алексе-й, Мари-я
_ENDINGS = ("a", "e", "o", "y", "а", "я", "й", "ь", "о", "α", "η", "ος")
_MAX_CJK_NAME = 4  # characters: 李建国, 田中花子, 박지성
_MAX_WORDS_AFTER = 3  # a given name and up to three more words: "Ana María García López"

_GIVEN = (
    "first_names", "first_names_male", "first_names_female", "first_names_nonbinary",
    "middle_names", "middle_names_male", "middle_names_female",
)  # fmt: skip
_FAMILY = ("last_names", "last_names_male", "last_names_female")


@dataclass(frozen=True)
class KnownNames:
    given: frozenset[str]  # case-folded
    family: frozenset[str]
    cjk_given: frozenset[str]  # the Chinese, Japanese and Korean ones
    cjk_family: frozenset[str]
    # the given names of each language's own locales ("de": de_DE, de_AT, de_CH, ...)
    given_by_language: dict[str, frozenset[str]] = field(default_factory=dict, compare=False)

    def is_given(self, word: str, inflected: bool = False) -> bool:
        return _known(word, self.given) or (inflected and _inflected(word, self.given))

    def is_given_in(self, word: str, language: str) -> bool:
        """A given name in ``language``'s own locales ("Katrin" in German; "Sommer" and
        "Mai" are given names elsewhere, nouns there); any locale's for a language Faker
        has none for."""
        names = self.given_by_language.get(language, self.given)
        return _known(word, names) or _inflected(word, names)

    def is_family(self, word: str, inflected: bool = False) -> bool:
        return (
            _known(word, self.family)
            or bool(_ELIDED.match(word))
            or (inflected and _inflected(word, self.family))
        )

    def spans(self, text: str, english: bool = True) -> list[tuple[int, int]]:
        """Spans of people's names these lists recognise (see the module's docstring). In
        text not in English (``english=False``), where the English model reads names
        poorly, also any capitalised word before a known family name ("Conceição
        Gonçalves"): unknown given names are common there, and a family name after a
        capitalised word is rarely anything else."""
        words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
        out = self._word_spans(text, words, not english) + self._cjk_spans(text)
        out += self._family_first(text, words, not english)
        if not english:
            out += self._before_family(text, words)
        return out

    def _family_first(
        self, text: str, words: list[_Word], inflected: bool
    ) -> list[tuple[int, int]]:
        """A known family name followed by known given names, as Hungarian, Vietnamese and
        East Asian names are written in Latin letters ("Nagy Eszter", "Nguyễn Thị Thu")."""
        out = []
        for i, (start, _, first) in enumerate(words):
            if _shape(first) != "cased" or not self.is_family(first, inflected):
                continue
            last = i
            while (
                last + 1 < len(words)
                and last - i < _MAX_WORDS_AFTER
                and _one_gap(text[words[last][1] : words[last + 1][0]])
                and _shape(words[last + 1][2]) == "cased"
                and self.is_given(words[last + 1][2], inflected)
            ):
                last += 1
            if last > i:
                out.append((start, words[last][1]))
        return out

    def _before_family(self, text: str, words: list[_Word]) -> list[tuple[int, int]]:
        return [
            (a, d)
            for (a, b, first), (c, d, second) in itertools.pairwise(words)
            if _shape(first) == "cased" == _shape(second)
            and len(first) > 2
            and _one_gap(text[b:c])
            and self.is_family(second, inflected=True)
        ]

    def _word_spans(self, text: str, words: list[_Word], inflected: bool) -> list[tuple[int, int]]:
        """A known given name followed by a known family name (with any capitalised words
        and name particles between), in scripts with capitals; in scripts without (Arabic,
        Hebrew), a known given name and the word after it (and "عبد الله"'s second part)."""
        out: list[tuple[int, int]] = []
        i = 0
        while i < len(words):
            start, _, first = words[i]
            cased = _shape(first)
            if cased is None or not self.is_given(first, inflected):
                i += 1
                continue
            last, k, after, particles = None, i + 1, 0, []
            while k < len(words) and after < _MAX_WORDS_AFTER:
                if not _one_gap(text[words[k - 1][1] : words[k][0]]):
                    break  # punctuation or a paragraph between: not one name
                word = words[k][2]
                if word in PARTICLES or word in _ARABIC_PARTICLES:
                    particles.append(word)
                    k += 1
                    continue
                if _shape(word) != cased:
                    break
                after += 1
                # family names listed with their particle ("de Vries", "da Silva")
                family = self.is_family(word, inflected) or self.is_family(
                    " ".join([*particles, word])
                )
                if family or (cased == "caseless" and (last is None or self.is_given(word))):
                    last = k
                elif cased == "caseless":
                    break
                particles = []
                k += 1
            if last is None:
                i += 1
                continue
            out.append((start, words[last][1]))
            i = last + 1
        return out

    def _cjk_spans(self, text: str) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        latin = len(_LATIN.findall(text)) > sum(len(r) for r in _CJK.findall(text))
        for run in _CJK.finditer(text):
            chars, at = run.group(), run.start()
            if latin:  # a name written in its script inside text in Latin letters
                if 2 <= len(chars) <= _MAX_CJK_NAME and self._family_at(chars, 0):
                    out.append(run.span())
                continue
            i = 0
            while i < len(chars):  # a known family name and a known given name in a row
                end = next(
                    (
                        f + g
                        for f in self._family_at(chars, i)
                        for g in (2, 1)
                        if chars[i + f : i + f + g] in self.cjk_given
                    ),
                    0,
                )
                if end:
                    out.append((at + i, at + i + end))
                i += end or 1
        for title in _HONORIFIC.finditer(text):  # a name before its title
            end = title.start()
            start = next(
                (
                    b
                    for b in range(max(0, end - _MAX_CJK_NAME), end)
                    if _CJK.fullmatch(text, b, end) and self._family_at(text, b)
                ),
                None,
            )
            if start is not None:
                out.append((start, end))
        return out

    def _family_at(self, chars: str, i: int) -> list[int]:
        """The lengths (2, then 1) of the known family names that start at ``i``."""
        return [n for n in (2, 1) if chars[i : i + n] in self.cjk_family]


def _one_gap(between: str) -> bool:
    """Only spaces between two words, and at most one line break (a name wrapped in plain
    text, not two lines of a list)."""
    return not between.strip() and between.count("\n") <= 1


def _shape(word: str) -> str | None:
    """ "cased" for a capitalised word, "caseless" for a word in a script without capitals,
    None for a lower-case one."""
    head = word[0]
    if _CJK.match(head):
        return None  # read by characters, not words (_cjk_spans)
    if head.isupper() or _ELIDED.match(word):
        return "cased"
    if head.islower() and not _UNCASED.match(head):
        return None
    return "caseless"


def _inflected(word: str, names: frozenset[str]) -> bool:
    """A name with a case ending ("Алексею" for Алексей, "Иванову" for Иванов, "Agnieszki"
    for Agnieszka): the word less up to three letters is a name, or a name less its last
    letter; in Hebrew, a name with a one-letter prefix ("לנועה", to Noa)."""
    folded = word.casefold()
    if _HEBREW.match(folded):
        return len(folded) > 3 and folded[0] in _HEBREW_PREFIXES and folded[1:] in names
    for cut in (1, 2):
        head = folded[:-cut]
        if len(head) < 5:
            break
        if head in names or any(head + end in names for end in _ENDINGS):
            return True
    return False


def _known(word: str, names: frozenset[str]) -> bool:
    folded = word.casefold()
    if folded in names:
        return True
    # "Jean-Pierre", "Al-Sayed": a hyphenated name is known if its first part is
    head = _JOINER.split(folded, maxsplit=1)[0]
    return head != folded and len(head) > 2 and head in names


@lru_cache(maxsize=1)
def known_names() -> KnownNames:
    """Every locale's given and family names from Faker's person providers (read once)."""
    import faker.providers.person as providers

    given: set[str] = set()
    family: set[str] = set()
    by_language: dict[str, set[str]] = {}
    for module in pkgutil.iter_modules(providers.__path__):
        provider = importlib.import_module(f"{providers.__name__}.{module.name}").Provider
        own = by_language.setdefault(module.name.split("_")[0], set())
        for attrs, into in ((_GIVEN, given), (_FAMILY, family)):
            for attr in attrs:
                names = provider.__dict__.get(attr)
                if isinstance(names, (tuple, list, set, frozenset, dict)):
                    folded = {n.casefold() for n in names if isinstance(n, str)}
                    into.update(folded)
                    if into is given:
                        own.update(folded)
    if not given or not family:
        raise RuntimeError(
            "Faker's person providers held no names: the redactor cannot read names by "
            "their words. Reinstall the app's packages (make clean; make run)."
        )
    return KnownNames(
        frozenset(given),
        frozenset(family),
        frozenset(n for n in given if _CJK.fullmatch(n)),
        frozenset(n for n in family if _CJK.fullmatch(n)),
        {language: frozenset(names) for language, names in by_language.items() if names},
    )
