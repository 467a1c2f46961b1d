"""Linking the values a question names to the values stored: "Shanghai" and "上海" both find 上海市, "China" finds CN.

Only fields marked `is_linked` in the semantic layer are linked (cities, countries, categories, brands, companies,
products). The stored values are read with one DISTINCT query per field and question, so a new city needs no
configuration; a value that matches nothing is kept as given (the answer then has no rows, and says why).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.ask.semantic import Field

MAX_VALUES = 5000
COUNTRIES = {
    "CN": ("china", "prc", "mainland china", "中国", "中國", "国内"),
    "US": ("united states", "usa", "us", "america", "united states of america", "美国"),
    "GB": ("united kingdom", "uk", "britain", "great britain", "england", "英国"),
    "CA": ("canada", "加拿大"),
    "AU": ("australia", "澳大利亚", "澳洲"),
}
_SUFFIXES = ("市", "省", "区", "县", " city")


def _plain(value: str) -> str:
    text = unicodedata.normalize("NFKC", value).strip().lower()
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
    return re.sub(r"[\s\-_'.]+", "", text)


@cache
def _pinyin(value: str) -> str:
    if not re.search(r"[\u4e00-\u9fff]", value):
        return ""
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(_plain(value)))


def _keys(value: str) -> set[str]:
    keys = {_plain(value)}
    spelled = _pinyin(value)
    if spelled:
        keys.add(spelled)
    return keys - {""}


def link(session: Session, field: Field, values: list[str]) -> tuple[list[str], list[str]]:
    """The stored values the given ones stand for, and the given values that matched nothing."""
    if field.name == "customer.country":
        values = [_country(v) for v in values]
    column = field.column_of()
    stored = [v for v in session.scalars(select(column).where(column.is_not(None)).distinct().limit(MAX_VALUES)) if v]
    exact = set(stored)
    by_key: dict[str, list[str]] = {}
    for value in stored:
        for key in _keys(str(value)):
            by_key.setdefault(key, []).append(str(value))
    linked: list[str] = []
    unmatched: list[str] = []
    for value in values:
        if value in exact:
            linked.append(value)
            continue
        found = sorted({hit for key in _keys(value) for hit in by_key.get(key, [])})
        if found:
            linked.extend(found)
        else:
            linked.append(value)
            unmatched.append(value)
    return linked, unmatched


def _country(value: str) -> str:
    plain = value.strip().lower()
    for code, names in COUNTRIES.items():
        if plain == code.lower() or plain in names:
            return code
    return value
