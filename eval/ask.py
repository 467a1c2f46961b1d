"""Ask Rapport, measured: execution accuracy of the model's plans against hand-written gold plans on the demo company,
refusals of out-of-permission and unanswerable questions, and latency, for two providers in one run.

    .venv/bin/python eval/ask.py --limit 10                     # a quick check on the first 10 questions
    nice .venv/bin/python eval/ask.py                           # everything, both providers (hours on 2 busy cores)
    .venv/bin/python eval/ask.py --providers local --model qwen2.5-coder-0.5b-instruct-q4_k_m

Data: the demo company generated with a fixed seed and anchor date (`--customers`, default 5000; cached under
var/eval/ask/), so "last quarter" means the same days on every run; "now" is the anchor. Questions and gold plans are
in eval/ask_questions.py (written by hand, not tuned on: there is no training split; the prompt's few-shot examples
are different questions). A gold plan is run by the same executor as the prediction; the compiler itself is checked
against hand-computed answers in tests/ask/test_compile.py.

Execution accuracy: a prediction is correct when its rows equal the gold rows as a multiset (column names and
column order ignored, numbers equal within 0.01 relative), and in the same order when the gold plan ranks (order_by).
A follow-up is planned from the plan the model produced for its parent, as in a conversation. Refusals: share of
out-of-permission questions (asked as the analyst, support or marketing demo user) and of unanswerable questions
that get a refusal. Latency: wall time of the model call per question (the system prompt is cached after a warm-up).

Providers: `local` (the in-process GGUF model) and `server` (the OpenAI-compatible provider pointed at a
`python -m llama_cpp.server` this script starts on 127.0.0.1 with the same model file).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "eval"))

from ask_questions import QUESTIONS, REFUSALS, UNANSWERABLE  # noqa: E402
from sqlalchemy import Engine  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from rapport.accounts import service as account_service  # noqa: E402
from rapport.ai.gateway import Gateway  # noqa: E402
from rapport.ai.providers import LocalGGUFProvider  # noqa: E402
from rapport.ai.weights import ensure_model, get_model  # noqa: E402
from rapport.ask import planner  # noqa: E402
from rapport.ask.plan import QueryPlan  # noqa: E402
from rapport.ask.service import Answer, run_plan  # noqa: E402
from rapport.cli.db import ensure_default_pipeline  # noqa: E402
from rapport.demo import generator  # noqa: E402
from rapport.errors import RapportError  # noqa: E402
from rapport.privacy.access import Principal, system_principal  # noqa: E402
from rapport.settings import LLMSettings, Settings  # noqa: E402
from rapport.store import migrate  # noqa: E402
from rapport.store.engine import make_engine, make_sessionmaker, session_scope  # noqa: E402

ANCHOR = datetime(2026, 11, 1, tzinfo=UTC)
ROLE_USERS = {"analyst": "noah.kim", "support": "priya.patel", "marketing": "maria.garcia"}


# ---- data ------------------------------------------------------------------------------------------------------------
def demo_engine(data_dir: Path, customers: int, seed: int) -> Engine:
    folder = data_dir / "eval" / "ask"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"demo-{customers}-{seed}-{ANCHOR:%Y%m%d}.db"
    url = f"sqlite:///{path}"
    done = path.with_suffix(".ready")
    if not done.exists():
        for stale in folder.glob(path.name + "*"):
            stale.unlink()
        print(f"building the demo company ({customers} customers) in {path} …", flush=True)
        migrate.upgrade(url)
        engine = make_engine(url)
        with session_scope(make_sessionmaker(engine)) as session:
            ensure_default_pipeline(session)
        generator.generate(engine, customers=customers, seed=seed, anchor=ANCHOR)
        engine.dispose()
        done.write_text("ok")
    migrate.upgrade(url)
    return make_engine(url)


# ---- comparing results -----------------------------------------------------------------------------------------------
def _cell(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool) or value is None:
        return (0, str(value))
    if isinstance(value, int | float):
        return (1, float(value))
    return (2, str(value))


def _row(row: list[Any]) -> list[tuple[int, Any]]:
    return sorted((_cell(v) for v in row), key=lambda c: (c[0], str(c[1])))


def _same_cell(a: tuple[int, Any], b: tuple[int, Any]) -> bool:
    if a[0] != b[0]:
        return False
    if a[0] == 1:
        return bool(abs(a[1] - b[1]) <= max(0.011, 1e-4 * max(abs(a[1]), abs(b[1]))))
    return bool(a[1] == b[1])


def _same_row(a: list[tuple[int, Any]], b: list[tuple[int, Any]]) -> bool:
    return len(a) == len(b) and all(_same_cell(x, y) for x, y in zip(a, b, strict=True))


def same_result(gold: list[list[Any]], predicted: list[list[Any]], *, ordered: bool) -> bool:
    if len(gold) != len(predicted):
        return False
    g, p = [_row(r) for r in gold], [_row(r) for r in predicted]
    if ordered:
        return all(_same_row(a, b) for a, b in zip(g, p, strict=True))
    remaining = list(p)
    for row in g:
        match = next((i for i, other in enumerate(remaining) if _same_row(row, other)), None)
        if match is None:
            return False
        remaining.pop(match)
    return True


# ---- providers -------------------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def llama_server(model_path: Path, threads: int, log_path: Path) -> Iterator[str]:
    """`python -m llama_cpp.server` on a free loopback port; yields the API root (…/v1)."""
    import httpx

    port = _free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(model_path), "--host", "127.0.0.1",
        "--port", str(port), "--n_ctx", "4096", "--n_threads", str(threads), "--verbose", "False",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 300
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited: {log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{base_url}/models", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("llama_cpp.server did not start in 300 s")
            time.sleep(0.5)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def local_gateway(data_dir: Path, model: str, threads: int, timeout_s: float) -> Gateway:
    spec = get_model(model)
    provider = LocalGGUFProvider(ensure_model(model, data_dir), spec.sha256, n_ctx=4096, n_threads=threads)
    settings = Settings(data_dir=data_dir, llm=LLMSettings(provider="local", cache=False, timeout_s=timeout_s))
    return Gateway(settings, None, providers={"local": provider})


def server_gateway(data_dir: Path, base_url: str, timeout_s: float) -> Gateway:
    llm = LLMSettings(provider="openai", base_url=base_url, model="default", cache=False, timeout_s=timeout_s)
    return Gateway(Settings(data_dir=data_dir, llm=llm), None)


# ---- one provider over the questions ---------------------------------------------------------------------------------
def _plan(gateway: Gateway, question: str, previous: QueryPlan | None) -> tuple[QueryPlan | None, float, str | None]:
    started = time.perf_counter()
    try:
        plan = planner.plan_question(gateway, question, previous)
        return plan, time.perf_counter() - started, None
    except RapportError as error:
        return None, time.perf_counter() - started, f"{type(error).__name__}: {error.message}"


def _run(session: Session, principal: Principal, plan: QueryPlan | None) -> Answer | None:
    if plan is None:
        return None
    try:
        return run_plan(session, principal, plan, now=ANCHOR)
    except RapportError as error:
        return Answer(question="", status="refused", plan=plan, refusal=f"error: {error.message}")


def evaluate(
    name: str, gateway: Gateway, session: Session, args: argparse.Namespace, results: list[dict[str, Any]]
) -> None:
    """Refusals first (they are few), then the questions; the results file is rewritten after every question, so
    a run stopped early still reports what it measured (`--report-only`)."""
    admin = system_principal("eval")
    print(f"\n# provider {name}: warming up (the system prompt is processed once) …", flush=True)
    _, warm_s, warm_error = _plan(gateway, "How many customers are there?", None)
    print(f"warm-up {warm_s:.1f} s {warm_error or ''}", flush=True)
    records: list[dict[str, Any]] = []
    refusals: list[dict[str, Any]] = []
    results.append({"provider": name, "model": args.model, "questions": records, "refusals": refusals})
    if not args.limit and not args.skip_refusals:
        _refusals(gateway, session, refusals, lambda: _save(args, results))
    questions = interleaved(QUESTIONS)[: args.limit] if args.limit else interleaved(QUESTIONS)
    predicted: dict[str, QueryPlan | None] = {}
    for q in questions:
        previous = predicted.get(q["parent"]) if q["parent"] else None
        if q["parent"] and q["parent"] not in predicted:
            parent = next(p for p in QUESTIONS if p["id"] == q["parent"])
            predicted[parent["id"]] = _plan(gateway, parent["question"], None)[0]
            previous = predicted[parent["id"]]
        plan, latency, error = _plan(gateway, q["question"], previous)
        predicted[q["id"]] = plan
        gold_plan = QueryPlan.model_validate(q["gold"])
        gold = run_plan(session, admin, gold_plan, now=ANCHOR)
        assert gold.status == "answered", (q["id"], gold.refusal)
        got = _run(session, admin, plan)
        correct = bool(
            got is not None
            and got.status == "answered"
            and same_result(gold.rows, got.rows, ordered=bool(gold_plan.order_by))
        )
        records.append(
            {
                "id": q["id"], "category": q["category"], "lang": q["lang"], "correct": correct,
                "latency_s": round(latency, 2), "plan": plan.compact() if plan else None,
                "error": error or (got.refusal if got is not None and got.status == "refused" else None),
                "gold_rows": len(gold.rows), "rows": len(got.rows) if got else 0,
            }
        )  # fmt: skip
        mark = "✓" if correct else "✗"
        print(f"{mark} {q['id']:4} {latency:5.1f}s {q['question'][:60]:60} {records[-1]['plan'] or error}", flush=True)
        _save(args, results)


def interleaved(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Categories taken in turn (a follow-up right after its parent), so a run stopped early is still a fair sample."""
    units: dict[str, list[list[dict[str, Any]]]] = defaultdict(list)
    children = {q["parent"]: q for q in questions if q["parent"]}
    for q in questions:
        if q["parent"]:
            continue
        child = children.get(q["id"])
        units["followup" if child else q["category"]].append([q, child] if child else [q])
    ordered: list[dict[str, Any]] = []
    queues = [list(u) for u in units.values()]
    while any(queues):
        for queue in queues:
            if queue:
                ordered.extend(queue.pop(0))
    return ordered


def _save(args: argparse.Namespace, results: list[dict[str, Any]]) -> None:
    if args.out:
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1))


def _refusals(gateway: Gateway, session: Session, out: list[dict[str, Any]], save: Any) -> None:
    for kind, items in (("permission", REFUSALS), ("unanswerable", UNANSWERABLE)):
        for q in items:
            if kind == "permission":
                user = account_service.get_by_email(session, f"{ROLE_USERS[q['role']]}@{generator.STAFF_DOMAIN}")
                principal = account_service.principal_for(user, via="eval")
            else:
                principal = system_principal("eval")
            plan, latency, error = _plan(gateway, q["question"], None)
            got = _run(session, principal, plan)
            # A model that failed (timeout, unusable output) has not refused: that is an error, counted apart.
            refused = got is not None and got.status == "refused"
            reason = error or (got.refusal if got is not None else None)
            out.append({"id": q["id"], "kind": kind, "lang": q["lang"], "refused": refused, "reason": reason,
                        "error": error, "latency_s": round(latency, 2),
                        "plan": plan.compact() if plan else None})  # fmt: skip
            print(f"{'✓' if refused else '✗'} {q['id']:4} {latency:5.1f}s {q['question'][:60]:60} {reason}", flush=True)
            save()


# ---- report ----------------------------------------------------------------------------------------------------------
def table(title: str, header: list[str], rows: list[list[Any]]) -> None:
    print(f"\n## {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(" --- " for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row) + " |")
    sys.stdout.flush()


def _acc(records: list[dict[str, Any]]) -> str:
    n = len(records)
    right = sum(r["correct"] for r in records)
    return f"{right}/{n} = {right / n:.1%}" if n else "–"


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(results: list[dict[str, Any]]) -> None:
    names = [r["provider"] for r in results]
    by = {r["provider"]: r for r in results}
    categories = sorted({q["category"] for r in results for q in r["questions"]})
    rows = [["all", *[_acc(by[n]["questions"]) for n in names]]]
    rows += [[c, *[_acc([q for q in by[n]["questions"] if q["category"] == c]) for n in names]] for c in categories]
    rows += [[f"lang {lang}", *[_acc([q for q in by[n]["questions"] if q["lang"] == lang]) for n in names]]
             for lang in ("en", "zh")]  # fmt: skip
    table("Execution accuracy", ["questions", *names], rows)
    refusal_rows = []
    for kind in ("permission", "unanswerable"):
        cells = []
        for n in names:
            items = [x for x in by[n]["refusals"] if x["kind"] == kind]
            # no plan: the model call failed (timeout), which is not a refusal
            refused = sum(bool(x["refused"]) and x["plan"] is not None for x in items)
            errors = sum(x["plan"] is None for x in items)
            cells.append(f"{refused}/{len(items)} ({errors} model errors)" if items else "–")
        refusal_rows.append([kind, *cells])
    table("Refusals (refused / asked)", ["kind", *names], refusal_rows)
    error_rows = [[n, sum(q["plan"] is None for q in by[n]["questions"]), len(by[n]["questions"])] for n in names]
    table("Questions without a plan (model timeout or unusable output)", ["provider", "errors", "asked"], error_rows)
    latency_rows = []
    for n in names:
        values = [q["latency_s"] for q in by[n]["questions"]] + [x["latency_s"] for x in by[n]["refusals"]]
        latency_rows.append([n, len(values), statistics.median(values) if values else 0.0, _pct(values, 0.95)])
    table("Latency per question (s)", ["provider", "questions", "p50", "p95"], latency_rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="qwen2.5-coder-1.5b-instruct-q4_k_m")
    parser.add_argument("--providers", default="local,server", help="comma-separated: local, server")
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions (no refusal set)")
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threads", type=int, default=max(1, (os.cpu_count() or 2)))
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per model call")
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("RAPPORT_DATA_DIR", "var")))
    parser.add_argument("--out", type=Path, default=None, help="write the per-question results as JSON here")
    parser.add_argument("--report-only", type=Path, default=None, help="print the tables of a results file")
    parser.add_argument("--skip-refusals", action="store_true", help="only the questions (refusals measured apart)")
    args = parser.parse_args()
    if args.report_only:
        report(json.loads(args.report_only.read_text()))
        return
    engine = demo_engine(args.data_dir, args.customers, args.seed)
    results: list[dict[str, Any]] = []
    started = time.perf_counter()
    with Session(engine) as session:
        for name in [p.strip() for p in args.providers.split(",") if p.strip()]:
            if name == "local":
                gateway = local_gateway(args.data_dir, args.model, args.threads, args.timeout)
                evaluate("local", gateway, session, args, results)
                del gateway
            elif name == "server":
                log = args.data_dir / "eval" / "ask" / "llama-server.log"
                model_path = ensure_model(args.model, args.data_dir)
                with llama_server(model_path, args.threads, log) as base_url:
                    evaluate("server", server_gateway(args.data_dir, base_url, args.timeout), session, args, results)
            else:
                parser.error(f"unknown provider {name!r}")
        session.rollback()
    print(f"\nmodel {args.model}; {args.customers} demo customers; anchor {ANCHOR:%Y-%m-%d}; "
          f"{time.perf_counter() - started:.0f} s in all")  # fmt: skip
    report(results)


if __name__ == "__main__":
    main()
