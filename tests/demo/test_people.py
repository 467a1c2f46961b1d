"""Tests for rapport.demo.people: reproducible, unique, well-formed and fast person drawing."""

import random
import re
import time

import pytest

from rapport.demo.people import Language, make_person

E164_BY_COUNTRY = {
    "US": re.compile(r"^\+1[2-9]\d{2}[2-9]\d{6}$"),
    "CA": re.compile(r"^\+1[2-9]\d{2}[2-9]\d{6}$"),
    "GB": re.compile(r"^\+447[4-9]\d{8}$"),
    "AU": re.compile(r"^\+614\d{8}$"),
    "CN": re.compile(r"^\+861[3-9]\d{9}$"),
}
POSTCODE_BY_COUNTRY = {
    "US": re.compile(r"^\d{5}$"),
    "CA": re.compile(r"^[A-Z]\d[A-Z] \d[A-Z]\d$"),
    "GB": re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}$"),
    "AU": re.compile(r"^\d{4}$"),
    "CN": re.compile(r"^\d{6}$"),
}
EMAIL = re.compile(r"^[a-z0-9._]+@[a-z0-9.-]+\.[a-z]{2,}$")
CJK = re.compile(r"[\u4e00-\u9fff]")


def draw(seed: int, language: Language, count: int) -> list[object]:
    rng = random.Random(seed)
    return [make_person(rng, language, serial) for serial in range(count)]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_make_person_is_deterministic_for_a_seed(language: Language) -> None:
    assert draw(42, language, 500) == draw(42, language, 500)
    assert draw(42, language, 500) != draw(43, language, 500)


def test_emails_are_unique_over_100000_people() -> None:
    rng = random.Random(7)
    emails = {make_person(rng, "en" if serial % 3 else "zh", serial).email for serial in range(100_000)}
    assert len(emails) == 100_000


@pytest.mark.parametrize("language", ["en", "zh"])
def test_people_have_valid_phones_postcodes_and_emails(language: Language) -> None:
    rng = random.Random(3)
    for serial in range(3_000):
        person = make_person(rng, language, serial)
        country = person.address["country"]
        assert E164_BY_COUNTRY[country].match(person.phone), person.phone
        assert POSTCODE_BY_COUNTRY[country].match(person.address["postal_code"]), person.address
        assert EMAIL.match(person.email), person.email
        assert person.email.split("@")[0].endswith(str(serial))
        assert person.gender in ("female", "male", "unknown")
        assert set(person.address) == {"line1", "city", "region", "postal_code", "country"}


def test_chinese_people_have_chinese_names_and_addresses() -> None:
    rng = random.Random(5)
    for serial in range(1_000):
        person = make_person(rng, "zh", serial)
        assert person.full_name == person.last_name + person.first_name
        assert CJK.search(person.full_name)
        assert person.address["country"] == "CN"
        assert person.address["line1"].endswith(("号", "室")) or person.address["line1"][-1].isdigit()
        assert CJK.search(person.address["city"])


def test_english_people_spread_over_four_countries() -> None:
    rng = random.Random(11)
    countries = {make_person(rng, "en", serial).address["country"] for serial in range(2_000)}
    assert countries == {"US", "GB", "CA", "AU"}


def test_make_person_rejects_a_negative_serial() -> None:
    with pytest.raises(ValueError, match="serial"):
        make_person(random.Random(1), "en", -1)


def test_make_person_rejects_an_unknown_language() -> None:
    with pytest.raises(ValueError, match="language"):
        make_person(random.Random(1), "fr", 0)


def test_100000_people_take_under_two_seconds() -> None:
    rng = random.Random(1)
    started = time.process_time()  # CPU time, so a busy machine does not fail the test
    for serial in range(100_000):
        make_person(rng, "en" if serial % 2 else "zh", serial)
    assert time.process_time() - started < 2.0
