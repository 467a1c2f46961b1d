"""Phone numbers to E.164 with the `phonenumbers` library (Google's libphonenumber metadata)."""

from __future__ import annotations

import phonenumbers


def to_e164(raw: str, default_region: str | None = None) -> str:
    """`+86 139-1234-5678` → `+8613912345678`. Without a region the number must start with `+`."""
    try:
        parsed = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number ({exc}); write it with its country code, like +8613912345678") from None
    if not phonenumbers.is_possible_number(parsed):
        raise ValueError("not a possible phone number for its country")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
