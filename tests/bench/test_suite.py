"""The benchmark suite end to end at a tiny scale: every section it runs reports a figure, a baseline and a ratio."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SECTIONS = {"import", "api", "customer360", "search", "analytics", "retrieval"}


@pytest.mark.slow
def test_suite_writes_every_section_with_figure_baseline_and_ratio(tmp_path: Path) -> None:
    # given a tiny scale (500 customers), short loads and a small retrieval corpus, without the model sections
    out, docs = tmp_path / "suite.json", tmp_path / "BENCHMARKS.md"
    docs.write_text("# Benchmarks\n\nbefore\n\n<!-- suite:begin -->\nold\n<!-- suite:end -->\n\nafter\n")
    command = [
        sys.executable, str(REPO / "bench" / "suite.py"), "--scale", "0.0005", "--skip", "llm,classifier",
        "--out", str(out), "--docs", str(docs), "--workdir", str(tmp_path / "work"), "--load-s", "1",
        "--concurrency", "4", "--requests", "20", "--chunks", "1000", "--budget-s", "5",
    ]  # fmt: skip

    # when the suite runs
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, cwd=tmp_path, check=False)

    # then every section has rows with numbers, the machine and data are described, and the table replaced the old
    assert done.returncode == 0, done.stderr[-3000:]
    document = json.loads(out.read_text())
    assert set(document["sections"]) == SECTIONS
    for name, section in document["sections"].items():
        assert "rows" in section, f"{name}: {section}"
        for row in section["rows"]:
            assert row["figure"] > 0, (name, row)
            assert row["baseline"] > 0, (name, row)
            assert math.isclose(row["ratio"], row["figure"] / row["baseline"]), (name, row)
    assert document["data"]["customers"] == 500
    assert document["machine"]["cores"] >= 1
    text = docs.read_text()
    assert "old" not in text
    assert text.startswith("# Benchmarks\n\nbefore")
    assert text.endswith("after\n")
    assert "| api | API read mix throughput (req/s) |" in text


def test_unknown_section_is_refused() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "suite.py"), "--only", "nonsense"], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "unknown sections: nonsense" in done.stderr
