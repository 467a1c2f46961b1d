"""Reports' background work as plain functions; rapport.jobs.catalog names and runs them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from rapport.kit.clock import utcnow
from rapport.mail import tasks as mail_tasks
from rapport.privacy.access import system_principal
from rapport.reports import kpis, narrative
from rapport.reports import service as report_service
from rapport.reports.schemas import ReportSettings
from rapport.settings import Settings
from rapport.store.engine import make_sessionmaker, session_scope


def configured(settings: Settings) -> ReportSettings:
    """`settings.reports` once Settings nests it, the defaults until then."""
    nested = getattr(settings, "reports", None)
    return nested if isinstance(nested, ReportSettings) else ReportSettings()


def weekly(
    bind: Engine | Connection,
    settings: Settings,
    *,
    as_of: str | None = None,
    deliver: bool = True,
    writer: narrative.NarrativeWriter | None = None,
) -> dict[str, Any]:
    """reports.weekly: build last week's report and deliver it, unless that week's report went out already."""
    principal = system_principal("job")
    when = datetime.fromisoformat(as_of) if as_of else utcnow()
    start, _ = kpis.week_of(when)
    with session_scope(make_sessionmaker(bind)) as session:
        sent = report_service.delivered_for(session, "weekly", start)
        if sent is not None and deliver:
            return {"report_id": sent.id, "status": sent.status, "skipped": "delivered already"}
    options = configured(settings)
    report = report_service.build_weekly(
        bind, principal, data_dir=settings.data_dir, settings=options, as_of=when, writer=writer
    )
    then: list[tuple[str, dict[str, Any]]] = []
    if deliver and report.status == "ready":
        report, then = report_service.deliver(
            bind,
            principal,
            report.id,
            data_dir=settings.data_dir,
            settings=options,
            mail=mail_tasks.configured(settings),
        )
    return {"report_id": report.id, "status": report.status, "pdf": report.pdf_path, "then": then}


def deliver(
    bind: Engine | Connection, settings: Settings, *, report_id: int, targets: list[str] | None = None
) -> dict[str, Any]:
    """reports.deliver: deliver a checked report to its targets (folder, email, webhook)."""
    report, then = report_service.deliver(
        bind,
        system_principal("job"),
        report_id,
        data_dir=settings.data_dir,
        settings=configured(settings),
        mail=mail_tasks.configured(settings),
        targets=targets,
    )
    return {"report_id": report.id, "status": report.status, "deliveries": report.deliveries[-3:], "then": then}
