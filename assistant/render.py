"""Text for display: model output and documents rendered as safe Markdown.

Model output and document text are untrusted. HTML is escaped (it shows as
text, never runs), images are reduced to their alt text (an image URL can carry
data out of the page), and links keep only http(s) and mailto targets.
"""

from __future__ import annotations

import html
import re

_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\(\s*([^)\s]+)[^)]*\)")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")
_MARKER = re.compile(r"\[(\d+)\]")


def safe_markdown(text: str) -> str:
    text = html.escape(text, quote=False)
    text = _IMAGE.sub(lambda m: m.group(1), text)
    return _LINK.sub(
        lambda m: m.group(0) if m.group(2).lower().startswith(_SAFE_SCHEMES) else m.group(1),
        text,
    )


def with_superscript_markers(text: str) -> str:
    """``[1]`` -> a bold ``[1]`` that stands out from the prose (Markdown only)."""
    return _MARKER.sub(r"**[\1]**", text)


def highlight(passage: str, snippet: str) -> str:
    """The passage as safe Markdown with ``snippet`` highlighted where it occurs."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", passage)]
    passage = "\n\n".join(p for p in paragraphs if p)
    safe_passage, safe_snippet = safe_markdown(passage), safe_markdown(" ".join(snippet.split()))
    if safe_snippet and safe_snippet in safe_passage:
        escaped = safe_snippet.replace("[", "\\[").replace("]", "\\]")
        return safe_passage.replace(safe_snippet, f":orange-background[{escaped}]", 1)
    return safe_passage
