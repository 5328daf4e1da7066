"""`runbooks` and `scan-pii`: what the person on call reads and runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import say, usage_error
from assistant.phrases import counted


def runbooks() -> None:
    """What to do when a part fails (the Status page and the README hold the same text)."""
    from assistant.runtime.runbooks import as_markdown

    typer.echo(as_markdown(), nl=False)


def scan_pii(
    file: Annotated[Path, typer.Argument(help="An export, a log, any text file.")],
) -> None:
    """List the lines of FILE that hold personal data, and of which kinds (never the values);
    exit 1 when there is any."""
    from assistant.answering.pii import default_redactor

    try:
        text = file.read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        raise usage_error(f"Cannot read {file}: {err.strerror or err}.") from None
    redactor = default_redactor()
    found = 0
    for n, line in enumerate(text.splitlines(), 1):
        kinds = redactor.redact(line).entities
        if kinds:
            found += 1
            typer.echo(f"line {n}: {', '.join(kinds)}")
    say(f"{file}: personal data on {counted(found, 'line')}" if found else f"{file}: none found")
    raise typer.Exit(1 if found else 0)


def register(app: typer.Typer) -> None:
    app.command()(runbooks)
    app.command("scan-pii")(scan_pii)
