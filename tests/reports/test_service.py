"""Building and delivering the weekly report: files written, narrative checked, held reports never sent."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from rapport.accounts.models import User
from rapport.errors import Conflict
from rapport.mail.models import OutboxMessage
from rapport.mail.schemas import MailSettings
from rapport.privacy.access import system_principal
from rapport.reports import service as report_service
from rapport.reports.narrative import TemplateNarrative
from rapport.reports.schemas import ReportSettings, Table
from tests.reports.conftest import AS_OF

OPTIONS = ReportSettings(cjk_font="", recipients=["boss@example.com"])


class Doctored:
    """A narrative writer that makes a number up (what an unchecked model might do)."""

    name = "doctored@1"

    def write(self, tables: dict[str, Table]) -> str:
        return TemplateNarrative().write(tables) + " Revenue will double next week, to 9,999.99."


def test_build_weekly_writes_html_and_pdf_with_a_checked_narrative(
    session: Session, connection: Connection, week: User, tmp_path: Path
) -> None:
    report = report_service.build_weekly(
        connection, system_principal(), data_dir=tmp_path, settings=OPTIONS, as_of=AS_OF
    )

    assert report.status == "ready"
    assert report.checks["unverified"] == []
    assert "customers placed 3 orders worth 400.00, up 25.0% on the week before" in report.narrative
    assert Path(report.pdf_path or "").read_bytes().startswith(b"%PDF-")
    assert "400.00" in Path(report.html_path or "").read_text(encoding="utf-8")


def test_a_made_up_number_holds_the_report(
    session: Session, connection: Connection, week: User, tmp_path: Path
) -> None:
    report = report_service.build_weekly(
        connection, system_principal(), data_dir=tmp_path, settings=OPTIONS, as_of=AS_OF, writer=Doctored()
    )

    assert report.status == "held"
    assert [c["text"] for c in report.checks["unverified"]] == ["9,999.99"]
    with pytest.raises(Conflict, match="held"):
        report_service.deliver(
            connection, system_principal(), report.id, data_dir=tmp_path, settings=OPTIONS, mail=MailSettings()
        )


def test_deliver_to_a_folder_and_by_email(session: Session, connection: Connection, week: User, tmp_path: Path) -> None:
    report = report_service.build_weekly(
        connection, system_principal(), data_dir=tmp_path, settings=OPTIONS, as_of=AS_OF
    )

    delivered, then = report_service.deliver(
        connection,
        system_principal(),
        report.id,
        data_dir=tmp_path,
        settings=OPTIONS,
        mail=MailSettings(),
        targets=["folder", "email"],
    )

    message = session.scalar(select(OutboxMessage))
    assert delivered.status == "delivered"
    assert (tmp_path / "reports" / "outgoing" / "weekly-2026-11-16.pdf").exists()
    assert message is not None
    assert message.attachments == [report.pdf_path]
    assert then == [("mail.send", {"outbox_id": message.id})]
    assert [d["target"] for d in delivered.deliveries] == ["folder", "email"]


def test_deliver_by_signed_webhook(session: Session, connection: Connection, week: User, tmp_path: Path) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from rapport.automation.webhooks import verify

    received: list[tuple[str, bytes]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append((self.headers["X-Rapport-Signature"], self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    options = OPTIONS.model_copy(
        update={"webhook_url": f"http://127.0.0.1:{server.server_address[1]}/reports", "webhook_secret": "k"}
    )
    report = report_service.build_weekly(
        connection, system_principal(), data_dir=tmp_path, settings=options, as_of=AS_OF
    )

    delivered, _ = report_service.deliver(
        connection,
        system_principal(),
        report.id,
        data_dir=tmp_path,
        settings=options,
        mail=MailSettings(),
        targets=["webhook"],
    )
    server.shutdown()

    signature, body = received[0]
    assert delivered.deliveries[0]["detail"] == "HTTP 204"
    assert verify("k", body, signature)
    assert b"customers placed 3 orders" in body
