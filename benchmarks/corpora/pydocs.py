"""The Python documentation (reST sources, ``python3.11-doc``): questions are the question
headings of ``faq/*.rst``; every section of every page is a document."""

from __future__ import annotations

from pathlib import Path

from assistant.index.rst import rst_sections
from benchmarks.corpora.common import CorpusWriter, fetch_package, is_question

PACKAGE = "python3.11-doc"
SOURCES = Path("usr/share/doc/python3.11/html/_sources")


def build(cache: Path, writer: CorpusWriter) -> None:
    sources = fetch_package(PACKAGE, cache) / SOURCES
    for page in sorted(sources.rglob("*.rst.txt")):
        rel = page.relative_to(sources).as_posix().removesuffix(".rst.txt")
        parsed = rst_sections(page.read_text(encoding="utf-8", errors="replace"))
        title = parsed.title or rel
        for i, section in enumerate(parsed.sections):
            heading = section.path[-1] if section.path else ""
            asked = rel.startswith("faq/") and is_question(heading)
            writer.add(rel, i, heading, section.text, title,
                       question=" ".join(heading.split()) if asked else None)  # fmt: skip
