"""Every job the queue knows, by name ("<domain>.<verb>"): the function that runs it and its retry policy.

Job functions live in their domain (`<domain>/tasks.py`) and know nothing of the queue: they take the database bind,
the Settings and keyword arguments, and return a summary. A summary may list jobs to start once the job's own work
is committed (`"then": [(name, kwargs), …]`).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from rapport.automation import tasks as automation_tasks
from rapport.jobs import journal
from rapport.jobs.settings import QueueSettings
from rapport.mail import tasks as mail_tasks
from rapport.marketing import tasks as marketing_tasks
from rapport.reports import tasks as report_tasks
from rapport.settings import Settings

JobFunction = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class JobSpec:
    name: str
    run: JobFunction
    description: str
    retries: int | None = None  # None: the queue's default (QueueSettings.retries)
    timeout_s: int | None = None


def ping(
    bind: Engine | Connection, settings: Settings, *, hold_s: float = 0.0, marker: str | None = None
) -> dict[str, Any]:
    """A job that proves a worker runs jobs; `hold_s` keeps it busy (to test what happens when a worker dies)."""
    if marker:
        with Path(marker).open("a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()}\n")
    time.sleep(max(0.0, min(hold_s, 600.0)))
    return {"pid": os.getpid(), "host": socket.gethostname()}


def prune(bind: Engine | Connection, settings: Settings) -> dict[str, Any]:
    keep = configured_queue(settings).keep_runs_days
    return {"deleted": journal.prune(bind, keep_days=keep)}


def run_analytics(bind: Engine | Connection, settings: Settings) -> dict[str, Any]:
    """The nightly analytics run (the analytics domain's own entry point; skipped when it is not installed)."""
    try:
        from rapport.analytics import service as analytics_service
    except ImportError:
        return {"skipped": "analytics is not installed"}
    run = analytics_service.run_analytics(bind, settings, via="job")
    return {"run_id": run.id, "status": run.status, "error": run.error}


def analyse_demo(bind: Engine | Connection, settings: Settings) -> dict[str, Any]:
    """demo.analyse: what the nightly jobs would have computed for a company just generated: analytics first (churn
    risk and lifetime value feed the revenue at risk), then feedback topics and the recommender, as jobs of their
    own so one failing does not stop the other. Topics get keyword names here, so the demo's model stays free for
    the assistant; `rapport feedback run --rename` names them in plain words with the model."""
    summary = run_analytics(bind, settings)
    return {**summary, "then": [("feedback.analyse", {"name_with_model": False}), ("marketing.fit_recommender", {})]}


def fit_recommender(bind: Engine | Connection, settings: Settings) -> dict[str, Any]:
    """The nightly recommender refit (imported here, not at the top: numpy/scipy load only when it runs)."""
    from rapport.marketing import recommend

    return recommend.fit_job(bind, settings)


def analyse_feedback(
    bind: Engine | Connection, settings: Settings, *, full: bool = True, name_with_model: bool = True
) -> dict[str, Any]:
    """The feedback analysis (imported here, not at the top: the embedder and scikit-learn load only when it runs)."""
    from rapport.feedback import tasks as feedback_tasks

    return feedback_tasks.analyse(bind, settings, full=full, name_with_model=name_with_model)


def configured_queue(settings: Settings) -> QueueSettings:
    """`settings.queue` once Settings nests it, the defaults until then."""
    nested = getattr(settings, "queue", None)
    return nested if isinstance(nested, QueueSettings) else QueueSettings()


JOBS: dict[str, JobSpec] = {
    spec.name: spec
    for spec in (
        JobSpec(
            "tickets.triage", automation_tasks.triage_ticket, "Triage one ticket, route it, run ticket.created rules."
        ),
        JobSpec("tickets.sweep", automation_tasks.sweep_new_tickets, "Triage new tickets no door announced."),
        JobSpec("tickets.escalate", automation_tasks.escalate, "Escalate first-response SLA breaches."),
        JobSpec("rules.run", automation_tasks.run_rules, "Poll events (updates, orders, analytics, dates); run rules."),
        JobSpec("rules.deliver_webhook", automation_tasks.deliver_webhook, "POST one signed webhook.", retries=5),
        JobSpec(
            "rules.resend_webhooks", automation_tasks.resend_stuck_webhooks, "Restart webhooks whose job was lost."
        ),
        JobSpec("followups.scan", automation_tasks.scan_followups, "Tasks for idle deals, churn risk and promises."),
        JobSpec("mail.send", mail_tasks.send, "Send one outbox message (SMTP or .eml file).", retries=4),
        JobSpec("mail.flush", mail_tasks.flush, "Restart sends for messages stuck in the outbox."),
        JobSpec("reports.weekly", report_tasks.weekly, "Build and deliver last week's report.", retries=1),
        JobSpec("reports.deliver", report_tasks.deliver, "Deliver a built report (folder, email, webhook).", retries=0),
        JobSpec("analytics.run", run_analytics, "Compute segments, lifetime value and churn risk.", retries=0),
        JobSpec(
            "demo.analyse",
            analyse_demo,
            "A new demo company's analytics, feedback, recommendations.",
            retries=0,
        ),
        JobSpec("marketing.fit_recommender", fit_recommender, "Refit product recommendations.", retries=1),
        JobSpec("marketing.send_due", marketing_tasks.send_due, "Send scheduled campaigns whose time has come."),
        JobSpec(
            "marketing.send_campaign",
            marketing_tasks.send_campaign,
            "Write one campaign's copy and send it.",
            retries=0,
        ),
        JobSpec("feedback.analyse", analyse_feedback, "Sentiment, aspects and topics of customer messages.", retries=0),
        JobSpec("jobs.ping", ping, "Prove a worker runs jobs (optionally hold it busy).", retries=0),
        JobSpec("jobs.prune", prune, "Delete old job run history."),
    )
}
