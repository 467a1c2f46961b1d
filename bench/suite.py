"""The scale benchmark suite: one command builds the data set, runs every section beside its baseline, and writes
the figures as JSON and as the table in docs/BENCHMARKS.md.

    .venv/bin/python bench/suite.py --scale 1.0 --out bench/results/suite.json        # the issue's scale (hours)
    .venv/bin/python bench/suite.py --scale 0.02 --only api,search                    # 20k customers, two sections

Scale 1.0 is 1,000,000 customers, about 10,000,000 orders (one line each) and 2,000,000 interactions, written
straight into a fresh SQLite file (WAL) through the project's migrations (bench/suite/data.py). Each section measures
Rapport and its named baseline in the same run, on the same data, and reports the ratio Rapport ÷ baseline:
import (pandas to_sql), api (a bare FastAPI app), customer360 (hand-written SQL), search (a Python scan), analytics
(pandas), classifier (the Hugging Face pipeline), retrieval (numpy brute force), llm (llama-cpp-python directly).
A section that cannot run here (no model, no package) is recorded as skipped with the reason; one that fails is
recorded with its error, and the rest still run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/: the suite/ helpers and the single benchmarks

import analytics_scale
from suite import data, report, sections_ai, sections_db
from suite.common import REPO, Context

Section = Callable[[Context], list[dict[str, Any]]]
SECTIONS: dict[str, Section] = {
    "import": sections_db.import_rate,
    "api": sections_db.api,
    "customer360": sections_db.customer360,
    "search": sections_db.search,
    "analytics": sections_db.analytics,
    "classifier": sections_ai.classification,
    "retrieval": sections_ai.retrieval,
    "llm": sections_ai.llm,
}


def machine() -> dict[str, Any]:
    """What the figures depend on: cores we may use, memory, CPU model, and how busy the machine was."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor()
    ram_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cores": len(os.sched_getaffinity(0)),
        "ram_gib": round(ram_gib, 1),
        "cpu": model,
        "python": platform.python_version(),
        "load_average_at_start": round(os.getloadavg()[0], 2),
    }


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 1M customers, 10M orders, 2M interactions")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "suite.json")
    parser.add_argument("--docs", type=Path, default=REPO / "docs" / "BENCHMARKS.md", help="where the table goes")
    parser.add_argument("--no-docs", action="store_true", help="write the JSON only")
    parser.add_argument("--workdir", type=Path, default=REPO / "var" / "bench-suite")
    parser.add_argument("--only", default="", help=f"comma-separated sections of: {', '.join(SECTIONS)}")
    parser.add_argument("--skip", default="", help="comma-separated sections to leave out")
    parser.add_argument("--budget-s", type=float, default=120.0, help="timed loops of a section stop after this")
    parser.add_argument("--load-s", type=float, default=15.0, help="seconds of load per server and mix")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients of the load generator")
    parser.add_argument("--requests", type=int, default=300, help="samples per latency figure (at most)")
    parser.add_argument("--chunks", type=int, default=100_000, help="passages in the retrieval section")
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("RAPPORT_DATA_DIR", REPO / "var")),
                        help="where kept models and weights are looked for (classifier, llm)")  # fmt: skip
    args = parser.parse_args(argv)
    chosen = [s for s in args.only.split(",") if s] or list(SECTIONS)
    unknown = set(chosen) | {s for s in args.skip.split(",") if s}
    if unknown - set(SECTIONS):
        parser.error(f"unknown sections: {', '.join(sorted(unknown - set(SECTIONS)))}")
    args.sections = [s for s in chosen if s not in args.skip.split(",")]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    started = time.perf_counter()
    sizes = data.Sizes.at(args.scale)
    args.workdir.mkdir(parents=True, exist_ok=True)
    db = (args.workdir / f"scale-{args.scale:g}.db").resolve()
    as_of = analytics_scale.AS_OF
    print(f"building {sizes.customers:,} customers at {db} ...", flush=True)
    counts = data.build(db, sizes, as_of=as_of)
    print(
        f"  {counts['customers']:,.0f} customers, {counts['orders']:,.0f} orders, {counts['interactions']:,.0f} "
        f"interactions in {counts['bulk_s']:.1f} s ({counts['rows_per_s']:,.0f} rows/s) + {counts['scaffold_s']:.1f} s"
        " of migrations and scaffolding",
        flush=True,
    )
    ctx = Context(
        db=db, workdir=args.workdir, as_of=as_of, counts=counts, budget_s=args.budget_s, load_s=args.load_s,
        concurrency=args.concurrency, requests=args.requests, chunks=args.chunks, data_dir=args.data_dir.resolve(),
    )  # fmt: skip
    results: dict[str, Any] = {}
    for name in args.sections:
        began = time.perf_counter()
        print(f"{name} ...", flush=True)
        try:
            results[name] = {"rows": SECTIONS[name](ctx)}
        except sections_ai.Skipped as why:
            results[name] = {"skipped": str(why)}
        except Exception as error:  # one broken section must not lose the others' figures
            traceback.print_exc()
            results[name] = {"error": f"{type(error).__name__}: {error}"}
        results[name]["seconds"] = round(time.perf_counter() - began, 1)
        print(report.section_lines(name, results[name]), flush=True)
    document = {
        "scale": args.scale,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "data": counts,
        "settings": {k: getattr(args, k) for k in ("budget_s", "load_s", "concurrency", "requests", "chunks")},
        "sections": results,
        "total_s": round(time.perf_counter() - started, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=1, default=str) + "\n")
    print(f"wrote {args.out} ({document['total_s']:.0f} s in all)")
    if not args.no_docs:
        report.update_docs(args.docs, document)
        print(f"updated the table in {args.docs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
