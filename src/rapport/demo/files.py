"""The demo company as export files (CSV, JSONL, Excel) instead of database rows: realistic files to import, of any
size, written in constant memory without a database. The same seed gives the same files."""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import phonenumbers

from rapport.demo.catalog import ProductSpec, make_products
from rapport.demo.people import make_person

CUSTOMER_COLUMNS: Final = (
    "customer_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "gender",
    "birth_date",
    "language",
    "address",
    "city",
    "region",
    "postal_code",
    "country",
    "created_at",
    "tags",
    "accepts_marketing",
)
PRODUCT_COLUMNS: Final = ("sku", "name", "name_zh", "category", "brand", "price", "currency", "stock")
ORDER_COLUMNS: Final = (
    "order_number",
    "customer_id",
    "email",
    "placed_at",
    "status",
    "currency",
    "sku",
    "product_name",
    "quantity",
    "unit_price",
    "shipping",
)
ANCHOR: Final = datetime(2026, 1, 1, tzinfo=UTC)
_GENDER_CODES: Final = {"male": ("M", "male", "男"), "female": ("F", "female", "女"), "unknown": ("", "U", "")}
_TAGS: Final = ("vip", "newsletter", "wholesale", "returning", "b2b", "会员", "")
_STATUSES: Final = ("paid",) * 6 + ("shipped", "delivered", "delivered", "cancelled", "returned")


def customer_rows(n: int, *, seed: int = 7, zh_share: float = 0.4) -> Iterator[dict[str, str]]:
    """`n` customers as a CRM export writes them: phones formatted for people, genders as M/F/男/女."""
    rng = random.Random(seed)
    for serial in range(n):
        language = "zh" if rng.random() < zh_share else "en"
        person = make_person(rng, language, serial)
        address = person.address
        created = ANCHOR - timedelta(seconds=rng.randrange(5 * 365 * 86400))
        yield {
            "customer_id": f"C{serial + 1:07d}",
            "first_name": person.first_name,
            "last_name": person.last_name,
            "email": person.email,
            "phone": _display_phone(rng, person.phone, address["country"]),
            "gender": rng.choice(_GENDER_CODES[person.gender]),
            "birth_date": person.birth_date.isoformat() if person.birth_date else "",
            "language": person.language,
            "address": address.get("line1", ""),
            "city": address.get("city", ""),
            "region": address.get("region", ""),
            "postal_code": address.get("postal_code", ""),
            "country": address.get("country", ""),
            "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tags": rng.choice(_TAGS),
            "accepts_marketing": rng.choice(("yes", "no", "no")),
        }


def _display_phone(rng: random.Random, e164: str, country: str) -> str:
    """Half in national format (read with the row's country), half international, as exports mix them."""
    if rng.random() < 0.5:
        return e164
    number = phonenumbers.parse(e164, None)
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL if rng.random() < 0.5 else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, fmt) if country else e164


def product_rows(*, seed: int = 7, count: int = 240) -> list[dict[str, str]]:
    return [_product_row(p) for p in make_products(random.Random(seed), count)]


def _product_row(p: ProductSpec) -> dict[str, str]:
    return {
        "sku": p.sku,
        "name": p.name_en,
        "name_zh": p.name_zh,
        "category": p.category,
        "brand": p.brand,
        "price": str(p.price),
        "currency": p.currency,
        "stock": str(p.stock),
    }


def order_rows(customers: int, *, seed: int = 7, orders_per_customer: float = 2.0) -> Iterator[dict[str, str]]:
    """Order lines (one row per line item, the order repeated on each) for the customers `customer_rows` makes."""
    rng = random.Random(seed + 1)
    products = make_products(random.Random(seed), 240)
    number = 100_000
    for serial, customer in enumerate(customer_rows(customers, seed=seed)):
        for _ in range(_poisson(rng, orders_per_customer)):
            number += 1
            placed = ANCHOR - timedelta(seconds=rng.randrange(3 * 365 * 86400))
            status = rng.choice(_STATUSES)
            for product in rng.sample(products, rng.randint(1, 3)):
                yield {
                    "order_number": f"SO{number}",
                    "customer_id": f"C{serial + 1:07d}",
                    "email": customer["email"],
                    "placed_at": placed.strftime("%Y-%m-%d %H:%M:%S"),
                    "status": status,
                    "currency": product.currency,
                    "sku": product.sku,
                    "product_name": product.name_en,
                    "quantity": str(rng.choice((1, 1, 1, 2, 3))),
                    "unit_price": str(product.price),
                    "shipping": rng.choice(("0.00", "4.99", "9.99")),
                }


def _poisson(rng: random.Random, mean: float) -> int:
    count, threshold, product = 0, pow(2.718281828459045, -mean), rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def write(path: Path, rows: Iterable[dict[str, Any]], columns: Iterable[str]) -> int:
    """Write rows as CSV (UTF-8), JSONL or Excel by the file's suffix; returns how many rows were written."""
    header = list(columns)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".jsonl":
        return _write_jsonl(path, rows)
    if suffix == ".xlsx":
        return _write_xlsx(path, rows, header)
    if suffix not in (".csv", ".txt"):
        raise ValueError(f"unsupported file type {suffix!r}: use .csv, .jsonl or .xlsx")
    count = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def _write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def _write_xlsx(path: Path, rows: Iterable[dict[str, Any]], header: list[str]) -> int:
    from openpyxl import Workbook  # only Excel files need it

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("data")
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append([row.get(column, "") for column in header])
        count += 1
    workbook.save(path)
    return count


def write_customers(path: Path, n: int, *, seed: int = 7) -> int:
    return write(path, customer_rows(n, seed=seed), CUSTOMER_COLUMNS)


def write_products(path: Path, *, seed: int = 7) -> int:
    return write(path, product_rows(seed=seed), PRODUCT_COLUMNS)


def write_orders(path: Path, customers: int, *, seed: int = 7) -> int:
    return write(path, order_rows(customers, seed=seed), ORDER_COLUMNS)
