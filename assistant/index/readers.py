"""Readers: a file's bytes -> a title and ordered sections (heading path, text, page).

One reader per format, each over the library that owns the format: llama-index's
Markdown node parser, docutils for reStructuredText, BeautifulSoup for HTML,
python-docx for DOCX, pypdf for PDF. HTML and DOCX are turned into Markdown
headings first, so one section splitter serves Markdown, HTML and DOCX alike.
Every failure raises ``ReadError`` with a reason a person can act on.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

from assistant.index.documents import ParsedDocument, ReadError, Section, clean_text
from assistant.index.rst import rst_sections


def decode_text(data: bytes) -> str:
    """Strict UTF-8 (a BOM is allowed); binary content is refused, not guessed at."""
    if b"\x00" in data[:8192]:
        raise ReadError("binary content (NUL bytes) in a text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ReadError(
            f"not valid UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start})",
            fix="Save the file as UTF-8.",
        ) from None


# -- Markdown (also the target of HTML and DOCX) --------------------------------
_SEP = "\x1f"  # heading-path separator no heading text contains


def markdown_sections(markdown: str) -> ParsedDocument:
    from llama_index.core import Document
    from llama_index.core.node_parser import MarkdownNodeParser

    parser = MarkdownNodeParser.from_defaults(
        include_prev_next_rel=False, header_path_separator=_SEP
    )
    nodes = parser.get_nodes_from_documents([Document(text=markdown)])
    title: str | None = None
    sections: list[Section] = []
    for node in nodes:
        text = node.get_content()
        parents = [p for p in node.metadata.get("header_path", "").split(_SEP) if p]
        first, _, body = text.partition("\n")
        heading = re.match(r"^(#+)\s+(.*)", first)
        if heading:
            path = [*parents, heading.group(2).strip()]
            if title is None and len(heading.group(1)) == 1 and not parents:
                title = path[0]
        else:
            path, body = parents, text
        if title is not None and path and path[0] == title:
            path = path[1:]
        body = clean_text(body)
        if body:
            sections.append(Section(path=[p.strip() for p in path], text=body))
    return ParsedDocument(title=title, sections=sections)


def read_markdown(data: bytes) -> ParsedDocument:
    return markdown_sections(decode_text(data))


MAX_TITLE_LINE = 100


def title_line(text: str) -> str | None:
    """A plain-text document's first line when it reads as a title: on its own (a blank
    line after it), short, mostly letters, not ending like a sentence or a lead-in."""
    first, sep, rest = text.partition("\n\n")
    if not sep or not rest.strip() or "\n" in first or len(first) > MAX_TITLE_LINE:
        return None
    letters = sum(c.isalpha() for c in first)
    if letters < 4 or letters < len(first) / 2 or first.endswith((".", ":", ";", ",")):
        return None
    return first


def read_text(data: bytes) -> ParsedDocument:
    text = clean_text(decode_text(data))
    # The title line stays in the text: passages keep their content (and content hashes,
    # which golden cases pin) whatever the title reading makes of them.
    return ParsedDocument(
        title=title_line(text), sections=[Section(path=[], text=text)] if text else []
    )


# -- HTML -------------------------------------------------------------------
_BLOCKS = ("p", "li", "pre", "td", "th", "dt", "dd", "blockquote", "figcaption", "caption")


def read_html(data: bytes) -> ParsedDocument:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode_text(data), "html.parser")
    for junk in soup(["script", "style", "nav", "header", "footer", "noscript", "template"]):
        junk.decompose()
    page_title = soup.title.get_text(" ", strip=True) if soup.title else None
    lines: list[str] = []
    body = soup.body or soup
    for el in body.find_all(["h1", "h2", "h3", "h4", "h5", "h6", *_BLOCKS]):
        if el.find_parent(_BLOCKS):  # nested blocks are read with their parent
            continue
        text = el.get_text(" ", strip=True)
        if not text:
            continue
        if el.name[0] == "h" and el.name[1:].isdigit():
            lines.append(f"\n{'#' * int(el.name[1:])} {text}\n")
        else:
            lines.append(f"- {text}" if el.name == "li" else f"\n{text}\n")
    doc = markdown_sections("\n".join(lines))
    doc.title = doc.title or page_title
    if not doc.sections and (plain := clean_text(body.get_text("\n"))):
        doc.sections = [Section(path=[], text=plain)]
    return doc


# -- DOCX -------------------------------------------------------------------
def read_docx(data: bytes) -> ParsedDocument:
    import zipfile

    from docx import Document as DocxDocument

    try:
        docx = DocxDocument(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as err:
        raise ReadError(f"not a readable DOCX file ({err})") from None
    lines: list[str] = []
    for para in docx.paragraphs:
        text = para.text.strip()
        if not text:
            continue
        style = (para.style.name if para.style is not None else "") or ""
        level = 1 if style == "Title" else None
        if m := re.match(r"Heading (\d)", style):
            level = int(m.group(1)) + 1  # Title is the single H1
        lines.append(f"\n{'#' * level} {text}\n" if level else f"\n{text}\n")
    for table in docx.tables:
        for row in table.rows:
            lines.append(" | ".join(c.text.strip() for c in row.cells))
    doc = markdown_sections("\n".join(lines))
    doc.title = (docx.core_properties.title or "").strip() or doc.title
    return doc


# -- PDF --------------------------------------------------------------------
# Numbered headings ("4. Passwords", "2.1 Annual leave") are the one structure that
# survives text extraction; anything else stays in the running section.
_PDF_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+([A-Z][^.!?:]{2,80})$")


def read_pdf(data: bytes) -> ParsedDocument:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ReadError("the PDF is encrypted", fix="Upload an unencrypted copy.")
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = (reader.metadata.title if reader.metadata else None) or None
    except ReadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as err:
        raise ReadError(f"corrupt or unreadable PDF ({type(err).__name__}: {err})") from None
    sections: list[Section] = []
    path: list[str] = []
    for number, page_text in enumerate(pages, start=1):
        buf: list[str] = []
        for line in [*page_text.splitlines(), None]:  # None: end of page
            heading = _PDF_HEADING.match(line.strip()) if line is not None else None
            if line is None or heading:
                if text := clean_text("\n".join(buf)):
                    sections.append(Section(path=list(path), text=text, page=number))
                buf = []
            if heading:
                depth = heading.group(1).count(".") + 1
                path = [*path[: depth - 1], line.strip()]
            elif line is not None:
                buf.append(line)
    if not sections:
        raise ReadError("the PDF has no extractable text (scanned images need OCR first)")
    title = meta_title
    if title and sections and sections[0].text.startswith(title):
        sections[0].text = sections[0].text[len(title) :].strip() or sections[0].text
    return ParsedDocument(title=title, sections=[s for s in sections if s.text])


# -- reStructuredText -------------------------------------------------------------
def read_rst(data: bytes) -> ParsedDocument:
    return rst_sections(decode_text(data))


READERS: dict[str, Callable[[bytes], ParsedDocument]] = {
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".txt": read_text,
    ".text": read_text,
    ".rst": read_rst,
    ".html": read_html,
    ".htm": read_html,
    ".docx": read_docx,
    ".pdf": read_pdf,
}


def reader_for(path: Path) -> Callable[[bytes], ParsedDocument]:
    suffix = path.suffix.lower()
    if path.name.lower().endswith(".rst.txt"):
        suffix = ".rst"
    try:
        return READERS[suffix]
    except KeyError:
        raise ReadError(
            f"unsupported file type {suffix or '(no extension)'}",
            fix=f"Supported: {', '.join(sorted(READERS))}.",
        ) from None


def read_document(path: Path, data: bytes) -> ParsedDocument:
    if not data.strip():
        raise ReadError("empty file")
    doc = reader_for(path)(data)
    if not doc.sections:
        raise ReadError("no text found in the file")
    return doc
