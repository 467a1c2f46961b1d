"""Choosing an agent for a ticket, as a pure function: language, skill for the intent, VIP desk, load and
availability, with least-recently-assigned (round-robin) breaking ties. The service and the routing simulation in
eval/routing.py call the same `choose_agent`, so what is measured is what runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

# The skill an intent needs (demo skills: en, zh, billing, refunds, orders, technical, warranty). Intents not listed
# need no particular skill.
INTENT_SKILLS: Final[dict[str, str]] = {
    "refund_request": "refunds",
    "return_label": "refunds",
    "billing_error": "billing",
    "discount_request": "billing",
    "order_status": "orders",
    "late_delivery": "orders",
    "wrong_item": "orders",
    "cancellation": "orders",
    "address_change": "orders",
    "technical_problem": "technical",
    "account_access": "technical",
    "warranty_claim": "warranty",
    "damaged_item": "warranty",
}
LANGUAGE_SKILLS: Final = frozenset({"en", "zh"})
VIP_SKILL: Final = "vip"


@dataclass(frozen=True)
class Agent:
    user_id: int
    name: str
    skills: frozenset[str]
    open_tickets: int
    max_open: int
    is_available: bool = True
    last_assigned_at: datetime | None = None

    def speaks(self, language: str | None) -> bool:
        spoken = self.skills & LANGUAGE_SKILLS
        # An agent who lists no language at all is taken to speak English (the demo's default).
        return language is None or language in (spoken or {"en"})


@dataclass(frozen=True)
class TicketNeeds:
    intent: str | None
    language: str | None
    is_vip: bool = False


@dataclass(frozen=True)
class Decision:
    user_id: int | None
    reason: str
    details: dict[str, object] = field(default_factory=dict)


def choose_agent(needs: TicketNeeds, agents: list[Agent]) -> Decision:
    """The available agent who speaks the language and has the skill, with the fewest open tickets; ties go to
    whoever was assigned least recently. Each filter that would leave nobody is relaxed, and the reason says so."""
    steps: list[str] = []
    pool = [a for a in agents if a.is_available]
    if not pool:
        return Decision(None, "no agent is available", {"agents": len(agents)})
    below_cap = [a for a in pool if a.open_tickets < a.max_open]
    if below_cap:
        pool = below_cap
    else:
        steps.append("every available agent is at their cap; taking the least loaded anyway")
    speakers = [a for a in pool if a.speaks(needs.language)]
    if speakers:
        pool = speakers
        if needs.language:
            steps.append(f"speaks {needs.language}")
    else:
        steps.append(f"nobody available speaks {needs.language}; language relaxed")
    skill = INTENT_SKILLS.get(needs.intent or "")
    if skill:
        skilled = [a for a in pool if skill in a.skills]
        if skilled:
            pool = skilled
            steps.append(f"has skill '{skill}' for {needs.intent}")
        else:
            steps.append(f"nobody available has skill '{skill}'; skill relaxed")
    if needs.is_vip:
        desk = [a for a in pool if VIP_SKILL in a.skills]
        if desk:
            pool = desk
            steps.append("VIP customer: VIP desk")
        else:
            steps.append("VIP customer: no VIP desk agent available, best match instead")
    least = min(a.open_tickets for a in pool)
    lightest = [a for a in pool if a.open_tickets == least]
    chosen = min(lightest, key=_round_robin_key)
    others = sorted(a.open_tickets for a in pool if a.user_id != chosen.user_id)
    steps.append(f"lowest load: {least} open" + (f" (others {', '.join(map(str, others[:5]))})" if others else ""))
    if len(lightest) > 1:
        steps.append(f"tie among {len(lightest)} broken by round-robin (least recently assigned)")
    return Decision(
        chosen.user_id,
        f"{chosen.name}: " + "; ".join(steps),
        {"skill": skill, "language": needs.language, "is_vip": needs.is_vip, "candidates": len(pool), "load": least},
    )


def _round_robin_key(agent: Agent) -> tuple[int, float, int]:
    # Never assigned sorts first; then the oldest last assignment; then the id, so the order is total.
    if agent.last_assigned_at is None:
        return (0, 0.0, agent.user_id)
    return (1, agent.last_assigned_at.timestamp(), agent.user_id)
