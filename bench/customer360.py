"""Latency of GET /api/customers/{id}/360 on a database, measured from a separate client process.

Starts `rapport serve` on the given database in a subprocess, asks for a token, then fetches the 360 view of
random customers sequentially and prints p50/p95/p99 (client-observed, so it includes HTTP and JSON).

    .venv/bin/python bench/customer360.py --data-dir /tmp/rapport-demo --requests 500
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--data-dir", type=Path, required=True, help="RAPPORT_DATA_DIR of a database built by `rapport demo`"
    )
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--email", default="admin@rapport-demo.com")
    parser.add_argument("--password", default="rapport-demo")
    args = parser.parse_args()

    port = free_port()
    env = {**os.environ, "RAPPORT_DATA_DIR": str(args.data_dir), "RAPPORT_LOG_LEVEL": "WARNING"}
    rapport = Path(sys.executable).with_name("rapport")
    server = subprocess.Popen([str(rapport), "serve", "--port", str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            for _ in range(100):
                try:
                    if client.get("/api/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            token = client.post("/api/auth/tokens", json={"email": args.email, "password": args.password}).json()
            headers = {"Authorization": f"Bearer {token['token']}"}
            ids: list[int] = []
            cursor = None
            while len(ids) < 5000:
                params: dict[str, str | int] = {"limit": 200, **({"cursor": cursor} if cursor else {})}
                page = client.get("/api/customers", params=params, headers=headers).json()
                ids += [c["id"] for c in page["items"]]
                cursor = page["next_cursor"]
                if not cursor:
                    break
            rng = random.Random(1)
            for _ in range(20):  # warm-up
                client.get(f"/api/customers/{rng.choice(ids)}/360", headers=headers)
            timings = []
            sizes = []
            for _ in range(args.requests):
                started = time.perf_counter()
                response = client.get(f"/api/customers/{rng.choice(ids)}/360", headers=headers)
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.text
                sizes.append(len(response.json()["orders"]))
    finally:
        server.terminate()
        server.wait(10)
    timings.sort()
    q = statistics.quantiles(timings, n=100)
    shown = statistics.mean(sizes)
    print(f"GET /api/customers/{{id}}/360, {args.requests} random customers of {len(ids)} ({shown:.1f} orders shown)")
    print(f"p50 {q[49]:.1f} ms   p95 {q[94]:.1f} ms   p99 {q[98]:.1f} ms   max {timings[-1]:.1f} ms")


if __name__ == "__main__":
    main()
