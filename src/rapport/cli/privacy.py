"""`rapport privacy …`: pseudonymised exports, differentially private queries and their epsilon budget, and a
person's export and erasure (data-subject rights)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from rapport.cli import context
from rapport.privacy import audit, crypto, dp, pseudonyms, rotation, subjects
from rapport.privacy.access import system_principal

app = typer.Typer(help="Privacy-preserving exports and aggregates.", no_args_is_help=True)


@app.command("export-pseudonymised")
def export_pseudonymised(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="CSV file to write")],
    k: Annotated[int | None, typer.Option("--k", help="smallest class size (default: privacy.k_anonymity)")] = None,
) -> None:
    """Customers with keyed pseudonyms and order aggregates, k-anonymous; prints what was generalised or suppressed."""
    cli = context.get(ctx)
    key = pseudonyms.key_from(cli.settings.privacy.pseudonym_key, cli.settings.data_dir)
    with cli.session() as session:
        _, report = pseudonyms.export_pseudonymised(
            session, system_principal(), key=key, k=k or cli.settings.privacy.k_anonymity, out=out
        )
    typer.echo(f"wrote {report.rows_out} rows to {out}")
    typer.echo(json.dumps(report.as_dict(), indent=2))


@app.command("dp-query")
def dp_query(
    ctx: typer.Context,
    statistic: Annotated[str, typer.Argument(help="count, sum or mean")],
    group_by: Annotated[str, typer.Option("--by", help="region or segment")] = "region",
    epsilon: Annotated[float, typer.Option("--epsilon")] = 1.0,
    measure: Annotated[str | None, typer.Option("--measure", help="spend or orders (sum, mean)")] = None,
    lower: Annotated[float | None, typer.Option("--lower", help="clamping bound (sum, mean)")] = None,
    upper: Annotated[float | None, typer.Option("--upper", help="clamping bound (sum, mean)")] = None,
    dataset: Annotated[str, typer.Option("--dataset")] = "customers",
) -> None:
    """A noisy aggregate by group, charged to the dataset's epsilon budget."""
    cli = context.get(ctx)
    bounds = (lower, upper) if lower is not None and upper is not None else None
    with cli.session() as session:
        answer = dp.query(
            session,
            system_principal(),
            statistic=statistic,  # type: ignore[arg-type]
            group_by=group_by,  # type: ignore[arg-type]
            epsilon=epsilon,
            measure=measure,
            bounds=bounds,
            dataset=dataset,
            default_total=cli.settings.privacy.epsilon_budget,
        )
    for label, value in answer.groups.items():
        typer.echo(f"{label:<16} {value:>14.2f}")
    typer.echo(f"epsilon {answer.epsilon:g} spent; {answer.epsilon_left:.4g} left of the {dataset!r} budget")


@app.command("budget")
def budget(
    ctx: typer.Context,
    dataset: Annotated[str, typer.Argument()] = "customers",
    total: Annotated[float | None, typer.Option("--total", help="set the total epsilon")] = None,
    reset: Annotated[bool, typer.Option("--reset", help="forget what was spent")] = False,
) -> None:
    """Show a dataset's epsilon budget, or set it."""
    cli = context.get(ctx)
    with cli.session() as session:
        if total is not None or reset:
            current = dp.budget(session, dataset, default_total=cli.settings.privacy.epsilon_budget)
            row = dp.set_budget(session, system_principal(), dataset, total=total or current.epsilon_total, reset=reset)
        else:
            row = dp.budget(session, dataset, default_total=cli.settings.privacy.epsilon_budget)
        typer.echo(f"{row.dataset}: spent {row.epsilon_spent:.4g} of {row.epsilon_total:g}")


@app.command("export")
def export_subject(
    ctx: typer.Context,
    customer_id: Annotated[int, typer.Argument(help="the customer's id")],
    out: Annotated[Path | None, typer.Option("--out", help="JSON file to write (default: print)")] = None,
) -> None:
    """Everything Rapport holds about one person as one JSON document (audited)."""
    cli = context.get(ctx)
    with cli.session() as session:
        document = subjects.export_subject(session, system_principal(), customer_id)
    text = json.dumps(document, indent=2, ensure_ascii=False)
    if out is None:
        typer.echo(text)
        return
    out.write_text(text + "\n", encoding="utf-8")
    typer.echo(f"wrote customer {customer_id} to {out}")


@app.command("erase")
def erase_subject(
    ctx: typer.Context,
    customer_id: Annotated[int, typer.Argument(help="the customer's id")],
    yes: Annotated[bool, typer.Option("--yes", help="confirm: this cannot be undone")] = False,
) -> None:
    """Erase a person's personal data; their orders stay, anonymised. Idempotent and audited."""
    if not yes:
        raise typer.BadParameter("erasing cannot be undone; add --yes to confirm", param_hint="--yes")
    cli = context.get(ctx)
    with cli.session() as session:
        erasure = subjects.erase_subject(session, system_principal(), customer_id)
    if not erasure.already_erased:
        subjects.checkpoint(cli.engine)
    typer.echo(json.dumps(erasure.as_dict(), indent=2))


@app.command("rotate-keys")
def rotate_keys(
    ctx: typer.Context,
    retire: Annotated[bool, typer.Option("--retire", help="forget the old keys once no value uses them")] = False,
    batch: Annotated[int, typer.Option("--batch", min=1, max=10_000, help="rows per transaction")] = 500,
) -> None:
    """A new field-encryption key, then every encrypted value re-encrypted under it while Rapport keeps running."""
    cli = context.get(ctx)
    provider = crypto.use_settings(cli.settings)
    report = rotation.rotate(cli.engine, provider, retire=retire, batch=batch)
    with cli.session() as session:
        audit.record(
            session,
            system_principal(),
            action="rotate_keys",
            entity="privacy",
            detail={k: v for k, v in report.as_dict().items() if k != "old_keys"},
        )
    typer.echo(json.dumps(report.as_dict(), indent=2))


@app.command("key-usage")
def key_usage(ctx: typer.Context) -> None:
    """How many stored values each field key encrypts (and how many are still plain text)."""
    cli = context.get(ctx)
    crypto.use_settings(cli.settings)
    typer.echo(json.dumps(dict(rotation.key_usage(cli.engine)), indent=2))
