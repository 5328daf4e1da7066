"""The one sanitiser: every text from a document or a model (answers, passages, titles,
section names, paths, questions) is shown through it.

Untrusted text is parsed as Markdown (markdown-it-py, CommonMark plus tables and
strikethrough) and written back from an allow-list of its tokens: paragraphs, headings
(as bold lines), emphasis, inline code and code blocks, lists, quotes, tables, rules, and
links to http(s) or mailto targets. Everything else is dropped to its text: images become
their alt text (an image URL can carry data out of the page the moment it is fetched),
other links their label, HTML shows as text. Every piece of text is re-escaped, so the
output can hold no Markdown but what this module wrote, and Streamlit's own syntax in text
(colour and icon directives such as ``:red[...]`` or ``:material/...:``, emoji shortcodes,
``$`` maths) is broken up so it shows as typed.

``safe_inline`` is for one-line places (labels, captions, titles): no structure at all.
``StreamingMarkdown`` renders a growing text (a streamed answer) with the same rules, each
finished block sanitised once, so streaming costs time linear in the text.

Parsing is linear in practice (measured in ``benchmarks/render.py``); text over
``MAX_PARSED_CHARS`` is not parsed at all and is shown escaped, line by line.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from markdown_it import MarkdownIt
from markdown_it.token import Token

MAX_PARSED_CHARS = 50_000
_SAFE_SCHEMES = ("http:", "https:", "mailto:")
# Every ASCII punctuation character may be backslash-escaped in CommonMark; escaping all of
# them leaves no Markdown syntax in text.
_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")
# Streamlit turns ":name[", ":name:", ":+1:" and ":material/x:" into colours, emoji and icons
# after Markdown is parsed, so escaping alone does not stop them: a word joiner (U+2060,
# invisible, no line break) after every colon that something follows does.
_DIRECTIVE_COLON = re.compile(r"\\:(?=[^\s\u2060])")
_WORD_JOINER = "\u2060"
_MARKER = re.compile(r"\\\[(\d+)\\\]")
_BLANK_LINES = re.compile(r"\n\s*\n")
_EXTRA_BLANK_LINES = re.compile(r"\n{3,}")

_parser = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def escape_text(text: str) -> str:
    """``text`` as Markdown that shows exactly ``text`` (newlines kept)."""
    escaped = _PUNCTUATION.sub(r"\\\1", text)
    return _DIRECTIVE_COLON.sub(lambda m: m.group(0) + _WORD_JOINER, escaped)


def safe_inline(text: str) -> str:
    """One line of untrusted text for a label, caption or title: no structure, no syntax."""
    return escape_text(" ".join(text.split()))


def safe_markdown(text: str) -> str:
    """Untrusted Markdown, rebuilt from the allow-listed parts of its parse."""
    if len(text) > MAX_PARSED_CHARS:
        return "  \n".join(escape_text(line) for line in text.splitlines())
    return _Writer().blocks(_parser.parse(text)).strip("\n")


def with_superscript_markers(markdown: str) -> str:
    """Citation markers (``[1]``, as ``safe_markdown`` escapes them) shown bold."""
    return _MARKER.sub(r"**\\[\1\\]**", markdown)


def highlight(passage: str, snippet: str) -> str:
    """The passage as safe Markdown with ``snippet`` highlighted where it occurs: the
    paragraph that holds it as one highlighted line, the others with their structure."""
    wanted = " ".join(snippet.split())
    blocks, marked = [], False
    for paragraph in _BLANK_LINES.split(passage):
        flat = " ".join(paragraph.split())
        if not flat:
            continue
        at = flat.find(wanted) if wanted and not marked else -1
        if at < 0:
            blocks.append(safe_markdown(paragraph))
            continue
        before, after = flat[:at], flat[at + len(wanted) :]
        line = f"{safe_inline(before)}:orange-background[{safe_inline(wanted)}]{safe_inline(after)}"
        # a colon that ended one piece may start a directive with the next
        blocks.append(_DIRECTIVE_COLON.sub(lambda m: m.group(0) + _WORD_JOINER, line))
        marked = True
    return "\n\n".join(blocks)


class StreamingMarkdown:
    """A growing text rendered safely: finished blocks (before the last blank line outside
    a code fence) are sanitised once; only the block being written is sanitised again."""

    def __init__(self) -> None:
        self.text = ""
        self._done_chars = 0
        self._done_markdown: list[str] = []

    def add(self, delta: str) -> str:
        """Append ``delta``; the whole text so far as safe Markdown."""
        self.text += delta
        cut = self._stable_end()
        if cut > self._done_chars:
            self._done_markdown.append(safe_markdown(self.text[self._done_chars : cut]))
            self._done_chars = cut
        tail = safe_markdown(self.text[self._done_chars :])
        return "\n\n".join(p for p in [*self._done_markdown, tail] if p)

    def _stable_end(self) -> int:
        end = self.text.rfind("\n\n", self._done_chars)
        if end < 0:
            return self._done_chars
        if self.text.count("```", self._done_chars, end) % 2:  # inside an open code fence
            return self._done_chars
        return end + 2


class _Writer:
    """Writes allow-listed tokens back as Markdown; anything else as escaped text."""

    HEADING = "**{}**"

    def __init__(self) -> None:
        self.out: list[str] = []

    @staticmethod
    def code_block(body: list[str]) -> list[str]:
        fence = "`" * max(3, max(_longest_run(line, "`") for line in body) + 1)
        return [fence, *body, fence]

    def blocks(self, tokens: list[Token]) -> str:
        lines: list[str] = []
        prefixes: list[str] = []  # blockquote and list-item indents, outermost first
        ordinal: list[int] = []
        pending_marker = ""
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            kind = tok.type
            if kind == "blockquote_open":
                prefixes.append("> ")
            elif kind == "blockquote_close":
                prefixes.pop()
                lines.append("")
            elif kind == "list_item_close":
                prefixes.pop()
            elif kind == "bullet_list_open":
                ordinal.append(0)
            elif kind == "ordered_list_open":
                ordinal.append(int(tok.attrGet("start") or 1))
            elif kind in ("bullet_list_close", "ordered_list_close"):
                ordinal.pop()
                if not ordinal:
                    lines.append("")
            elif kind == "list_item_open":
                if ordinal and ordinal[-1] > 0:
                    pending_marker = f"{ordinal[-1]}. "
                    ordinal[-1] += 1
                else:
                    pending_marker = "- "
                prefixes.append(" " * len(pending_marker))
            elif kind in ("paragraph_open", "heading_open"):
                text = self.inline(tokens[i + 1].children or [])
                if kind == "heading_open" and text:
                    text = self.HEADING.format(text)
                lines.extend(self._prefixed(text.split("\n"), prefixes, pending_marker))
                pending_marker = ""
                if not tok.hidden:  # a tight list's paragraphs stay together
                    lines.append("")
                i += 2
            elif kind in ("fence", "code_block"):
                body = self.code_block(tok.content.rstrip("\n").split("\n"))
                lines.extend(self._prefixed(body, prefixes, pending_marker))
                pending_marker = ""
                lines.append("")
            elif kind == "hr":
                lines.extend(self._prefixed(["---"], prefixes, pending_marker))
                lines.append("")
            elif kind == "table_open":
                i = self._table(tokens, i, lines, prefixes)
            i += 1
        return _EXTRA_BLANK_LINES.sub("\n\n", "\n".join(lines))

    @staticmethod
    def _prefixed(body: list[str], prefixes: list[str], marker: str) -> list[str]:
        inner, outer = "".join(prefixes), "".join(prefixes[:-1])
        out = []
        for n, line in enumerate(body):
            lead = outer + marker if n == 0 and marker else inner
            out.append(lead + line if line or lead.strip() else line)
        return out

    def _table(self, tokens: list[Token], i: int, lines: list[str], prefixes: list[str]) -> int:
        rows: list[list[str]] = []
        row: list[str] = []
        header_cells = 0
        while tokens[i].type != "table_close":
            tok = tokens[i]
            if tok.type == "tr_open":
                row = []
            elif tok.type == "tr_close":
                rows.append(row)
            elif tok.type == "inline":
                row.append(self.inline(tok.children or []).replace("\n", " "))
            elif tok.type == "thead_close":
                header_cells = len(rows[0]) if rows else 0
            i += 1
        if rows and header_cells:
            width = max(len(r) for r in rows)
            rendered = ["| " + " | ".join(r + [""] * (width - len(r))) + " |" for r in rows]
            rendered.insert(1, "|" + "---|" * width)
            lines.extend(self._prefixed(rendered, prefixes, ""))
            lines.append("")
        return i

    def inline(self, children: list[Token]) -> str:
        out: list[str] = []
        link_open: list[str | None] = []  # the safe href of each open link (None: dropped)
        for tok in children:
            kind = tok.type
            if kind == "text":
                out.append(escape_text(tok.content))
            elif kind == "softbreak":
                out.append("\n")
            elif kind == "hardbreak":
                out.append("  \n")
            elif kind == "code_inline":
                fence = "`" * (_longest_run(tok.content, "`") + 1)
                pad = " " if tok.content.startswith("`") or tok.content.endswith("`") else ""
                out.append(f"{fence}{pad}{tok.content}{pad}{fence}")
            elif kind in ("em_open", "em_close"):
                out.append("*")
            elif kind in ("strong_open", "strong_close"):
                out.append("**")
            elif kind in ("s_open", "s_close"):
                out.append("~~")
            elif kind == "link_open":
                href = _safe_href(str(tok.attrGet("href") or ""))
                link_open.append(href)
                if href:
                    out.append("[")
            elif kind == "link_close":
                href = link_open.pop() if link_open else None
                if href:
                    out.append(f"]({href})")
            elif kind == "image":
                out.append(self.inline(tok.children or []))  # its alt text, nothing fetched
            else:  # html_inline, entities the parser left, anything unknown: as text
                out.append(escape_text(tok.content))
        return "".join(out)


class _PlainWriter(_Writer):
    """Writes the same parse as plain text: the words, list markers, quotes and table rows
    kept; emphasis, code fences and escapes gone; a link as its label and address."""

    HEADING = "{}"

    @staticmethod
    def code_block(body: list[str]) -> list[str]:
        return body

    def inline(self, children: list[Token]) -> str:
        out: list[str] = []
        hrefs: list[str | None] = []
        for tok in children:
            kind = tok.type
            if kind in ("softbreak", "hardbreak"):
                out.append("\n")
            elif kind == "link_open":
                hrefs.append(_safe_href(str(tok.attrGet("href") or "")))
            elif kind == "link_close":
                href = hrefs.pop() if hrefs else None
                if href:
                    out.append(f" ({href})")
            elif kind == "image":
                out.append(self.inline(tok.children or []))
            elif not kind.endswith(("_open", "_close")):  # text, code, html, entities: as is
                out.append(tok.content)
        return "".join(out)


def plain_text(text: str) -> str:
    """Markdown (an answer) as the plain text a reader would type: for the clipboard."""
    if len(text) > MAX_PARSED_CHARS:
        return text
    return _PlainWriter().blocks(_parser.parse(text)).strip("\n")


def _safe_href(href: str) -> str | None:
    """An http(s) or mailto target, percent-encoded so it cannot end the link early."""
    target = href.strip()
    if not target.lower().startswith(_SAFE_SCHEMES):
        return None
    return quote(target, safe="/:?#&=+@%;,.~-_!$*'")


def _longest_run(text: str, char: str) -> int:
    best = run = 0
    for c in text:
        run = run + 1 if c == char else 0
        best = max(best, run)
    return best
