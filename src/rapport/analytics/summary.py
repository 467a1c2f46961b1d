"""Customer summaries: the facts about one customer, each citing the records it rests on, and a written summary.

The AI gateway will write the summary from these facts (TODO(#7): pass its writer as `writer`); until then, and
whenever the writer fails, a template joins the facts into sentences. Citations are "<entity>:<id>" (order:12,
ticket:3, interaction:40, customer:7, analytics_run:5), so whatever writes the text can point back at the records.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from rapport.analytics.features import NOT_PURCHASES

log = logging.getLogger(__name__)
OPEN_STATUSES = ("new", "open", "pending")

# Facts in, summary text out. The gateway's version will ask a model to write it, citing the same ids.
SummaryWriter = Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class Fact:
    topic: str
    text: str
    cites: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def collect_facts(
    customer: dict[str, Any],
    insight: dict[str, Any],
    orders: list[dict[str, Any]],
    tickets: list[dict[str, Any]],
    interactions: list[dict[str, Any]],
    *,
    as_of: datetime,
    run_id: int | None = None,
) -> list[Fact]:
    """Facts about one customer from their own rows (orders, tickets and interactions of this customer, as dicts
    with the columns of `frames.SCHEMAS`) and the insight computed for them (features, rfm_segment, clv, p_alive,
    churn_risk, churn_reasons, interests)."""
    cid = customer["customer_id"]
    run = [f"analytics_run:{run_id}"] if run_id is not None else []
    features = insight.get("features") or {}
    facts = [_profile(customer, features)]
    bought = sorted(
        (o for o in orders if o["status"] not in NOT_PURCHASES and o["placed_at"] <= as_of),
        key=lambda o: o["placed_at"],
    )
    if bought:
        last, n = bought[-1], len(bought)
        total = sum(o["total"] or 0.0 for o in bought)
        facts.append(
            Fact(
                "orders",
                f"{n} order{'s' if n > 1 else ''} worth ${total:,.2f}, "
                f"the last on {last['placed_at']:%Y-%m-%d} ({(as_of - last['placed_at']).days} days ago)",
                [f"order:{last['order_id']}"] + ([f"order:{bought[0]['order_id']}"] if n > 1 else []),
            )
        )
    else:
        facts.append(Fact("orders", "no purchase yet", [f"customer:{cid}"]))
    interests = (insight.get("interests") or {}).get("category") or []
    if interests:
        labels = " and ".join(i["label"] for i in interests[:2])
        facts.append(Fact("interests", f"most interested in {labels}", run))
    segment = insight.get("rfm_segment_name")
    if segment:
        facts.append(Fact("segment", f"RFM segment {segment} (scores {insight.get('rfm_score') or '-'})", run))
    if insight.get("clv") is not None:
        text = (
            f"expected to buy {insight.get('expected_purchases') or 0:.1f} times for about ${insight['clv']:,.0f} "
            f"in the next {insight.get('horizon_days', 365)} days"
        )
        # BG/NBD takes a customer with a single purchase day to be active (dropout only follows a repeat purchase),
        # so P(alive) says nothing about them and is left out.
        if (features.get("orders") or 0) > 1 and insight.get("p_alive") is not None:
            text += f"; {insight['p_alive']:.0%} likely still an active customer"
        facts.append(Fact("value", text, run))
    if insight.get("churn_risk") is not None:
        reasons = "; ".join(r["text"] for r in (insight.get("churn_reasons") or [])[:2])
        level = risk_level(float(insight["churn_risk"]))
        text = f"churn risk {insight['churn_risk']:.0%} ({level})" + (f": {reasons}" if reasons else "")
        facts.append(Fact("churn", text, run))
    facts += _support(tickets, as_of)
    facts += _last_message(interactions, as_of)
    return facts


def write_summary(customer: dict[str, Any], facts: list[Fact], writer: SummaryWriter | None = None) -> str:
    """The summary text: the writer's when one is given and succeeds, otherwise the template's."""
    if writer is not None:
        try:
            text = writer({"customer": customer, "facts": [f.as_dict() for f in facts]})
            if text.strip():
                return text.strip()
        except Exception:
            log.warning("summary writer failed; using the template", exc_info=True)
    return template(customer, facts)


def template(customer: dict[str, Any], facts: list[Fact]) -> str:
    """Each fact as a sentence ending in its citations: "… worth $210.00 [order:12]"."""
    name = customer.get("full_name") or f"Customer {customer['customer_id']}"
    sentences = []
    for fact in facts:
        cites = f" [{', '.join(fact.cites)}]" if fact.cites else ""
        text = fact.text[0].upper() + fact.text[1:]
        sentences.append(f"{text}{cites}.")
    return f"{name}: " + " ".join(sentences)


def risk_level(risk: float) -> str:
    return "high" if risk >= 0.6 else "medium" if risk >= 0.3 else "low"


def _profile(customer: dict[str, Any], features: dict[str, Any]) -> Fact:
    tenure = features.get("tenure_days")
    since = f"a customer for {tenure / 365:.1f} years" if tenure and tenure >= 365 else None
    if since is None and tenure is not None:
        since = f"a customer for {tenure:.0f} days"
    language = customer.get("language")
    parts = [p for p in (since, f"writes in {language}" if language else None) if p]
    channel = features.get("preferred_channel")
    if channel:
        parts.append(f"orders mostly via {channel}")
    return Fact("profile", ", ".join(parts) or "customer", [f"customer:{customer['customer_id']}"])


def _support(tickets: list[dict[str, Any]], as_of: datetime) -> list[Fact]:
    opened = sorted((t for t in tickets if t["created_at"] <= as_of), key=lambda t: t["created_at"], reverse=True)
    still_open = [t for t in opened if t["resolved_at"] is None and t["status"] in OPEN_STATUSES]
    if still_open:
        n = len(still_open)
        return [
            Fact(
                "support",
                f'{n} open ticket{"s" if n > 1 else ""}, latest "{still_open[0]["subject"]}"',
                [f"ticket:{t['ticket_id']}" for t in still_open[:3]],
            )
        ]
    if opened:
        n = len(opened)
        return [
            Fact(
                "support",
                f'{n} past ticket{"s" if n > 1 else ""}, none open; latest "{opened[0]["subject"]}"',
                [f"ticket:{opened[0]['ticket_id']}"],
            )
        ]
    return []


def _last_message(interactions: list[dict[str, Any]], as_of: datetime) -> list[Fact]:
    inbound = [i for i in interactions if i["direction"] == "inbound" and i["occurred_at"] <= as_of]
    if not inbound:
        return []
    last = max(inbound, key=lambda i: i["occurred_at"])
    mood = f", {last['sentiment'].replace('_', ' ')}" if last.get("sentiment") else ""
    stars = f", {last['rating']} stars" if last.get("rating") else ""
    return [
        Fact(
            "contact",
            f"last wrote on {last['occurred_at']:%Y-%m-%d} ({last['kind']}{mood}{stars})",
            [f"interaction:{last['interaction_id']}"],
        )
    ]
