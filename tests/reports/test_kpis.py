"""KPI tables for a week and the week before, from the database."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from rapport.accounts.models import User
from rapport.reports import kpis
from tests.reports.conftest import AS_OF, WEEK


def test_week_of_is_the_last_full_monday_to_monday_week() -> None:
    start, end = kpis.week_of(datetime(2026, 11, 25, 15, 0, tzinfo=UTC))

    assert (start, end) == (datetime(2026, 11, 16, tzinfo=UTC), datetime(2026, 11, 23, tzinfo=UTC))


def test_weekly_tables(session: Session, week: User) -> None:
    start, end = kpis.week_of(AS_OF)

    tables = kpis.weekly_tables(session, start, end)

    summary = {row[0]: row[1:] for row in tables["summary"].rows}
    assert start == WEEK
    assert summary["orders"] == [3, 1, 200.0]
    assert summary["revenue"] == [400.0, 320.0, 25.0]
    assert summary["average_order_value"][0] == 133.33
    assert summary["tickets_opened"][0] == 3
    assert summary["tickets_due"][0] == 3
    assert summary["sla_met_pct"][0] == 33.3  # one of three answered within 8 hours
    assert summary["median_first_response_h"][0] == 21.0  # answered after 2 h and after 40 h
    assert tables["tickets_by_intent"].rows[0] == ["refund_request", 2, 66.7]
    assert tables["revenue_by_channel"].rows == [["app", 1, 250.0], ["web", 2, 150.0]]
    assert tables["agents"].rows == [["Zhang Min 张敏", 3, 0, 33.3]]
    assert len(tables["daily"].rows) == 7
