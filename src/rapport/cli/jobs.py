"""`rapport worker` and `rapport jobs …`: run the queue's consumer, and look inside the queue."""

from __future__ import annotations

import json
import logging
from typing import Any

import typer

from rapport.cli import context
from rapport.jobs import journal
from rapport.jobs.queue import Queue, wait_for
from rapport.jobs.runtime import JobRuntime
from rapport.jobs.schedule import PERIODIC
from rapport.privacy.access import system_principal

app = typer.Typer(help="The task queue: pending, scheduled and running jobs, results and failures.")


def _queue(ctx: typer.Context, backend: str | None = None, redis_url: str | None = None, **overrides: Any) -> Queue:
    cli = context.get(ctx)
    runtime = JobRuntime(cli.settings, bind=cli.engine)
    return Queue.for_settings(cli.settings, runtime=runtime, backend=backend, redis_url=redis_url, **overrides)


def worker(
    ctx: typer.Context,
    workers: int = typer.Option(None, help="Worker threads or processes (default RAPPORT_QUEUE__WORKERS, 2)."),
    backend: str = typer.Option(None, help="sqlite | redis (default RAPPORT_QUEUE__BACKEND, sqlite)."),
    redis_url: str = typer.Option(None, help="Redis URL for the redis backend."),
    periodic: bool = typer.Option(None, "--periodic/--no-periodic", help="Run the periodic jobs here too."),
    processes: bool = typer.Option(False, "--processes", help="Worker processes instead of threads."),
) -> None:
    """Run jobs until stopped (Ctrl-C finishes running jobs; a second Ctrl-C interrupts them, and they run again)."""
    logging.basicConfig(
        level=context.get(ctx).settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    queue = _queue(ctx, backend, redis_url, worker_type="process" if processes else None)
    if queue.settings.backend == "immediate":
        raise typer.BadParameter("the immediate backend runs jobs in the caller; there is nothing to consume")
    if processes:
        # Forked workers make their own database engine (JobRuntime does, per process).
        queue.runtime = JobRuntime(context.get(ctx).settings)
    where = queue.settings.redis_url if queue.settings.backend == "redis" else "the SQLite queue in data_dir"
    typer.echo(f"worker: {workers or queue.settings.workers} {queue.settings.worker_type}(s) on {where}")
    queue.consumer(workers=workers, periodic=periodic).run()


@app.callback(invoke_without_command=True)
def show(ctx: typer.Context, limit: int = typer.Option(20, help="Rows of each kind.")) -> None:
    """Without a command: what is queued, scheduled and running, and the latest results and failures."""
    if ctx.invoked_subcommand is not None:
        return
    queue = _queue(ctx)
    typer.echo(f"queue: {queue.settings.backend} ({queue.settings.name})")
    for title, jobs in (
        ("running", queue.in_flight()),
        ("pending", queue.pending(limit)),
        ("scheduled", queue.scheduled(limit)),
    ):
        typer.echo(f"\n{title}: {len(jobs)}")
        for job in jobs:
            eta = f" at {job.eta:%Y-%m-%d %H:%M:%S}" if job.eta else ""
            worker_name = f" on {job.worker}" if job.worker else ""
            typer.echo(f"  {job.name} {json.dumps(job.args, default=str)}{eta}{worker_name} [{job.id[:8]}]")
    with context.get(ctx).session() as session:
        runs = journal.recent(session, system_principal(), limit=limit)
        failures = journal.recent(session, system_principal(), status="failed", limit=limit)
        typer.echo("\nrecent runs:")
        for run in runs:
            took = f"{run.duration_s:.2f}s" if run.duration_s is not None else "…"
            result = json.dumps(run.result, default=str)[:100]
            typer.echo(f"  {run.started_at:%Y-%m-%d %H:%M:%S} {run.name} #{run.attempt} {run.status} {took} {result}")
        typer.echo(f"\nfailures: {len(failures)}")
        for run in failures:
            typer.echo(
                f"  {run.started_at:%Y-%m-%d %H:%M:%S} {run.name} {json.dumps(run.args)}: {(run.error or '')[:160]}"
            )


@app.command("schedule")
def schedule() -> None:
    """The periodic jobs and when they run (UTC, cron fields)."""
    for periodic in PERIODIC:
        typer.echo(f"{periodic.when:<16} {periodic.job:<24} {periodic.why}")


@app.command("run")
def run(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The job, e.g. reports.weekly or tickets.triage."),
    arg: list[str] = typer.Option([], "--arg", "-a", help="key=value (JSON values allowed), repeatable."),
    wait_s: float = typer.Option(0, "--wait", help="Wait up to this many seconds for the job to finish."),
    now: bool = typer.Option(False, "--now", help="Run it here, in this process, instead of queueing it."),
) -> None:
    """Queue a job (or run it here with --now)."""
    arguments = dict(_parse(item) for item in arg)
    queue = _queue(ctx, backend="immediate" if now else None)
    task_id = queue.enqueue(name, **arguments)
    typer.echo(f"{'ran' if now else 'queued'} {name} [{task_id}]")
    if now or wait_s:
        runs = wait_for(context.get(ctx).engine, task_id, timeout_s=max(wait_s, 1))
        if not runs:
            typer.secho(
                f"not finished after {wait_s:g} s (is a worker running? `rapport worker`)", fg=typer.colors.YELLOW
            )
            raise typer.Exit(1)
        last = runs[-1]
        outcome = json.dumps(last.result or {"error": last.error}, default=str)
        typer.echo(f"{last.status} after {len(runs)} attempt(s): {outcome}")
        if last.status != "succeeded":
            raise typer.Exit(1)


@app.command("ping")
def ping(ctx: typer.Context, wait_s: float = typer.Option(30, "--wait", help="Seconds to wait for a worker.")) -> None:
    """Check that a worker is running jobs."""
    queue = _queue(ctx)
    task_id = queue.enqueue("jobs.ping")
    runs = wait_for(context.get(ctx).engine, task_id, timeout_s=wait_s)
    if not runs:
        typer.secho(f"no worker answered within {wait_s:g} s; start one with `rapport worker`", fg=typer.colors.RED)
        raise typer.Exit(1)
    typer.echo(f"a worker answered: {runs[-1].worker} in {runs[-1].duration_s or 0:.2f} s")


@app.command("recover")
def recover(ctx: typer.Context) -> None:
    """Queue again the jobs of workers that stopped (workers also do this by themselves every few seconds)."""
    typer.echo(f"{_queue(ctx).recover()} job(s) queued again")


def _parse(item: str) -> tuple[str, Any]:
    key, sep, raw = item.partition("=")
    if not sep or not key:
        raise typer.BadParameter(f"'{item}' is not key=value")
    try:
        return key, json.loads(raw)
    except json.JSONDecodeError:
        return key, raw
