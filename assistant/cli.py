"""`python -m assistant`: set up, serve, check and stop the stack.

The library raises domain errors; this module alone turns them into messages
and exit codes (0 ok, 1 a required part is down / failed, 2 usage).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from assistant.config import PROJECT_ROOT
from assistant.errors import AssistantError

app = typer.Typer(
    help="Knowledge Assistant: cited answers over your documents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Runtime state directory (sets ASSISTANT_DATA_DIR).",
        envvar="ASSISTANT_DATA_DIR",
        show_envvar=True,
    ),
]


def _say(msg: str) -> None:
    typer.echo(msg, err=True)


def _fail(err: AssistantError) -> typer.Exit:
    typer.secho(f"error: {err}", err=True, fg=typer.colors.RED)
    return typer.Exit(1)


@app.callback()
def _main(data_dir: DataDir = None) -> None:
    if data_dir is not None:
        # Through the environment so everything started from here (Streamlit) sees it too.
        os.environ["ASSISTANT_DATA_DIR"] = str(data_dir.resolve())


def _runtime():
    from assistant.runtime.stack import Runtime

    return Runtime()


@app.command()
def setup(
    model: Annotated[
        str | None, typer.Option(help="Local model to install (default: ASSISTANT_LOCAL_MODEL).")
    ] = None,
) -> None:
    """Install what the embedded defaults need: the Weaviate binary and the local model."""
    if model:
        os.environ["ASSISTANT_LOCAL_MODEL"] = model
    rt = _runtime()
    try:
        rt.install(_say)
    except AssistantError as err:
        raise _fail(err) from err
    _say("setup complete")


@app.command()
def doctor(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    start: Annotated[
        bool, typer.Option(help="Start the embedded servers if they are not running.")
    ] = True,
) -> None:
    """Check every part: Weaviate, the database, the embedder and the generator."""
    from assistant.health import check_all

    rt = _runtime()
    if start:
        try:
            rt.start(_say)
        except AssistantError as err:
            _say(f"warning: {err}")
    report = check_all(rt)
    rt.close()
    if as_json:
        typer.echo(json.dumps({**report.model_dump()["parts"], "ok": report.ok}, indent=2))
    else:
        for name, part in report.parts.items():
            mark = typer.style("ok", fg="green") if part.ok else typer.style("FAILED", fg="red")
            typer.echo(f"{name:<10} {mark:<6} {part.version or ''}")
            for label, value in (("where", part.where), ("detail", part.detail)):
                if value:
                    typer.echo(f"{'':<10} {label}: {value}")
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def stop() -> None:
    """Stop the servers this data dir started."""
    stopped = _runtime().stop()
    _say(f"stopped: {', '.join(stopped)}" if stopped else "nothing was running")


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port of the web app.")] = 8501,
    address: Annotated[str, typer.Option(help="Address of the web app.")] = "127.0.0.1",
) -> None:
    """Install, start every part, index the documents, then serve the web app."""
    rt = _runtime()
    try:
        rt.install(_say)
        rt.start(_say)
        rt.engine  # noqa: B018 - migrates the database before the first page asks
        _index_documents(rt)
    except AssistantError as err:
        raise _fail(err) from err
    rt.close()
    _say(f"Serving on http://{address}:{port}")
    from streamlit.web import cli as streamlit_cli

    # In-process, so one process owns the servers: Ctrl-C/SIGTERM stops them all, and
    # after a SIGKILL the next start adopts them instead of finding the ports taken.
    streamlit_cli.main.main(
        args=[
            *("run", str(PROJECT_ROOT / "app.py")),
            *("--server.address", address, "--server.port", str(port)),
            *("--server.headless", "true", "--browser.gatherUsageStats", "false"),
        ],
        prog_name="streamlit",
    )


def _index_documents(rt) -> None:
    """Indexing arrives with the ingestion module; until then the store is only prepared."""
    rt.weaviate()


def main() -> None:
    try:
        app()
    except AssistantError as err:
        typer.secho(f"error: {err}", err=True, fg=typer.colors.RED)
        sys.exit(1)


if __name__ == "__main__":
    main()
