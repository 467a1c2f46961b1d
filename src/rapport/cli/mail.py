"""`rapport mail …`: import mailboxes into tickets, send the outbox, look at it."""

from __future__ import annotations

from pathlib import Path

import typer

from rapport.automation import tasks as automation_tasks
from rapport.cli import context
from rapport.jobs import deferred
from rapport.jobs.queue import Queue
from rapport.jobs.runtime import JobRuntime
from rapport.mail import inbound, outbox
from rapport.mail import tasks as mail_tasks
from rapport.privacy.access import system_principal

app = typer.Typer(help="The email channel: mailbox import and the outbox.", no_args_is_help=True)


@app.command("import")
def import_mail(
    ctx: typer.Context,
    path: Path = typer.Argument(..., exists=True, help="An mbox file, an .eml file, or a folder of them."),
    now: bool = typer.Option(False, "--now", help="Triage new tickets here instead of queueing tickets.triage."),
) -> None:
    """Import mail: replies join their tickets, new mail opens tickets (then triaged)."""
    cli = context.get(ctx)
    queue = Queue.for_settings(cli.settings, runtime=JobRuntime(cli.settings, bind=cli.engine))
    with cli.session() as session:
        result = inbound.import_path(session, system_principal(), path)
        if not now:
            for ticket_id in result.new_tickets:
                deferred.enqueue_after_commit(session, queue, "tickets.triage", ticket_id=ticket_id)
    if now:
        for ticket_id in result.new_tickets:
            summary = automation_tasks.triage_ticket(cli.engine, cli.settings, ticket_id=ticket_id)
            for name, arguments in summary.pop("then", []):
                queue.enqueue(name, **arguments)
    typer.echo(
        f"{result.messages} messages: {result.imported} imported ({len(result.new_tickets)} new tickets, "
        f"{result.threaded} threaded, {result.reopened} reopened, {result.new_customers} new customers), "
        f"{result.duplicates} seen before, {len(result.skipped)} skipped"
    )
    for skipped in result.skipped[:20]:
        typer.echo(f"  skipped {skipped['source']}: {skipped['reason']}")


@app.command("send")
def send(ctx: typer.Context) -> None:
    """Send every queued message now (SMTP when configured, else .eml files under data_dir/mail/outbox)."""
    cli = context.get(ctx)
    options = mail_tasks.configured(cli.settings)
    with cli.session() as session:
        ids = outbox.waiting(session, idle_min=0, limit=10_000)
    sent = failed = 0
    for outbox_id in ids:
        try:
            status = outbox.send(cli.engine, options, cli.settings.data_dir, outbox_id)
        except outbox.SendFailed as exc:
            typer.secho(str(exc), fg=typer.colors.YELLOW)
            failed += 1
            continue
        sent += status == "sent"
    typer.echo(f"{sent} sent, {failed} failed (of {len(ids)})")


@app.command("outbox")
def list_outbox(
    ctx: typer.Context, status: str = typer.Option(None, help="queued | sent | failed"), limit: int = 20
) -> None:
    """Recent outgoing mail."""
    with context.get(ctx).session() as session:
        for m in outbox.list_messages(session, system_principal(), status=status, limit=limit):
            typer.echo(f"{m.id:>5} {m.status:<6} {', '.join(m.to_addrs)[:40]:<40} {m.subject[:60]}")
