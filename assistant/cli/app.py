"""`python -m assistant`: the app the commands hang on, and the commands that run the stack
(setup, doctor, stop, serve). The library raises domain errors; ``main`` alone turns them into
a message and exit code 1 (0 ok, 2 usage, 3 some inputs failed).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from assistant.cli import answers, documents, operations, state, users
from assistant.cli.common import fail, ingest_report, progress_bar, running, say
from assistant.config import PROJECT_ROOT
from assistant.errors import AssistantError

if TYPE_CHECKING:
    from assistant.runtime.stack import Runtime

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


@app.callback()
def _main(data_dir: DataDir = None) -> None:
    if data_dir is not None:
        # Through the environment so everything started from here (Streamlit) sees it too.
        os.environ["ASSISTANT_DATA_DIR"] = str(data_dir.resolve())


@app.command()
def setup(
    model: Annotated[
        str | None, typer.Option(help="Local model to install (default: ASSISTANT_LOCAL_MODEL).")
    ] = None,
) -> None:
    """Install what the embedded defaults need: the Weaviate binary and the local model."""
    if model:
        os.environ["ASSISTANT_LOCAL_MODEL"] = model
    with running(parts=()) as rt:
        rt.install(say)
    say("setup complete")


@app.command()
def doctor(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    start: Annotated[
        bool, typer.Option(help="Start the embedded servers if they are not running.")
    ] = True,
) -> None:
    """Check every part: Weaviate, the database, the embedder and the generator."""
    from assistant.runtime.health import check_all

    with running(parts=()) as rt:
        if start:
            try:
                rt.start(say)
            except AssistantError as err:  # what is down is what the report is for
                say(f"warning: {err}")
        report = check_all(rt)
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
    with running(parts=()) as rt:
        stopped = rt.stop()
    say(f"stopped: {', '.join(stopped)}" if stopped else "nothing was running")


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port of the web app.")] = 8501,
    address: Annotated[str, typer.Option(help="Address of the web app.")] = "127.0.0.1",
) -> None:
    """Install, start every part, index the documents, then serve the web app."""
    with running(parts=()) as rt:
        rt.install(say)
        rt.start(say)
        rt.engine  # noqa: B018 - migrates the database before the first page asks
        _index_documents(rt)
    say(f"Serving on http://{address}:{port}")
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


def _index_documents(rt: Runtime) -> None:
    from assistant.runtime import library

    docs = rt.settings.documents_dir
    if not docs.is_dir():
        say(f"No documents folder at {docs}; only uploads are indexed.")
    say(f"Indexing {docs} and uploads (unchanged documents are skipped)")
    summary = library.reindex(rt, progress=progress_bar())
    for line in ingest_report(summary):
        say(line)


def _register_plugins() -> None:
    """Commands other packages add (the review loop's export and import) through the
    ``knowledge_assistant.commands`` entry point: this package never imports them."""
    from importlib.metadata import entry_points

    for ep in entry_points(group="knowledge_assistant.commands"):
        ep.load()(app)


def main() -> None:
    from assistant.config import Settings
    from assistant.runtime import logs

    try:
        fmt = Settings().log_format
    except Exception:  # a bad setting is reported by the command that reads it
        fmt = "text"
    logs.configure(fmt)
    _register_plugins()
    try:
        app()
    except AssistantError as err:
        raise SystemExit(fail(err).exit_code) from None


documents.register(app)
answers.register(app)
users.register(app)
state.register(app)
operations.register(app)

if __name__ == "__main__":
    main()
