"""`rapport init` and `rapport db …`: create and migrate the database."""

from __future__ import annotations

import typer

from rapport.cli import context
from rapport.sales import service as sales_service
from rapport.sales.models import Pipeline
from rapport.store import migrate

app = typer.Typer(help="Database schema: upgrade and inspect migrations.", no_args_is_help=True)

DEFAULT_STAGES = [
    {"name": "Qualification", "probability": 10},
    {"name": "Needs analysis", "probability": 25},
    {"name": "Proposal", "probability": 50},
    {"name": "Negotiation", "probability": 75},
    {"name": "Won", "probability": 100, "is_won": True},
    {"name": "Lost", "probability": 0, "is_lost": True},
]


@app.command("upgrade")
def upgrade(ctx: typer.Context, revision: str = typer.Argument("heads", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    settings = context.get(ctx).settings
    migrate.upgrade(settings.resolved_database_url, revision)
    typer.echo(f"database at revision {migrate.current(settings.resolved_database_url)}")


@app.command("current")
def current(ctx: typer.Context) -> None:
    """Print the database's migration revision."""
    typer.echo(migrate.current(context.get(ctx).settings.resolved_database_url) or "(empty database)")


def init(ctx: typer.Context) -> None:
    """Create the data directory and the database, migrate it, and add the default sales pipeline."""
    cli = context.get(ctx)
    cli.settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(cli.settings.resolved_database_url)
    with cli.session() as session:
        ensure_default_pipeline(session)
    typer.echo(f"initialised {cli.settings.resolved_database_url}")


def ensure_default_pipeline(session: object) -> None:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from rapport.privacy.access import system_principal

    assert isinstance(session, Session)
    if session.scalar(select(Pipeline.id).limit(1)) is None:
        sales_service.create_pipeline(
            session, system_principal(), {"name": "Sales", "is_default": True, "stages": DEFAULT_STAGES}
        )
