"""Duplicate detection: precision and recall on generated customers with known duplicates, and the time it takes.

    .venv/bin/python eval/dedupe.py --customers 100000

Base customers come from the demo's people generator (English and Chinese). A share of them get a second record the
way real systems produce one: a typo in the name, the name written "LAST, First" or surname first, a Chinese name
written in pinyin, another email, the phone in national format, the email in capitals. Known non-duplicates that
look alike are added on purpose: family members who share an email, a phone and an address (different given names
and birth dates), and namesakes. Every record goes through the import's own cleaning functions before matching.
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from dataclasses import dataclass
from datetime import date, timedelta

import phonenumbers

from rapport.demo.people import make_person
from rapport.ingest.cleaning import clean_email, clean_name
from rapport.ingest.dedupe import LIKELY, POSSIBLE, Person, find, name_tokens
from rapport.ingest.phones import clean_phone


@dataclass
class Record:
    id: int
    name: str
    email: str
    phone: str
    address: str
    birth_date: date | None
    region: str


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.random()
    if kind < 0.33:
        return text[:i] + text[i + 1 :]
    if kind < 0.66:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[:i] + rng.choice("aeiourstn") + text[i + 1 :]


def _national(phone: str) -> str:
    return phonenumbers.format_number(phonenumbers.parse(phone), phonenumbers.PhoneNumberFormat.NATIONAL)


def _variant(rng: random.Random, base: Record, new_id: int, serial: int) -> tuple[Record, str]:
    """A second record of the same person, as another system or a person typing it would make it."""
    name, email, phone = base.name, base.email, base.phone
    is_chinese = bool(name_tokens(name)) and not name.isascii()
    kinds = ["typo", "order", "other_email", "formats"] + (["pinyin", "pinyin"] if is_chinese else ["typo"])
    kind = rng.choice(kinds)
    if kind == "typo" and name.isascii():
        first, _, last = name.partition(" ")
        name = f"{_typo(rng, first)} {last}" if rng.random() < 0.5 else f"{first} {_typo(rng, last)}"
    elif kind == "typo" or kind == "pinyin":
        surname, given = name_tokens(name)[0], "".join(name_tokens(name)[1:])
        name = f"{given.title()} {surname.title()}" if rng.random() < 0.5 else f"{surname.upper()}, {given.title()}"
    elif kind == "order":
        first, _, last = name.partition(" ")
        name = f"{last.upper()}, {first}" if last else name
    if kind in ("other_email", "pinyin", "typo") and rng.random() < 0.7:
        email = f"{name_tokens(name)[0]}.{serial}@{rng.choice(['work.com', 'mail.cn', 'example.org'])}"
    if kind == "formats" or rng.random() < 0.5:
        phone = _national(phone)
        email = email.upper()
    if rng.random() < 0.25:  # moved on: a new phone, and half the time a new email too
        phone = make_person(rng, "zh" if not base.name.isascii() else "en", serial + 10_000_000).phone
        if rng.random() < 0.5:
            email = f"new.{serial}@{rng.choice(['work.com', 'mail.cn', 'example.org'])}"
    address = base.address if rng.random() < 0.6 else ""
    return Record(
        new_id, name, email, phone, address, base.birth_date if rng.random() < 0.5 else None, base.region
    ), kind


def _relative(rng: random.Random, base: Record, new_id: int, serial: int) -> Record:
    """A family member: same email, phone and address, another given name and birth date. Not a duplicate."""
    other = make_person(rng, "zh" if not base.name.isascii() else "en", serial)
    while other.first_name in base.name:
        other = make_person(rng, "zh" if not base.name.isascii() else "en", serial)
    if base.name.isascii():
        name = f"{other.first_name} {base.name.partition(' ')[2]}"
    else:
        name = f"{base.name[0]}{other.first_name}"  # same surname, another given name
    birth = (base.birth_date or date(1980, 1, 1)) + timedelta(days=rng.randrange(3000, 12000))
    return Record(new_id, name, base.email, base.phone, base.address, birth, base.region)


def generate(
    customers: int, seed: int, duplicate_share: float, family_share: float
) -> tuple[list[Record], set[tuple[int, int]], set[int]]:
    rng = random.Random(seed)
    records: list[Record] = []
    truth: set[tuple[int, int]] = set()
    serial = 0
    base_count = int(customers / (1 + duplicate_share + family_share))
    for _ in range(base_count):
        person = make_person(rng, "zh" if rng.random() < 0.4 else "en", serial)
        serial += 1
        address = " ".join(person.address.get(k, "") for k in ("line1", "city", "postal_code"))
        records.append(
            Record(len(records) + 1, person.full_name, person.email, person.phone, address, person.birth_date,
                   person.address.get("country", "US"))
        )  # fmt: skip
    bases = list(records)
    for base in rng.sample(bases, int(base_count * duplicate_share)):
        duplicate, _kind = _variant(rng, base, len(records) + 1, serial)
        serial += 1
        records.append(duplicate)
        truth.add((base.id, duplicate.id))
    families: set[int] = set()
    for base in rng.sample(bases, int(base_count * family_share)):
        records.append(_relative(rng, base, len(records) + 1, serial))
        families.add(records[-1].id)
        serial += 1
    return records, truth, families


def to_person(record: Record) -> Person:
    """Through the import's cleaning, as an imported row would be."""
    return Person.of(
        id=record.id,
        name=clean_name(record.name),
        emails=[clean_email(record.email)],
        phones=[clean_phone(record.phone, record.region)],
        address=record.address,
        birth_date=record.birth_date,
    )


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--duplicate-share", type=float, default=0.10)
    parser.add_argument("--family-share", type=float, default=0.03)
    args = parser.parse_args()

    records, truth, families = generate(args.customers, args.seed, args.duplicate_share, args.family_share)
    people = [to_person(r) for r in records]
    started, cpu = time.perf_counter(), _cpu_s()
    matches = find(people, min_score=POSSIBLE)
    seconds, cpu = time.perf_counter() - started, _cpu_s() - cpu
    print(
        f"{len(people):,} customers, {len(truth):,} known duplicate pairs, {len(families):,} family members; "
        f"matching took {seconds:.1f} s wall, {cpu:.1f} s CPU ({len(people) / cpu:,.0f} customers per CPU second)"
    )
    for label, threshold in (("likely", LIKELY), ("possible", POSSIBLE)):
        found = {(m.a, m.b) for m in matches if m.score >= threshold}
        hits = len(found & truth)
        precision = hits / len(found) if found else 0.0
        recall = hits / len(truth) if truth else 0.0
        family_errors = sum(1 for a, b in found - truth if a in families or b in families)
        print(
            f"score >= {threshold:.2f} ({label}): {len(found):,} pairs, "
            f"precision {precision:.3f}, recall {recall:.3f}, "
            f"F1 {2 * precision * recall / (precision + recall or 1):.3f}; family members taken for one person: "
            f"{family_errors}"
        )


if __name__ == "__main__":
    main()
