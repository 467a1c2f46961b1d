"""`rapport analytics run`: compute features, segments, lifetime value, churn risk, interests and summaries now."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from rapport.analytics import service as analytics_service
from rapport.cli import context

app = typer.Typer(help="Customer analytics: segments, lifetime value, churn risk, cohorts.", no_args_is_help=True)


@app.command("run")
def run(
    ctx: typer.Context,
    as_of: datetime | None = typer.Option(None, help="Compute as of this UTC date or time (default: now)."),
    churn_days: int | None = typer.Option(None, help="Days without a purchase that count as churn (default 180)."),
    horizon_days: int | None = typer.Option(None, help="Days ahead for lifetime value (default 365)."),
    retrain: bool | None = typer.Option(
        None, "--retrain/--no-retrain", help="Train a new churn model (default: when the active one is a week old)."
    ),
) -> None:
    """Run analytics over every customer and store the results (what the nightly job does)."""
    cli = context.get(ctx)
    when = as_of.replace(tzinfo=UTC) if as_of is not None and as_of.tzinfo is None else as_of
    result = analytics_service.run_analytics(
        cli.engine,
        cli.settings,
        when,
        retrain=retrain,
        churn_days=churn_days,
        horizon_days=horizon_days,
        via="cli",
    )
    if result.status != "succeeded":
        typer.secho(f"analytics run {result.id} failed: {result.error}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1)
    metrics = result.metrics
    typer.echo(
        f"analytics run {result.id} as of {result.as_of:%Y-%m-%d %H:%M} UTC: {metrics.get('insights', 0):,} customers, "
        f"{metrics.get('buyers', 0):,} with purchases"
    )
    segments = ", ".join(f"{k} {v}" for k, v in (metrics.get("rfm_segments") or {}).items())
    typer.echo(f"RFM segments: {segments}")
    if metrics.get("learned_k"):
        typer.echo(f"learned segments: k={metrics['learned_k']}")
    churn = metrics.get("churn_model_metrics") or {}
    typer.echo(
        f"churn: {metrics.get('churn_method')} {metrics.get('churn_model') or ''}"
        + (f" (out-of-fold ROC-AUC {churn['roc_auc']:.3f}, ECE {churn['ece']:.3f})" if "roc_auc" in churn else "")
    )
    timings = metrics.get("timings_s") or {}
    typer.echo("timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()))
    for note in metrics.get("notes") or []:
        typer.echo(f"note: {note}")
