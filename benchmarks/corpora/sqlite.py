"""SQLite's documentation (HTML pages, ``sqlite3-doc``): questions are the FAQ's numbered
questions (bold paragraphs, each answered by the block quote under it); every heading
section of the other pages is a document."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup

from benchmarks.corpora.common import CorpusWriter, fetch_package, html_sections

PACKAGE = "sqlite3-doc"
DOCS = Path("usr/share/doc/sqlite3")
NUMBER = re.compile(r"^\(\d+\)\s*")


def build(cache: Path, writer: CorpusWriter) -> None:
    root = fetch_package(PACKAGE, cache) / DOCS
    for page in sorted(root.rglob("*.html")):
        rel = page.relative_to(root).as_posix().removesuffix(".html")
        html = page.read_text(encoding="utf-8", errors="replace")
        if rel == "faq":
            _faq(html, rel, writer)
            continue
        title, sections = html_sections(html)
        for i, (heading, text) in enumerate(sections):
            writer.add(rel, i, heading, text, title or rel)


def _faq(html: str, rel: str, writer: CorpusWriter) -> None:
    soup = BeautifulSoup(html, "html.parser")
    for i, anchor in enumerate(soup.find_all("a", attrs={"name": re.compile(r"^q\d+$")})):
        question = anchor.find_next("b")
        answer = question.find_next("blockquote") if question else None
        if question is None or answer is None:
            continue
        asked = NUMBER.sub("", " ".join(question.get_text(" ").split()))
        writer.add(rel, i, asked, answer.get_text(), "SQLite Frequently Asked Questions",
                   question=asked)  # fmt: skip
