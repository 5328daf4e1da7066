"""`users`: local accounts (ASSISTANT_AUTH=local) and the roles of OIDC users."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from assistant.cli.common import cli_actor, running, say


def _password(from_stdin: bool, name: str) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True)


def _accounts_call(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    """``fn`` on the accounts database (no server is started for accounts)."""
    with running(parts=()) as rt:
        return fn(rt.engine, *args, **kwargs)


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
    from assistant.identity import accounts

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
    say(f"created {info.username} ({info.role})")


def users_list(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per account.")] = False,
) -> None:
    """List accounts (never their password hashes)."""
    from assistant.identity import accounts

    for info in _accounts_call(accounts.list_accounts):
        if as_json:
            typer.echo(info.model_dump_json())
        else:
            state = " (disabled)" if info.disabled else ""
            groups = ",".join(info.groups) or "-"
            typer.echo(f"{info.username:<30} {info.role:<9} {info.sign_in:<8} {groups}{state}")


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
    from assistant.identity import accounts

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
    say(f"updated {info.username} ({info.role}{', disabled' if info.disabled else ''})")


def register(app: typer.Typer) -> None:
    users = typer.Typer(help="Local accounts (ASSISTANT_AUTH=local) and roles of OIDC users.")
    users.command("add")(users_add)
    users.command("list")(users_list)
    users.command("set")(users_set)
    app.add_typer(users, name="users")
