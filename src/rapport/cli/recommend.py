"""`rapport recommend fit` / `show CUSTOMER_ID`: fit the recommender now; a customer's recommendations and offer."""

from __future__ import annotations

import typer

from rapport.cli import context
from rapport.marketing import offers as offer_service
from rapport.marketing import recommend as recommend_service
from rapport.privacy.access import system_principal

app = typer.Typer(help="Product recommendations and next best offers.", no_args_is_help=True)


@app.command("fit")
def fit(
    ctx: typer.Context,
    algorithm: str | None = typer.Option(
        None, help="als, item_knn or popularity (default: als with 200+ buyers, item_knn below)."
    ),
) -> None:
    """Fit the recommender on every purchase and store it under the data directory (what the nightly job does)."""
    cli = context.get(ctx)
    if algorithm is not None and algorithm not in ("als", "item_knn", "popularity"):
        typer.secho(f"unknown algorithm '{algorithm}': use als, item_knn or popularity", err=True, fg="red")
        raise typer.Exit(2)
    with cli.session() as session:
        report = recommend_service.fit(session, cli.settings.data_dir, algorithm=algorithm)
    typer.echo(
        f"fitted {report.model} on {report.purchases:,} purchases ({report.customers:,} customers, "
        f"{report.products:,} products) in {report.seconds:.1f}s → {report.path}"
    )


@app.command("show")
def show(
    ctx: typer.Context,
    customer_id: int = typer.Argument(..., help="The customer's id."),
    n: int = typer.Option(10, min=1, max=100, help="How many products."),
) -> None:
    """A customer's recommendations with their reasons, and the next best offer (or why there is none)."""
    cli = context.get(ctx)
    principal = system_principal("cli")
    with cli.session() as session:
        found = recommend_service.recommendations_read(
            session, customer_id, n=n, principal=principal, data_dir=cli.settings.data_dir
        )
        decision = offer_service.decide(session, customer_id, principal=principal, data_dir=cli.settings.data_dir)
    typer.echo(f"customer {customer_id}: model {found.model or 'none yet (run `rapport recommend fit`)'}")
    for i, item in enumerate(found.items, start=1):
        typer.echo(f"{i:2d}. {item.name} [{item.sku}] {item.price} {item.currency} ({item.source}) {item.reason}")
    if decision.offer is None:
        typer.echo(f"next best offer: none. {decision.why_none}")
        return
    offer = decision.offer
    typer.echo(
        f"next best offer: {offer.kind}, {offer.product.name} at {offer.offer_price} {offer.product.currency} "
        f"({offer.discount_pct}% off {offer.price}) by {offer.channel}, until {offer.valid_until:%Y-%m-%d}"
    )
    for reason in offer.reasons:
        typer.echo(f"  - {reason}")
