"""The Python documentation as a retrieval benchmark: a real corpus none of us wrote.

Source: Debian's ``python3.11-doc`` package (downloaded with apt, extracted with
dpkg-deb). Questions are the question headings of ``faq/*.rst``; the gold
document for each is its answer section, written out without its heading. Every
other section of every page of the Python docs is a distractor document. Each
section becomes one small text file, so "document" below means "section".
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from assistant.index.rst import rst_sections

PACKAGE = "python3.11-doc"
SOURCES = Path("usr/share/doc/python3.11/html/_sources")


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    gold: str  # document path as the index reports it: "<source>/<relative path>"


def fetch_sources(cache: Path) -> Path:
    """The reST sources of the Python docs, from the Debian package (cached)."""
    root = cache / "extracted" / SOURCES
    if root.is_dir():
        return root
    cache.mkdir(parents=True, exist_ok=True)
    debs = sorted(cache.glob(f"{PACKAGE}_*.deb"))
    if not debs:
        subprocess.run(["apt-get", "download", PACKAGE], cwd=cache, check=True)
        debs = sorted(cache.glob(f"{PACKAGE}_*.deb"))
    subprocess.run(["dpkg-deb", "-x", str(debs[-1]), str(cache / "extracted")], check=True)
    return root


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "section"


def build_corpus(sources: Path, out: Path, source_name: str = "pydocs") -> list[Question]:
    """Write one file per section under ``out``; return the FAQ questions with their gold."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    questions: list[Question] = []
    for page in sorted(sources.rglob("*.rst.txt")):
        rel = page.relative_to(sources).as_posix().removesuffix(".rst.txt")
        parsed = rst_sections(page.read_text(encoding="utf-8", errors="replace"))
        title = parsed.title or rel
        is_faq = rel.startswith("faq/")
        for i, section in enumerate(parsed.sections):
            heading = section.path[-1] if section.path else ""
            is_question = is_faq and heading.rstrip().endswith("?")
            name = f"{rel}/{i:03d}.txt" if is_question else f"{rel}/{i:03d}-{_slug(heading)}.txt"
            path = out / name
            path.parent.mkdir(parents=True, exist_ok=True)
            # Gold answers lose their heading (the question); other sections keep theirs.
            body = section.text if is_question or not heading else f"{heading}\n\n{section.text}"
            path.write_text(body, encoding="utf-8")
            (out / f"{name}.meta.json").write_text(json.dumps({"title": title}))
            if is_question:
                questions.append(
                    Question(
                        id=f"{rel}#{i}",
                        question=" ".join(heading.split()),
                        gold=f"{source_name}/{name}",
                    )
                )
    return questions
