"""What every benchmark set shares: a Debian documentation package fetched and unpacked
(cached), a corpus written as one small text file per section, and questions whose gold
document is the section that answers them.

The protocol is the same for every set: a question is a heading of an FAQ; its gold
document is the section under it, written out without the heading (the question must be
answered from the answer's words, not matched to itself); every other section of the
package's documentation keeps its heading and is a distractor.
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bs4 import BeautifulSoup, Tag

HEADINGS = ("h1", "h2", "h3", "h4")


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    gold: str  # document path as the index reports it: "<source>/<relative path>"


def fetch_package(package: str, cache: Path) -> Path:
    """The package's files, unpacked under ``cache/<package>/root`` (downloaded once with
    apt from Debian's archive, a package registry)."""
    root = cache / package / "root"
    if root.is_dir():
        return root
    where = cache / package
    where.mkdir(parents=True, exist_ok=True)
    debs = sorted(where.glob(f"{package}_*.deb"))
    if not debs:
        subprocess.run(["apt-get", "download", package], cwd=where, check=True)
        debs = sorted(where.glob(f"{package}_*.deb"))
    tmp = where / "root.partial"
    subprocess.run(["dpkg-deb", "-x", str(debs[-1]), str(tmp)], check=True)
    tmp.rename(root)
    return root


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    return raw.decode("utf-8", errors="replace")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "section"


def squeeze(text: str) -> str:
    """Blank runs folded, lines stripped of trailing space."""
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def is_question(heading: str) -> bool:
    return heading.rstrip().endswith("?")


_PRONOUNS = {"it", "this", "that", "they", "these", "those"}
_FUNCTION = _PRONOUNS | {
    "what", "how", "why", "when", "where", "who", "which", "does", "do", "did", "the", "and",
    "can", "are", "is", "was", "for", "you", "your", "i", "my", "me", "get", "use", "there",
    "about", "with", "should", "will", "would", "any", "some", "good", "at", "of", "a", "an",
}  # fmt: skip


def self_contained(question: str) -> bool:
    """Whether a heading can be asked on its own: "What is it good at?" leans on the
    heading above it (asked alone it has no answer), "What is cURL?" does not."""
    words = re.findall(r"[\w'’.-]+", question.lower())
    content = [w for w in words if w not in _FUNCTION]
    return len(content) >= 2 or (bool(content) and not _PRONOUNS & set(words))


@dataclass
class CorpusWriter:
    """Writes sections as files under ``out``; keeps the questions and their gold."""

    out: Path
    source: str
    questions: list[Question] = field(default_factory=list)
    # language -> question id -> the question asked in that language (written by the
    # documentation's own translators), for sets that come with them
    variants: dict[str, dict[str, str]] = field(default_factory=dict)
    sections: int = 0
    min_chars: int = 40  # a heading with next to nothing under it is not a document
    _asked: dict[str, Path] = field(default_factory=dict, init=False, repr=False)  # its gold

    def add(self, page: str, index: int, heading: str, body: str, title: str,
            question: str | None = None) -> None:  # fmt: skip
        body = squeeze(body)
        if len(body) < self.min_chars:
            return
        if question and not self_contained(question):
            question = None  # kept as a distractor, not asked
        name = f"{page}/{index:03d}.txt" if question else f"{page}/{index:03d}-{slug(heading)}.txt"
        path = self.out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = body if question or not heading else f"{heading}\n\n{body}"
        path.write_text(text, encoding="utf-8")
        (self.out / f"{name}.meta.json").write_text(json.dumps({"title": title}))
        self.sections += 1
        if question:
            self._forget_earlier(question)
            self._asked[question] = path
            self.questions.append(
                Question(id=f"{page}#{index}", question=question, gold=f"{self.source}/{name}")
            )

    def _forget_earlier(self, question: str) -> None:
        """A question heading met a second time has one gold, the later section: the
        earlier is a table of contents' last entry (curl's and zsh's FAQs open with one,
        and its last heading takes the preamble after it as its "answer") or a second
        page asking the same (Python's "What is Python?"). The earlier is dropped."""
        earlier = self._asked.pop(question, None)
        if earlier is None:
            return
        earlier.unlink()
        earlier.with_name(f"{earlier.name}.meta.json").unlink()
        self.sections -= 1
        gold = f"{self.source}/{earlier.relative_to(self.out).as_posix()}"
        self.questions = [q for q in self.questions if q.gold != gold]

    def variant(self, language: str, question_id: str, question: str) -> None:
        self.variants.setdefault(language, {})[question_id] = question


def html_sections(html: str) -> tuple[str, list[tuple[str, str]]]:
    """A page's title and its (heading, text) sections, split at h1-h4."""
    soup = BeautifulSoup(html, "html.parser")
    for junk in soup(["script", "style", "nav", "header", "footer"]):
        junk.decompose()
    for link in soup.select("a.headerlink"):  # Sphinx's pilcrow anchors
        link.decompose()
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    body = soup.body or soup
    sections: list[tuple[str, list[str]]] = [("", [])]
    for node in body.descendants:
        if isinstance(node, Tag) and node.name in HEADINGS:
            sections.append((" ".join(node.get_text().split()), []))
        elif isinstance(node, str) and not any(
            isinstance(p, Tag) and p.name in HEADINGS for p in node.parents
        ):
            sections[-1][1].append(str(node))
    return title, [(h, "".join(parts)) for h, parts in sections]


def text_sections(text: str, heading: re.Pattern[str]) -> list[tuple[str, str]]:
    """Plain text split at lines matching ``heading`` (its group 1 is the heading)."""
    out: list[tuple[str, list[str]]] = [("", [])]
    for line in text.splitlines():
        m = heading.match(line)
        if m:
            out.append((" ".join(m.group(1).split()), []))
        else:
            out[-1][1].append(line)
    return [(h, "\n".join(lines)) for h, lines in out]


NUMBERING = re.compile(r"^\d+(?:\.\d+)*[.:]?\s+")  # "7.1. ", "3.13: ", "2 "


def add_html_pages(
    writer: CorpusWriter, root: Path, pages: list[Path], faq: Callable[[str], bool]
) -> None:
    """Each page's heading sections as documents; on FAQ pages (``faq(rel)``), headings
    that ask a question become questions, without their numbering."""
    for page in pages:
        rel = page.relative_to(root).as_posix().removesuffix(".html")
        title, sections = html_sections(page.read_text(encoding="utf-8", errors="replace"))
        on_faq = faq(rel)
        for i, (heading, text) in enumerate(sections):
            plain = NUMBERING.sub("", heading)
            asked = on_faq and is_question(plain)
            writer.add(rel, i, plain, text, title or rel, question=plain if asked else None)
