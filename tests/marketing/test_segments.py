"""Segments: rules compiled to SQL over fields, behaviour and analytics; saved, refreshed; drafted from a sentence."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from rapport.analytics.models import AnalyticsRun, CustomerInsight
from rapport.errors import Conflict, Forbidden, Invalid
from rapport.kit.clock import utcnow
from rapport.marketing import segments
from rapport.marketing.schemas import SegmentCondition, SegmentCreate, SegmentRules, SegmentUpdate
from rapport.privacy.access import Role
from tests.factories import make_customer, make_order, make_product, make_user, principal_of

from .kit import SYSTEM, ScriptedProvider, gateway_with, make_campaign, make_segment, settings_for


def _rules(*conditions: tuple[str, str, object], match: str = "all") -> SegmentRules:
    return SegmentRules.model_validate(
        {"match": match, "conditions": [{"field": f, "op": o, "value": v} for f, o, v in conditions]}
    )


def _ids(session: Session, rules: SegmentRules) -> set[int]:
    return set(session.scalars(segments.members_query(rules, SYSTEM, session)))


def test_spend_and_recency_select_lapsed_big_spenders(session: Session) -> None:
    lapsed = make_customer(session)
    make_order(session, lapsed, total=Decimal("600"), placed_at=utcnow() - timedelta(days=90))
    recent = make_customer(session)
    make_order(session, recent, total=Decimal("900"), placed_at=utcnow() - timedelta(days=5))
    small = make_customer(session)
    make_order(session, small, total=Decimal("50"), placed_at=utcnow() - timedelta(days=90))
    cancelled = make_customer(session)
    make_order(session, cancelled, total=Decimal("700"), placed_at=utcnow() - timedelta(days=90), status="cancelled")

    found = _ids(session, _rules(("total_spent", "gt", 500), ("days_since_last_order", "gt", 60)))

    assert found & {lapsed.id, recent.id, small.id, cancelled.id} == {lapsed.id}


def test_never_ordered_counts_as_long_ago(session: Session) -> None:
    never = make_customer(session)

    assert never.id in _ids(session, _rules(("days_since_last_order", "gt", 30)))
    assert never.id not in _ids(session, _rules(("days_since_last_order", "lt", 30)))


def test_city_matches_its_chinese_and_english_names(session: Session) -> None:
    shanghai = make_customer(session, city="上海市")
    beijing = make_customer(session, city="Beijing")

    found = _ids(session, _rules(("city", "eq", "Shanghai")))

    assert shanghai.id in found
    assert beijing.id not in found


def test_any_joins_with_or_and_tags_and_categories_work(session: Session) -> None:
    vip = make_customer(session, tags=["vip", "newsletter"])
    outdoors = make_customer(session)
    make_order(session, outdoors, make_product(session, category="Outdoor"))
    neither = make_customer(session)

    found = _ids(session, _rules(("tags", "contains", "vip"), ("bought_category", "eq", "outdoor"), match="any"))

    assert {vip.id, outdoors.id} <= found
    assert neither.id not in found


def test_analytics_fields_read_the_latest_run(session: Session) -> None:
    risky, safe = make_customer(session), make_customer(session)
    run = AnalyticsRun(status="succeeded", as_of=utcnow(), requested_at=utcnow())
    session.add(run)
    session.flush()
    for customer, risk in ((risky, 0.8), (safe, 0.1)):
        session.add(CustomerInsight(run_id=run.id, customer_id=customer.id, rfm_segment="at_risk", churn_risk=risk))
    session.flush()

    found = _ids(session, _rules(("churn_risk", "gt", 0.5), ("rfm_segment", "eq", "at_risk")))

    assert risky.id in found
    assert safe.id not in found


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"field": "city", "op": "gt", "value": "x"}, "does not apply"),
        ({"field": "total_spent", "op": "gt", "value": "lots"}, "needs a number"),
        ({"field": "language", "op": "in", "value": []}, "non-empty list"),
    ],
)
def test_rules_that_do_not_fit_their_field_are_refused(
    session: Session, condition: dict[str, object], message: str
) -> None:
    with pytest.raises(Invalid, match=message):
        segments.check_rules(SegmentRules(conditions=[SegmentCondition.model_validate(condition)]))


def test_a_rep_counts_only_their_own_customers(session: Session) -> None:
    rep = make_user(session, Role.sales)
    mine = make_customer(session, owner_id=rep.id, city="Hangzhou")
    make_customer(session, city="Hangzhou")

    found = set(session.scalars(segments.members_query(_rules(("city", "eq", "hangzhou")), principal_of(rep), session)))

    assert found == {mine.id}


def test_saving_counts_members_and_update_recounts(session: Session) -> None:
    make_customer(session, language="zh", city="Suzhou")
    segment = segments.create(session, SYSTEM, SegmentCreate(name="Suzhou", rules=_rules(("city", "eq", "Suzhou"))))
    assert (segment.member_count, segment.refreshed_at is not None) == (1, True)

    make_customer(session, language="zh", city="Suzhou")
    updated = segments.update(
        session, SYSTEM, segment.id, SegmentUpdate(rules=_rules(("city", "eq", "Suzhou"), ("language", "eq", "zh")))
    )

    assert updated.member_count == 2


def test_names_are_unique_and_segments_with_campaigns_stay(session: Session, tmp_path: Path) -> None:
    segment = make_segment(session, name="All")
    with pytest.raises(Conflict):
        make_segment(session, name="All")
    make_campaign(session, settings_for(tmp_path), segment)

    with pytest.raises(Conflict, match="campaigns"):
        segments.delete(session, SYSTEM, segment.id)


def test_support_may_not_create_segments(session: Session) -> None:
    agent = make_user(session, Role.support)

    with pytest.raises(Forbidden):
        segments.create(session, principal_of(agent), SegmentCreate(name="x", rules=SegmentRules()))


def test_sentence_read_by_rules_without_a_model(session: Session) -> None:
    make_customer(session, city="上海市")

    draft = segments.from_sentence(
        session, SYSTEM, None, "customers in Shanghai who spent over 500 and haven't ordered in 60 days"
    )

    assert draft.source == "rules"
    assert [c.model_dump() for c in draft.rules.conditions] == [
        {"field": "city", "op": "eq", "value": "Shanghai"},
        {"field": "total_spent", "op": "gt", "value": 500.0},
        {"field": "days_since_last_order", "op": "gt", "value": 60.0},
    ]
    assert draft.explanation[1] == "total spent is over 500.0"


def test_sentence_read_by_the_model_is_a_draft_with_a_count(session: Session, tmp_path: Path) -> None:
    make_customer(session, language="zh")
    answer = {"match": "all", "conditions": [{"field": "language", "op": "eq", "value": "zh"}]}
    provider = ScriptedProvider(json.dumps(answer))

    draft = segments.from_sentence(session, SYSTEM, gateway_with(provider, tmp_path), "Chinese-speaking customers")

    assert (draft.source, draft.rules.model_dump(), draft.member_count >= 1) == ("model", answer, True)
    assert "language" in provider.requests[0].messages[0]["content"]


def test_unusable_model_rules_fall_back_to_the_reader(session: Session, tmp_path: Path) -> None:
    bad = {"match": "all", "conditions": [{"field": "city", "op": "gt", "value": 5}]}

    draft = segments.from_sentence(
        session, SYSTEM, gateway_with(ScriptedProvider(json.dumps(bad)), tmp_path), "customers who spent over 2k"
    )

    assert draft.source == "rules"
    assert draft.rules.conditions[0].model_dump() == {"field": "total_spent", "op": "gt", "value": 2000.0}
    assert "not usable" in draft.warnings[0]
