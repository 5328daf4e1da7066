"""Parsed documents: the title and ordered sections every reader produces, the clean-up
every reader applies to text, and the error a reader raises."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.errors import AssistantError


class ReadError(AssistantError):
    """This file cannot be indexed; the message says why."""


@dataclass
class Section:
    path: list[str]  # heading titles from the top, excluding the document title
    text: str
    page: int | None = None


@dataclass
class ParsedDocument:
    title: str | None
    sections: list[Section] = field(default_factory=list)

    @property
    def text_length(self) -> int:
        return sum(len(s.text) for s in self.sections)


_WS = re.compile(r"[ \t\r\f\v]+")
_BLANKS = re.compile(r"\n{3,}")


def clean_text(text: str) -> str:
    """Runs of spaces folded, lines trimmed, at most one blank line between paragraphs."""
    lines = [_WS.sub(" ", line).strip() for line in text.splitlines()]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()
