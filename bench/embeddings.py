"""Speed, load time, memory and retrieval quality of the local embedders, PyTorch against ONNX int8, in one run.

    .venv/bin/python bench/embeddings.py                    # about 10 minutes on 2 cores
    .venv/bin/python bench/embeddings.py --models minilm,minilm-int8 --threads 2 --batch 32

Each embedder runs in a fresh subprocess (so its load time and memory are its own, and PyTorch's and OpenMP's
process-wide thread settings cannot leak between them) on the same texts, taken from shared/datasets:
- short: 128 StackFAQ dev queries + 128 CAIS validation utterances (English and Chinese, 5-60 characters)
- long: 128 StackFAQ FAQ entries (question + answer) + 128 online-shopping reviews (up to ~500 characters)
Speed is texts embedded per second at the given batch size and thread count, after one warm-up batch (best of two
passes).
Memory is the process's resident set: before loading, after loading, and at its peak after embedding.
Quality is the cosine between each int8 vector and its PyTorch twin on the bench texts, and, given the JSON that
`eval/embeddings.py --json` writes (`--eval-json`), the difference in MRR / macro-MRR on every retrieval task there.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
PAIRS = [("minilm", "minilm-int8"), ("e5-small", "e5-small-int8")]
DEFAULT_MODELS = ["minilm", "minilm-int8", "e5-small", "e5-small-int8", "e5-small-q4", "use-multilingual"]


def _eval_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_embeddings", REPO / "eval" / "embeddings.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["eval_embeddings"] = module
    spec.loader.exec_module(module)
    return module


def bench_texts(datasets: Path) -> dict[str, list[str]]:
    ev = _eval_module()
    faq = ev.load_stackfaq(datasets)
    cais = ev.load_cais(datasets)
    shopping = ev.load_shopping(datasets)
    return {
        "short": faq.queries[:128] + cais.queries[:128],
        "long": faq.corpus[::5][:128] + [text[:500] for text in shopping.corpus[::20][:128]],
    }


def _rss_mb() -> float:
    import psutil

    return float(psutil.Process().memory_info().rss) / 1e6


def worker(args: argparse.Namespace) -> None:
    """Runs in the subprocess: load, time, measure quality, write a JSON line and the bench vectors."""
    from rapport.ai.embeddings import build_embedder

    texts = bench_texts(args.datasets)
    baseline_mb = _rss_mb()
    embedder = build_embedder(args.worker, args.data_dir, threads=args.threads, batch_size=args.batch)
    started = time.perf_counter()
    embedder.warm_up()
    load_s = time.perf_counter() - started
    loaded_mb = _rss_mb()
    embedder.embed(texts["short"][: args.batch], kind="query")  # first-call costs (allocations, kernels) paid here
    speeds = {}
    vectors = []
    for group in ("short", "long"):
        # The best of two passes: on a shared machine the slower pass mostly measures the neighbours.
        seconds = []
        for _ in range(2):
            started = time.perf_counter()
            group_vectors = embedder.embed(texts[group], kind="passage")
            seconds.append(time.perf_counter() - started)
        vectors.append(group_vectors)
        speeds[group] = len(texts[group]) / min(seconds)
    np.save(args.vectors_out, np.concatenate(vectors))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3  # kilobytes on Linux
    result = {
        "name": args.worker,
        "load_s": load_s,
        "rss_before_mb": baseline_mb,
        "rss_loaded_mb": loaded_mb,
        "rss_peak_mb": peak_mb,
        "short_per_s": speeds["short"],
        "long_per_s": speeds["long"],
    }
    sys.stdout.write(json.dumps(result) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default=",".join(DEFAULT_MODELS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument(
        "--datasets",
        type=Path,
        default=Path(os.environ.get("RAPPORT_DATASETS", REPO.parent / "shared" / "datasets")),
    )
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("RAPPORT_DATA_DIR", "var")))
    parser.add_argument("--eval-json", type=Path, help="figures of eval/embeddings.py --json, for the quality deltas")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--vectors-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return 0

    results: dict[str, dict[str, Any]] = {}
    vectors: dict[str, np.ndarray] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name in args.models.split(","):
            out = Path(scratch) / f"{name}.npy"
            command = [
                sys.executable, __file__, "--worker", name, "--vectors-out", str(out),
                "--threads", str(args.threads), "--batch", str(args.batch),
                "--datasets", str(args.datasets), "--data-dir", str(args.data_dir),
            ]  # fmt: skip
            started = time.perf_counter()
            run = subprocess.run(command, capture_output=True, text=True, check=False)
            if run.returncode != 0:
                print(f"{name}: failed\n{run.stderr[-2000:]}", file=sys.stderr)
                continue
            results[name] = json.loads(run.stdout.strip().splitlines()[-1])
            vectors[name] = np.load(out)
            print(f"{name}: done in {time.perf_counter() - started:.0f} s", file=sys.stderr)

    print(f"\nSpeed and memory (batch {args.batch}, {args.threads} threads; texts/s, MB)")
    print("| embedder | load s | short texts/s | long texts/s | RSS after load | peak RSS | model RSS |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, r in results.items():
        print(
            f"| {name} | {r['load_s']:.1f} | {r['short_per_s']:.0f} | {r['long_per_s']:.0f} "
            f"| {r['rss_loaded_mb']:.0f} | {r['rss_peak_mb']:.0f} | {r['rss_loaded_mb'] - r['rss_before_mb']:.0f} |"
        )
    quality = json.loads(args.eval_json.read_text()) if args.eval_json else {}
    print("\nint8 against PyTorch (speed-up in texts/s; cosine of each text's two vectors; Δ = int8 minus PyTorch)")
    header = ["pair", "speed-up short", "speed-up long", "cosine mean", "cosine min"]
    header += [f"{task} {metric} Δ" for task in quality for metric in ("MRR", "macro-MRR")]
    print("| " + " | ".join(header) + " |")
    print("| --- " * len(header) + "|")
    for reference, int8 in PAIRS:
        if reference not in results or int8 not in results:
            continue
        cosines = (vectors[reference] * vectors[int8]).sum(axis=1)
        a, b = results[reference], results[int8]
        cells = [
            f"{int8} vs {reference}",
            f"{b['short_per_s'] / a['short_per_s']:.2f}x",
            f"{b['long_per_s'] / a['long_per_s']:.2f}x",
            f"{cosines.mean():.4f}",
            f"{cosines.min():.4f}",
        ]
        for rows in quality.values():
            for metric in ("mrr", "macro_mrr"):
                if reference in rows and int8 in rows:
                    cells.append(f"{rows[int8][metric] - rows[reference][metric]:+.3f}")
                else:
                    cells.append("")
        print("| " + " | ".join(cells) + " |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
