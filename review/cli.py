"""`python -m assistant export` and `import-golden`: the golden set on the command line.

Registered through the ``knowledge_assistant.commands`` entry point (see pyproject.toml),
so the assistant package never imports the review loop.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import EXIT_PARTIAL, cli_actor, running, usage_error
from assistant.identity.groups import Reader
from assistant.phrases import counted

GROUPS_HELP = (
    "Access groups to read with (comma-separated); cases needing others are left out. "
    "Default: only what everyone may read. Not with --as (the account's groups are used)."
)


def _reader(as_user: str | None, permission: str, groups: str | None) -> Reader:
    """Who the command reads and acts as: a named account (checked; its groups), or the
    shell user with the groups given (default: ``everyone`` only, so nothing restricted
    leaves unless asked for)."""
    if as_user is None:
        named = tuple(g for g in (groups or "").split(",") if g.strip())
        return Reader.holding(cli_actor(), named)
    from assistant.identity import accounts

    if groups is not None:
        raise usage_error("--groups comes from the account with --as: give one or the other")
    name = accounts.normalise_username(as_user)
    with running(parts=()) as rt:
        known = {a.username: a for a in accounts.list_accounts(rt.engine)}
    if name not in known or known[name].disabled:
        raise accounts.AuthError(f"No active account {name}.", fix="See `users list`.")
    if permission not in accounts.permissions(known[name].role):
        raise accounts.Forbidden(f"{name} ({known[name].role}) may not {permission}.")
    return Reader.holding(name, known[name].groups)


def export(
    fmt: Annotated[
        str, typer.Option("--format", help="jsonl | csv | promptfoo | openai-evals")
    ] = "jsonl",
    out: Annotated[Path, typer.Option(help="File to write (never overwritten).")] = Path(
        "golden.jsonl"
    ),
    include_stale: Annotated[
        bool, typer.Option(help="Also export cases flagged stale (default: active only).")
    ] = False,
    since: Annotated[
        datetime | None, typer.Option(help="Approved at or after (ISO date, UTC).")
    ] = None,
    until: Annotated[datetime | None, typer.Option(help="Approved before (ISO date, UTC).")] = None,
    document: Annotated[
        str | None, typer.Option(help="Only cases citing or expecting this document (substring).")
    ] = None,
    should_refuse: Annotated[
        bool | None,
        typer.Option("--should-refuse/--answerable", help="Only refusal or only answer cases."),
    ] = None,
    check_stale: Annotated[
        bool,
        typer.Option(help="Check pinned documents against the index first (needs Weaviate)."),
    ] = True,
    as_user: Annotated[
        str | None, typer.Option("--as", help="Account the export is recorded under (a lead).")
    ] = None,
    groups: Annotated[str | None, typer.Option(help=GROUPS_HELP)] = None,
) -> None:
    """Export the golden set in one format: a file of the latest dataset version when it holds
    exactly these cases, else of a new version; prints its manifest."""
    from datetime import UTC

    from review import export as exports
    from review import golden
    from review.desk import ReviewDesk

    reader = _reader(as_user, "export", groups)
    with running(["weaviate"] if check_stale else ()) as rt:
        desk = ReviewDesk(rt, reader)
        if check_stale:
            flagged = desk.refresh_staleness()
            if flagged:
                typer.echo(f"{counted(len(flagged), 'case')} newly flagged stale", err=True)
        flt = golden.CaseFilter(
            statuses=golden.exportable_statuses(include_stale),
            since=since.replace(tzinfo=since.tzinfo or UTC) if since else None,
            until=until.replace(tzinfo=until.tzinfo or UTC) if until else None,
            document=document,
            should_refuse=should_refuse,
        )
        snap = desk.export(fmt, flt)
        exports.write_snapshot(snap, out)
    typer.echo(snap.manifest.model_dump_json(indent=2))


def import_golden(
    path: Annotated[Path, typer.Argument(help="A JSONL golden set (as `export` writes).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    as_user: Annotated[
        str | None, typer.Option("--as", help="Account the import is recorded under (a lead).")
    ] = None,
    groups: Annotated[str | None, typer.Option(help=GROUPS_HELP)] = None,
) -> None:
    """Load golden cases back from JSONL; the importer is their approver of record.

    Exit 0: all loaded or unchanged; 3: some lines were invalid, conflict with existing
    cases, or pin passages not in the index or not readable (listed; nothing is
    overwritten); 1: fatal."""
    from review.desk import ReviewDesk

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        typer.secho(f"error: cannot read {path}: {err}", err=True, fg="red")
        raise typer.Exit(1) from err
    reader = _reader(as_user, "export", groups)
    with running(["weaviate"]) as rt:
        summary = ReviewDesk(rt, reader).import_lines(lines)
    if as_json:
        typer.echo(summary.model_dump_json(indent=2))
    else:
        typer.echo(
            f"{len(summary.added)} added, {len(summary.unchanged)} unchanged, "
            f"{len(summary.conflicts)} conflicts, {len(summary.invalid)} invalid lines"
        )
        for c in summary.conflicts:
            typer.echo(f"  conflict: {c['id']}: {c['error']}")
        for bad in summary.invalid:
            typer.echo(f"  invalid line {bad['line']}: {bad['error']}")
    partial = bool(summary.conflicts or summary.invalid)
    raise typer.Exit(EXIT_PARTIAL if partial else 0)


def register(app: typer.Typer) -> None:
    from review.evaluation import cli as evaluation

    app.command("export")(export)
    app.command("import-golden")(import_golden)
    evaluation.register(app)
