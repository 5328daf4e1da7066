"""Git's documentation (AsciiDoc text, ``git-doc``): questions are gitfaq's question
entries (``What does `http.postBuffer` really do?::``); every section of the ~250 other
manuals and guides is a document (long manuals as distractors)."""

from __future__ import annotations

import re
from pathlib import Path

from benchmarks.corpora.common import CorpusWriter, fetch_package

PACKAGE = "git-doc"
DOCS = Path("usr/share/doc/git-doc")
QUESTION = re.compile(r"^(.+\?)::\s*$")
UNDERLINE = re.compile(r"^([-=~^+])\1{2,}\s*$")
ANCHOR = re.compile(r"^\[\[[^\]]+\]\]\s*$")


def build(cache: Path, writer: CorpusWriter) -> None:
    root = fetch_package(PACKAGE, cache) / DOCS
    for page in sorted(root.glob("*.txt")):
        rel = page.stem
        text = page.read_text(encoding="utf-8", errors="replace")
        title = text.splitlines()[0].strip() if text.strip() else rel
        faq = rel == "gitfaq"
        for i, (heading, body, asked) in enumerate(_sections(text, faq)):
            writer.add(rel, i, heading, body, title,
                       question=" ".join(heading.split()) if asked else None)  # fmt: skip


def _sections(text: str, faq: bool) -> list[tuple[str, str, bool]]:
    """(heading, body, is a question): split at underlined headings, and in the FAQ at
    question entries too."""
    lines = text.splitlines()
    out: list[tuple[str, list[str], bool]] = [("", [], False)]
    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        m = QUESTION.match(line) if faq else None
        if m:
            out.append((m.group(1).strip(), [], True))
        elif line.strip() and UNDERLINE.match(nxt) and abs(len(nxt.rstrip()) - len(line)) <= 2:
            out.append((line.strip(), [], False))
            i += 1
        elif not ANCHOR.match(line):
            out[-1][1].append(line.replace("\n+\n", "\n"))
        i += 1
    return [(h, "\n".join(x for x in body if x.strip() != "+"), q) for h, body, q in out]
