"""What every command shares: messages on stderr, exit codes, the parts a command needs
(started, and closed whatever happens), progress bars, query files, and who acts."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from assistant.errors import AssistantError

if TYPE_CHECKING:
    from collections.abc import Callable

    from assistant.cli.querysets import QueryLine
    from assistant.index.ingest import IngestSummary, Progress
    from assistant.runtime.stack import Runtime

EXIT_PARTIAL = 3  # some inputs failed (documents, questions, lines), the rest were done


_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def say(msg: str) -> None:
    typer.echo(msg, err=True)


def fail(err: AssistantError) -> typer.Exit:
    """Say what failed on stderr; the exit a command ends with on a domain error."""
    typer.secho(f"error: {err}", err=True, fg=typer.colors.RED)
    return typer.Exit(1)


def usage_error(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(2)


def exit_for(failed: int, total: int) -> typer.Exit:
    """0 when nothing failed, ``EXIT_PARTIAL`` when some inputs did, 1 when every one did."""
    return typer.Exit(0 if not failed else 1 if failed == total else EXIT_PARTIAL)


@contextmanager
def running(parts: Sequence[str] | None = None) -> Iterator[Runtime]:
    """The runtime with ``parts`` (default: every part) started or attached to; its clients
    closed at the end.
    Domain errors go up to ``main``, which turns them into a message and exit code 1."""
    from assistant.runtime.stack import Runtime

    rt = Runtime()
    try:
        if parts is None:
            rt.start(say)
        elif parts:
            rt.start(say, parts=parts)
        yield rt
    finally:
        rt.close()


def query_lines(text: str | None, file: Path | None, what: str) -> list[QueryLine]:
    """One free-text query, or the lines of a JSONL file: exactly one must be given."""
    from assistant.cli import querysets

    if (text is None) == (file is None):
        raise usage_error(f"give a {what} or a JSONL file (not both)")
    if file is not None:
        return querysets.read_queries(file)
    return [querysets.QueryLine(id=0, question=text or "")]


def progress_bar() -> Callable[[Progress], None] | None:
    """A tqdm bar on a terminal; nothing when output is piped (machine-readable runs)."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def update(p: Progress) -> None:
        bar = bars.setdefault("bar", tqdm(total=p.documents_total, unit="doc", file=sys.stderr))
        bar.total = p.documents_total
        bar.n = p.documents_done
        rate = p.chunks_added / p.elapsed_s if p.elapsed_s else 0.0
        bar.set_postfix_str(f"{p.chunks_added} chunks, {rate:.0f} chunks/s", refresh=False)
        bar.refresh()
        if p.documents_done >= p.documents_total:
            bar.close()

    return update


def one_line(text: str) -> str:
    """``text`` safe on one line of output: control characters (a newline in a file name)
    written as escapes, so line-based output stays one record per line."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode(), text)


def ingest_report(s: IngestSummary) -> list[str]:
    """What an ingestion did, for people: the summary, each failed file, what followed."""
    return [
        summary_line(s),
        *(f"  failed: {one_line(f.path)}: {one_line(f.error)}" for f in s.failed),
        *(f"  {note}" for note in s.notes),
    ]


def summary_line(s: IngestSummary) -> str:
    """One line for an ingestion summary."""
    return (
        f"{s.documents_seen} seen: {s.documents_indexed} indexed, {s.documents_unchanged} "
        f"unchanged, {s.documents_removed} removed, {len(s.failed)} failed; "
        f"+{s.chunks_added}/-{s.chunks_removed} chunks in {s.seconds:.1f}s"
    )


def cli_actor() -> str:
    """Who a CLI action is recorded as in the audit log."""
    import getpass

    return f"cli:{getpass.getuser()}"
