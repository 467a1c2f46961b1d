"""Phone numbers to E.164, and the fast paths that must agree with libphonenumber."""

from __future__ import annotations

import random
from typing import Any

import phonenumbers
import pytest

from rapport.ingest.phones import _fast_e164, _fast_national, clean_phone, clean_phones


@pytest.mark.parametrize(
    ("raw", "region", "clean"),
    [
        ("(415) 555-0134", "US", "+14155550134"),
        ("+1 415-555-0134", None, "+14155550134"),
        ("+86 139 1234 5678", None, "+8613912345678"),
        ("139-1234-5678", "CN", "+8613912345678"),
        ("8613912345678", "CN", "+8613912345678"),
        ("0086 139 1234 5678", None, "+8613912345678"),
        ("+44 (0)20 7946 0958", None, "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("tel: +14155550134", None, "+14155550134"),
        ("１３９１２３４５６７８", "CN", "+8613912345678"),
        (8613912345678.0, "CN", "+8613912345678"),
    ],
)
def test_clean_phone_to_e164(raw: str, region: str | None, clean: str) -> None:
    assert clean_phone(raw, region) == clean


@pytest.mark.parametrize(("raw", "region"), [("555-0134", None), ("12", "US"), ("not a phone", "US"), ("+1 415", None)])
def test_clean_phone_refuses_impossible_numbers(raw: str, region: str | None) -> None:
    with pytest.raises(ValueError, match=r"."):
        clean_phone(raw, region)


def test_clean_phones_splits_a_cell_with_several() -> None:
    assert clean_phones("+14155550134 / +8613912345678") == ["+14155550134", "+8613912345678"]


@pytest.mark.parametrize("region", ["US", "CA", "CN", "GB", "AU", "HK", "SG"])
def test_fast_paths_agree_with_libphonenumber(region: str) -> None:
    """Whenever a fast path answers, libphonenumber gives the same answer (when it does not, libphonenumber decides)."""
    rng = random.Random(region)
    samples = ["".join(rng.choice("0123456789") for _ in range(rng.choice((8, 10, 11)))) for _ in range(3000)]
    example = phonenumbers.format_number(phonenumbers.example_number(region), phonenumbers.PhoneNumberFormat.E164)
    answered = 0

    for text in [*samples, example, f"+{example[1:3]} {example[3:]}"]:
        fast = _fast_e164(text) if text.startswith("+") else _fast_national(text, region)
        if fast is None:
            continue
        answered += 1
        parsed = phonenumbers.parse(text, region)
        assert phonenumbers.is_possible_number(parsed), text
        assert fast == phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), text
    assert answered > 0


def _outcome(clean: Any, raw: str, region: str | None) -> tuple[str, object]:
    try:
        return "clean", clean(raw, region)
    except ValueError as exc:
        return "refused", str(exc)


@pytest.mark.parametrize(
    "raw", ["+14155550134", "+8613912345678", "+442079460958", "+85291234567", "+1415555013", "+999123456", "+0012345"]
)
@pytest.mark.parametrize("region", [None, "US", "CN"])
def test_a_plain_e164_cell_is_cleaned_as_one_number_would_be(raw: str, region: str | None) -> None:
    """clean_phones' shortcut for `+` and digits only gives what splitting and clean_phone give."""
    single = _outcome(clean_phone, raw, region)

    assert _outcome(clean_phones, raw, region) == (single if single[0] == "refused" else ("clean", [single[1]]))
