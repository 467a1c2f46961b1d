"""What each API route needs: the declarative rule table the role × route × ownership matrix tests against.

`access.py` says what a role may do with an entity; this table says which (entity, action) pairs each
`(method, path)` of the OpenAPI schema asks for, whether its path names an owned record (so record reach applies),
and the few routes that are public, only for the caller's own data, or limited to named roles. The services decide
access at run time; this table is written from what each route is for, so a test can derive the expected answer from
PERMISSIONS and the table alone and catch a service that checks too little or too much
(tests/privacy/test_route_matrix.py). A new route without a rule here fails that test.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from rapport.privacy.access import PERMISSIONS, REACH, Action, Reach, Role


class Kind(StrEnum):
    public = "public"  # no login (health, login, the widget and e-mail links, which carry their own signed tokens)
    authenticated = "authenticated"  # any logged-in role
    self = "self"  # any role, on the caller's own data; another user's record answers 404 (it is not theirs)
    permission = "permission"  # the (entity, action) pairs in `needs`


# Owned records a path id can name. "users" is the caller's own account (own) versus a colleague's (other).
OWNED = frozenset({"customers", "orders", "deals", "interactions", "tickets", "tasks", "imports", "users"})
MANAGERS = frozenset({Role.admin, Role.manager})
ADMINS = frozenset({Role.admin})


@dataclass(frozen=True)
class Rule:
    kind: Kind = Kind.permission
    needs: tuple[tuple[str, Action], ...] = ()
    record: str | None = None  # the owned entity the path's id names; its reach decides own vs other
    roles: frozenset[Role] | None = None  # further limited to these roles
    others_roles: frozenset[Role] | None = None  # "users" records: who may act on someone else's
    wide_only: bool = False  # company-wide aggregates: not for roles whose reach is their own records

    def allows(self, role: Role, *, own: bool = True) -> bool:
        """The expected answer for `role` on its own record (or on another's, with own=False)."""
        if self.kind in (Kind.public, Kind.authenticated):
            return True
        if self.kind == Kind.self:
            return own
        if self.roles is not None and role not in self.roles:
            return False
        if not all(can_role(role, entity, action) for entity, action in self.needs):
            return False
        if self.wide_only and REACH[role] == Reach.own:
            return False
        if own or self.record is None:
            return True
        if self.record == "users":
            return self.others_roles is None or role in self.others_roles
        return REACH[role] == Reach.all


def can_role(role: Role, entity: str, action: Action) -> bool:
    return action in PERMISSIONS[role].get(entity, frozenset())


def needs(
    *pairs: str, record: str | None = None, roles: frozenset[Role] | None = None, wide_only: bool = False
) -> Rule:
    """`needs("tickets:update", "models:read", record="tickets")`: every pair is required."""
    parsed = tuple((entity, Action(action)) for entity, _, action in (p.partition(":") for p in pairs))
    return Rule(needs=parsed, record=record, roles=roles, wide_only=wide_only)


PUBLIC = Rule(kind=Kind.public)
AUTHENTICATED = Rule(kind=Kind.authenticated)
SELF = Rule(kind=Kind.self)


def _crud(base: str, entity: str, id_name: str, *, record: bool = False, delete: bool = True) -> dict[str, Rule]:
    owned = entity if record else None
    rules = {
        f"GET {base}": needs(f"{entity}:read"),
        f"POST {base}": needs(f"{entity}:create"),
        f"GET {base}/{{{id_name}}}": needs(f"{entity}:read", record=owned),
        f"PATCH {base}/{{{id_name}}}": needs(f"{entity}:update", record=owned),
    }
    if delete:
        rules[f"DELETE {base}/{{{id_name}}}"] = needs(f"{entity}:delete", record=owned)
    return rules


A = "/api"
IMPORT_CUSTOMERS = ("imports:create", "customers:create", "customers:update")

RULES: dict[str, Rule] = {
    # -- health and auth
    f"GET {A}/health": PUBLIC,
    f"POST {A}/auth/tokens": PUBLIC,
    f"POST {A}/auth/login": PUBLIC,
    f"POST {A}/auth/logout": PUBLIC,
    f"GET {A}/auth/me": AUTHENTICATED,
    # -- users and teams
    f"GET {A}/users": needs("users:read"),
    f"POST {A}/users": needs("users:create"),
    f"GET {A}/users/{{user_id}}": needs("users:read"),
    f"PATCH {A}/users/{{user_id}}": needs("users:update"),
    f"GET {A}/teams": needs("teams:read"),
    f"POST {A}/teams": needs("teams:create"),
    # -- customers and companies
    **_crud(f"{A}/customers", "customers", "customer_id", record=True),
    f"GET {A}/customers/{{customer_id}}/360": needs("customers:read", record="customers"),
    f"POST {A}/customers/{{customer_id}}/restore": needs("customers:update", record="customers"),
    f"GET {A}/customers/{{customer_id}}/consents": needs("customers:read", record="customers"),
    **_crud(f"{A}/companies", "companies", "company_id"),
    # -- sales
    **_crud(f"{A}/products", "products", "product_id"),
    **_crud(f"{A}/orders", "orders", "order_id", record=True, delete=False),
    f"GET {A}/pipelines": needs("pipelines:read"),
    f"POST {A}/pipelines": needs("pipelines:create"),
    f"GET {A}/pipelines/{{pipeline_id}}": needs("pipelines:read"),
    **_crud(f"{A}/deals", "deals", "deal_id", record=True),
    # -- support
    **_crud(f"{A}/interactions", "interactions", "interaction_id", record=True),
    **_crud(f"{A}/tickets", "tickets", "ticket_id", record=True),
    f"POST {A}/tickets/{{ticket_id}}/restore": needs("tickets:update", record="tickets"),
    **_crud(f"{A}/tasks", "tasks", "task_id", record=True),
    **_crud(f"{A}/knowledge", "knowledge", "article_id"),
    # -- audit and AI runtime (the model-call log is operational data, read like the audit log)
    f"GET {A}/audit": needs("audit:read"),
    f"GET {A}/audit/verify": needs("audit:read"),
    f"GET {A}/ai/status": AUTHENTICATED,
    f"GET {A}/ai/calls": needs("audit:read"),
    # -- analytics
    f"GET {A}/customers/{{customer_id}}/insights": needs("analytics:read", "customers:read", record="customers"),
    f"GET {A}/analytics/segments": needs("analytics:read", wide_only=True),
    f"GET {A}/analytics/cohorts": needs("analytics:read", wide_only=True),
    f"POST {A}/analytics/runs": needs("analytics:create"),
    f"GET {A}/analytics/runs": needs("analytics:read"),
    f"GET {A}/analytics/runs/{{run_id}}": needs("analytics:read"),
    # -- automation: rules
    f"GET {A}/rules": needs("rules:read"),
    f"POST {A}/rules": needs("rules:create"),
    f"POST {A}/rules/import": needs("rules:create"),
    f"POST {A}/rules/install-demo": needs("rules:create"),
    f"POST {A}/rules/dry-run": needs("rules:read"),
    f"GET {A}/rules/{{rule_id}}": needs("rules:read"),
    f"PATCH {A}/rules/{{rule_id}}": needs("rules:update"),
    f"DELETE {A}/rules/{{rule_id}}": needs("rules:delete"),
    f"POST {A}/rules/{{rule_id}}/dry-run": needs("rules:read"),
    f"GET {A}/rules/{{rule_id}}/runs": needs("rules:read"),
    # -- automation: triage and assignment
    f"GET {A}/tickets/{{ticket_id}}/triage": needs("tickets:read", record="tickets"),
    f"POST {A}/tickets/{{ticket_id}}/triage": needs("tickets:update", record="tickets"),
    f"GET {A}/tickets/{{ticket_id}}/assignments": needs("tickets:read", record="tickets"),
    f"POST {A}/tickets/{{ticket_id}}/assign": needs("tickets:update", record="tickets", roles=MANAGERS),
    f"POST {A}/tickets/{{ticket_id}}/route": needs("tickets:update", record="tickets"),
    f"GET {A}/agents/availability": needs("tickets:read"),
    f"PUT {A}/agents/{{user_id}}/availability": Rule(
        needs=(("tickets", Action.read),), record="users", others_roles=MANAGERS
    ),
    # -- jobs, reports, mail
    f"GET {A}/jobs": needs("jobs:read"),
    f"POST {A}/jobs/{{name}}": needs("jobs:create"),
    f"GET {A}/reports": needs("reports:read"),
    f"POST {A}/reports": needs("reports:create"),
    f"GET {A}/reports/{{report_id}}": needs("reports:read"),
    f"GET {A}/reports/{{report_id}}/{{fmt}}": needs("reports:read"),
    f"POST {A}/reports/{{report_id}}/deliver": needs("reports:update"),
    f"GET {A}/mail/outbox": needs("interactions:read", roles=MANAGERS),
    f"POST {A}/mail/import": needs("tickets:create", "interactions:create"),
    # -- imports (the matrix imports customers), duplicates and merges, exports (of customers)
    f"GET {A}/imports/fields": AUTHENTICATED,
    f"GET {A}/imports/presets": needs("imports:read"),
    f"POST {A}/imports/presets": needs("imports:create"),
    f"DELETE {A}/imports/presets/{{name}}": needs("imports:delete"),
    f"POST {A}/imports": needs(*IMPORT_CUSTOMERS),
    f"GET {A}/imports": needs("imports:read"),
    f"POST {A}/imports/uploads": needs(*IMPORT_CUSTOMERS),
    f"PUT {A}/imports/{{batch_id}}/content": needs("imports:update", record="imports"),
    f"POST {A}/imports/{{batch_id}}/content/complete": needs("imports:update", record="imports"),
    f"GET {A}/imports/{{batch_id}}": needs("imports:read", record="imports"),
    f"PATCH {A}/imports/{{batch_id}}": needs("imports:update", record="imports"),
    f"GET {A}/imports/{{batch_id}}/preview": needs("imports:read", record="imports"),
    f"POST {A}/imports/{{batch_id}}/run": needs("imports:update", *IMPORT_CUSTOMERS, record="imports"),
    f"POST {A}/imports/{{batch_id}}/cancel": needs("imports:update", record="imports"),
    f"GET {A}/imports/{{batch_id}}/report": needs("imports:read", record="imports"),
    f"GET {A}/imports/{{batch_id}}/quarantine": needs("imports:read", record="imports"),
    f"PATCH {A}/imports/quarantine/{{row_id}}": needs("imports:update"),
    f"POST {A}/imports/quarantine/{{row_id}}/discard": needs("imports:update"),
    f"POST {A}/imports/{{batch_id}}/quarantine/reimport": needs("imports:update", *IMPORT_CUSTOMERS, record="imports"),
    f"POST {A}/duplicates/scan": needs("customers:update"),
    f"GET {A}/duplicates": needs("customers:read"),
    f"POST {A}/duplicates/{{candidate_id}}/reject": needs("customers:update"),
    f"POST {A}/duplicates/merge": needs("customers:update", "customers:delete"),
    f"GET {A}/customers/{{customer_id}}/merges": needs("customers:read", record="customers"),
    f"POST {A}/merges/{{merge_id}}/unmerge": needs("customers:update", "customers:delete"),
    f"GET {A}/exports/{{entity}}": needs("exports:read", "customers:read"),
    # -- trained classifiers
    f"GET {A}/models": needs("models:read"),
    f"GET {A}/models/versions": needs("models:read"),
    f"GET {A}/models/{{name}}/versions/{{version}}": needs("models:read"),
    f"DELETE {A}/models/{{name}}/versions/{{version}}": needs("models:delete"),
    f"GET {A}/models/{{name}}/versions/{{version}}/confusion.png": needs("models:read"),
    f"POST {A}/models/train": needs("models:create"),
    f"GET {A}/models/runs": needs("models:read"),
    f"GET {A}/models/runs/{{run_id}}": needs("models:read"),
    f"POST {A}/models/{{name}}/promote": needs("models:update"),
    f"POST {A}/models/{{name}}/rollback": needs("models:update"),
    f"PATCH {A}/models/{{name}}/deployment": needs("models:update"),
    f"POST {A}/models/{{name}}/predict": needs("models:read"),
    f"POST {A}/models/{{name}}/evaluate": needs("models:read"),
    f"POST {A}/models/tickets/{{ticket_id}}/score": needs("models:read", "tickets:update", record="tickets"),
    f"POST {A}/models/labels": needs("tickets:update", record="tickets"),  # the matrix labels a ticket
    f"GET {A}/models/labels": needs("tickets:read", record="tickets"),
    # -- customer-service assistant: staff side, then the public widget (a signed conversation token)
    f"GET {A}/assistant/conversations": needs("conversations:read"),
    f"GET {A}/assistant/conversations/{{conversation_id}}": needs("conversations:read"),
    f"POST {A}/assistant/conversations/{{conversation_id}}/takeover": needs("conversations:update"),
    f"POST {A}/assistant/conversations/{{conversation_id}}/handback": needs("conversations:update"),
    f"POST {A}/assistant/conversations/{{conversation_id}}/close": needs("conversations:update"),
    f"POST {A}/assistant/conversations/{{conversation_id}}/reply": needs("conversations:update"),
    f"POST {A}/assistant/kb/import": needs("knowledge:create"),
    f"POST {A}/assistant/kb/reindex": needs("knowledge:update"),
    f"GET {A}/assistant/kb/search": needs("knowledge:read"),
    f"POST {A}/assistant/ask": needs("knowledge:read"),
    f"POST {A}/assistant/widget-tokens": Rule(roles=ADMINS),
    f"POST {A}/tickets/{{ticket_id}}/draft": needs("tickets:read", record="tickets"),
    f"POST {A}/assistant/widget/conversations": PUBLIC,
    f"POST {A}/assistant/widget/messages": PUBLIC,
    f"GET {A}/assistant/widget/messages": PUBLIC,
    f"POST {A}/assistant/widget/verify": PUBLIC,
    f"POST {A}/assistant/widget/handoff": PUBLIC,
    # -- Ask Rapport: every role asks; answers follow the asker's permissions; conversations are the asker's own
    f"POST {A}/ask": AUTHENTICATED,
    f"GET {A}/ask/conversations/{{conversation_id}}": SELF,
    f"GET {A}/ask/saved": AUTHENTICATED,
    f"POST {A}/ask/saved": SELF,
    f"GET {A}/ask/saved/{{saved_id}}": SELF,
    # -- recommendations and marketing
    f"GET {A}/customers/{{customer_id}}/recommendations": needs("customers:read", "products:read", record="customers"),
    f"GET {A}/customers/{{customer_id}}/next-best-offer": needs("customers:read", record="customers"),
    f"GET {A}/marketing/segments": needs("segments:read"),
    f"POST {A}/marketing/segments": needs("segments:create"),
    f"POST {A}/marketing/segments/preview": needs("segments:read"),
    f"POST {A}/marketing/segments/from-sentence": needs("segments:read"),
    f"GET {A}/marketing/segments/{{segment_id}}": needs("segments:read"),
    f"PATCH {A}/marketing/segments/{{segment_id}}": needs("segments:update"),
    f"DELETE {A}/marketing/segments/{{segment_id}}": needs("segments:delete"),
    f"POST {A}/marketing/segments/{{segment_id}}/refresh": needs("segments:update"),
    f"GET {A}/marketing/segments/{{segment_id}}/members": needs("segments:read"),
    f"GET {A}/marketing/campaigns": needs("campaigns:read"),
    f"POST {A}/marketing/campaigns": needs("campaigns:create"),
    f"GET {A}/marketing/campaigns/{{campaign_id}}": needs("campaigns:read"),
    f"POST {A}/marketing/campaigns/{{campaign_id}}/messages": needs("campaigns:update"),
    f"GET {A}/marketing/campaigns/{{campaign_id}}/preview": needs("campaigns:read"),
    f"POST {A}/marketing/campaigns/{{campaign_id}}/schedule": needs("campaigns:update"),
    f"POST {A}/marketing/campaigns/{{campaign_id}}/send": needs("campaigns:update"),
    f"GET {A}/marketing/campaigns/{{campaign_id}}/results": needs("campaigns:read"),
    f"POST {A}/marketing/campaigns/{{campaign_id}}/simulate": needs("campaigns:update"),
    f"GET {A}/t/o/{{token}}": PUBLIC,
    f"GET {A}/t/c/{{token}}": PUBLIC,
    f"GET {A}/unsubscribe/{{token}}": PUBLIC,
    f"POST {A}/unsubscribe/{{token}}": PUBLIC,
    # -- privacy-preserving outputs
    f"POST {A}/privacy/dp/query": needs("privacy:read"),
    f"GET {A}/privacy/dp/budgets/{{dataset}}": needs("privacy:read"),
    f"PUT {A}/privacy/dp/budgets/{{dataset}}": needs("privacy:update"),
    f"POST {A}/privacy/exports/pseudonymised": needs("privacy:read"),
    f"GET {A}/privacy/subjects/{{customer_id}}/export": Rule(roles=ADMINS, record="customers"),
    f"POST {A}/privacy/subjects/{{customer_id}}/erase": Rule(roles=ADMINS, record="customers"),
    # -- feedback analysis
    f"GET {A}/feedback/topics": needs("feedback:read"),
    f"GET {A}/feedback/topics/{{topic_id}}": needs("feedback:read"),
    f"GET {A}/feedback/messages": needs("feedback:read"),
    f"POST {A}/feedback/topics/{{topic_id}}/rename": needs("feedback:update"),
    f"POST {A}/feedback/topics/{{topic_id}}/merge": needs("feedback:update"),
    f"GET {A}/feedback/trends": needs("feedback:read"),
    f"GET {A}/feedback/report": needs("feedback:read"),
    f"GET {A}/feedback/runs": needs("feedback:read"),
    f"POST {A}/feedback/runs": needs("feedback:create"),
}


def rule_for(method: str, path: str) -> Rule | None:
    return RULES.get(f"{method.upper()} {path}")
