"""`ask`: questions answered from the documents, one or a file of them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import exit_for, query_lines, running
from assistant.identity.groups import EVERYONE


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
    from assistant.answering.batch import answer_each
    from assistant.answering.pipeline import Asker, Pipeline
    from assistant.cli import querysets

    lines = query_lines(question, questions, "question")
    failed = total = 0
    with running() as rt:
        pipeline = Pipeline(rt)
        asker = Asker(user_id=user, groups=tuple(group or (EVERYONE,)))
        pairs = ((line.id, line.question) for line in lines)
        for outcome in answer_each(pipeline, pairs, asker=asker):
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
    raise exit_for(failed, total)


def register(app: typer.Typer) -> None:
    app.command()(ask)
