"""Report operations: build (compute, write, check, render), deliver (folder, email outbox, webhook), read.

Building reads in one transaction, renders with none open (charts and the PDF take seconds), and stores the report
in a short one. A report whose narrative has a number not found in its tables is stored as "held" and refused by
`deliver`.
"""

from __future__ import annotations

import json
import shutil
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import httpx
from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from rapport.automation import webhooks
from rapport.errors import Conflict, Invalid, NotFound
from rapport.kit.clock import as_utc, utcnow
from rapport.mail import outbox
from rapport.mail.schemas import MailSettings
from rapport.privacy import audit
from rapport.privacy.access import Action, Principal, require
from rapport.reports import kpis, narrative, render
from rapport.reports.models import Report
from rapport.reports.schemas import ReportSettings, Table
from rapport.store.engine import make_sessionmaker, session_scope

ENTITY: Final = "reports"


def build_weekly(
    bind: Engine | Connection,
    principal: Principal,
    *,
    data_dir: Path,
    settings: ReportSettings,
    as_of: datetime | None = None,
    writer: narrative.NarrativeWriter | None = None,
) -> Report:
    """The weekly report for the last full week before `as_of` (default now): tables, checked narrative, charts,
    HTML and PDF under data_dir/reports/."""
    factory = make_sessionmaker(bind)
    with session_scope(factory) as session:
        require(principal, ENTITY, Action.create)
        start, end = kpis.week_of(as_of or utcnow())
        tables = kpis.weekly_tables(session, start, end)
    writer = writer or narrative.TemplateNarrative()
    text = writer.write(tables)
    checks = narrative.verify(text, tables)
    period = dict(tables["period"].rows)
    title = f"Weekly report: {period['start']} to {period['end']}"
    subtitle = (
        f"Generated {utcnow():%Y-%m-%d %H:%M} UTC · amounts in {settings.currency} · weeks run Monday to Sunday (UTC)"
    )
    made = render.charts(tables)
    folder = data_dir / "reports" / f"weekly-{start:%Y-%m-%d}-{int(time.time() * 1000)}"
    folder.mkdir(parents=True, exist_ok=True)
    html_path, pdf_path = folder / "report.html", folder / "report.pdf"
    html_path.write_text(render.html(title, subtitle, text, writer.name, checks, tables, made), encoding="utf-8")
    pdf_path.write_bytes(render.pdf(title, subtitle, text, checks, tables, made, cjk_font=settings.cjk_font))
    with session_scope(factory) as session:
        report = Report(
            kind="weekly",
            period_start=start,
            period_end=end,
            status="ready" if checks.is_clean else "held",
            tables={name: table.model_dump() for name, table in tables.items()},
            narrative=text,
            narrative_source=writer.name,
            checks=checks.model_dump(),
            html_path=str(html_path),
            pdf_path=str(pdf_path),
            deliveries=[],
            error=None
            if checks.is_clean
            else f"{len(checks.unverified)} number(s) in the narrative are not in the tables",
            created_by_id=principal.user_id,
        )
        session.add(report)
        session.flush()
        audit.record(
            session, principal, action="create", entity=ENTITY, entity_id=report.id, detail={"status": report.status}
        )
        return report


def deliver(
    bind: Engine | Connection,
    principal: Principal,
    report_id: int,
    *,
    data_dir: Path,
    settings: ReportSettings,
    mail: MailSettings,
    targets: list[str] | None = None,
    client: httpx.Client | None = None,
) -> tuple[Report, list[tuple[str, dict[str, Any]]]]:
    """Send a checked report to each target; returns it and the jobs to start after commit (email sends)."""
    factory = make_sessionmaker(bind)
    targets = targets if targets is not None else list(settings.deliver_to)
    with session_scope(factory) as session:
        require(principal, ENTITY, Action.update)
        report = _get(session, report_id)
        if report.status == "held":
            raise Conflict(
                f"report {report_id} is held: its narrative has numbers not found in its tables ({report.error})"
            )
        pdf_path, html_path = Path(report.pdf_path or ""), Path(report.html_path or "")
        week = as_utc(report.period_start).date().isoformat()
        summary: dict[str, Any] = {
            "id": report.id,
            "kind": report.kind,
            "period_start": as_utc(report.period_start).isoformat(),
            "period_end": as_utc(report.period_end).isoformat(),
            "narrative": report.narrative,
            "summary": report.tables.get("summary"),
        }
    done: list[dict[str, Any]] = []
    then: list[tuple[str, dict[str, Any]]] = []
    for target in targets:
        if target == "folder":
            folder = settings.folder or data_dir / "reports" / "outgoing"
            folder.mkdir(parents=True, exist_ok=True)
            stem = f"weekly-{week}"
            shutil.copyfile(pdf_path, folder / f"{stem}.pdf")
            shutil.copyfile(html_path, folder / f"{stem}.html")
            done.append({"target": "folder", "ok": True, "detail": str(folder / f"{stem}.pdf")})
        elif target == "email":
            if not settings.recipients:
                done.append({"target": "email", "ok": False, "detail": "no recipients configured"})
                continue
            with session_scope(factory) as session:
                message = outbox.queue(
                    session,
                    principal,
                    to=settings.recipients,
                    subject=f"Weekly report {week}",
                    body_text=str(summary["narrative"]) + "\n\nThe full report is attached (PDF).",
                    settings=mail,
                    attachments=[str(pdf_path)],
                    source=f"report:{report_id}",
                )
                then.append(("mail.send", {"outbox_id": message.id}))
                done.append(
                    {"target": "email", "ok": True, "detail": f"outbox {message.id} to {len(settings.recipients)}"}
                )
        elif target == "webhook":
            done.append(_post(settings, summary, client))
        else:
            raise Invalid(f"unknown delivery target '{target}' (folder | email | webhook)")
    with session_scope(factory) as session:
        report = _get(session, report_id)
        report.deliveries = [*report.deliveries, *[{**d, "at": utcnow().isoformat()} for d in done]]
        if any(d["ok"] for d in done):
            report.status = "delivered"
        audit.record(
            session, principal, action="update", entity=ENTITY, entity_id=report_id, detail={"delivered": targets}
        )
        return report, then


def get(session: Session, principal: Principal, report_id: int) -> Report:
    require(principal, ENTITY, Action.read)
    return _get(session, report_id)


def list_reports(session: Session, principal: Principal, *, limit: int = 50) -> list[Report]:
    require(principal, ENTITY, Action.read)
    return list(session.scalars(select(Report).order_by(Report.id.desc()).limit(limit)))


def delivered_for(session: Session, kind: str, period_start: datetime) -> Report | None:
    """A report of this kind and week that went out already: the weekly job does not send it twice."""
    return session.scalar(
        select(Report)
        .where(Report.kind == kind, Report.period_start == period_start, Report.status == "delivered")
        .limit(1)
    )


def tables_of(report: Report) -> dict[str, Table]:
    return {name: Table.model_validate(value) for name, value in report.tables.items()}


def _post(settings: ReportSettings, summary: dict[str, Any], client: httpx.Client | None) -> dict[str, Any]:
    if not settings.webhook_url:
        return {"target": "webhook", "ok": False, "detail": "no webhook_url configured"}
    body = json.dumps(summary, sort_keys=True, default=str).encode()
    headers = {"Content-Type": "application/json"}
    if settings.webhook_secret:
        headers[webhooks.SIGNATURE_HEADER] = webhooks.sign(settings.webhook_secret, body, int(time.time()))
    http = client or httpx.Client(timeout=20)
    try:
        response = http.post(settings.webhook_url, content=body, headers=headers)
        ok = 200 <= response.status_code < 300
        return {"target": "webhook", "ok": ok, "detail": f"HTTP {response.status_code}"}
    except httpx.HTTPError as exc:
        return {"target": "webhook", "ok": False, "detail": f"{type(exc).__name__}: {exc}"}
    finally:
        if client is None:
            http.close()


def _get(session: Session, report_id: int) -> Report:
    report = session.get(Report, report_id)
    if report is None:
        raise NotFound(f"report {report_id} not found")
    return report
