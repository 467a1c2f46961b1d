"""The English and Chinese catalogues are complete, and every message a page asks for exists."""

from __future__ import annotations

import re
from pathlib import Path

from rapport.web import i18n

WEB = Path(i18n.__file__).parent
DYNAMIC = re.compile(r"""t\(["']([a-z0-9_.]+\.)["']\s*~""")
FIXED = re.compile(r"""\bt\(["']([a-z0-9_]+\.[a-z0-9_.-]*[a-z0-9_-])["']""")


def _sources() -> str:
    files = [*WEB.glob("templates/**/*.html"), *WEB.glob("*.py")]
    return "\n".join(f.read_text(encoding="utf-8") for f in files)


def test_both_catalogues_have_the_same_keys() -> None:
    assert set(i18n.EN) - set(i18n.ZH) == set()
    assert set(i18n.ZH) - set(i18n.EN) == set()


def test_every_fixed_key_used_by_a_page_exists() -> None:
    used = set(FIXED.findall(_sources()))

    assert sorted(used - set(i18n.EN)) == []


def test_every_prefix_used_with_a_value_has_messages() -> None:
    prefixes = set(DYNAMIC.findall(_sources()))

    assert sorted(p for p in prefixes if not any(k.startswith(p) for k in i18n.EN)) == []


def test_fields_are_the_same_in_both_languages() -> None:
    field = re.compile(r"{(\w+)}")
    differing = [k for k in i18n.EN if set(field.findall(i18n.EN[k])) != set(field.findall(i18n.ZH[k]))]

    assert differing == []


def test_unknown_intent_reads_as_words() -> None:
    t = i18n.translator("zh")

    assert t.intent("late_delivery") == "配送延误"
    assert t.intent("gift_wrapping") == "Gift wrapping"
