"""Agent assist: for any ticket, a reply drafted from the knowledge base and the customer's own records, with the
sources it used, for the agent to edit before sending. Nothing is sent from here.

The draft obeys the same rules as widget answers: the model sees only fenced data, every number it writes must
appear in a source (sentences with an invented number are removed), and without a model the draft is a template
with the best passages and records quoted. The ticket is read with the agent's own principal, so an agent can
only draft for tickets within their reach.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rapport.assistant import guard, prompts
from rapport.assistant.answering import Citation, Record, Retrieved, article_citation, passage_text, retrieve
from rapport.assistant.flows import AssistantRuntime
from rapport.assistant.grounding import check_sentence, citations_in, sentences
from rapport.assistant.language import LANGUAGE_NAMES, detect_language, order_numbers
from rapport.assistant.tools import tools_for
from rapport.customers.models import Customer
from rapport.errors import RapportError
from rapport.interactions import service as interaction_service
from rapport.interactions.models import Interaction
from rapport.privacy.access import Principal
from rapport.store.engine import session_scope
from rapport.tickets import service as ticket_service

FEATURE = "assistant.draft"
GREETING = {"en": "Hi {name},", "zh": "{name}您好，"}
SIGN_OFF = {"en": "Best regards,", "zh": "祝好，"}
FOUND = {"en": "Here is what our help centre says about this:", "zh": "关于这个问题，帮助中心的说明如下："}
RECORDS = {"en": "What I can see on your account:", "zh": "您账户中的相关信息："}
CHECKING = {"en": "I'm checking this for you and will come back to you shortly.", "zh": "我正在为您核实，稍后回复您。"}


@dataclass
class Draft:
    ticket_id: int
    text: str
    language: str
    citations: list[Citation] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    is_generated: bool = False
    confidence: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "ticket_id": self.ticket_id,
            "text": self.text,
            "language": self.language,
            "citations": [c.as_dict() for c in self.citations],
            "records": [{"label": r.label, "text": r.text} for r in self.records],
            "generated": self.is_generated,
            "confidence": round(self.confidence, 3),
        }


def draft_reply(runtime: AssistantRuntime, principal: Principal, ticket_id: int) -> Draft:
    with session_scope(runtime.sessions) as session:
        ticket = ticket_service.tickets.get(session, principal, ticket_id)
        inbound = session.scalars(
            interaction_service.interactions.visible(principal)
            .where(Interaction.ticket_id == ticket.id, Interaction.direction == "inbound")
            .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
            .limit(2)
        ).all()
        message = "\n".join(i.body for i in reversed(inbound))
        customer = session.get(Customer, ticket.customer_id)
        first_name = (customer.first_name or customer.full_name.split()[0]) if customer else ""
        language = ticket.language or detect_language(f"{ticket.subject} {message}")
        tools = tools_for(session, ticket.customer_id, via="assist")
        numbers = order_numbers(f"{ticket.subject} {message}")
        orders = [o for o in (tools.find_order(n) for n in numbers[:3]) if o is not None] or tools.recent_orders(2)
        records = [Record(f"Order {o.number}", o.describe(language)) for o in orders]
        subject = ticket.subject
    runtime.index.ensure_fresh(runtime.sessions)
    retrieved = retrieve(runtime.index, f"{subject}\n{message}"[:1000], language=language, k=runtime.settings.passages)
    draft = Draft(ticket_id=ticket_id, text="", language=language, records=records, confidence=retrieved.confidence)
    gateway = runtime.answerer.gateway
    if gateway is not None and gateway.is_available(FEATURE):
        try:
            _generate(runtime, draft, subject, message, first_name, retrieved)
            return draft
        except RapportError:
            pass  # the template below still gives the agent something to start from
    _template(runtime, draft, first_name, retrieved)
    return draft


def _generate(
    runtime: AssistantRuntime, draft: Draft, subject: str, message: str, first_name: str, retrieved: Retrieved
) -> None:
    assert runtime.answerer.gateway is not None
    sources = retrieved.sources[: runtime.settings.passages] if retrieved.is_confident(runtime.settings) else []
    system = prompts.load("draft_reply.v1").format(
        company=runtime.settings.company_name, language=LANGUAGE_NAMES.get(draft.language, "English")
    )
    parts = [guard.fence("ticket", f"Customer first name: {first_name}\nSubject: {subject}\n\n{message}")]
    parts += [guard.fence("passage", passage_text(s), id=n, title=s.title) for n, s in enumerate(sources, start=1)]
    if draft.records:
        parts.append(guard.fence("records", "\n".join(f"{r.label}: {r.text}" for r in draft.records)))
    completion = runtime.answerer.gateway.complete(
        FEATURE,
        [{"role": "system", "content": system}, {"role": "user", "content": "\n".join(parts)}],
        max_tokens=300,
    )
    texts = [passage_text(s) for s in sources] + [f"{r.label}: {r.text}" for r in draft.records]
    kept_lines = []
    for line in completion.text.strip().split("\n"):
        kept = []
        for sentence in sentences(line):
            checked = check_sentence(sentence, texts, allowed_numbers=set())
            if not checked.unsupported_numbers and not guard.leaks_prompt(sentence, system):
                kept.append(sentence)  # the agent edits the draft: only invented numbers are removed outright
        kept_lines.append(" ".join(kept))
    draft.text = "\n".join(kept_lines).strip()
    cited = sorted({n for n in citations_in(draft.text) if 1 <= n <= len(sources)})
    draft.citations = [article_citation(n, sources[n - 1]) for n in cited]
    draft.is_generated = True
    if not draft.text:
        _template(runtime, draft, first_name, retrieved)


def _template(runtime: AssistantRuntime, draft: Draft, first_name: str, retrieved: Retrieved) -> None:
    language = draft.language if draft.language in GREETING else "en"
    lines = [GREETING[language].format(name=first_name or ("there" if language == "en" else "")), ""]
    if draft.records:
        lines.append(RECORDS[language])
        lines += [f"- {r.text}" for r in draft.records]
        lines.append("")
    sources = retrieved.sources[:2] if retrieved.is_confident(runtime.settings) else []
    if sources:
        lines.append(FOUND[language])
        for n, source in enumerate(sources, start=1):
            lines.append(f"- {' '.join(source.text.split())[:400]} [{n}]")
        draft.citations = [article_citation(n, s) for n, s in enumerate(sources, start=1)]
    else:
        lines.append(CHECKING[language])
    lines += ["", SIGN_OFF[language]]
    draft.text = "\n".join(lines)
    draft.is_generated = False
