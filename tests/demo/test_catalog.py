"""Tests for rapport.demo.catalog: a reproducible, bilingual, well-formed product catalogue."""

import random
import re
from decimal import Decimal

from rapport.demo.catalog import CATEGORIES, make_products

SKU = re.compile(r"^[A-Z]{3}-\d{5}$")
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_make_products_is_deterministic_for_a_seed() -> None:
    assert make_products(random.Random(9)) == make_products(random.Random(9))
    assert make_products(random.Random(9)) != make_products(random.Random(10))


def test_products_have_unique_skus_and_names() -> None:
    products = make_products(random.Random(1), n=240)
    assert len(products) == 240
    assert len({p.sku for p in products}) == 240
    assert len({p.name_en for p in products}) == 240
    assert all(SKU.match(p.sku) for p in products)


def test_products_cover_at_least_ten_categories_evenly() -> None:
    products = make_products(random.Random(2), n=240)
    per_category = {name: sum(p.category == name for p in products) for name, _ in CATEGORIES}
    assert len(per_category) >= 10
    assert set(per_category.values()) == {240 // len(CATEGORIES)}


def test_products_have_prices_stock_and_chinese_names() -> None:
    products = make_products(random.Random(3), n=240)
    assert all(p.price > 0 and p.price == p.price.quantize(Decimal("0.01")) for p in products)
    assert all(p.currency == "USD" for p in products)
    assert any(p.stock == 0 for p in products)
    assert all(p.stock >= 0 for p in products)
    assert all(CJK.search(p.name_zh) and CJK.search(p.category_zh) for p in products)


def test_a_large_catalogue_still_has_unique_names() -> None:
    products = make_products(random.Random(4), n=3_000)
    assert len({p.name_en for p in products}) == 3_000
    assert len({p.sku for p in products}) == 3_000
