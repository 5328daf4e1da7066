"""`backup` and `restore`: the whole state of a data dir (index, SQL store, uploads)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import cli_actor, running, say


def backup(
    out: Annotated[
        Path | None,
        typer.Option(help="New folder for the backup (default: backups/<time> in the data dir)."),
    ] = None,
) -> None:
    """Back up the index, the database and uploads into one folder, while the app runs."""
    from assistant.runtime import backup as backups

    with running(parts=["weaviate"]) as rt:
        folder = out or backups.default_folder(rt)
        manifest = backups.backup(rt, folder, actor=cli_actor())
    w = manifest.weaviate
    say(
        f"backed up to {folder}: {manifest.interactions} logged answers, "
        f"{sum(w.objects.values())} index objects, {manifest.uploads} uploads "
        f"in {manifest.seconds:.1f}s"
    )
    if w.stored == "server":
        say(f"the index backup {w.backup_id} is kept by the Weaviate server ({w.backend})")


def restore(
    bundle: Annotated[Path, typer.Argument(help="A folder written by `backup`.")],
    replace: Annotated[
        bool,
        typer.Option(help="Replace what this instance holds (it is backed up first)."),
    ] = False,
) -> None:
    """Restore a backup into this instance (an empty one, unless --replace)."""
    from assistant.runtime import backup as backups

    with running(parts=["weaviate"]) as rt:
        manifest = backups.restore(rt, bundle, replace=replace, actor=cli_actor())
    say(
        f"restored {bundle} from {manifest.created_at:%Y-%m-%d %H:%M} UTC: "
        f"{manifest.interactions} logged answers, "
        f"{sum(manifest.weaviate.objects.values())} index objects, {manifest.uploads} uploads"
    )


def register(app: typer.Typer) -> None:
    app.command()(backup)
    app.command()(restore)
