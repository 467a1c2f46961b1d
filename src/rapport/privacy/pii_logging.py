"""A logging filter that keeps secrets and personal data out of log lines.

Tokens (`rpt_…`, `rps_…`, `Bearer …`), `Authorization`/`Cookie` header values, passwords and API keys in key=value or
JSON form become `***`; emails, phones, cards, IBANs, ids, IPs and labelled birth dates become `<KIND>`
(`rapport.privacy.pii.LOG_KINDS`: no language model, a log line must stay cheap; no loose address patterns, which
read job lines as streets). Installed on the root handlers by `create_app` and the CLI, so every logger below them
is covered.
"""

from __future__ import annotations

import logging
import re

from rapport.privacy import pii as pii_kinds
from rapport.privacy.redaction import PiiRedactor

_SECRETS = (
    re.compile(r"\b(rp[ts]_)[A-Za-z0-9_-]{8,}"),
    re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"(?i)((?:authorization|cookie|set-cookie|x-api-key)\s*[:=]\s*)[^\r\n,}]+"),
    re.compile(
        r"(?i)((?:\"|')?(?:password|passwd|secret|api_key|apikey|token|smtp_password|webhook_secret)(?:\"|')?\s*[:=]\s*"
        r"(?:\"|')?)[^\"'\s,}&]+"
    ),
)


def mask_secrets(text: str) -> str:
    for pattern in _SECRETS:
        text = pattern.sub(lambda m: f"{m.group(1)}***", text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (after %-formatting) with secrets and personal data masked."""

    def __init__(self, *, pii: bool = True) -> None:
        super().__init__()
        self._redactor = PiiRedactor(ner=False, kinds=pii_kinds.LOG_KINDS) if pii else None

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's problem to report, not ours
            return True
        masked = mask_secrets(message)
        if self._redactor is not None:
            masked = self._redactor.mask(masked)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Add the filter to every handler of `logger` (the root logger by default) that lacks it."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
