"""`runbooks` and `scan-pii`: what the person on call reads and runs."""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path
from typing import Annotated
from urllib.parse import unquote

import typer

from assistant.cli.common import say, usage_error
from assistant.phrases import counted

PIECE = 20_000  # characters the redactor reads at once (spaCy refuses a million)
OVERLAP = 200  # so a value cut in two at a piece's edge is whole in the next
BOMS = (  # longest first: UTF-32 LE starts with UTF-16 LE's mark
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def runbooks() -> None:
    """What to do when a part fails (the Status page and the README hold the same text)."""
    from assistant.runtime.runbooks import as_markdown

    typer.echo(as_markdown(), nl=False)


def scan_pii(
    file: Annotated[Path, typer.Argument(help="An export, a log, any text file.")],
) -> None:
    """List the lines of FILE that hold personal data, and of which kinds (never the values);
    exit 1 when there is any, 2 when the file cannot be read."""
    from assistant.answering.pii import default_redactor

    try:
        raw = file.read_bytes()
    except OSError as err:
        raise usage_error(f"Cannot read {file}: {err.strerror or err}.") from None
    redactor = default_redactor()
    found = 0
    for n, line in enumerate(_decoded(raw).split("\n"), 1):  # numbered as `grep -n` numbers
        kinds = sorted(
            {k for piece in _pieces(_plain(line)) for k in redactor.redact(piece).entities}
        )
        if kinds:
            found += 1
            typer.echo(f"line {n}: {', '.join(kinds)}")
    say(f"{file}: personal data on {counted(found, 'line')}" if found else f"{file}: none found")
    raise typer.Exit(1 if found else 0)


def _decoded(raw: bytes) -> str:
    """The file's text: UTF-16 or UTF-32 by its byte-order mark, else UTF-8 (bad bytes shown
    as replacement characters, never a reason to stop)."""
    for bom, encoding in BOMS:
        if raw.startswith(bom):
            return raw.decode(encoding, errors="replace")
    return raw.decode("utf-8-sig", errors="replace")


def _plain(line: str) -> str:
    """A line as a person would read it: JSON's \\uXXXX and URL's %XX escapes undone, and
    compatibility forms (full-width letters, ligatures) folded, invisible characters gone."""
    text = _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), line)
    text = unquote(text)
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def _pieces(line: str) -> list[str]:
    if len(line) <= PIECE:
        return [line]
    return [line[i : i + PIECE] for i in range(0, len(line), PIECE - OVERLAP)]


def register(app: typer.Typer) -> None:
    app.command()(runbooks)
    app.command("scan-pii")(scan_pii)
