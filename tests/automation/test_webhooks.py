"""Signed webhooks: the signature a receiver can verify, delivery to a real local HTTP server, retries, failures."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from rapport.automation import webhooks
from rapport.automation.models import WebhookDelivery
from rapport.automation.schemas import AutomationSettings
from rapport.kit.clock import utcnow

SECRET = "s3cret"


class Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []  # noqa: RUF012 (shared by the test and the server thread)
    status = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((dict(self.headers), body))
        self.send_response(Receiver.status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.received, Receiver.status = [], 200
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()


def _delivery(session: Session, url: str, secret_name: str = "erp") -> int:
    row = WebhookDelivery(
        event_key="order.placed:7",
        url=url,
        secret_name=secret_name,
        payload={"order": {"id": 7}},
        status="pending",
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row.id


def test_verify_accepts_its_own_signature_and_rejects_tampering() -> None:
    header = webhooks.sign(SECRET, b'{"a":1}', 1_700_000_000)

    assert webhooks.verify(SECRET, b'{"a":1}', header, now=1_700_000_010)
    assert not webhooks.verify(SECRET, b'{"a":2}', header, now=1_700_000_010)
    assert not webhooks.verify("other", b'{"a":1}', header, now=1_700_000_010)
    assert not webhooks.verify(SECRET, b'{"a":1}', header, now=1_700_001_000)  # replayed 16 minutes later


def test_deliver_posts_a_signed_payload(session: Session, connection: Connection, receiver: str) -> None:
    delivery_id = _delivery(session, receiver)

    status = webhooks.deliver(connection, AutomationSettings(webhook_secrets={"erp": SECRET}), delivery_id)

    headers, body = Receiver.received[0]
    row = session.get(WebhookDelivery, delivery_id)
    session.refresh(row)
    assert status == "delivered"
    assert json.loads(body)["order"] == {"id": 7}
    assert webhooks.verify(SECRET, body, headers["X-Rapport-Signature"])
    assert row is not None
    assert (row.attempts, row.last_status_code) == (1, 200)


def test_a_refused_delivery_raises_to_be_retried_then_fails(
    session: Session, connection: Connection, receiver: str
) -> None:
    Receiver.status = 500
    delivery_id = _delivery(session, receiver)
    options = AutomationSettings(webhook_secrets={"erp": SECRET}, webhook_max_attempts=2)

    with pytest.raises(webhooks.DeliveryFailed):
        webhooks.deliver(connection, options, delivery_id)
    final = webhooks.deliver(connection, options, delivery_id)

    row = session.get(WebhookDelivery, delivery_id)
    session.refresh(row)
    assert final == "failed"
    assert row is not None
    assert (row.attempts, row.last_error) == (2, "HTTP 500: ")


def test_a_missing_secret_fails_at_once(session: Session, connection: Connection, receiver: str) -> None:
    delivery_id = _delivery(session, receiver, secret_name="nowhere")

    assert webhooks.deliver(connection, AutomationSettings(), delivery_id) == "failed"
    assert Receiver.received == []
