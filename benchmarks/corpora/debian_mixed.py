"""Held out, mixed languages: the Debian FAQ with each chapter in one of six languages
(English, German, French, Italian, Dutch, Portuguese: Debian's own translations, packages
``debian-faq-<lang>``), the chapters taking the languages in turn. Questions are the
question headings in their chapter's language, as Debian's translators wrote them; the
same questions in English, for the chapters not in English, are the set's ``en`` variant:
an English question whose answer is written in another language."""

from __future__ import annotations

from pathlib import Path

from benchmarks.corpora.common import (
    NUMBERING,
    CorpusWriter,
    fetch_package,
    html_sections,
    is_question,
)
from benchmarks.corpora.debian import DOCS, PACKAGE

LANGUAGES = ("en", "de", "fr", "it", "nl", "pt")


def _page(cache: Path, language: str, name: str) -> Path:
    if language == "en":
        return fetch_package(PACKAGE, cache) / DOCS / f"{name}.en.html"
    return (
        fetch_package(f"{PACKAGE}-{language}", cache) / DOCS / language / f"{name}.{language}.html"
    )


def _numbered(html: str) -> dict[str, str]:
    """Heading number ("8.1.") -> the heading without it, for every numbered heading."""
    out = {}
    for heading, _ in html_sections(html)[1]:
        if m := NUMBERING.match(heading):
            out[m.group().strip()] = NUMBERING.sub("", heading)
    return out


def build(cache: Path, writer: CorpusWriter) -> None:
    english_pages = sorted((fetch_package(PACKAGE, cache) / DOCS).glob("*.en.html"))
    for n, english_page in enumerate(english_pages):
        name = english_page.name.removesuffix(".en.html")
        language = LANGUAGES[n % len(LANGUAGES)]
        page = _page(cache, language, name)
        if not page.exists():  # a chapter its translators have not done stays in English
            page, language = english_page, "en"
        english = _numbered(english_page.read_text(encoding="utf-8", errors="replace"))
        title, sections = html_sections(page.read_text(encoding="utf-8", errors="replace"))
        rel = f"{language}/{name}"
        for i, (heading, text) in enumerate(sections):
            plain = NUMBERING.sub("", heading)
            asked = is_question(plain)
            before = len(writer.questions)
            writer.add(rel, i, plain, text, title or rel, question=plain if asked else None)
            number = m.group().strip() if (m := NUMBERING.match(heading)) else None
            kept = len(writer.questions) > before
            if kept and language != "en" and number in english:
                writer.variant("en", writer.questions[-1].id, english[number])
