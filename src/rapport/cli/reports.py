"""`rapport reports …`: build the weekly report now, deliver it, list reports."""

from __future__ import annotations

from datetime import datetime

import typer

from rapport.cli import context
from rapport.jobs.queue import Queue
from rapport.jobs.runtime import JobRuntime
from rapport.kit.clock import as_utc
from rapport.privacy.access import system_principal
from rapport.reports import service as report_service
from rapport.reports import tasks as report_tasks

app = typer.Typer(help="Reports: KPI tables, charts and a checked narrative, as HTML and PDF.", no_args_is_help=True)


@app.command("weekly")
def weekly(
    ctx: typer.Context,
    as_of: datetime = typer.Option(None, help="Report on the last full week before this UTC date (default now)."),
    deliver: bool = typer.Option(False, "--deliver/--no-deliver", help="Deliver to the configured targets."),
) -> None:
    """Build the weekly report now and print where it is (and whether its narrative checked out)."""
    cli = context.get(ctx)
    when = as_utc(as_of).isoformat() if as_of else None
    summary = report_tasks.weekly(cli.engine, cli.settings, as_of=when, deliver=deliver)
    if summary.get("skipped"):
        typer.echo(f"report {summary['report_id']} for that week was delivered already")
        return
    then = summary.pop("then", [])
    if then:
        queue = Queue.for_settings(cli.settings, runtime=JobRuntime(cli.settings, bind=cli.engine))
        for name, arguments in then:
            queue.enqueue(name, **arguments)
    with cli.session() as session:
        report = report_service.get(session, system_principal(), summary["report_id"])
        checks = report.checks
        typer.echo(f"report {report.id} ({report.status}): {report.pdf_path}")
        typer.echo(f"html: {report.html_path}")
        typer.echo(f"narrative: {checks.get('verified')} of {checks.get('numbers')} numbers found in the tables")
        for miss in checks.get("unverified", []):
            typer.secho(f"  not in the tables: {miss['text']} ({miss['context']})", fg=typer.colors.RED)
        typer.echo(report.narrative)
    if summary["status"] == "held":
        raise typer.Exit(1)


@app.command("list")
def list_reports(ctx: typer.Context, limit: int = typer.Option(20)) -> None:
    """Recent reports."""
    with context.get(ctx).session() as session:
        for report in report_service.list_reports(session, system_principal(), limit=limit):
            typer.echo(
                f"{report.id:>4} {report.kind} {report.period_start:%Y-%m-%d} {report.status:<9} {report.pdf_path}"
            )
