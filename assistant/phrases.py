"""Counts in words: "1 case", "3 cases", never "case(s)"."""

from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and ``noun``, the noun plural unless ``n`` is 1 (``plural`` when not noun+s)."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
