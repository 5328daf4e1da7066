"""The Z shell's documentation (HTML, ``zsh-doc``): questions are the FAQ's question
headings (``3.13: How do I get a newline in my prompt?``); every heading section of the
manual's pages is a document."""

from __future__ import annotations

from pathlib import Path

from benchmarks.corpora.common import CorpusWriter, add_html_pages, fetch_package

PACKAGE = "zsh-doc"
DOCS = Path("usr/share/doc/zsh-common/html")


def build(cache: Path, writer: CorpusWriter) -> None:
    root = fetch_package(PACKAGE, cache) / DOCS
    pages = sorted(root.glob("*.html"))
    add_html_pages(writer, root, pages, faq=lambda rel: rel.startswith("FAQ"))
