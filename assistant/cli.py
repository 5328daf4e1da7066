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


def fail(err: AssistantError) -> typer.Exit:
    """Say what failed on stderr; the exit every command ends with on a domain error."""
    typer.secho(f"error: {err}", err=True, fg=typer.colors.RED)
    return typer.Exit(1)


EXIT_PARTIAL = 3  # some inputs failed (documents, questions, lines), the rest were done


def exit_for(failed: int, total: int) -> typer.Exit:
    """0 when nothing failed, ``EXIT_PARTIAL`` when some inputs did, 1 when every one did."""
    return typer.Exit(0 if not failed else 1 if failed == total else EXIT_PARTIAL)


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
        raise fail(err) from err
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
        raise fail(err) from err
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
    from assistant import library

    docs = rt.settings.documents_dir
    if not docs.is_dir():
        _say(f"No documents folder at {docs}; only uploads are indexed.")
    _say(f"Indexing {docs} and uploads (unchanged documents are skipped)")
    summary = library.reindex(rt, progress=_progress_bar())
    _say(_summary_line(summary))
    for failure in summary.failed:
        _say(f"  not indexed: {failure.path}: {failure.error}")


def _progress_bar():
    """A tqdm bar on a terminal; nothing when output is piped (machine-readable runs)."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def update(p) -> None:
        bar = bars.setdefault("bar", tqdm(total=p.documents_total, unit="doc", file=sys.stderr))
        bar.total = p.documents_total
        bar.n = p.documents_done
        rate = p.chunks_added / p.elapsed_s if p.elapsed_s else 0.0
        bar.set_postfix_str(f"{p.chunks_added} chunks, {rate:.0f} chunks/s", refresh=False)
        bar.refresh()
        if p.documents_done >= p.documents_total:
            bar.close()

    return update


def _summary_line(s) -> str:
    return (
        f"{s.documents_seen} seen: {s.documents_indexed} indexed, {s.documents_unchanged} "
        f"unchanged, {s.documents_removed} removed, {len(s.failed)} failed; "
        f"+{s.chunks_added}/-{s.chunks_removed} chunks in {s.seconds:.1f}s"
    )


def _query_lines(text: str | None, file: Path | None, what: str) -> list:
    """One free-text query, or the lines of a JSONL file: exactly one must be given."""
    from assistant import querysets

    if (text is None) == (file is None):
        typer.secho(f"error: give a {what} or a JSONL file (not both)", err=True, fg="red")
        raise typer.Exit(2)
    if file is not None:
        return querysets.read_queries(file)
    return [querysets.QueryLine(id=0, question=text or "")]


@app.command()
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
    rt = _runtime()
    try:
        rt.start(_say, parts=["weaviate"])
        summary = rt.ingest(paths, source=source, progress=None if as_json else _progress_bar())
    except AssistantError as err:
        raise fail(err) from err
    finally:
        rt.close()
    if as_json:
        typer.echo(summary.model_dump_json(indent=2))
    else:
        typer.echo(_summary_line(summary))
        for failure in summary.failed:
            typer.echo(f"  failed: {failure.path}: {failure.error}")
    raise typer.Exit(EXIT_PARTIAL if summary.partial else 0)


@app.command()
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
    from assistant import querysets
    from assistant.retrieve import RetrievalConfig, SearchRequest

    if mode not in ("hybrid", "bm25", "vector", "rrf"):
        typer.secho(f"error: unknown --mode {mode!r}", err=True, fg="red")
        raise typer.Exit(2)
    default = RetrievalConfig()
    config = RetrievalConfig(
        mode=mode,
        alpha=default.alpha if alpha is None else alpha,
        top_k=k,
        # the other modes are the plain methods ours is compared with
        section_weight=default.section_weight if mode == "hybrid" else 0.0,
    )
    rt = _runtime()
    try:
        lines = _query_lines(query, queries, "query")
        rt.start(_say, parts=["weaviate"])
        retriever = rt.retriever(config)
        for line in lines:
            hits = retriever.search(SearchRequest(line.question, groups=group or [], k=k))
            if as_json:
                typer.echo(querysets.dumps(querysets.search_result(line.id, hits)))
            else:
                for text in querysets.format_hits_for_people(line.question, hits):
                    typer.echo(text)
    except AssistantError as err:
        raise fail(err) from err
    finally:
        rt.close()


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="The question.")] = None,
    questions: Annotated[
        Path | None, typer.Option(help='JSONL file of {"id", "question"} lines.')
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per answer.")] = False,
    user: Annotated[str, typer.Option(help="User id recorded with the answers.")] = "cli",
    group: Annotated[
        list[str] | None, typer.Option(help="Access group of the asker (repeatable).")
    ] = None,
) -> None:
    """Answer questions from the documents, with verified citations.

    A question that fails is reported on its own line (with --json, as {"id", "error"}) and
    the others are answered. Exit code 0: all answered; 3: some failed; 1: all failed.
    """
    from assistant import querysets
    from assistant.batch import answer_each
    from assistant.pipeline import Asker, Pipeline

    rt = _runtime()
    failed = total = 0
    try:
        lines = _query_lines(question, questions, "question")
        rt.start(_say)
        pipeline = Pipeline(rt)
        asker = Asker(user_id=user, groups=tuple(group or ("everyone",)))
        for outcome in answer_each(
            pipeline, ((line.id, line.question) for line in lines), asker=asker
        ):
            total += 1
            if outcome.answer is None:
                failed += 1
                if as_json:
                    typer.echo(querysets.dumps({"id": outcome.id, "error": outcome.error}))
                typer.secho(
                    f"error: question {outcome.id}: {outcome.error}", err=True, fg=typer.colors.RED
                )
            elif as_json:
                typer.echo(querysets.dumps(querysets.answer_result(outcome.id, outcome.answer)))
            else:
                for text in querysets.format_answer_for_people(outcome.answer):
                    typer.echo(text)
    except AssistantError as err:
        raise fail(err) from err
    finally:
        rt.close()
    raise exit_for(failed, total)


# -- accounts -------------------------------------------------------------------------
users_app = typer.Typer(help="Local accounts (ASSISTANT_AUTH=local) and roles of OIDC users.")
app.add_typer(users_app, name="users")


def cli_actor() -> str:
    """Who a CLI action is recorded as in the audit log."""
    import getpass

    return f"cli:{getpass.getuser()}"


def _password(from_stdin: bool, name: str) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True)


def _accounts_call(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    from assistant.runtime.stack import Runtime

    try:
        return fn(Runtime().engine, *args, **kwargs)
    except AssistantError as err:
        raise fail(err) from err


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name (an e-mail address works).")],
    role: Annotated[str, typer.Option(help="employee | reviewer | lead | admin")] = "employee",
    group: Annotated[
        list[str] | None, typer.Option(help="Access group beyond 'everyone' (repeatable).")
    ] = None,
    display_name: Annotated[str, typer.Option(help="Name shown in the app.")] = "",
    oidc: Annotated[
        bool, typer.Option("--oidc", help="No password: signs in through the identity provider.")
    ] = False,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
) -> None:
    """Create an account (an existing one is never replaced)."""
    from assistant import accounts

    password = None if oidc else _password(password_stdin, name)
    info = _accounts_call(
        accounts.create_account,
        name,
        role=role,
        password=password,
        display_name=display_name,
        groups=group or [],
        actor=cli_actor(),
    )
    _say(f"created {info.username} ({info.role})")


@users_app.command("list")
def users_list(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per account.")] = False,
) -> None:
    """List accounts (never their password hashes)."""
    from assistant import accounts

    for info in _accounts_call(accounts.list_accounts):
        if as_json:
            typer.echo(info.model_dump_json())
        else:
            state = " (disabled)" if info.disabled else ""
            groups = ",".join(info.groups) or "-"
            typer.echo(f"{info.username:<30} {info.role:<9} {info.sign_in:<8} {groups}{state}")


@users_app.command("set")
def users_set(
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str | None, typer.Option(help="New role.")] = None,
    group: Annotated[
        list[str] | None, typer.Option(help="Replace the access groups (repeatable).")
    ] = None,
    password: Annotated[bool, typer.Option("--password", help="Set a new password.")] = False,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the new password from stdin.")
    ] = False,
    disable: Annotated[
        bool | None, typer.Option("--disable/--enable", help="Block or allow sign-in.")
    ] = None,
) -> None:
    """Change an account's role, groups, password or whether it may sign in."""
    from assistant import accounts

    new_password = _password(password_stdin, name) if password or password_stdin else None
    info = _accounts_call(
        accounts.update_account,
        name,
        actor=cli_actor(),
        role=role,
        password=new_password,
        groups=group,
        disabled=disable,
    )
    _say(f"updated {info.username} ({info.role}{', disabled' if info.disabled else ''})")


def _register_plugins() -> None:
    """Commands other packages add (the review loop's export and import) through the
    ``knowledge_assistant.commands`` entry point: this package never imports them."""
    from importlib.metadata import entry_points

    for ep in entry_points(group="knowledge_assistant.commands"):
        ep.load()(app)


def main() -> None:
    _register_plugins()
    try:
        app()
    except AssistantError as err:
        typer.secho(f"error: {err}", err=True, fg=typer.colors.RED)
        sys.exit(1)


if __name__ == "__main__":
    main()
