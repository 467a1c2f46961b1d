"""Demo export files: the same seed gives the same files, in every format, and they import cleanly."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from rapport.demo.files import (
    CUSTOMER_COLUMNS,
    customer_rows,
    order_rows,
    write_customers,
    write_orders,
    write_products,
)


def test_same_seed_same_rows() -> None:
    assert list(customer_rows(50, seed=3)) == list(customer_rows(50, seed=3))
    assert list(customer_rows(5, seed=3)) != list(customer_rows(5, seed=4))


def test_customer_rows_look_like_a_crm_export() -> None:
    rows = list(customer_rows(300))

    assert len({r["email"] for r in rows}) == 300
    assert {r["gender"] for r in rows} <= {"M", "F", "male", "female", "男", "女", "U", ""}
    assert any(not r["phone"].startswith("+") for r in rows)  # some national formats, read with the row's country
    assert {r["language"] for r in rows} == {"en", "zh"}


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".xlsx"])
def test_write_customers_in_each_format(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"customers{suffix}"

    count = write_customers(path, 20)

    assert count == 20
    if suffix == ".csv":
        rows = list(csv.DictReader(path.open(encoding="utf-8")))
        assert list(rows[0]) == list(CUSTOMER_COLUMNS)
    elif suffix == ".jsonl":
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    else:
        sheet = load_workbook(path, read_only=True).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))[1:]  # type: ignore[arg-type]
    assert len(rows) == 20


def test_orders_repeat_the_order_on_each_line(tmp_path: Path) -> None:
    lines = list(order_rows(30))
    numbers = [line["order_number"] for line in lines]

    assert write_orders(tmp_path / "orders.csv", 30) == len(lines)
    assert write_products(tmp_path / "products.csv") == 240
    assert len(set(numbers)) < len(numbers)
    assert {line["customer_id"] for line in lines} <= {f"C{i:07d}" for i in range(1, 31)}
