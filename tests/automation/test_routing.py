"""Choosing an agent: language, skill, VIP desk, load, availability, and round-robin on ties."""

from __future__ import annotations

from datetime import UTC, datetime

from rapport.automation.routing import Agent, TicketNeeds, choose_agent


def agent(user_id: int, skills: set[str], load: int = 0, **overrides: object) -> Agent:
    values: dict[str, object] = {
        "name": f"A{user_id}",
        "skills": frozenset(skills),
        "open_tickets": load,
        "max_open": 10,
    }
    values.update(overrides)
    return Agent(user_id=user_id, **values)  # type: ignore[arg-type]


def test_language_and_skill_decide_before_load() -> None:
    agents = [agent(1, {"en", "refunds"}, load=5), agent(2, {"zh", "refunds"}, load=1), agent(3, {"en"}, load=0)]

    decision = choose_agent(TicketNeeds("refund_request", "en"), agents)

    assert decision.user_id == 1
    assert "speaks en" in decision.reason
    assert "has skill 'refunds' for refund_request" in decision.reason


def test_the_least_loaded_matching_agent_wins() -> None:
    agents = [agent(1, {"en", "orders"}, load=4), agent(2, {"en", "orders"}, load=2)]

    decision = choose_agent(TicketNeeds("order_status", "en"), agents)

    assert decision.user_id == 2
    assert "lowest load: 2 open (others 4)" in decision.reason


def test_ties_go_to_whoever_was_assigned_least_recently() -> None:
    earlier, later = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
    agents = [agent(1, {"en"}, last_assigned_at=later), agent(2, {"en"}, last_assigned_at=earlier)]

    decision = choose_agent(TicketNeeds(None, "en"), agents)

    assert decision.user_id == 2
    assert "round-robin" in decision.reason


def test_unavailable_and_full_agents_are_skipped() -> None:
    agents = [agent(1, {"en"}, is_available=False), agent(2, {"en"}, load=10), agent(3, {"en"}, load=9)]

    decision = choose_agent(TicketNeeds(None, "en"), agents)

    assert decision.user_id == 3


def test_a_missing_skill_is_relaxed_and_said() -> None:
    decision = choose_agent(TicketNeeds("warranty_claim", "zh"), [agent(1, {"zh", "orders"})])

    assert decision.user_id == 1
    assert "nobody available has skill 'warranty'; skill relaxed" in decision.reason


def test_vip_tickets_go_to_the_vip_desk() -> None:
    agents = [agent(1, {"en"}, load=0), agent(2, {"en", "vip"}, load=3)]

    decision = choose_agent(TicketNeeds(None, "en", is_vip=True), agents)

    assert decision.user_id == 2
    assert "VIP customer: VIP desk" in decision.reason


def test_nobody_available_means_no_decision() -> None:
    decision = choose_agent(TicketNeeds(None, "en"), [agent(1, {"en"}, is_available=False)])

    assert decision.user_id is None
    assert decision.reason == "no agent is available"
