"""`rapport model …`: train text classifiers, evaluate them, manage versions, promote and roll back, predict."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from rapport.ai.classifier import service as classifier_service
from rapport.ai.classifier import training
from rapport.ai.classifier.data import read_examples
from rapport.ai.classifier.schemas import DeploymentUpdate, ExampleIn, PredictRequest, TrainingRequest
from rapport.cli import context
from rapport.labels import flows as label_flows
from rapport.labels import service as label_service
from rapport.labels import tasks as label_tasks
from rapport.privacy.access import system_principal

app = typer.Typer(help="Trained text classifiers: train, evaluate, version, promote, predict.", no_args_is_help=True)


def console() -> Console:
    """Built per command, so the width is the terminal's (or $COLUMNS) when the command runs."""
    return Console()


@app.command("train")
def train(
    ctx: typer.Context,
    task: str = typer.Option(..., help="What to predict: intent, sentiment, language, or any labelled task."),
    entity: str = typer.Option("tickets", help="Train on these CRM records' labels: tickets or interactions."),
    data: Path | None = typer.Option(None, "--data", "--file", help="Train on a CSV/TSV/JSONL/JSON file instead."),
    text_column: str | None = typer.Option(None, help="The file's text column (default: text, utterance, …)."),
    label_column: str | None = typer.Option(None, help="The file's label column (default: label, category, …)."),
    name: str | None = typer.Option(None, help="Model name (default ticket-<task>)."),
    encoder: str = typer.Option("auto", help="auto, minilm (English) or e5-small (multilingual)."),
    epochs: int = typer.Option(4, min=1, max=50),
    batch_size: int = typer.Option(32, min=1, max=512),
    max_length: int = typer.Option(64, min=8, max=512, help="Tokens per text."),
    learning_rate: float = typer.Option(1e-4),
    patience: int = typer.Option(2, min=1, help="Epochs without a better validation score before stopping."),
    validation: float = typer.Option(0.1, help="Share carved out for early stopping and calibration."),
    test: float = typer.Option(0.1, help="Share held out for the report (0: report on validation)."),
    seed: int = typer.Option(13),
    max_examples: int | None = typer.Option(None, help="Train on a stratified sample of at most this many."),
    baseline: bool = typer.Option(True, "--baseline/--no-baseline", help="Also train the frozen-embedding baseline."),
    promote: bool = typer.Option(False, "--promote", help="Promote the new version when it is trained."),
    threads: int | None = typer.Option(None, help="PyTorch threads (default: all cores)."),
) -> None:
    """Fine-tune a classifier (with a progress bar), evaluate it, compress it, and register a new version."""
    cli = context.get(ctx)
    examples = read_examples(data, text_field=text_column, label_field=label_column) if data else None
    body = TrainingRequest(
        task=task,
        entity=entity,
        name=name,
        examples=[ExampleIn(text=e.text, label=e.label) for e in examples] if examples is not None else None,
        encoder=encoder,
        epochs=epochs,
        batch_size=batch_size,
        max_length=max_length,
        learning_rate=learning_rate,
        patience=patience,
        validation_fraction=validation,
        test_fraction=test,
        seed=seed,
        max_examples=max_examples,
        baseline=baseline,
        promote=promote,
    )
    with cli.session() as session:
        run_id = training.request(session, system_principal("cli"), body, data_dir=cli.settings.data_dir).id
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[line]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console()) as bar:
        job = bar.add_task("fine-tuning", total=None, line="")

        def show(done: int, total: int, line: str) -> None:
            bar.update(job, completed=done, total=total, line=line)

        summary = label_tasks.train(cli.engine, cli.settings, run_id=run_id, on_progress=show, threads=threads)
    if summary["status"] != "succeeded":
        typer.secho(f"training run {run_id} failed: {summary['error']}", err=True, fg=typer.colors.RED)
        raise typer.Exit(1)
    with cli.session() as session:
        ref = training.get(session, system_principal("cli"), run_id).version or body.model_name()
        version = classifier_service.get_version(session, system_principal("cli"), ref)
    _print_report(version.ref, version.metrics)
    typer.echo(
        f"registered {version.ref}"
        + (" (promoted)" if version.is_promoted else f"; promote: rapport model promote {version.ref}")
    )


def _print_report(ref: str, report: dict[str, Any]) -> None:
    console().print(f"[bold]{ref}[/bold] on its {report.get('evaluated_on')} split ({report.get('n')} texts)")
    table = Table("", "accuracy", "macro-F1", "messages/s", "latency p50 ms")
    for runtime, figures in (report.get("runtimes") or {}).items():
        served = " (served)" if runtime == report.get("served_runtime") else ""
        table.add_row(
            f"fine-tuned, {runtime}{served}",
            f"{figures['accuracy']:.4f}",
            f"{figures['macro_f1']:.4f}",
            f"{figures['messages_per_s']:.0f}",
            f"{figures['latency_ms_p50']:.1f}",
        )
    baseline = report.get("baseline")
    if baseline:
        table.add_row(
            f"baseline: {baseline['kind']}", f"{baseline['accuracy']:.4f}", f"{baseline['macro_f1']:.4f}", "", ""
        )
    console().print(table)
    calibration = report.get("calibration") or {}
    console().print(
        f"calibration: temperature {calibration.get('temperature')}, ECE {report.get('ece')} "
        f"(validation ECE {calibration.get('ece_before')} → {calibration.get('ece_after')}); "
        f"uncertain below {calibration.get('threshold')}: {report.get('uncertain_share', 0):.1%} of messages, "
        f"accuracy on the rest {report.get('accuracy_when_confident')}"
    )
    training_info = report.get("training") or {}
    if training_info:
        console().print(
            f"training: {training_info.get('seconds')} s on {training_info.get('device')}, best epoch "
            f"{training_info.get('best_epoch')}" + (" (stopped early)" if training_info.get("stopped_early") else "")
        )


def _confusion(report: dict[str, Any]) -> None:
    """The confusion matrix as a table (rows: true label; columns: predicted, by number) when it fits a screen."""
    labels, matrix = report["confusion"]["labels"], report["confusion"]["matrix"]
    if len(labels) > 20:
        return
    table = Table("true \\ predicted", *(str(i) for i in range(len(labels))), title="confusion matrix")
    for i, (label, row) in enumerate(zip(labels, matrix, strict=True)):
        table.add_row(f"{i} {label}", *(str(n) if n else "·" for n in row))
    console().print(table)


def _per_class(report: dict[str, Any]) -> None:
    table = Table("label", "precision", "recall", "F1", "support")
    for row in report.get("per_class", []):
        table.add_row(
            row["label"], f"{row['precision']:.3f}", f"{row['recall']:.3f}", f"{row['f1']:.3f}", str(row["support"])
        )
    console().print(table)


@app.command("list")
def list_versions(ctx: typer.Context, name: str | None = typer.Argument(None, help="Only this model.")) -> None:
    """Every version: accuracy, macro-F1, the baseline's accuracy, runtime, data hash, and which one is promoted."""
    with context.get(ctx).session() as session:
        found = classifier_service.list_versions(session, system_principal("cli"), name)
    table = Table()
    table.add_column("model", no_wrap=True)  # the reference people copy; the other columns give way first
    for title in ("task", "encoder", "runtime", "accuracy", "macro-F1", "baseline", "data", "created", "live"):
        table.add_column(title)
    for v in found:
        table.add_row(
            v.ref,
            v.task,
            v.encoder,
            v.runtime,
            _num(v.accuracy),
            _num(v.macro_f1),
            _num(v.baseline_accuracy),
            v.data_hash[:12],
            f"{v.created_at:%Y-%m-%d %H:%M}",
            "promoted" if v.is_promoted else "",
        )
    console().print(table)


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


@app.command("show")
def show(
    ctx: typer.Context, model: str = typer.Argument(..., help="name@version, or a name (its promoted one).")
) -> None:
    """A version's evaluation report: overall and per-class scores, runtimes, calibration, the baseline."""
    with context.get(ctx).session() as session:
        version = classifier_service.get_version(session, system_principal("cli"), model)
        folder = classifier_service.confusion_image(
            session, system_principal("cli"), version.ref, context.get(ctx).settings.data_dir
        )
    _print_report(version.ref, version.metrics)
    _per_class(version.metrics)
    _confusion(version.metrics)
    typer.echo(f"confusion matrix image: {folder}")


@app.command("eval")
def evaluate(
    ctx: typer.Context,
    model: str = typer.Argument(..., help="name@version, or a name (its promoted one)."),
    data: Path = typer.Option(..., "--data", help="CSV/TSV/JSONL/JSON file with text and label columns."),
    text_column: str | None = typer.Option(None),
    label_column: str | None = typer.Option(None),
    runtime: str | None = typer.Option(None, help="onnx-int8 or torch (default: the one the version serves)."),
    out: Path | None = typer.Option(None, help="Write report.json and confusion.png into this folder."),
) -> None:
    """Evaluate a version on a labelled file: accuracy, macro-F1, per-class scores, confusion matrix, ECE, speed."""
    cli = context.get(ctx)
    examples = read_examples(data, text_field=text_column, label_field=label_column)
    with cli.session() as session:
        report = classifier_service.evaluate(
            session,
            system_principal("cli"),
            model,
            examples,
            data_dir=cli.settings.data_dir,
            runtime=runtime,
            image=out / "confusion.png" if out else None,
        )
    console().print(
        f"[bold]{report['model']}[/bold] ({report['runtime']}) on {data.name}: {report['n']} texts, accuracy "
        f"{report['accuracy']:.4f}, macro-F1 {report['macro_f1']:.4f}, ECE {report['ece']:.4f}, "
        f"{report.get('messages_per_s', 0):.0f} messages/s, uncertain {report['uncertain_share']:.1%}"
        + (f"; {report['unknown_labels']} rows had labels the model does not know" if report["unknown_labels"] else "")
    )
    _per_class(report)
    _confusion(report)
    if out:
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
        typer.echo(f"wrote {out / 'report.json'} and {out / 'confusion.png'}")


@app.command("promote")
def promote(ctx: typer.Context, model: str = typer.Argument(..., help="name@version")) -> None:
    """Serve this version; running apps switch on their next scoring call."""
    with context.get(ctx).session() as session:
        deployment = classifier_service.promote(session, system_principal("cli"), model)
    typer.echo(f"{deployment.name} now serves {deployment.version}")


@app.command("rollback")
def rollback(ctx: typer.Context, name: str = typer.Argument(...)) -> None:
    """Serve the version that was live before the current one was promoted."""
    with context.get(ctx).session() as session:
        deployment = classifier_service.rollback(session, system_principal("cli"), name)
    typer.echo(f"{deployment.name} rolled back to {deployment.version}")


@app.command("config")
def configure(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    threshold: float | None = typer.Option(None, min=0.0, max=1.0, help="Uncertain below this confidence."),
    clear_threshold: bool = typer.Option(False, "--clear-threshold", help="Use the version's own threshold."),
    llm_fallback: bool | None = typer.Option(
        None, "--llm-fallback/--no-llm-fallback", help="LLM decides uncertain ones."
    ),
) -> None:
    """Set a deployed model's uncertainty threshold and LLM fallback; with no option, show them."""
    update = DeploymentUpdate(threshold=threshold, clear_threshold=clear_threshold, use_llm_fallback=llm_fallback)
    with context.get(ctx).session() as session:
        deployment = classifier_service.configure(session, system_principal("cli"), name, update)
    typer.echo(
        f"{deployment.name}: serves {deployment.version}, threshold {deployment.threshold:.4f}"
        f"{' (set)' if deployment.threshold_override is not None else ' (the version' + chr(39) + 's own)'}, "
        f"LLM fallback {'on' if deployment.use_llm_fallback else 'off'}"
    )


@app.command("predict")
def predict(
    ctx: typer.Context,
    model: str = typer.Argument(..., help="A name (its promoted version) or name@version."),
    texts: list[str] = typer.Argument(..., help="One or more texts."),
    explain: bool = typer.Option(True, "--explain/--no-explain"),
) -> None:
    """Predict labels with confidence and the words that drove each one."""
    cli = context.get(ctx)
    name, _, number = model.partition("@")
    body = PredictRequest(texts=texts, explain=explain, version=int(number) if number else None)
    with cli.session() as session:
        result = classifier_service.predict(
            session, system_principal("cli"), name, body, data_dir=cli.settings.data_dir
        )
    typer.echo(f"{result.model} ({result.runtime}), uncertain below {result.threshold:.3f}")
    for text, prediction in zip(texts, result.predictions, strict=True):
        label = prediction.label or "uncertain"
        words = ", ".join(f"{e.text} ({e.weight:+.2f})" for e in prediction.explanation)
        others = ", ".join(f"{c.label} {c.probability:.2f}" for c in prediction.top)
        typer.echo(
            f"{label}\t{prediction.confidence:.3f}\t{text}\n  top: {others}"
            + (f"\n  because: {words}" if words else "")
        )


@app.command("runs")
def runs(ctx: typer.Context, limit: int = typer.Option(20, min=1, max=200)) -> None:
    """Recent training runs with their status, progress and result."""
    with context.get(ctx).session() as session:
        found = training.listing(session, system_principal("cli"), limit=limit)
    table = Table("run", "model", "status", "stage", "progress", "requested", "result")
    for run in found:
        table.add_row(
            str(run.id),
            run.name,
            run.status,
            run.stage,
            f"{run.progress:.0%}",
            f"{run.requested_at:%Y-%m-%d %H:%M}",
            run.version or (run.error or "")[:60],
        )
    console().print(table)


@app.command("import-labels")
def import_labels(
    ctx: typer.Context, path: Path = typer.Argument(..., help="CSV with entity,entity_id,task,label.")
) -> None:
    """Import labels (source "import"): each sets its record's column and becomes training data."""
    with path.open(encoding="utf-8-sig", newline="") as handle, context.get(ctx).session() as session:
        count = label_service.import_labels(session, system_principal("cli"), csv.DictReader(handle))
    typer.echo(f"imported {count} labels")


@app.command("score-ticket")
def score_ticket(ctx: typer.Context, ticket_id: int = typer.Argument(...)) -> None:
    """Score one ticket with every promoted ticket model, as the triage job does."""
    cli = context.get(ctx)
    with cli.session() as session:
        scores = label_flows.score_ticket(session, ticket_id, settings=cli.settings)
    if not scores:
        typer.echo("no promoted ticket models")
    for score in scores:
        p = score.prediction
        words = ", ".join(e.text for e in p.explanation)
        typer.echo(
            f"{score.model}: {p.label or 'uncertain'} ({p.confidence:.3f}, {p.decided_by})"
            f"{' written to the ticket' if score.applied else ''}; because: {words}"
        )


@app.command("delete")
def delete(ctx: typer.Context, model: str = typer.Argument(..., help="name@version (not the promoted one).")) -> None:
    """Remove a version and its files."""
    cli = context.get(ctx)
    with cli.session() as session:
        classifier_service.delete_version(session, system_principal("cli"), model, cli.settings.data_dir)
    typer.echo(f"deleted {model}")
