"""Held out (never tuned on): Django's documentation (Sphinx HTML,
``python-django-doc``): questions are the question headings of ``faq/``; every heading
section of the other ~650 pages is a document."""

from __future__ import annotations

from pathlib import Path

from benchmarks.corpora.common import CorpusWriter, add_html_pages, fetch_package

PACKAGE = "python-django-doc"
DOCS = Path("usr/share/doc/python-django-doc/html")
SKIP = ("_modules", "_sources", "_static", "genindex", "py-modindex", "search")


def build(cache: Path, writer: CorpusWriter) -> None:
    root = fetch_package(PACKAGE, cache) / DOCS
    pages = [
        p for p in sorted(root.rglob("*.html"))
        if not p.relative_to(root).as_posix().startswith(SKIP)
    ]  # fmt: skip
    add_html_pages(writer, root, pages, faq=lambda rel: rel.startswith("faq/"))
