"""A closed-loop HTTP load generator (httpx + asyncio), run as its own process so it never shares a core's GIL with
the server it measures.

    python bench/suite/load.py --base http://127.0.0.1:PORT --mix read --seconds 15 --concurrency 8 --max-id N

`concurrency` clients each send one request, wait for the answer, and send the next, for `seconds` (after a
one-second warm-up that is not counted). Read mix: 40% list (50 customers), 40% get one, 20% the 360 view.
Write mix: 50% create a customer, 50% change one's lifecycle stage. Prints one JSON line: successful requests,
errors by request kind and status, successful requests/s, and their latency p50/p99 in ms.
Locust is not a dependency of the project; this does the same job in 80 lines.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from typing import Any

import httpx

READ = (("list", 0.4), ("get", 0.4), ("360", 0.2))
WRITE = (("create", 0.5), ("update", 0.5))


def request(rng: random.Random, mix: str, max_id: int, serial: int) -> tuple[str, str, str, dict[str, Any] | None]:
    names, weights = zip(*(READ if mix == "read" else WRITE), strict=True)
    kind = rng.choices(names, weights)[0]
    customer = rng.randint(1, max_id)
    if kind == "list":
        return kind, "GET", "/api/customers?limit=50", None
    if kind == "get":
        return kind, "GET", f"/api/customers/{customer}", None
    if kind == "360":
        return kind, "GET", f"/api/customers/{customer}/360", None
    if kind == "create":
        body = {"full_name": f"Load Test {serial}", "email": f"load.{serial}.{rng.random():.6f}@example.com"}
        return kind, "POST", "/api/customers", body
    return kind, "PATCH", f"/api/customers/{customer}", {"lifecycle_stage": rng.choice(("lead", "customer"))}


async def client(
    http: httpx.AsyncClient, args: argparse.Namespace, seed: int, until: float, counted_from: float
) -> tuple[list[float], dict[str, int]]:
    rng = random.Random(seed)
    latencies: list[float] = []
    errors: dict[str, int] = {}  # "<request kind> <status>": count
    serial = seed * 10_000_000
    while (now := time.perf_counter()) < until:
        serial += 1
        kind, method, path, body = request(rng, args.mix, args.max_id, serial)
        started = time.perf_counter()
        try:
            response = await http.request(method, path, json=body)
            status = str(response.status_code)
        except httpx.HTTPError as error:
            status = type(error).__name__
        if now < counted_from:
            continue
        if status.startswith(("2", "3")):
            latencies.append((time.perf_counter() - started) * 1000)
        else:
            errors[f"{kind} {status}"] = errors.get(f"{kind} {status}", 0) + 1
    return latencies, errors


async def run(args: argparse.Namespace) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
    async with httpx.AsyncClient(base_url=args.base, headers=headers, timeout=60, limits=limits) as http:
        start = time.perf_counter()
        counted_from, until = start + args.warmup_s, start + args.warmup_s + args.seconds
        clients = (client(http, args, i + 1, until, counted_from) for i in range(args.concurrency))
        results = await asyncio.gather(*clients)
        elapsed = time.perf_counter() - counted_from
    latencies = sorted(x for lat, _ in results for x in lat)
    errors: dict[str, int] = {}
    for _, found in results:
        for key, count in found.items():
            errors[key] = errors.get(key, 0) + count

    def quantile(q: float) -> float:
        return latencies[min(int(q * len(latencies)), len(latencies) - 1)] if latencies else float("nan")

    return {
        "requests": len(latencies),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "seconds": elapsed,
        "requests_per_s": len(latencies) / elapsed,
        "p50_ms": quantile(0.50),
        "p99_ms": quantile(0.99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--token", default="")
    parser.add_argument("--mix", choices=("read", "write"), default="read")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--warmup-s", type=float, default=1.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-id", type=int, required=True)
    print(json.dumps(asyncio.run(run(parser.parse_args()))))


if __name__ == "__main__":
    main()
