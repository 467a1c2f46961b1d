"""`rapport user …`: add staff users and issue API tokens."""

from __future__ import annotations

import typer

from rapport.accounts import service as account_service
from rapport.cli import context
from rapport.privacy.access import Role, system_principal

ROLE_HELP = "One of: " + ", ".join(r.value for r in Role)

app = typer.Typer(help="Staff users and their API tokens.", no_args_is_help=True)


@app.command("add")
def add(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="Login email."),
    name: str = typer.Option(..., help="Display name."),
    role: Role = typer.Option(Role.sales, help=ROLE_HELP),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="At least 10 chars."
    ),
) -> None:
    """Add a staff user."""
    with context.get(ctx).session() as session:
        user = account_service.create_user(
            session, system_principal(), {"email": email, "name": name, "role": role, "password": password}
        )
        typer.echo(f"user {user.id} {user.email} ({user.role}) added")


@app.command("token")
def token(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="The user the token acts as."),
    name: str = typer.Option("cli", help="A label to recognise the token by."),
) -> None:
    """Print a new API token for a user (use it as `Authorization: Bearer <token>`)."""
    with context.get(ctx).session() as session:
        user = account_service.get_by_email(session, email)
        issued = account_service.issue_token(session, user, kind="api", name=name)
        typer.echo(issued.secret)  # type: ignore[attr-defined]
