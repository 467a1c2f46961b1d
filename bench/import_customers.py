"""Import speed and memory: a generated customers CSV loaded by Rapport's import (cleaning, validation, upserts,
quarantine, crash-safe chunks) and, for comparison, by a plain pandas `read_csv` + `to_sql` into a fresh SQLite file.

    .venv/bin/python bench/import_customers.py --rows 1000000

Each load runs in its own process so its peak memory (RSS, the process and its children, sampled every 0.2 s) is its
own. Prints rows/s of both, the ratio, and the import's peak RSS. Needs pandas and psutil (bench-only packages).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any


class PeakRss:
    """Peak resident memory of this process plus its children, sampled in a thread."""

    def __init__(self, interval_s: float = 0.2) -> None:
        import psutil

        self.process = psutil.Process()
        self.peak = 0
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                rss = self.process.memory_info().rss + sum(
                    child.memory_info().rss for child in self.process.children(recursive=True)
                )
            except Exception:  # a child that ended between listing and reading
                continue
            self.peak = max(self.peak, rss)
            self._stop.wait(self.interval_s)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _cpu_s() -> float:
    """CPU seconds of this process and its finished children: the fair figure on a shared, busy machine."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _pandas(path: Path, db: Path) -> dict[str, Any]:
    import sqlite3

    import pandas as pd

    with PeakRss() as rss:
        started, cpu = time.perf_counter(), _cpu_s()
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        with sqlite3.connect(db) as conn:
            frame.to_sql("customers", conn, index=False, chunksize=10_000)
        seconds, cpu = time.perf_counter() - started, _cpu_s() - cpu
    return {"rows": len(frame), "seconds": seconds, "cpu_s": cpu, "peak_rss": rss.peak}


def _import(path: Path, db: Path, workers: int | None, chunk_size: int) -> dict[str, Any]:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    from rapport.ingest import pipeline
    from rapport.ingest import service as import_service
    from rapport.privacy.access import system_principal
    from rapport.store import migrate
    from rapport.store.engine import make_engine, make_sessionmaker, session_scope

    url = f"sqlite:///{db}"
    migrate.upgrade(url)
    engine = make_engine(url)
    console = Console(stderr=True)
    with PeakRss() as rss:
        started, cpu = time.perf_counter(), _cpu_s()
        with session_scope(make_sessionmaker(engine)) as session:
            batch = import_service.create(
                session, system_principal(), entity="customers", path=path, source="bench", chunk_size=chunk_size
            )
            batch_id = batch.id
        last_tenth = [0]
        with Progress(
            TextColumn("importing"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rows]:,} rows"),
            TimeRemainingColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("import", total=1.0, rows=0)

            def show(snapshot: pipeline.Snapshot) -> None:
                bar.update(task, completed=snapshot.progress, rows=snapshot.counts.read)
                tenth = int(snapshot.progress * 10)
                if not console.is_terminal and tenth > last_tenth[0]:
                    last_tenth[0] = tenth
                    console.print(f"{snapshot.progress:.0%} {snapshot.counts.read:,} rows {snapshot.rows_per_s:,.0f}/s")

            snapshot = pipeline.run_import(engine, batch_id, on_progress=show, workers=workers)
        seconds, cpu = time.perf_counter() - started, _cpu_s() - cpu
    counts = snapshot.counts
    return {
        "rows": counts.read,
        "inserted": counts.inserted,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
        "quarantined": counts.quarantined,
        "seconds": seconds,
        "cpu_s": cpu,
        "peak_rss": rss.peak,
        "errors": snapshot.error_counts,
    }


def _child(phase: str, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, __file__, "--phase", phase, "--rows", str(args.rows), "--workdir", str(args.workdir)]
    command += ["--chunk-size", str(args.chunk_size)]
    if args.workers is not None:
        command += ["--workers", str(args.workers)]
    result = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    parsed: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return parsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=Path("var/bench"))
    parser.add_argument("--workers", type=int, default=None, help="1: clean in a second process; 0: in one")
    parser.add_argument("--chunk-size", type=int, default=2000)
    parser.add_argument("--phase", choices=["pandas", "import"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    path = args.workdir / f"customers_{args.rows}.csv"
    if args.phase:
        db = args.workdir / f"{args.phase}_{args.rows}.db"
        for leftover in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            leftover.unlink(missing_ok=True)
        result = _pandas(path, db) if args.phase == "pandas" else _import(path, db, args.workers, args.chunk_size)
        print(json.dumps(result))
        return

    from rapport.demo.files import write_customers

    if not path.exists():
        started = time.perf_counter()
        write_customers(path, args.rows)
        print(f"generated {path} ({path.stat().st_size / 1e6:,.0f} MB) in {time.perf_counter() - started:,.0f} s")
    raw = _child("pandas", args)
    ours = _child("import", args)
    raw_rate, our_rate = raw["rows"] / raw["seconds"], ours["rows"] / ours["seconds"]
    mib = 2**20
    print(f"rows: {ours['rows']:,}  file: {path.stat().st_size / 1e6:,.0f} MB  cpus: {os.cpu_count()}")
    for name, run, rate in (("pandas read_csv + to_sql", raw, raw_rate), ("rapport import", ours, our_rate)):
        print(
            f"{name:26s} {run['seconds']:8.1f} s wall  {run['cpu_s']:8.1f} s CPU  {rate:10,.0f} rows/s"
            f"  peak RSS {run['peak_rss'] / mib:,.0f} MiB"
        )
    print(
        f"ratio, import / raw load: {ours['seconds'] / raw['seconds']:.2f}x wall,"
        f" {ours['cpu_s'] / raw['cpu_s']:.2f}x CPU"
    )
    print(
        f"import counts: inserted {ours['inserted']:,}, updated {ours['updated']:,}, unchanged {ours['unchanged']:,}, "
        f"quarantined {ours['quarantined']:,} {ours['errors'] or ''}"
    )


if __name__ == "__main__":
    main()
