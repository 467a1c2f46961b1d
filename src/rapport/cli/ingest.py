"""`rapport import`, `rapport export`, `rapport imports …`, `rapport duplicates …`: data in, out, deduplicated."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

import typer
import yaml
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table

from rapport.cli import context
from rapport.errors import Invalid
from rapport.ingest import duplicates, pipeline, quarantine
from rapport.ingest import export as exporting
from rapport.ingest import merge as merging
from rapport.ingest import presets as mapping_presets
from rapport.ingest import service as import_service
from rapport.ingest.fields import ENTITIES
from rapport.ingest.models import ImportBatch
from rapport.privacy.access import system_principal
from rapport.store.listing import ListQuery

app = typer.Typer()
imports_app = typer.Typer(
    help="Import batches: list, report, run again, cancel, quarantine and fixes.", no_args_is_help=True
)
app.add_typer(imports_app, name="imports")
console = Console(stderr=True)


def _load_mapping(path: Path) -> dict[str, str | None]:
    """A mapping file: YAML or JSON, `{file column: field}` (or `{"mapping": {...}}`); null ignores a column."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and isinstance(data.get("mapping"), dict):
        data = data["mapping"]
    if not isinstance(data, dict):
        raise Invalid(f"{path} must hold a mapping of file columns to fields")
    return {str(k): (None if v in (None, "") else str(v)) for k, v in data.items()}


@app.command("import")
def import_file(
    ctx: typer.Context,
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV, TSV, XLSX, JSON or JSONL file."),
    entity: str = typer.Option(..., "--entity", "-e", help=f"What the rows are: {', '.join(ENTITIES)}."),
    source: str = typer.Option(
        "file", help="The system the file came from (hubspot, salesforce, shop…): ids are per system."
    ),
    mapping: Path | None = typer.Option(None, exists=True, help="YAML/JSON file of {column: field}."),
    preset: str | None = typer.Option(None, help="A saved or built-in mapping preset (see `rapport imports presets`)."),
    region: str | None = typer.Option(None, help="Country for phone numbers written without +code (US, CN…)."),
    currency: str | None = typer.Option(None, help="Currency of amounts without a symbol (default USD)."),
    timezone: str | None = typer.Option(None, help="Time zone of times without one (default UTC), e.g. Asia/Shanghai."),
    dayfirst: bool = typer.Option(False, help="Read 03/04/2021 as 3 April."),
    create_missing: bool = typer.Option(
        True, help="Let orders, messages and tickets create the customers and products they name."
    ),
    chunk_size: int = typer.Option(2000, help="Rows per transaction (1–5000)."),
    workers: int | None = typer.Option(
        None, help="1: clean rows in a second process; 0: in this one (default: by file size)."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show the mapping and the first rows as cleaned; write nothing."
    ),
    save_preset: str | None = typer.Option(None, help="Save the mapping used under this name."),
) -> None:
    """Import a file; re-running the same file continues an interrupted import, and changes nothing once complete."""
    cli = context.get(ctx)
    principal = system_principal()
    options: dict[str, Any] = {"dayfirst": dayfirst, "create_missing": create_missing}
    options.update({k: v for k, v in {"region": region, "currency": currency, "timezone": timezone}.items() if v})
    with cli.session() as session:
        batch = import_service.create(
            session,
            principal,
            entity=entity,
            path=file,
            source=source,
            mapping=_load_mapping(mapping) if mapping else None,
            preset=preset,
            options=options,
            chunk_size=chunk_size,
            resume=not dry_run,
        )
        _show_mapping(session, batch)
        if save_preset:
            mapping_presets.save_preset(
                session,
                principal,
                name=save_preset,
                entity=entity,
                mapping=batch.mapping,
                source=source,
                options=options,
            )
        if dry_run:
            _show_preview(import_service.preview(session, principal, batch.id, limit=10))
            session.rollback()
            return
        import_service.queue(session, principal, batch.id)
        batch_id, resumed_from = batch.id, batch.last_committed_row
    if resumed_from:
        console.print(f"resuming import {batch_id} after row {resumed_from:,}")
    snapshot = _run_with_bar(cli.engine, batch_id, workers)
    _show_report(cli, batch_id)
    console.print(f"{snapshot.rows_per_s:,.0f} rows/s")


def _run_with_bar(engine: Any, batch_id: int, workers: int | None) -> pipeline.Snapshot:
    with Progress(
        TextColumn("importing"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rows]:,} rows"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("import", total=1.0, rows=0)

        def show(snapshot: pipeline.Snapshot) -> None:
            bar.update(task, completed=snapshot.progress, rows=snapshot.counts.read)

        return pipeline.run_import(engine, batch_id, on_progress=show, workers=workers)


def _show_mapping(session: Any, batch: ImportBatch) -> None:
    table = Table(
        "column",
        "field",
        "why",
        title=f"{batch.filename}: {batch.format}, {batch.encoding or ''} {batch.delimiter or ''}".strip(),
    )
    for suggestion in import_service.suggestions(session, batch):
        chosen = batch.mapping.get(suggestion.column)
        table.add_row(
            suggestion.column, chosen or "[dim]ignored[/]", suggestion.reason if chosen == suggestion.field else "given"
        )
    console.print(table)


def _show_preview(rows: list[import_service.PreviewRow]) -> None:
    for row in rows:
        status = "[green]ok[/]" if not row.errors else "[red]" + "; ".join(e["message"] for e in row.errors) + "[/]"
        console.print(f"row {row.number} (line {row.line}): {status}")
        console.print(f"  {json.dumps(row.values, ensure_ascii=False)[:300]}")


def _show_report(cli: Any, batch_id: int) -> None:
    with cli.session() as session:
        batch = import_service.batches.get(session, system_principal(), batch_id)
        report = import_service.report(session, batch)
    table = Table(
        "rows read", "inserted", "updated", "unchanged", "quarantined", title=f"import {batch_id}: {batch.status}"
    )
    table.add_row(*(f"{report[k]:,}" for k in ("rows_read", "inserted", "updated", "unchanged", "quarantined")))
    console.print(table)
    for reason, count in list(report["errors"].items())[:10]:
        console.print(f"  [red]{count:,}[/] {reason}")
    for warning, count in report["warnings"].items():
        console.print(f"  [yellow]{count:,}[/] {warning}")
    if report["quarantined"]:
        console.print(f"see them: rapport imports quarantine {batch_id} --out rows.csv")
        console.print(f"fix them in the file, then: rapport imports fix {batch_id} rows.csv")


@app.command("export")
def export_entity(
    ctx: typer.Context,
    entity: str = typer.Argument(
        ..., help="customers, companies, products, orders, deals, interactions, tickets or tasks."
    ),
    fmt: str = typer.Option("csv", "--format", "-f", help="csv, jsonl or xlsx."),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="File to write (default: standard output; not for xlsx)."
    ),
    filters: list[str] = typer.Option([], "--filter", help="field=value (repeatable), as in the API's list filters."),
    q: str | None = typer.Option(None, help="Text search, as in the API's `q`."),
    redact: bool = typer.Option(False, "--redact", help="Mask personal data in free-text fields (notes, bodies)."),
) -> None:
    """Export an entity (optionally filtered) as the system; use the API to export as a person, with their masking."""
    parsed = {}
    for item in filters:
        name, sep, value = item.partition("=")
        if not sep:
            raise Invalid(f"--filter takes field=value, got {item!r}")
        parsed[name.strip()] = value.strip()
    if fmt == "xlsx" and out is None:
        raise Invalid("an xlsx export needs --out FILE")
    with context.get(ctx).session() as session:
        if out is None:
            count = exporting.export(
                session, system_principal(), entity, fmt, sys.stdout.buffer, filters=parsed, q=q, redact=redact
            )
        else:
            with out.open("wb") as fh:
                count = exporting.export(
                    session, system_principal(), entity, fmt, fh, filters=parsed, q=q, redact=redact
                )
    console.print(f"exported {count:,} {entity}" + (f" to {out}" if out else ""))


@imports_app.command("list")
def list_imports(ctx: typer.Context, limit: int = typer.Option(20, help="How many, newest first.")) -> None:
    """The latest import batches."""
    with context.get(ctx).session() as session:
        page = import_service.batches.list(session, system_principal(), ListQuery(limit=limit, sort="-id"))
        table = Table("id", "entity", "source", "file", "status", "read", "quarantined", "created")
        for b in page.items:
            table.add_row(
                str(b.id),
                b.entity,
                b.source,
                b.filename,
                b.status,
                f"{b.rows_read:,}",
                f"{b.rows_quarantined:,}",
                f"{b.created_at:%Y-%m-%d %H:%M}",
            )
    Console().print(table)


@imports_app.command("show")
def show(ctx: typer.Context, batch_id: int = typer.Argument(..., help="Import id.")) -> None:
    """An import's report: counts, speed, commonest errors and warnings."""
    _show_report(context.get(ctx), batch_id)


@imports_app.command("run")
def run(
    ctx: typer.Context,
    batch_id: int = typer.Argument(..., help="Import id."),
    workers: int | None = typer.Option(None, help="1: clean rows in a second process; 0: in this one."),
) -> None:
    """Run (or continue) an import, e.g. one queued through the API or left failed or cancelled."""
    cli = context.get(ctx)
    with cli.session() as session:
        import_service.queue(session, system_principal(), batch_id)
    _run_with_bar(cli.engine, batch_id, workers)
    _show_report(cli, batch_id)


@imports_app.command("cancel")
def cancel(ctx: typer.Context, batch_id: int = typer.Argument(..., help="Import id.")) -> None:
    """Stop an import after its current chunk; `rapport imports run` continues it."""
    with context.get(ctx).session() as session:
        batch = import_service.cancel(session, system_principal(), batch_id)
        typer.echo(f"import {batch_id}: {batch.status}")


@imports_app.command("quarantine")
def quarantined(
    ctx: typer.Context,
    batch_id: int = typer.Argument(..., help="Import id."),
    out: Path | None = typer.Option(
        None, help="Write the open rows as CSV to edit: `_row_id`, `_errors`, the file's columns."
    ),
) -> None:
    """The rows an import could not take, with their reasons."""
    with context.get(ctx).session() as session:
        batch = import_service.batches.get(session, system_principal(), batch_id)
        rows = quarantine.list_rows(
            session, system_principal(), batch_id, ListQuery(limit=1000, filters={"status": "open"})
        ).items
        if out is not None:
            with out.open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(["_row_id", "_errors", *batch.headers])
                for row in rows:
                    values = {**row.raw, **row.fixed}
                    errors = "; ".join(f"{e['field']}: {e['message']}" for e in row.errors)
                    writer.writerow([row.id, errors, *(values.get(h, "") for h in batch.headers)])
            console.print(f"wrote {len(rows):,} rows to {out}")
            return
        for row in rows:
            typer.echo(
                f"#{row.id} row {row.row_number} (line {row.line}): "
                + "; ".join(f"{e['field']}: {e['message']}" for e in row.errors)
            )


@imports_app.command("fix")
def fix(
    ctx: typer.Context,
    batch_id: int = typer.Argument(..., help="Import id."),
    file: Path = typer.Argument(..., exists=True, help="The CSV from `rapport imports quarantine --out`, edited."),
) -> None:
    """Re-import corrected quarantined rows; rows still wrong stay in quarantine with their new reasons."""
    principal = system_principal()
    with context.get(ctx).session() as session, file.open(encoding="utf-8-sig", newline="") as fh:
        ids = []
        for line in csv.DictReader(fh):
            row_id = int(line.pop("_row_id"))
            line.pop("_errors", None)
            quarantine.fix(session, principal, row_id, line)
            ids.append(row_id)
        result = quarantine.reimport(session, principal, batch_id, ids)
    typer.echo(", ".join(f"{k}: {v:,}" for k, v in result.items()))


@imports_app.command("presets")
def list_presets(
    ctx: typer.Context, entity: str | None = typer.Option(None, help="Only presets for this entity.")
) -> None:
    """Built-in and saved column mappings."""
    with context.get(ctx).session() as session:
        table = Table("name", "entity", "source", "kind", "about")
        for p in mapping_presets.list_presets(session, system_principal(), entity):
            table.add_row(
                p["name"], p["entity"], p["source"] or "", "built-in" if p["is_builtin"] else "saved", p["description"]
            )
    Console().print(table)


duplicates_app = typer.Typer(help="Duplicate customers: scan, review, merge and unmerge.", no_args_is_help=True)
app.add_typer(duplicates_app, name="duplicates")


@duplicates_app.command("scan")
def scan_duplicates(
    ctx: typer.Context,
    min_score: float = typer.Option(0.5, min=0, max=1, help="Keep pairs scoring at least this (0.75: likely)."),
) -> None:
    """Find likely duplicate customers and put them in the review queue."""
    with context.get(ctx).session() as session:
        result = duplicates.scan(session, system_principal(), min_score=min_score)
    typer.echo(f"{result.customers:,} customers, {result.pairs:,} pairs ({result.new:,} new)")


@duplicates_app.command("list")
def list_duplicates(
    ctx: typer.Context,
    status: str = typer.Option("open", help="open, merged or rejected."),
    limit: int = typer.Option(50, help="How many, best first."),
) -> None:
    """The review queue: pairs with their score and reasons."""
    with context.get(ctx).session() as session:
        pairs, _ = duplicates.list_pairs(
            session, system_principal(), ListQuery(limit=limit, filters={"status": status})
        )
        table = Table("pair", "score", "customer a", "customer b", "reasons")
        for p in pairs:
            table.add_row(
                str(p.candidate.id),
                f"{p.candidate.score:.2f}",
                f"{p.a.id} {p.a.full_name} {p.a.email or ''}",
                f"{p.b.id} {p.b.full_name} {p.b.email or ''}",
                "; ".join(p.candidate.reasons),
            )
    Console().print(table)


@duplicates_app.command("merge")
def merge_customers(
    ctx: typer.Context,
    keep: int = typer.Argument(..., help="The customer that stays."),
    drop: int = typer.Argument(..., help="The customer folded into it (soft-deleted, restorable by unmerge)."),
) -> None:
    """Merge two customers with the default survivorship rules."""
    with context.get(ctx).session() as session:
        record = merging.merge(session, system_principal(), keep_id=keep, drop_id=drop)
        moved = ", ".join(f"{len(ids)} {table}" for table, ids in record.moved.items() if ids) or "nothing"
        typer.echo(f"merge {record.id}: customer {drop} into {keep}; moved {moved}")


@duplicates_app.command("reject")
def reject_pair(
    ctx: typer.Context, pair: int = typer.Argument(..., help="Pair id from `rapport duplicates list`.")
) -> None:
    """Not the same person: the pair leaves the queue for good."""
    with context.get(ctx).session() as session:
        duplicates.reject(session, system_principal(), pair)
    typer.echo(f"pair {pair} rejected")


@duplicates_app.command("unmerge")
def unmerge(ctx: typer.Context, merge_id: int = typer.Argument(..., help="Merge id.")) -> None:
    """Undo a merge: both customers restored, their orders, tickets and the rest moved back."""
    with context.get(ctx).session() as session:
        record = merging.unmerge(session, system_principal(), merge_id)
        typer.echo(f"merge {merge_id} undone: customers {record.kept_id} and {record.dropped_id} restored")
