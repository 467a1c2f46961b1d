"""`rapport audit verify`: prove the audit log has not been edited."""

from __future__ import annotations

import typer

from rapport.cli import context
from rapport.privacy import audit as audit_log

app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


@app.command("verify")
def verify(ctx: typer.Context) -> None:
    """Walk the hash chain; exit 1 and list the events that were edited or follow a deleted one."""
    with context.get(ctx).session() as session:
        problems = audit_log.verify(session)
    if not problems:
        typer.echo("audit log intact")
        return
    for problem in problems:
        typer.echo(f"event {problem.event_id}: {problem.problem}")
    raise typer.Exit(1)
