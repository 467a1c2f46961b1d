"""Realistic English- and Chinese-speaking people (names, birth dates, emails, phones, addresses) for the demo."""

import datetime as dt
import random
from dataclasses import dataclass
from typing import Final, Literal

from rapport.demo import people_data as data
from rapport.demo.people_data import Gender

Language = Literal["en", "zh"]


@dataclass(frozen=True, slots=True)
class PersonSpec:
    first_name: str
    last_name: str
    full_name: str
    gender: Gender
    birth_date: dt.date | None
    language: Language
    email: str
    phone: str
    address: dict[str, str]


_BIRTH_FIRST: Final = dt.date(1950, 1, 1).toordinal()
_BIRTH_SPAN: Final = dt.date(2006, 12, 31).toordinal() - _BIRTH_FIRST + 1
_UNKNOWN_GENDER_RATE: Final = 0.04  # people who never told us
_NO_BIRTH_DATE_RATE: Final = 0.1


def make_person(rng: random.Random, language: str, serial: int) -> PersonSpec:
    """Draw one person; distinct non-negative `serial`s always give distinct emails.

    The email's local part is a name-based stem ending in a letter (or a fixed five-digit QQ-style prefix) followed by
    the serial in decimal, so the serial can be read back from the email and two serials never collide.
    """
    if serial < 0:
        raise ValueError("serial must be non-negative")
    if language == "en":
        return _make_english(rng, serial)
    if language == "zh":
        return _make_chinese(rng, serial)
    raise ValueError(f"unsupported language: {language!r}")


def _birth_date(rng: random.Random) -> dt.date | None:
    if rng.random() < _NO_BIRTH_DATE_RATE:
        return None
    return dt.date.fromordinal(_BIRTH_FIRST + int(rng.random() * _BIRTH_SPAN))


def _make_english(rng: random.Random, serial: int) -> PersonSpec:
    first, first_slug, gender = data.pick(rng, data.EN_FIRST_NAMES)
    last, last_slug = data.pick(rng, data.EN_LAST_NAMES)
    country = data.pick(rng, data.EN_COUNTRY_DRAW)
    pattern = int(rng.random() * 6)
    if pattern == 0:
        stem = f"{first_slug}{last_slug}"
    elif pattern == 1:
        stem = f"{first_slug[0]}{last_slug}"
    elif pattern == 2:
        stem = f"{first_slug}_{last_slug}"
    elif pattern == 3:
        stem = f"{last_slug}.{first_slug}"
    else:
        stem = f"{first_slug}.{last_slug}"
    domain = data.pick(rng, data.EN_DOMAINS[country])
    phone, address = data.CONTACT_MAKERS[country](rng)
    return PersonSpec(
        first_name=first,
        last_name=last,
        full_name=f"{first} {last}",
        gender="unknown" if rng.random() < _UNKNOWN_GENDER_RATE else gender,
        birth_date=_birth_date(rng),
        language="en",
        email=f"{stem}{serial}@{domain}",
        phone=phone,
        address=address,
    )


def _make_chinese(rng: random.Random, serial: int) -> PersonSpec:
    surname, surname_py = data.pick(rng, data.ZH_SURNAME_DRAW)
    given, given_py, gender = data.pick(rng, data.ZH_GIVEN_NAMES)
    pattern = int(rng.random() * 8)
    domain = data.pick(rng, data.ZH_DOMAINS)
    if pattern == 0:
        # QQ numbers: a fixed-width prefix keeps the serial recoverable, so uniqueness still holds.
        email = f"{data.between(rng, 10_000, 100_000)}{serial}@qq.com"
    else:
        if pattern == 1:
            stem = f"{given_py}{surname_py}"
        elif pattern == 2:
            stem = f"{surname_py}{given_py}"
        elif pattern == 3:
            stem = f"{surname_py}_{given_py}"
        elif pattern == 4:
            stem = f"{surname_py[0]}{given_py}"
        else:
            stem = f"{surname_py}.{given_py}"
        email = f"{stem}{serial}@{domain}"
    return PersonSpec(
        first_name=given,
        last_name=surname,
        full_name=f"{surname}{given}",
        gender="unknown" if rng.random() < _UNKNOWN_GENDER_RATE else gender,
        birth_date=_birth_date(rng),
        language="zh",
        email=email,
        phone=f"+86{data.pick(rng, data.ZH_MOBILE_PREFIXES)}{data.below(rng, 100_000_000):08d}",
        address=data.make_chinese_address(rng),
    )
