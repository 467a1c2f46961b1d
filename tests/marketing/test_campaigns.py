"""Campaigns: the audience with consent and frequency caps, a stable seeded holdout, sending through the outbox,
previews and scheduling."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.errors import Conflict, Forbidden, Invalid
from rapport.kit.clock import utcnow
from rapport.mail.models import OutboxMessage
from rapport.marketing import campaigns, tasks
from rapport.marketing.models import Campaign, CampaignRecipient
from rapport.privacy.access import Role
from tests.factories import make_customer, make_user, principal_of

from .kit import SYSTEM, make_audience, make_campaign, make_segment, settings_for


def test_assignment_is_stable_and_the_holdout_is_about_its_share() -> None:
    campaign = Campaign(
        id=7, seed=3, holdout_share=0.1, variants=[{"key": "A", "weight": 1}, {"key": "B", "weight": 3}]
    )

    groups = Counter(campaigns.assign(campaign, customer_id) for customer_id in range(1, 20_001))

    assert [campaigns.assign(campaign, i) for i in range(1, 50)] == [
        campaigns.assign(campaign, i) for i in range(1, 50)
    ]
    assert 0.09 < groups["holdout"] / 20_000 < 0.11
    assert 2.7 < groups["B"] / groups["A"] < 3.3


def test_another_seed_draws_another_holdout() -> None:
    first = Campaign(id=1, seed=1, holdout_share=0.5, variants=[{"key": "A"}])
    second = Campaign(id=1, seed=2, holdout_share=0.5, variants=[{"key": "A"}])

    assert [campaigns.assign(first, i) for i in range(40)] != [campaigns.assign(second, i) for i in range(40)]


def test_send_excludes_without_consent_and_queues_only_treated(session: Session, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    reached = make_audience(session, 30)
    make_customer(session, consent_email=False)
    make_customer(session, consent_email=True, email=None, emails=[])
    campaign = make_campaign(session, settings, make_segment(session))

    outcome = campaigns.send(session, SYSTEM, campaign.id, settings)

    counts = outcome.campaign.counts
    assert counts["excluded"] == {"no_consent": 1, "no_address": 1, "capped": 0}
    assert counts["eligible"] == len(reached)
    recipients = session.scalars(select(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign.id)).all()
    treated = [r for r in recipients if r.group != "holdout"]
    assert len(outcome.outbox_ids) == len(treated) == counts["queued"]
    assert all(r.outbox_id is None for r in recipients if r.group == "holdout")
    assert {r.group for r in recipients} <= {"A", "B", "holdout"}
    mail = session.get(OutboxMessage, outcome.outbox_ids[0])
    assert mail is not None
    assert "/api/unsubscribe/" in mail.body_text
    assert "/api/t/c/" in mail.body_text
    assert "/api/t/o/" in (mail.body_html or "")
    assert mail.source == f"campaign:{campaign.id}"
    assert outcome.campaign.status == "sent"


def test_each_customer_gets_their_language(session: Session, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    make_audience(session, 6, language="zh", full_name="王芳")
    campaign = make_campaign(session, settings, make_segment(session), holdout_share=0.0)

    outcome = campaigns.send(session, SYSTEM, campaign.id, settings)

    bodies = [session.get(OutboxMessage, i).body_text for i in outcome.outbox_ids]  # type: ignore[union-attr]
    assert all(b.startswith("王芳，您好") and "一键退订" in b for b in bodies)


def test_frequency_cap_skips_customers_mailed_recently(session: Session, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    make_audience(session, 5)
    segment = make_segment(session)
    for name in ("first", "second"):
        done = make_campaign(session, settings, segment, name=name, holdout_share=0.0)
        campaigns.send(session, SYSTEM, done.id, settings)
    third = make_campaign(session, settings, segment, name="third", frequency_cap=2, frequency_days=7)

    found = campaigns.audience(session, SYSTEM, third)

    assert (len(found.eligible), found.excluded["capped"]) == (0, 5)
    assert len(campaigns.audience(session, SYSTEM, third, now=utcnow() + timedelta(days=8)).eligible) == 5


def test_a_sent_campaign_is_not_sent_again(session: Session, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    make_audience(session, 2)
    campaign = make_campaign(session, settings, make_segment(session))
    campaigns.send(session, SYSTEM, campaign.id, settings)

    with pytest.raises(Conflict):
        campaigns.send(session, SYSTEM, campaign.id, settings)


def test_sms_campaigns_preview_but_do_not_send(session: Session, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    make_audience(session, 2, consent_sms=True)
    campaign = make_campaign(session, settings, make_segment(session), channel="sms", holdout_share=0.0)

    preview = campaigns.preview(session, SYSTEM, campaign.id, settings, sample=2)

    assert preview.eligible == 2
    assert all(not s.problems for s in preview.samples), preview.samples
    with pytest.raises(Invalid, match="text-message"):
        campaigns.send(session, SYSTEM, campaign.id, settings)


def test_preview_shows_members_messages_with_their_checks(session: Session, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    make_audience(session, 4, first_name="Ada", full_name="Ada Lovelace")
    make_customer(session, consent_email=False)
    campaign = make_campaign(session, settings, make_segment(session))

    preview = campaigns.preview(session, SYSTEM, campaign.id, settings, sample=3)

    assert (preview.audience, preview.eligible, preview.excluded["no_consent"]) == (5, 4, 1)
    assert len(preview.samples) == 3
    assert all(s.body.startswith("Hi Ada,") and s.problems == [] for s in preview.samples)


def test_only_marketing_roles_send(session: Session, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    campaign = make_campaign(session, settings, make_segment(session))
    rep = principal_of(make_user(session, Role.sales))

    assert campaigns.get(session, rep, campaign.id).id == campaign.id
    with pytest.raises(Forbidden):
        campaigns.send(session, rep, campaign.id, settings)


def test_scheduled_campaigns_are_due_once_and_claimed_once(session: Session, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    campaign = make_campaign(session, settings, make_segment(session))
    campaigns.schedule(session, SYSTEM, campaign.id, datetime(2020, 1, 1, 9, tzinfo=UTC))

    assert campaign.id in campaigns.due(session)
    assert campaigns.claim(session, campaign.id) is True
    assert campaigns.claim(session, campaign.id) is False
    other = make_campaign(session, settings, make_segment(session, name="b"))
    with pytest.raises(Invalid, match="zone"):
        campaigns.schedule(session, SYSTEM, other.id, datetime(2030, 1, 1))  # noqa: DTZ001 (the point of the test)


def test_the_send_job_writes_copy_then_sends(connection: object, session: Session, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    make_audience(session, 3)
    campaign = make_campaign(session, settings, make_segment(session), holdout_share=0.0)
    campaigns.schedule(session, SYSTEM, campaign.id, datetime(2020, 1, 1, tzinfo=UTC))
    session.commit()  # the job opens its own sessions on the same connection (still inside the test's transaction)

    summary = tasks.send_due(connection, settings)  # type: ignore[arg-type]

    assert summary["sent"] == [campaign.id]
    assert [name for name, _ in summary["then"]] == ["mail.send"] * 3
    session.expire_all()
    assert session.get(Campaign, campaign.id).status == "sent"  # type: ignore[union-attr]
