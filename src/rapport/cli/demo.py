"""`rapport demo`: initialise, fill with the demo company (once), print how to log in, and serve."""

from __future__ import annotations

import time

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import func, select

from rapport.accounts import service as account_service
from rapport.cli import context
from rapport.cli.db import init
from rapport.customers.models import Customer


def demo(
    ctx: typer.Context,
    customers: int = typer.Option(5000, min=1, help="How many customers to generate (1000000 for benchmarks)."),
    seed: int = typer.Option(7, help="Random seed: the same seed gives the same company."),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Start the server when the data is ready."),
    host: str = typer.Option(None, help="Interface to listen on."),
    port: int = typer.Option(None, help="Port to listen on."),
) -> None:
    """Set up the demo company (only if the database has no customers yet) and start Rapport."""
    from rapport.demo import generator  # the demo's phrase tables load only when asked for

    console = Console()
    cli = context.get(ctx)
    started = time.perf_counter()
    init(ctx)
    with cli.session() as session:
        has_data = session.scalar(select(func.count(Customer.id))) or 0
    if has_data:
        console.print(f"[green]demo data already present[/] ({has_data:,} customers); skipping generation")
    else:
        with Progress(
            TextColumn("generating {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("customers", total=customers)
            summary = generator.generate(
                cli.engine,
                customers=customers,
                seed=seed,
                progress=lambda _what, done, _total: bar.update(task, completed=done),
            )
        counts = Table("table", "rows", title="Demo company")
        for name, count in sorted(summary.counts.items()):
            counts.add_row(name, f"{count:,}")
        console.print(counts)
        _queue_analysis(cli)
        console.print("queued demo.analyse: analytics, then feedback topics and recommendations, in the background")
    with cli.session() as session:
        admin = account_service.get_by_email(session, f"admin@{generator.STAFF_DOMAIN}")
        token: str = account_service.issue_token(session, admin, kind="api", name="demo").secret  # type: ignore[attr-defined]
    settings = cli.settings
    url = f"http://{host or settings.api.host}:{port or settings.api.port}"
    logins = Table("email", "role", title=f"Logins (password for all: {generator.DEMO_PASSWORD})")
    for local, _name, role, _lang, _skills in generator.STAFF:
        logins.add_row(f"{local}@{generator.STAFF_DOMAIN}", str(role))
    console.print(logins)
    console.print(f"ready in {time.perf_counter() - started:.1f} s")
    console.print(f"[bold]Web:[/] {url}/app   [bold]API docs:[/] {url}/docs")
    console.print(f"[bold]Log in:[/] admin@{generator.STAFF_DOMAIN} / {generator.DEMO_PASSWORD}")
    console.print(f"[bold]API token (admin):[/] {token}", soft_wrap=True)
    console.print(f'  curl -H "Authorization: Bearer {token}" "{url}/api/customers?limit=5"', soft_wrap=True)
    if serve:
        from rapport.cli.serve import serve as run_server

        run_server(ctx, host=host, port=port)


def _queue_analysis(cli: context.CliContext) -> None:
    """The server's workers compute what the nightly jobs would have (pain points need churn risk and value)."""
    from rapport.jobs.queue import Queue
    from rapport.jobs.runtime import JobRuntime

    Queue.for_settings(cli.settings, runtime=JobRuntime(cli.settings, bind=cli.engine)).enqueue("demo.analyse")
