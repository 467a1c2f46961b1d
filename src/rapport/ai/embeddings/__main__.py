"""`python -m rapport.ai.embeddings`: prepare the local embedding models (e5 folder, int8 exports) and try one.

    python -m rapport.ai.embeddings export [MODEL...] [--data-dir var] [--force]
    python -m rapport.ai.embeddings embed NAME TEXT... [--kind query|passage]

A standalone entry point so the preparation runs in an install script before any CLI wiring; `rapport` sub-commands
can call the same functions.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from rapport.ai.embeddings import EMBEDDERS, MODELS, build_embedder, export_int8


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rapport.ai.embeddings")
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("RAPPORT_DATA_DIR", "var")))
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help="write the ONNX int8 export of each model under DATA_DIR/models")
    export.add_argument(
        "models", nargs="*", default=sorted(MODELS), help=f"default: all of {', '.join(sorted(MODELS))}"
    )
    export.add_argument("--force", action="store_true", help="export again even if a finished export is there")
    embed = commands.add_parser("embed", help="print the first values and the norm of each text's vector")
    embed.add_argument("name", choices=sorted(EMBEDDERS))
    embed.add_argument("texts", nargs="+")
    embed.add_argument("--kind", choices=["query", "passage"], default="query")
    args = parser.parse_args(argv)

    if args.command == "export":
        for name in args.models:
            if name not in MODELS:
                parser.error(f"unknown model {name!r}; known: {', '.join(sorted(MODELS))}")
            started = time.perf_counter()
            folder = export_int8(MODELS[name], args.data_dir, force=args.force)
            size_mb = (folder / "model.onnx").stat().st_size / 1e6
            sys.stdout.write(f"{name}: {folder} ({size_mb:.0f} MB, {time.perf_counter() - started:.0f} s)\n")
        return 0
    embedder = build_embedder(args.name, args.data_dir)
    vectors = embedder.embed(args.texts, kind=args.kind)
    for text, vector in zip(args.texts, vectors, strict=True):
        head = json.dumps([round(float(value), 4) for value in vector[:4]])
        sys.stdout.write(f"{text!r}: dim {vector.shape[0]}, first {head}, norm {float((vector**2).sum()) ** 0.5:.3f}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
