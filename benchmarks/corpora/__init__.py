"""Benchmark sets for retrieval and answers: documentation none of us wrote, of different
kinds and shapes, built by one protocol (``common.py``).

Tuning sets (defaults are chosen by their mean, with leave-one-set-out validation):
``pydocs`` (reST), ``sqlite`` (HTML), ``curl`` (plain text, Markdown, man pages),
``zsh`` (HTML manual), ``git`` (AsciiDoc manuals). Held out, never tuned on: ``debian``
and ``django``, and ``debian-mixed`` (the Debian FAQ in six languages, chapter by
chapter): their figures are reported, not optimised.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.corpora import curl, debian, debian_mixed, django, git, pydocs, sqlite, zsh
from benchmarks.corpora.common import CorpusWriter, Question


@dataclass(frozen=True)
class BenchSet:
    name: str
    shape: str
    build: Callable[[Path, CorpusWriter], None]
    held_out: bool = False


SETS = {
    s.name: s
    for s in (
        BenchSet("pydocs", "Python docs, reST; the Python FAQ", pydocs.build),
        BenchSet("sqlite", "SQLite docs, HTML pages; the SQLite FAQ", sqlite.build),
        BenchSet("curl", "curl docs, plain text + Markdown + man pages; the curl FAQ", curl.build),
        BenchSet("zsh", "Z shell manual, HTML; the Z-Shell FAQ", zsh.build),
        BenchSet("git", "Git manuals, AsciiDoc; gitfaq", git.build),
        BenchSet("debian", "the Debian FAQ, DocBook HTML", debian.build, held_out=True),
        BenchSet("django", "Django docs, Sphinx HTML; the Django FAQ", django.build, held_out=True),
        BenchSet(
            "debian-mixed",
            "the Debian FAQ, each chapter in one of en/de/fr/it/nl/pt (Debian's translations)",
            debian_mixed.build,
            held_out=True,
        ),
    )
}
TUNING = [name for name, s in SETS.items() if not s.held_out]
HELD_OUT = [name for name, s in SETS.items() if s.held_out]


@dataclass(frozen=True)
class Corpus:
    name: str
    root: Path  # one text file per section, ingested with ``--source <name>``
    questions: list[Question]
    documents: int
    variants: dict[str, dict[str, str]]  # see CorpusWriter.variants


def build_corpus(name: str, cache: Path) -> Corpus:
    """The set's corpus under ``cache/corpus/<name>``, written afresh from the package."""
    bench = SETS[name]
    out = cache / "corpus" / name
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    writer = CorpusWriter(out, name)
    bench.build(cache / "packages", writer)
    return Corpus(name, out, writer.questions, writer.sections, writer.variants)


TRANSLATIONS = Path(__file__).with_name("translations")
LANGUAGES = ("de", "fr", "es")


def languages(corpus: Corpus) -> tuple[str, ...]:
    """The languages the set's questions are also asked in."""
    return tuple(dict.fromkeys((*LANGUAGES, *corpus.variants)))


def translated(corpus: Corpus, language: str) -> list[Question]:
    """The set's questions asked in ``language`` (translated by hand, a seeded sample of
    each set, or the set's own variants), with the same gold documents: cross-language
    retrieval."""
    if language in corpus.variants:
        asked = corpus.variants[language]
    else:
        data = json.loads((TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8"))
        asked = data["sets"].get(corpus.name, {})
    return [
        Question(id=q.id, question=asked[q.id], gold=q.gold)
        for q in corpus.questions
        if q.id in asked
    ]
