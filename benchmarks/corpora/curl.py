"""curl's documentation (plain text, Markdown and man pages; ``libcurl4-doc`` and
``curl``): questions are the question headings of the FAQ (numbered plain-text headings);
the other documents are the Markdown guides split at their headings and every man page
(the curl tool's long manual and libcurl's ~500 pages) split at its ``.SH`` sections."""

from __future__ import annotations

import re
from pathlib import Path

from benchmarks.corpora.common import (
    CorpusWriter,
    fetch_package,
    is_question,
    read_text,
    text_sections,
)

PACKAGES = ("libcurl4-doc", "curl")
FAQ_HEADING = re.compile(r"^ {1,3}((?:\d+\.)+\d* .+?)\s*$")
NUMBER = re.compile(r"^(?:\d+\.)+\d*\s+")
MARKDOWN_HEADING = re.compile(r"^#{1,4}\s+(.+?)\s*#*\s*$")
MAN_HEADING = re.compile(r'^\.S[HS]\s+"?(.+?)"?\s*$')
MAN_FONT = re.compile(r"\\f[BIRP]|\\f\(..|\\&|\\\(..")


def build(cache: Path, writer: CorpusWriter) -> None:
    roots = [fetch_package(p, cache) for p in PACKAGES]
    docs = roots[0] / "usr/share/doc/libcurl4"
    faq = read_text(docs / "FAQ.gz")
    for i, (heading, text) in enumerate(text_sections(faq, FAQ_HEADING)):
        asked = NUMBER.sub("", heading)
        writer.add("FAQ", i, asked, text, "curl FAQ",
                   question=asked if is_question(asked) else None)  # fmt: skip
    for page in sorted(docs.iterdir()):
        name = page.name.removesuffix(".gz")
        if not name.endswith(".md") or not page.is_file():
            continue
        rel = f"docs/{name.removesuffix('.md')}"
        for i, (heading, text) in enumerate(text_sections(read_text(page), MARKDOWN_HEADING)):
            writer.add(rel, i, heading, text, name.removesuffix(".md"))
    for root in roots:
        for page in sorted(root.glob("usr/share/man/man*/*.gz")):
            rel = f"man/{page.name.removesuffix('.gz')}"
            for i, (heading, text) in enumerate(text_sections(_man_text(page), MAN_HEADING)):
                writer.add(rel, i, heading.title(), text, page.name.split(".")[0])


def _man_text(page: Path) -> str:
    """A man page's words: comment and formatting requests dropped, section requests kept."""
    lines = []
    for line in read_text(page).splitlines():
        if line.startswith(('.\\"', "'\\\"")):
            continue
        if line.startswith(".") and not MAN_HEADING.match(line):
            rest = line.split(maxsplit=1)
            if len(rest) == 2 and rest[0] in (".B", ".I", ".BR", ".IR", ".IP", ".TP", ".BI"):
                lines.append(rest[1].strip('"'))
            continue
        lines.append(MAN_FONT.sub("", line).replace("\\-", "-"))
    return "\n".join(lines)
