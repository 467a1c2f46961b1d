"""A burst of LLM-backed API requests against `rapport serve`, from a separate process: how many are answered, how many
are refused with 429 + Retry-After, whether anything is a 5xx, and the latency of every answer.

    .venv/bin/python bench/overload.py                      # 100 requests, 50 at a time, llama_cpp.server + 0.5B
    .venv/bin/python bench/overload.py --base-url http://gpu:8000/v1 --model Qwen/Qwen2.5-1.5B-Instruct \\
        --max-concurrency 16 --max-queue 32                 # against a vLLM server

Without --base-url it starts `python -m llama_cpp.server` with the 0.5B GGUF model the tests use (joined from its
PyPI part packages under RAPPORT_DATA_DIR, default var), as tests/ai/llama_server.py does. Rapport runs as
`rapport serve` on a fresh SQLite file with `RAPPORT_LLM__PROVIDER=openai`, the answer cache off (every request
reaches the model) and the API rate limit off (the burst meets the model's limit, not the API's). The route is
POST /api/marketing/segments/from-sentence: one structured-output call of a few dozen tokens, each request with a
different sentence. One warm-up request runs first, untimed. Needs httpx (a runtime dependency).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

ROUTE = "/api/marketing/segments/from-sentence"
TEST_MODEL = "qwen2.5-coder-0.5b-instruct-q4_k_m"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, process: subprocess.Popen[bytes], timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{process.args!r} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout_s} s")


def start_model_server(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    from rapport.ai.weights import ensure_model

    model = ensure_model(TEST_MODEL, data_dir=Path(os.environ.get("RAPPORT_DATA_DIR", "var")))
    port = free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", "1024", "--verbose", "False",
    ]  # fmt: skip
    log = (workdir / "llama-server.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}/v1"
    wait_http(f"{base_url}/models", process)
    return process, base_url


def start_rapport(workdir: Path, args: argparse.Namespace, base_url: str) -> tuple[subprocess.Popen[bytes], str, str]:
    """`rapport init`, a marketing user and its token, then `rapport serve` on a free port."""
    rapport = str(Path(sys.executable).with_name("rapport"))
    env = {
        **os.environ,
        "RAPPORT_DATA_DIR": str(workdir),
        "RAPPORT_DATABASE_URL": f"sqlite:///{workdir / 'rapport.db'}",
        "RAPPORT_LOG_LEVEL": "WARNING",
        "RAPPORT_LLM__PROVIDER": "openai",
        "RAPPORT_LLM__BASE_URL": base_url,
        "RAPPORT_LLM__MODEL": args.model,
        "RAPPORT_LLM__MAX_CONCURRENCY": str(args.max_concurrency),
        "RAPPORT_LLM__MAX_QUEUE": str(args.max_queue),
        "RAPPORT_LLM__TIMEOUT_S": str(args.timeout_s),
        "RAPPORT_LLM__MAX_RETRIES": "0",
        "RAPPORT_LLM__CACHE": "false",
        "RAPPORT_SECURITY__API_RATE_LIMIT": "0",
        "RAPPORT_QUEUE__IN_PROCESS": "false",  # no worker threads competing for the CPU
    }
    quiet = {"env": env, "check": True, "stdout": subprocess.PIPE, "text": True}
    subprocess.run([rapport, "init"], **quiet)  # type: ignore[call-overload]
    email = "bench@example.com"
    add = [rapport, "user", "add", email, "--name", "Bench", "--role", "marketing", "--password", "bench-password-1"]
    subprocess.run(add, **quiet)  # type: ignore[call-overload]
    token = subprocess.run([rapport, "user", "token", email], **quiet).stdout.strip().split()[-1]  # type: ignore[call-overload]
    port = free_port()
    process = subprocess.Popen([rapport, "serve", "--port", str(port)], env=env)
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}/api/health", process)
    return process, url, token


async def burst(
    url: str, token: str, requests: int, concurrency: int, timeout_s: float
) -> list[tuple[int, float, str]]:
    """`requests` POSTs, at most `concurrency` in flight; (status, seconds, Retry-After) of each."""
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout_s, limits=limits
    ) as client:

        async def one(n: int) -> tuple[int, float, str]:
            async with gate:
                started = time.perf_counter()
                try:
                    response = await client.post(ROUTE, json={"sentence": f"customers with more than {n} orders"})
                except httpx.TimeoutException:
                    return 0, time.perf_counter() - started, ""
                return response.status_code, time.perf_counter() - started, response.headers.get("Retry-After", "")

        return await asyncio.gather(*(one(n) for n in range(1, requests + 1)))


def warm_up(url: str, token: str, timeout_s: float, attempts: int = 4) -> None:
    """Until one request is answered (untimed): a cold server evaluates the long system prompt first, which can take
    longer than the timeout on a busy CPU, and then keeps it cached for every later request."""
    for _ in range(attempts):
        [(status, seconds, _)] = asyncio.run(burst(url, token, 1, 1, timeout_s * 3))
        print(f"warm-up request: {status} in {seconds:.1f} s", flush=True)
        if status == 200:
            return
    raise SystemExit(f"the model server did not answer within {attempts} attempts")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


def report(results: list[tuple[int, float, str]], wall_s: float, args: argparse.Namespace) -> None:
    statuses = Counter(status for status, _, _ in results)
    every = [seconds for _, seconds, _ in results]
    answered = [seconds for status, seconds, _ in results if status == 200]
    refused = [seconds for status, seconds, _ in results if status == 429]
    retry_after = Counter(value for status, _, value in results if status == 429)
    print(
        f"{len(results)} requests, {args.concurrency} at a time, in {wall_s:.1f} s; gateway max_concurrency "
        f"{args.max_concurrency}, max_queue {args.max_queue}, timeout {args.timeout_s:.0f} s"
    )
    print("statuses: " + ", ".join(f"{code or 'client timeout'}: {n}" for code, n in sorted(statuses.items())))
    print(f"5xx: {sum(n for code, n in statuses.items() if code >= 500)}")
    for label, values in (("all", every), ("answered (200)", answered), ("refused (429)", refused)):
        if values:
            print(
                f"{label:15} p50 {statistics.median(values):6.2f} s  p90 {percentile(values, 0.9):6.2f} s  "
                f"p99 {percentile(values, 0.99):6.2f} s  max {max(values):6.2f} s"
            )
    if retry_after:
        print("Retry-After (s): " + ", ".join(f"{value}: {n}" for value, n in sorted(retry_after.items())))
    if answered:
        print(f"answered per second: {len(answered) / wall_s:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=50, help="requests in flight at once")
    parser.add_argument("--base-url", help="an OpenAI-compatible server (vLLM …); default: start llama_cpp.server")
    parser.add_argument("--model", default="test", help="model name to ask that server for")
    parser.add_argument("--max-concurrency", type=int, default=1, help="RAPPORT_LLM__MAX_CONCURRENCY")
    parser.add_argument("--max-queue", type=int, default=2, help="RAPPORT_LLM__MAX_QUEUE")
    parser.add_argument("--timeout-s", type=float, default=30.0, help="RAPPORT_LLM__TIMEOUT_S")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="rapport-bench-overload-"))
    started: list[subprocess.Popen[bytes]] = []
    try:
        base_url = args.base_url
        if base_url is None:
            model_server, base_url = start_model_server(workdir)
            started.append(model_server)
        server, url, token = start_rapport(workdir, args, base_url)
        started.append(server)
        print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; model server {base_url}", flush=True)
        warm_up(url, token, args.timeout_s)
        began = time.perf_counter()
        results = asyncio.run(burst(url, token, args.requests, args.concurrency, args.timeout_s * 3))
        report(results, time.perf_counter() - began, args)
    finally:
        for process in reversed(started):
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
