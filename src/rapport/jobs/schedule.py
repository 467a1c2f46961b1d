"""The one list of periodic jobs: what runs when (UTC, cron fields as in huey.crontab; day_of_week 0 = Sunday).

With several workers, each periodic run is claimed once per minute in the queue's storage, so it runs once however
many workers have periodic jobs switched on.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Periodic:
    job: str
    cron: dict[str, str] = field(default_factory=dict)
    why: str = ""

    @property
    def when(self) -> str:
        fields = ("minute", "hour", "day", "month", "day_of_week")
        return " ".join(self.cron.get(name, "*") for name in fields)


PERIODIC: tuple[Periodic, ...] = (
    Periodic("tickets.sweep", {"minute": "*"}, "tickets created by any door are triaged within a minute"),
    Periodic("rules.run", {"minute": "*"}, "workflow rules see updates, orders, analytics changes and dates"),
    Periodic("tickets.escalate", {"minute": "*/5"}, "SLA breaches are escalated within five minutes"),
    Periodic("mail.flush", {"minute": "*/5"}, "mail whose send job was lost is sent anyway"),
    Periodic("marketing.send_due", {"minute": "*"}, "scheduled campaigns go out within a minute of their time"),
    Periodic("followups.scan", {"minute": "7"}, "hourly: idle deals, churn risk, promises in sent mail"),
    Periodic("rules.resend_webhooks", {"minute": "17"}, "hourly: webhooks whose job was lost"),
    Periodic("analytics.run", {"minute": "0", "hour": "2"}, "nightly analytics (segments, CLV, churn)"),
    Periodic("marketing.fit_recommender", {"minute": "40", "hour": "2"}, "nightly: recommendations refit"),
    Periodic("feedback.analyse", {"minute": "10", "hour": "3"}, "nightly: feedback topics, trends, emerging topics"),
    Periodic("jobs.prune", {"minute": "30", "hour": "3"}, "nightly: old job history goes"),
    Periodic("reports.weekly", {"minute": "0", "hour": "7", "day_of_week": "1"}, "Monday 07:00: last week's report"),
)
