"""Blind indexes of a customer's encrypted name, emails and phones: exact and word search without the plaintext.

Three columns beside the ciphertext, all keyed HMACs (rapport/privacy/crypto.py):
- `email_bidx`, `phone_bidx`: the primary email (lower case) and phone (E.164 digits), indexed, for exact lookups
  (import matching, inbound mail, the widget's verification, `?email=` filters);
- `search_bidx`: a space-separated set of short hashes of every name word and its prefixes from three letters
  (Chinese names: every run of one to four characters), every known email and every phone (whole and national
  number), so the customer search box finds "ale" in Alexander, "小明" in 王小明, a secondary email or a phone typed
  without its country code. A search is then `LIKE '% <hash> %'` per word, as the plaintext search was a LIKE.

Prefix hashes reveal to someone holding the database that two customers share a name prefix, not what it is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

import phonenumbers
from sqlalchemy import ColumnElement, and_, false, or_

from rapport.customers.models import Customer
from rapport.privacy.crypto import blind_index

MIN_PREFIX = 3
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)
SEARCH_HASH_CHARS = 16


def normal_email(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    return value or None


def phone_digits(value: str | None) -> list[str]:
    """The digit strings a phone may be searched by: the whole number and, when it parses, the national number."""
    if not value:
        return []
    digits = re.sub(r"\D", "", value)
    if len(digits) < 5:
        return []
    found = [digits]
    try:
        parsed = phonenumbers.parse(value if value.startswith("+") else "+" + digits, None)
        national = str(parsed.national_number)
        if national != digits:
            found.append(national)
    except phonenumbers.NumberParseException:
        pass
    return found


def email_index(value: str | None) -> str | None:
    email = normal_email(value)
    return blind_index("email", email) if email else None


def phone_index(value: str | None) -> str | None:
    digits = phone_digits(value)
    return blind_index("phone", digits[0]) if digits else None


def name_words(name: str | None) -> list[str]:
    text = unicodedata.normalize("NFKC", name or "").casefold()
    return WORD.findall(text)


def _name_terms(name: str | None) -> set[str]:
    terms: set[str] = set()
    for word in name_words(name):
        if CJK.search(word):
            chars = word[:12]
            terms.update(chars[i : i + n] for n in range(1, 5) for i in range(len(chars) - n + 1))
        else:
            terms.add(word)
            terms.update(word[:n] for n in range(MIN_PREFIX, len(word)))
    return terms


def _hash(kind: str, term: str) -> str:
    return blind_index(kind, term)[:SEARCH_HASH_CHARS]


def search_index(full_name: str | None, emails: Iterable[str | None], phones: Iterable[str | None]) -> str:
    hashes = {_hash("name", term) for term in _name_terms(full_name)}
    hashes.update(_hash("email", e) for e in map(normal_email, emails) if e)
    hashes.update(_hash("phone", d) for p in phones for d in phone_digits(p))
    return " " + " ".join(sorted(hashes)) + " " if hashes else ""


def index_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The three blind-index columns for a row of customer values (for Core inserts and updates)."""
    emails = [values.get("email"), *(values.get("emails") or [])]
    phones = [values.get("phone"), *(values.get("phones") or [])]
    return {
        "email_bidx": email_index(values.get("email")),
        "phone_bidx": phone_index(values.get("phone")),
        "search_bidx": search_index(values.get("full_name"), emails, phones),
    }


def refresh(customer: Customer) -> None:
    """Set the blind indexes from the customer's current values (the ORM calls it before every insert/update)."""
    values = {key: getattr(customer, key) for key in ("full_name", "email", "phone", "emails", "phones")}
    for key, value in index_values(values).items():
        if getattr(customer, key) != value:
            setattr(customer, key, value)


def email_clause(value: str) -> ColumnElement[bool]:
    index = email_index(value)
    return Customer.email_bidx == index if index else false()


def phone_clause(value: str) -> ColumnElement[bool]:
    index = phone_index(value)
    return Customer.phone_bidx == index if index else false()


def search_clause(text: str) -> ColumnElement[bool]:
    """Customers whose name has every word of `text` (as a word or a prefix of one), or whose email or phone it is."""
    text = text.strip()
    if "@" in text and " " not in text:
        return Customer.search_bidx.like(f"% {_hash('email', normal_email(text) or '')} %")
    digits = re.sub(r"[\s().+-]", "", text)
    if digits.isdigit() and len(digits) >= 5:
        return Customer.search_bidx.like(
            f"% {_hash('phone', digits.lstrip('0') if text.startswith('00') else digits)} %"
        )
    words = name_words(text)
    if len(words) > 1:  # a word still being typed ("ann le") is too short to have a prefix hash: match the rest
        words = [w for w in words if len(w) >= MIN_PREFIX or CJK.search(w)] or words
    if not words:
        return false()
    clauses = []
    for word in words[:8]:
        if CJK.search(word):
            word = word[:4]
        clauses.append(Customer.search_bidx.like(f"% {_hash('name', word)} %"))
    return and_(*clauses) if len(clauses) > 1 else or_(*clauses)
