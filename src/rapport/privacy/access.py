"""Roles, the permission matrix, the acting principal and field masking: the one place access is decided."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from rapport.errors import Forbidden


class Role(StrEnum):
    admin = "admin"
    manager = "manager"
    sales = "sales"
    support = "support"
    marketing = "marketing"
    analyst = "analyst"


class Action(StrEnum):
    read = "read"
    create = "create"
    update = "update"
    delete = "delete"


class Reach(StrEnum):
    """How far a role's record-level view goes for entities that have owners."""

    all = "all"  # every record
    team = "team"  # records owned by anyone in one of the principal's teams
    own = "own"  # records the principal owns or is assigned


R, C, U, D = Action.read, Action.create, Action.update, Action.delete
ALL = frozenset({R, C, U, D})
RO = frozenset({R})
RCU = frozenset({R, C, U})

ENTITIES = (
    "customers",
    "companies",
    "products",
    "orders",
    "interactions",
    "tickets",
    "deals",
    "pipelines",
    "tasks",
    "knowledge",
    "users",
    "teams",
    "audit",
    "analytics",
)

# The permission matrix. A missing entity means no access at all.
PERMISSIONS: dict[Role, dict[str, frozenset[Action]]] = {
    Role.admin: dict.fromkeys(ENTITIES, ALL),
    Role.manager: {
        **dict.fromkeys(
            ("customers", "companies", "products", "orders", "interactions", "tickets", "deals", "tasks", "knowledge"),
            ALL,
        ),
        "pipelines": ALL,
        "users": RO,
        "teams": RO,
        "audit": RO,
        "analytics": frozenset({R, C}),
    },
    Role.sales: {
        "customers": RCU,
        "companies": RCU,
        "products": RO,
        "orders": RCU,
        "interactions": RCU,
        "tickets": RO,
        "deals": ALL,
        "pipelines": RO,
        "tasks": ALL,
        "knowledge": RO,
        "users": RO,
        "teams": RO,
        "analytics": RO,
    },
    Role.support: {
        "customers": frozenset({R, U}),
        "companies": RO,
        "products": RO,
        "orders": RO,
        "interactions": RCU,
        "tickets": RCU,
        "tasks": ALL,
        "knowledge": RCU,
        "users": RO,
        "teams": RO,
    },
    Role.marketing: {
        "customers": frozenset({R, U}),
        "companies": RO,
        "products": RCU,
        "orders": RO,
        "interactions": RO,
        "deals": RO,
        "pipelines": RO,
        "tasks": ALL,
        "knowledge": RO,
        "users": RO,
        "teams": RO,
        "analytics": RO,
    },
    Role.analyst: dict.fromkeys(
        ("customers", "companies", "products", "orders", "interactions", "tickets", "deals", "pipelines", "knowledge"),
        RO,
    )
    | {"analytics": RO},
}

# Imports and exports (rapport.ingest). Reps may start imports and read and fix their own batches (record reach
# follows who started a batch); importing also needs create and update on the imported entity. Anyone may export,
# but only an entity they can read, with their own masking applied.
ENTITIES = (*ENTITIES, "imports", "exports")  # type: ignore[assignment]
PERMISSIONS[Role.admin].update(imports=ALL, exports=ALL)
PERMISSIONS[Role.manager].update(imports=ALL, exports=RO)
for _role in (Role.sales, Role.support, Role.marketing):
    PERMISSIONS[_role].update(imports=RCU, exports=RO)
PERMISSIONS[Role.analyst].update(exports=RO)

# Widget conversations of the customer-service assistant (rapport.assistant): support works them (take over,
# reply, close); managers and admins too; analysts read them.
ENTITIES = (*ENTITIES, "conversations")  # type: ignore[assignment]
PERMISSIONS[Role.admin].update(conversations=ALL)
PERMISSIONS[Role.manager].update(conversations=ALL)
PERMISSIONS[Role.support].update(conversations=RCU)
PERMISSIONS[Role.analyst].update(conversations=RO)

# Trained classifiers (rapport.ai.classifier): admins and managers train, promote, roll back and configure them; every
# other role may use them (read: predict, see versions and reports). Correcting a label needs update on the record.
ENTITIES = (*ENTITIES, "models")  # type: ignore[assignment]
PERMISSIONS[Role.admin].update(models=ALL)
PERMISSIONS[Role.manager].update(models=ALL)
for _role in (Role.sales, Role.support, Role.marketing, Role.analyst):
    PERMISSIONS[_role].update(models=RO)

# Business process automation (rapport.automation, .jobs, .reports): admins and managers run it; everyone else may
# read the workflow rules and the reports; analysts may also look at the job queue.
ENTITIES = (*ENTITIES, "rules", "jobs", "reports")  # type: ignore[assignment]
for _role in (Role.admin, Role.manager):
    PERMISSIONS[_role].update(rules=ALL, jobs=ALL, reports=ALL)
for _role in (Role.sales, Role.support, Role.marketing):
    PERMISSIONS[_role].update(rules=RO, reports=RO)
PERMISSIONS[Role.analyst].update(rules=RO, jobs=RO, reports=RO)

# Marketing (rapport.marketing): marketing, managers and admins build segments and run campaigns; sales and analysts
# may look at them and their results.
ENTITIES = (*ENTITIES, "segments", "campaigns")  # type: ignore[assignment]
for _role in (Role.admin, Role.manager, Role.marketing):
    PERMISSIONS[_role].update(segments=ALL, campaigns=ALL)
for _role in (Role.sales, Role.analyst):
    PERMISSIONS[_role].update(segments=RO, campaigns=RO)

# Feedback analysis (rapport.feedback): topics, trends and the pain-point report are company-wide aggregates every
# role may read; admins and managers run the analysis and rename or merge topics. Message texts in its
# drill-downs also need read on interactions and follow record-level reach.
ENTITIES = (*ENTITIES, "feedback")  # type: ignore[assignment]
for _role in (Role.admin, Role.manager):
    PERMISSIONS[_role].update(feedback=RCU)
for _role in (Role.sales, Role.support, Role.marketing, Role.analyst):
    PERMISSIONS[_role].update(feedback=RO)

# Privacy (rapport.privacy.dp, .pseudonyms): analysts and admins read differentially private aggregates and
# pseudonymised exports (each charged to a budget or audited); only admins set a dataset's epsilon budget (update).
ENTITIES = (*ENTITIES, "privacy")  # type: ignore[assignment]
PERMISSIONS[Role.admin].update(privacy=ALL)
PERMISSIONS[Role.analyst].update(privacy=RO)

# Record-level reach per role. Sales and support see what they own or are assigned; managers their teams'.
REACH: dict[Role, Reach] = {
    Role.admin: Reach.all,
    Role.manager: Reach.team,
    Role.sales: Reach.own,
    Role.support: Reach.own,
    Role.marketing: Reach.all,
    Role.analyst: Reach.all,
}

# Roles that see personal fields (names stay visible; contact data and birth dates are masked for the others).
SEES_PERSONAL_DATA = frozenset({Role.admin, Role.manager, Role.sales, Role.support, Role.marketing})


@dataclass(frozen=True)
class Principal:
    """Who is acting, and through which door; every service call takes one."""

    role: Role
    user_id: int | None = None
    label: str = "system"
    team_ids: frozenset[int] = field(default_factory=frozenset)
    via: str = "api"
    ip: str | None = None
    request_id: str | None = None

    @property
    def reach(self) -> Reach:
        return REACH[self.role]

    @property
    def sees_personal_data(self) -> bool:
        return self.role in SEES_PERSONAL_DATA


def system_principal(via: str = "cli") -> Principal:
    """The CLI and background jobs act as the system: admin rights, audited as such."""
    return Principal(role=Role.admin, label=f"system:{via}", via=via)


def can(principal: Principal, entity: str, action: Action) -> bool:
    return action in PERMISSIONS[principal.role].get(entity, frozenset())


def require(principal: Principal, entity: str, action: Action) -> None:
    if not can(principal, entity, action):
        raise Forbidden(f"role '{principal.role}' may not {action} {entity}")


def mask_email(value: str | None) -> str | None:
    """`jane.doe@example.com` → `j***@e***.com`: enough to tell two apart, not enough to write to."""
    if not value or "@" not in value:
        return _mask_text(value)
    local, _, domain = value.partition("@")
    host, dot, tld = domain.rpartition(".")
    return f"{local[:1]}***@{(host or tld)[:1]}***{dot}{tld if host else ''}"


def mask_phone(value: str | None) -> str | None:
    """`+8613912345678` → `+86*******5678`."""
    if not value:
        return value
    keep_head = 3 if value.startswith("+") else 0
    return value[:keep_head] + "*" * max(len(value) - keep_head - 4, 0) + value[-4:]


def _mask_text(value: str | None) -> str | None:
    return None if value is None else "***"
