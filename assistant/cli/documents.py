"""`ingest` and `search`: documents into the index, and queries against it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, get_args

import typer

from assistant.cli.common import (
    EXIT_PARTIAL,
    ingest_report,
    progress_bar,
    query_lines,
    running,
    say,
    usage_error,
)


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (folders are mirrored).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    source: Annotated[
        str | None, typer.Option(help="Source name (default: the folder's name).")
    ] = None,
) -> None:
    """Index documents: new and changed ones are (re)indexed, deleted ones removed.

    Exit code 0: all indexed; 3: partial (failures listed, the rest indexed); 1: fatal.
    """
    with running(["weaviate"]) as rt:
        summary = rt.ingest(paths, source=source, progress=None if as_json else progress_bar())
    if as_json:
        typer.echo(summary.model_dump_json(indent=2))
    else:
        for line in ingest_report(summary):
            typer.echo(line)
    raise typer.Exit(EXIT_PARTIAL if summary.partial else 0)


def search(
    query: Annotated[str | None, typer.Argument(help="Free-text query.")] = None,
    queries: Annotated[
        Path | None, typer.Option(help='JSONL file of {"id", "question"} lines.')
    ] = None,
    k: Annotated[int, typer.Option("--k", "-k", help="Results per query.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per query.")] = False,
    group: Annotated[
        list[str] | None, typer.Option(help="Access group of the searcher (repeatable).")
    ] = None,
    mode: Annotated[str, typer.Option(help="hybrid | bm25 | vector | rrf")] = "hybrid",
    alpha: Annotated[float | None, typer.Option(help="Hybrid weight of vectors (0..1).")] = None,
) -> None:
    """Search the index, for people (a query) or for batch evaluation (--queries)."""
    from assistant.cli import querysets
    from assistant.index.retrieve import Mode, RetrievalConfig, SearchRequest

    if mode not in get_args(Mode):  # imported here: retrieval loads the Weaviate client
        raise usage_error(f"unknown --mode {mode!r}")
    default = RetrievalConfig()
    config = RetrievalConfig(
        mode=mode,
        alpha=default.alpha if alpha is None else alpha,
        top_k=k,
        # the other modes are the plain methods ours is compared with
        section_weight=default.section_weight if mode == "hybrid" else 0.0,
    )
    lines = query_lines(query, queries, "query")
    with running(["weaviate"]) as rt:
        retriever = rt.retriever(config)
        if not retriever.store.indexed():
            say("Nothing is indexed yet: run `python -m assistant ingest FOLDER` first.")
        for line in lines:
            hits = retriever.search(SearchRequest(line.question, groups=group or [], k=k))
            if as_json:
                typer.echo(querysets.dumps(querysets.search_result(line.id, hits)))
            else:
                for text in querysets.format_hits_for_people(line.question, hits):
                    typer.echo(text)


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.command()(search)
