"""Held out (never tuned on): the Debian FAQ (DocBook HTML, ``debian-faq``): questions are
its numbered question headings; every other section of the FAQ is a distractor."""

from __future__ import annotations

from pathlib import Path

from benchmarks.corpora.common import CorpusWriter, add_html_pages, fetch_package

PACKAGE = "debian-faq"
DOCS = Path("usr/share/doc/debian/FAQ")


def build(cache: Path, writer: CorpusWriter) -> None:
    root = fetch_package(PACKAGE, cache) / DOCS
    pages = sorted(root.glob("*.en.html"))
    add_html_pages(writer, root, pages, faq=lambda rel: True)
