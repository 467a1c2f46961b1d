"""What every section shares: the run's context, a result row (figure, baseline, ratio), servers and timers."""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
REPO = BENCH.parent
ADMIN = ("admin@rapport-demo.com", "rapport-demo")  # the demo generator's login


@dataclass
class Context:
    db: Path
    workdir: Path
    as_of: datetime
    counts: dict[str, float]
    budget_s: float
    load_s: float
    concurrency: int
    requests: int
    chunks: int
    data_dir: Path

    @property
    def url(self) -> str:
        return f"sqlite:///{self.db}"

    @property
    def customers(self) -> int:
        return int(self.counts["customers"])


def row(
    name: str, unit: str, figure: float, baseline: float, baseline_name: str, *, better: str, note: str = ""
) -> dict[str, Any]:
    """One line of the table. `ratio` is always Rapport ÷ baseline; `better` says which way is good."""
    return {
        "name": name,
        "unit": unit,
        "figure": figure,
        "baseline": baseline,
        "baseline_name": baseline_name,
        "ratio": figure / baseline if baseline else float("nan"),
        "better": better,
        "note": note,
    }


def quantiles(values_ms: list[float]) -> tuple[float, float]:
    """p50 and p99 (nearest rank; with fewer than 100 samples p99 is the maximum)."""
    ordered = sorted(values_ms)
    return statistics.median(ordered), ordered[min(int(0.99 * len(ordered)), len(ordered) - 1)]


def timed_ms(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def interleaved(
    ours: Callable[[int], Any], theirs: Callable[[int], Any], keys: list[int], budget_s: float
) -> tuple[list[float], list[float]]:
    """Time both on the same keys, alternating, so the neighbours' load on a shared machine hits both alike."""
    a: list[float] = []
    b: list[float] = []
    for key in keys[:3]:  # warm-up: statement caches, page cache
        ours(key)
        theirs(key)
    deadline = time.perf_counter() + budget_s
    for key in keys:
        a.append(timed_ms(lambda key=key: ours(key)))
        b.append(timed_ms(lambda key=key: theirs(key)))
        if time.perf_counter() > deadline and len(a) >= 20:
            break
    return a, b


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(kind: str, db: Path) -> Iterator[tuple[str, str]]:
    """Start `bench/suite/serve.py kind`, wait until it answers, yield (base URL, bearer token or "")."""
    port = free_port()
    env = {**os.environ, "RAPPORT_LOG_LEVEL": "WARNING", "RAPPORT_DATA_DIR": str(db.parent)}
    process = subprocess.Popen([sys.executable, str(HERE / "serve.py"), kind, str(db), str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        probe = "/api/health" if kind == "rapport" else "/api/customers/1"
        with httpx.Client(base_url=base, timeout=30) as client:
            for _ in range(300):
                try:
                    if client.get(probe).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None:
                    raise RuntimeError(f"the {kind} server exited with {process.returncode}")
                time.sleep(0.2)
            token = ""
            if kind == "rapport":
                answer = client.post("/api/auth/tokens", json={"email": ADMIN[0], "password": ADMIN[1]})
                answer.raise_for_status()
                token = answer.json()["token"]
        yield base, token
    finally:
        process.terminate()
        process.wait(20)


def load(base: str, token: str, mix: str, ctx: Context) -> dict[str, Any]:
    """Run bench/suite/load.py against `base` in its own process and return its figures."""
    command = [
        sys.executable, str(HERE / "load.py"), "--base", base, "--token", token, "--mix", mix,
        "--seconds", str(ctx.load_s), "--concurrency", str(ctx.concurrency), "--max-id", str(ctx.customers),
    ]  # fmt: skip
    done = subprocess.run(command, check=True, capture_output=True, text=True, timeout=ctx.load_s + 120)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
