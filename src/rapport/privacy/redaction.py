"""Reversible redaction of personal data in text that leaves Rapport (prompts to remote models, logs, exports).

Each value becomes a placeholder such as `<EMAIL_1>`; the same value gets the same placeholder within one text, and
`restore` puts the originals back into a model's answer. `PiiRedactor` (the default) finds everything
`rapport.privacy.pii` knows: emails, phones (Chinese formats included), Luhn cards, IBANs, Chinese resident ids,
US SSNs, IP addresses, labelled birth dates, street addresses and, with its named-entity model, person,
organisation and place names. `BasicRedactor` is the first, pattern-only one (emails, phones, cards).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

import phonenumbers

from rapport.privacy import pii
from rapport.privacy.pii import luhn_ok

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

    def restore(self, redaction: Redaction, text: str) -> str: ...


class PiiRedactor:
    """Every kind in `rapport.privacy.pii.KINDS`. `ner=False` skips the language models (names, organisations,
    places), for hot paths such as log lines. spaCy loads once, on the first text that needs it."""

    def __init__(self, *, ner: bool = True, default_region: str = "US", kinds: Iterable[str] | None = None) -> None:
        self.ner = ner
        self.default_region = default_region
        self.kinds = frozenset(kinds) if kinds is not None else None

    def redact(self, text: str) -> Redaction:
        result = Redaction(text)
        if not text:
            return result
        spans = pii.detect(text, ner=self.ner and _ner_ready(), default_region=self.default_region, kinds=self.kinds)
        seen: dict[str, str] = {}
        counters: dict[str, int] = {}
        pieces: list[str] = []
        last = 0
        for span in spans:
            key = f"{span.kind}\0{span.text}"
            if key not in seen:
                counters[span.kind] = counters.get(span.kind, 0) + 1
                seen[key] = f"<{span.kind}_{counters[span.kind]}>"
                result.placeholders[seen[key]] = span.text
            pieces += [text[last : span.start], seen[key]]
            last = span.end
        pieces.append(text[last:])
        result.text = "".join(pieces)
        return result

    def restore(self, redaction: Redaction, text: str) -> str:
        return redaction.restore(text)

    def mask(self, text: str) -> str:
        """Irreversible: `<KIND>` in place of each value (exports and logs keep no way back)."""
        spans = pii.detect(text, ner=self.ner and _ner_ready(), default_region=self.default_region, kinds=self.kinds)
        for span in reversed(spans):
            text = f"{text[: span.start]}<{span.kind}>{text[span.end :]}"
        return text


def _ner_ready() -> bool:
    # Without the spaCy package (a slim install) the patterns still run; names are then not found.
    return pii.ner_available()


def default_redactor() -> PiiRedactor:
    return PiiRedactor()


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

    def restore(self, redaction: Redaction, text: str) -> str:
        return redaction.restore(text)

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
