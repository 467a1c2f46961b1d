"""Secrets and personal data never reach a log line."""

from __future__ import annotations

import logging

import pytest

from rapport.privacy.pii_logging import RedactingFilter, install, mask_secrets


@pytest.mark.parametrize(
    "line",
    [
        "Authorization: Bearer rpt_abcdefghijklmnopqrstuvwxyz",
        "token rps_0123456789abcdefghij issued",
        '{"email": "x", "password": "hunter2-hunter2"}',
        "POST /api/auth/tokens password=s3cret-value&email=x",
        "cookie: rapport_session=abcdef0123456789",
        "smtp_password: 'letmein12345'",
    ],
)
def test_secrets_are_masked(line: str) -> None:
    masked = mask_secrets(line)
    for secret in (
        "abcdefghijklmnopqrstuvwxyz",
        "0123456789abcdefghij",
        "hunter2-hunter2",
        "s3cret-value",
        "abcdef0123456789",
        "letmein12345",
    ):
        assert secret not in masked
    assert "***" in masked


def test_the_filter_masks_formatted_records_and_keeps_request_lines(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("rapport.test_pii_logging")
    handler = logging.Handler()
    records: list[logging.LogRecord] = []
    handler.emit = records.append  # type: ignore[method-assign]
    handler.addFilter(RedactingFilter())
    logger.addHandler(handler)
    try:
        logger.warning("login for %s from %s with Bearer %s", "jane@example.com", "10.1.2.3", "rpt_" + "x" * 20)
        logger.warning("%s %s %s %.1fms request_id=%s", "GET", "/api/customers/42/360", 200, 3.14, "4f3a9b1c22")
    finally:
        logger.removeHandler(handler)

    assert records[0].getMessage() == "login for <EMAIL> from <IP_ADDRESS> with Bearer rpt_***"
    assert records[1].getMessage() == "GET /api/customers/42/360 200 3.1ms request_id=4f3a9b1c22"


def test_ordinary_job_lines_are_left_alone() -> None:
    record = logging.LogRecord(
        "huey", logging.INFO, __file__, 1, "%s executed in %0.3fs", ("tickets.sweep: 4c06 3 retries", 13.961), None
    )

    RedactingFilter().filter(record)

    assert record.getMessage() == "tickets.sweep: 4c06 3 retries executed in 13.961s"


def test_install_adds_the_filter_once() -> None:
    logger = logging.getLogger("rapport.test_pii_logging.install")
    handler = logging.StreamHandler()
    logger.addHandler(handler)
    try:
        install(logger)
        install(logger)
        assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1
    finally:
        logger.removeHandler(handler)
