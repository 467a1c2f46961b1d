"""Phone numbers to E.164: libphonenumber decides, after fast paths for the forms most exports use.

`clean_phone` runs for every phone cell of every imported row. libphonenumber's full parse costs tens of
microseconds, so numbers already written with `+` and a country code, and national numbers of the commonest regions,
are checked against libphonenumber's own metadata (country codes, possible lengths, trunk prefixes) first; whenever a
fast path is unsure it answers None and libphonenumber decides. The tests check that the fast paths agree with it.
"""

from __future__ import annotations

import re
from typing import Any, Final

import phonenumbers

from rapport.ingest.cleaning import _short, normalise

_PHONE_JUNK: Final = re.compile(r"^(?:tel|phone|mobile|手机|电话)[:：]?\s*", re.IGNORECASE)
_INTERNATIONAL: Final = re.compile(r"^\+[\d \-().]{6,24}$")
_NOT_DIGIT: Final = re.compile(r"\D")
_LENGTHS: dict[int, tuple[tuple[int, ...], str | None] | None] = {}


def _fast_e164(text: str) -> str | None:
    """`+1 415-555-0134` → `+14155550134` without a full libphonenumber parse, when the country code is known, the
    length is possible for it and no trunk prefix follows it; None means "ask libphonenumber" (it decides, always)."""
    if not _INTERNATIONAL.match(text):
        return None
    digits = _NOT_DIGIT.sub("", text)
    for size in (1, 2, 3):
        code = int(digits[:size])
        if code not in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            continue
        if code not in _LENGTHS:
            region = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[code][0]
            meta = (
                phonenumbers.PhoneMetadata.metadata_for_nongeo_region(code)
                if region == "001"
                else phonenumbers.PhoneMetadata.metadata_for_region(region)
            )
            desc = None if meta is None else meta.general_desc
            _LENGTHS[code] = (
                None if meta is None or desc is None else (tuple(desc.possible_length), meta.national_prefix)
            )
        known = _LENGTHS[code]
        national = digits[size:]
        if known is None or (known[1] and national.startswith(known[1])) or len(national) not in known[0]:
            return None
        return "+" + digits
    return None


_NATIONAL: Final = re.compile(r"^[\d \-().]{6,20}$")


def _fast_national(text: str, region: str | None) -> str | None:
    """National numbers of the commonest regions, by their simple rules (checked against libphonenumber in the
    tests); anything else, or any doubt, returns None and libphonenumber decides."""
    if region is None or not _NATIONAL.match(text):
        return None
    digits = _NOT_DIGIT.sub("", text)
    size = len(digits)
    if region in ("US", "CA"):
        if size == 11 and digits[0] == "1":
            digits, size = digits[1:], 10
        if size == 10 and digits[0] in "23456789" and digits[3] in "23456789":
            return "+1" + digits
    elif region == "CN":
        if size == 11 and digits[0] == "1" and digits[1] in "3456789" and not digits.startswith("179"):
            return "+86" + digits
    elif region == "GB":
        if size == 11 and digits[0] == "0" and digits[1] in "123456789":
            return "+44" + digits[1:]
    elif region == "AU":
        if size == 10 and digits[0] == "0" and digits[1] in "23478":
            return "+61" + digits[1:]
    elif region in ("HK", "SG") and size == 8 and digits[0] in "235689":
        return ("+852" if region == "HK" else "+65") + digits
    return None


def clean_phone(raw: Any, region: str | None = None) -> str:
    """E.164 with libphonenumber: `(415) 555-0134` with region US → `+14155550134`; `00 44 20…` → `+4420…`."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # a spreadsheet number cell: 8613912345678.0
    text = _PHONE_JUNK.sub("", normalise(raw))
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    text = text.replace("(0)", " ")
    if text.startswith("00"):
        text = "+" + text[2:]
    fast = _fast_e164(text) if text.startswith("+") else _fast_national(text, region)
    if fast is not None:
        return fast
    if not any(ch.isdigit() for ch in text):
        raise ValueError(f"'{_short(text)}' has no digits")
    if (
        not text.startswith("+")
        and text.isdigit()
        and len(text) > 10
        and region is not None
        and text.startswith(str(phonenumbers.country_code_for_region(region)))
    ):
        text = "+" + text  # a country code written without the plus: 8613912345678
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        hint = "" if region else " (no default region is set, so it must start with + and the country code)"
        raise ValueError(f"'{_short(text)}' is not a phone number{hint}") from None
    if not phonenumbers.is_possible_number(parsed):
        raise ValueError(f"'{_short(text)}' has the wrong number of digits for its country")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


_PLAIN_E164: Final = re.compile(r"\+[0-9]{6,20}")  # ASCII digits only: full-width ones need NFKC first
_PHONE_SPLIT: Final = re.compile(r"[;,/\n]|\s{2,}")


def clean_phones(raw: Any, region: str | None = None) -> list[str]:
    """Several numbers in one cell, separated by `;`, `/`, `,` or a line break."""
    if raw.__class__ is str and _PLAIN_E164.fullmatch(raw):
        # one number already written as E.164 (`+8613912345678`): nothing to split, strip or normalise first
        fast = _fast_e164(raw)
        if fast is not None:
            return [fast]
    parts = raw if isinstance(raw, list) else _PHONE_SPLIT.split(str(raw))
    phones = [clean_phone(p, region) for p in parts if str(p).strip()]
    if not phones:
        raise ValueError("the phone is empty")
    return list(dict.fromkeys(phones))
