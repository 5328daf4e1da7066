"""Sections -> chunks sized for the embedder, each carrying its heading context.

A chunk is embedded as "title / section path" plus its text, so a passage that
says "28 days" is found by a question about "annual leave" even when the words
live only in its heading. The header counts against the embedder's token
budget; long sections are split on sentence boundaries with a small overlap
(llama-index's SentenceSplitter, measured in the embedder's own tokens).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from llama_index.core.node_parser import SentenceSplitter

from assistant.index.chunks import SECTION_SEP
from assistant.index.documents import Section


@dataclass(frozen=True)
class ChunkDraft:
    position: int
    section_path: tuple[str, ...]
    page: int | None
    text: str
    token_count: int


def context_header(title: str, section_path: tuple[str, ...] | list[str]) -> str:
    return SECTION_SEP.join([title, *section_path]) if title else SECTION_SEP.join(section_path)


def embedding_text(title: str, section_path: tuple[str, ...] | list[str], text: str) -> str:
    header = context_header(title, section_path)
    return f"{header}\n\n{text}" if header else text


def chunk_sections(
    title: str,
    sections: list[Section],
    count_tokens: Callable[[str], int],
    max_tokens: int = 256,
    overlap_tokens: int = 32,
    min_body_tokens: int = 96,
) -> list[ChunkDraft]:
    drafts: list[ChunkDraft] = []
    tokenizer = _Tokenizer(count_tokens)
    for section in sections:
        header_tokens = count_tokens(context_header(title, section.path)) + 4
        budget = max(max_tokens - header_tokens, min_body_tokens)
        tokens = count_tokens(section.text)
        if tokens <= budget:
            pieces = [section.text]
        else:
            splitter = SentenceSplitter(
                chunk_size=budget,
                chunk_overlap=min(overlap_tokens, budget // 4),
                tokenizer=tokenizer,
                paragraph_separator="\n\n",
            )
            pieces = splitter.split_text(section.text)
        for piece in pieces:
            piece = piece.strip()
            if piece:
                drafts.append(
                    ChunkDraft(
                        position=len(drafts),
                        section_path=tuple(section.path),
                        page=section.page,
                        text=piece,
                        token_count=count_tokens(piece),
                    )
                )
    return drafts


class _Tokenizer:
    """SentenceSplitter wants ``tokenizer(text) -> list``; only the length is used."""

    def __init__(self, count: Callable[[str], int]) -> None:
        self._count = count

    def __call__(self, text: str) -> list[int]:
        return [0] * self._count(text)
