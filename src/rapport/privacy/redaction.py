"""Reversible redaction of personal data in text that leaves Rapport (prompts to remote models, logs, exports).

This first redactor knows emails, phone numbers and payment card numbers (Luhn-checked). Each value becomes a
placeholder such as `<EMAIL_1>`; the same value gets the same placeholder within one text, and `restore` puts the
originals back into a model's answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import phonenumbers

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")


@dataclass
class Redaction:
    text: str
    placeholders: dict[str, str] = field(default_factory=dict)  # placeholder → original

    def restore(self, answer: str) -> str:
        for placeholder, original in self.placeholders.items():
            answer = answer.replace(placeholder, original)
        return answer


class Redactor(Protocol):
    def redact(self, text: str) -> Redaction: ...


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


class BasicRedactor:
    """Emails, phone numbers (any region libphonenumber knows, Chinese mobiles included) and card numbers."""

    def __init__(self, default_region: str = "US") -> None:
        self.default_region = default_region

    def redact(self, text: str) -> Redaction:
        result = Redaction(text)
        seen: dict[str, str] = {}
        counters: dict[str, int] = {}

        def token(kind: str, original: str) -> str:
            if original not in seen:
                counters[kind] = counters.get(kind, 0) + 1
                placeholder = f"<{kind}_{counters[kind]}>"
                seen[original] = placeholder
                result.placeholders[placeholder] = original
            return seen[original]

        result.text = _EMAIL.sub(lambda m: token("EMAIL", m.group()), result.text)
        result.text = _sub_cards(result.text, lambda original: token("CARD", original))
        result.text = self._sub_phones(result.text, lambda original: token("PHONE", original))
        return result

    def _sub_phones(self, text: str, replace: Callable[[str], str]) -> str:
        pieces: list[str] = []
        last = 0
        for match in phonenumbers.PhoneNumberMatcher(text, self.default_region, leniency=phonenumbers.Leniency.VALID):
            pieces += [text[last : match.start], replace(match.raw_string)]
            last = match.end
        if not pieces:
            for region in ("CN",):  # Chinese numbers written without +86
                if region != self.default_region:
                    matches = list(phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID))
                    for match in matches:
                        pieces += [text[last : match.start], replace(match.raw_string)]
                        last = match.end
        pieces.append(text[last:])
        return "".join(pieces)


def _sub_cards(text: str, replace: Callable[[str], str]) -> str:
    def one(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group())
        return replace(match.group()) if 13 <= len(digits) <= 19 and luhn_ok(digits) else match.group()

    return _CARD.sub(one, text)
