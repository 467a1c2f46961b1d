"""From a question to a QueryPlan through the gateway's structured output.

What the model sees and why: one system prompt (`prompts/plan.v1.md`) carrying the whole semantic layer, compact,
and few-shot examples in English and Chinese. It is the same for every question and every user, so llama.cpp
reuses the computed prefix and only the question is processed each time. The layer in the prompt is the full one,
not the principal's: when someone asks for a field they may not see, the model names it and `compile.py` refuses
with the reason, instead of the model quietly answering with some other field. A follow-up carries the previous
question and plan in the user message. The JSON schema lists every known name as an enum, so constrained decoding
cannot invent a field.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from rapport.ai.gateway import Gateway
from rapport.ai.providers import ChatMessage
from rapport.ask import prompts
from rapport.ask.plan import QueryPlan
from rapport.ask.semantic import ENTITIES, FIELDS, METRICS, TIME_GRAINS

FEATURE = "ask"
PROMPT = "plan.v1"
MAX_PLAN_TOKENS = 320


class PlannedQuery(QueryPlan):
    """The plan as the model must write it: the same model, with the layer's names as enums in its schema."""

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        schema = super().model_json_schema(*args, **kwargs)
        return with_enums(schema)


def with_enums(schema: dict[str, Any]) -> dict[str, Any]:
    props = schema["properties"]
    defs = schema.get("$defs", {})
    props["entity"] = {"anyOf": [{"enum": list(ENTITIES)}, {"type": "null"}], "default": None}
    props["metrics"]["items"] = {"enum": list(METRICS)}
    props["dimensions"]["items"] = {"enum": [*FIELDS, *TIME_GRAINS]}
    if "Filter" in defs:
        defs["Filter"]["properties"]["field"] = {"enum": list(FIELDS)}
    if "Having" in defs:
        defs["Having"]["properties"]["metric"] = {"enum": list(METRICS)}
    return schema


@cache
def layer_text() -> str:
    """The semantic layer in a few tokens per name (the prompt is processed on every cache miss, on two cores)."""
    lines = ["Entities [time field]:"]
    for e in ENTITIES.values():
        lines.append(f"- {e.name}: {e.description} [{e.time_field}] ({', '.join(e.synonyms[-2:])})")
    lines.append("Fields, by table (meaning or values in brackets):")
    groups: dict[str, list[str]] = {}
    for f in FIELDS.values():
        table, _, short = f.name.partition(".")
        hint = f.hint or (f.synonyms[-1] if f.synonyms else "")
        groups.setdefault(table, []).append(f"{short} ({hint})" if hint else short)
    for table, names in groups.items():
        lines.append(f"- {table}: {', '.join(names)}")
    lines.append(f"Time buckets (as dimensions, on the entity's time field): {', '.join(TIME_GRAINS)}")
    lines.append("Metrics [entities]:")
    for m in METRICS.values():
        lines.append(f"- {m.name}: {m.description} [{', '.join(m.forms)}] ({', '.join(m.synonyms[-2:])})")
    return "\n".join(lines)


@cache
def system_prompt() -> str:
    return prompts.load(PROMPT).format(layer=layer_text())


def messages_for(question: str, previous: QueryPlan | None = None) -> list[ChatMessage]:
    user = f"Q: {question}" if previous is None else f"Previous plan: {previous.compact()}\nQ (follow-up): {question}"
    return [{"role": "system", "content": system_prompt()}, {"role": "user", "content": user}]


def plan_question(gateway: Gateway, question: str, previous: QueryPlan | None = None) -> QueryPlan:
    planned = gateway.generate_json(FEATURE, messages_for(question, previous), PlannedQuery, max_tokens=MAX_PLAN_TOKENS)
    return QueryPlan.model_validate(planned.model_dump())
