"""Role × route × ownership: every OpenAPI operation, called by every role on its own and on a stranger's record.

The expectation comes from PERMISSIONS and the rule table (rapport.privacy.routes), never from running the code:
allowed → anything but 401/403 (a 2xx, or a 4xx about the input or a missing record); denied → 403. Records outside
a role's reach answer 403 as well (store.records: the permission is checked first, then existence, then reach), except
the caller's own data (Ask conversations and saved answers), where another user's answers 404. No cell may 5xx.

One database transaction per module holds the fixture records; each cell runs in a savepoint rolled back after it,
so a DELETE in one cell does not change the next.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from rapport.activities.models import Task
from rapport.app import create_app
from rapport.customers.models import Customer
from rapport.ingest.models import ImportBatch
from rapport.interactions.models import Interaction
from rapport.kit.clock import utcnow
from rapport.privacy.access import Role, mask_email, mask_phone
from rapport.privacy.routes import OWNED, Kind, Rule, rule_for
from rapport.privacy.settings import SecuritySettings
from rapport.sales.models import Deal, Pipeline, PipelineStage
from rapport.settings import LLMSettings, Settings
from rapport.store.engine import make_sessionmaker
from tests.assistant.kit import make_runtime
from tests.factories import PASSWORD, make_customer, make_order, make_team, make_ticket, make_user, token_for

MISSING_ID = 999_999_999
CELLS = {"count": 0}


@dataclass
class World:
    client: TestClient
    connection: Connection
    headers: dict[Role, dict[str, str]]
    user_ids: dict[Role, int]
    emails: dict[Role, str]
    stranger_id: int
    own: dict[Role, dict[str, int]]  # role → owned entity → id of a record the role's user owns
    other: dict[str, int]  # owned entity → id of the stranger's record
    customer_contact: tuple[str, str]  # the stranger's customer's email and phone


def _owned_records(session: Session, user_id: int, stage: PipelineStage, folder: Path) -> dict[str, int]:
    customer = make_customer(session, owner_id=user_id)
    order = make_order(session, customer)
    deal = Deal(
        name="Matrix deal",
        pipeline_id=stage.pipeline_id,
        stage_id=stage.id,
        amount=Decimal("100.00"),
        probability=stage.probability,
        owner_id=user_id,
        customer_id=customer.id,
    )
    interaction = Interaction(
        customer_id=customer.id, kind="note", direction="internal", body="Called about the order.", occurred_at=utcnow()
    )
    task = Task(title="Call back", assignee_id=user_id, created_by_id=user_id, customer_id=customer.id)
    file_path = folder / f"import-{user_id}.csv"
    file_path.write_text("full_name,email\nMatrix Person,matrix@example.com\n")
    batch = ImportBatch(
        entity="customers",
        filename=file_path.name,
        file_path=str(file_path),
        file_size=file_path.stat().st_size,
        status="ready",
        created_by_id=user_id,
    )
    session.add_all([deal, interaction, task, batch])
    session.flush()
    ticket = make_ticket(session, customer, assignee_id=user_id)
    return {
        "customers": customer.id,
        "orders": order.id,
        "deals": deal.id,
        "interactions": interaction.id,
        "tickets": ticket.id,
        "tasks": task.id,
        "imports": batch.id,
        "users": user_id,
    }


@pytest.fixture(scope="module")
def world(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("matrix")
    connection = engine.connect()
    outer = connection.begin()
    with make_sessionmaker(connection)() as session:
        pipeline = Pipeline(name="Matrix pipeline", stages=[PipelineStage(name="Qualify", position=0, probability=10)])
        session.add(pipeline)
        session.flush()
        stage = pipeline.stages[0]
        users = {role: make_user(session, role) for role in Role}
        make_team(session, users[Role.manager])
        stranger = make_user(session, Role.sales)
        headers = {role: token_for(session, user) for role, user in users.items()}
        own = {role: _owned_records(session, user.id, stage, folder) for role, user in users.items()}
        other = _owned_records(session, stranger.id, stage, folder)
        contact = session.get_one(Customer, other["customers"])
        customer_contact = (str(contact.email), str(contact.phone))
        session.commit()
    settings = Settings(
        data_dir=folder,
        database_url=str(engine.url),
        llm=LLMSettings(provider="none"),
        security=SecuritySettings(api_rate_limit=0),
    )
    app = create_app(settings, bind=connection)
    app.state.assistant = make_runtime(app.state.sessionmaker, folder, with_embedder=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield World(
            client=client,
            connection=connection,
            headers=headers,
            user_ids={role: user.id for role, user in users.items()},
            emails={role: user.email for role, user in users.items()},
            stranger_id=stranger.id,
            own=own,
            other=other,
            customer_contact=customer_contact,
        )
    outer.rollback()
    connection.close()
    print(f"\n{CELLS['count']} matrix cells tested")  # noqa: T201  (the closing note quotes this line)


# ---------------------------------------------------------------------------------------------- request building
SPEC = create_app(Settings(data_dir=Path("var"), database_url="sqlite://")).openapi()
OPERATIONS = [(method.upper(), path) for path, item in SPEC["paths"].items() for method in item]

# Path parameters that are not record ids, and values of named body or query fields the generic filler cannot guess.
PATH_VALUES: dict[str, str] = {
    "POST /api/jobs/{name}": "no_such.job",
    "DELETE /api/imports/presets/{name}": "no-such-preset",
    "name": "ticket-intent",
    "version": "1",
    "fmt": "pdf",
    "dataset": "customers",
    "entity": "customers",
    "token": "not-a-valid-token",
}
FIELD_VALUES: dict[str, Any] = {
    "entity": "customers",
    "q": "refund",
    "question": "How many customers are there?",
    "text": "rules: []",
    "sentence": "customers in Shanghai",
    "language": "en",
    "role": "sales",
}
# Whole bodies for operations whose input the schema alone does not make valid enough to reach the access check.
BODIES: dict[str, Any] = {
    "POST /api/models/labels": lambda cell: {
        "entity": "tickets",
        "entity_id": cell["record"],
        "task": "intent",
        "label": "refund",
    },
    "POST /api/assistant/widget-tokens": lambda cell: {"customer_id": cell["customer_id"], "ttl_s": 600},
}
QUERY: dict[str, Any] = {
    "GET /api/models/labels": lambda cell: {"entity": "tickets", "entity_id": cell["record"]},
}


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = SPEC["components"]["schemas"][name]
    return schema


def _value(schema: dict[str, Any], name: str = "", cell: dict[str, Any] | None = None) -> Any:
    """A small valid value for `schema`: the first choice, the least length, the lowest number. Fields the cell
    names (the caller's email and password, its own customer and user ids) take the cell's values."""
    schema = _resolve(schema)
    if cell and name in cell:
        return cell[name]
    if name in FIELD_VALUES:
        return FIELD_VALUES[name]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [o for o in schema[key] if _resolve(o).get("type") != "null"]
            return _value(options[0], name, cell) if options else None
    if "allOf" in schema:
        return _value(schema["allOf"][0], name, cell)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        return {key: _value(properties[key], key, cell) for key in schema.get("required", [])}
    if kind == "array":
        return [_value(schema.get("items", {}), name, cell) for _ in range(schema.get("minItems", 0))]
    if kind == "integer":
        return MISSING_ID if name.endswith("_id") else max(schema.get("minimum", 1), 1)
    if kind == "number":
        return max(schema.get("minimum", 1), schema.get("exclusiveMinimum", 0) + 0.5)
    if kind == "boolean":
        return False
    return _string(schema)


def _string(schema: dict[str, Any]) -> str:
    fmt = schema.get("format")
    if fmt == "email":
        return "matrix.cell@example.com"
    if fmt == "date-time":
        return (utcnow() + timedelta(days=1)).isoformat()
    if fmt == "date":
        return "2024-01-01"
    pattern = schema.get("pattern")
    length = max(schema.get("minLength", 1), 1)
    for candidate in ("x" * length, "en", "customers", "tickets", "a.b", "csv", "pdf"):
        if pattern is None or re.search(pattern, candidate):
            return candidate
    return "x" * length


@dataclass
class Call:
    method: str
    url: str
    kwargs: dict[str, Any]


def _call(method: str, path: str, cell: dict[str, Any]) -> Call:
    operation = SPEC["paths"][path][method.lower()]
    key = f"{method} {path}"
    url = path
    query: dict[str, Any] = {}
    for param in operation.get("parameters", []):
        name = param["name"]
        if param["in"] == "path":
            record = cell["record"] if cell["record"] is not None else MISSING_ID
            value = PATH_VALUES.get(f"{key}") or PATH_VALUES.get(name) or str(record)
            url = url.replace("{" + name + "}", value)
        elif param["in"] == "query" and param.get("required"):
            query[name] = _value(param["schema"], name, cell)
    if key in QUERY:
        query = QUERY[key](cell)
    kwargs: dict[str, Any] = {"params": query}
    content = operation.get("requestBody", {}).get("content", {})
    if key in BODIES:
        kwargs["json"] = BODIES[key](cell)
    elif "application/json" in content:
        kwargs["json"] = _value(content["application/json"]["schema"], cell=cell)
    elif "multipart/form-data" in content:
        form = _resolve(content["multipart/form-data"]["schema"])
        files, data = [], {}
        for name in form.get("required", []):
            prop = _resolve(form["properties"][name])
            if prop.get("type") == "array" or prop.get("format") == "binary" or "contentMediaType" in prop:
                files.append((name, ("matrix.eml" if "mail" in path else "matrix.csv", b"a,b\n1,2\n")))
            else:
                data[name] = _value(prop, name, cell)
        kwargs.update(files=files, data=data)
    elif "application/octet-stream" in content:
        kwargs["content"] = b"full_name\nMatrix Person\n"
        kwargs["headers"] = {"content-type": "application/octet-stream"}
    return Call(method, url, kwargs)


# ---------------------------------------------------------------------------------------------- the matrix
def _cells(rule: Rule) -> list[tuple[Role, bool]]:
    has_record = rule.record in OWNED or rule.kind == Kind.self
    return [(role, own) for role in Role for own in ((True, False) if has_record else (True,))]


def _record_id(world: World, rule: Rule, role: Role, own: bool) -> int | None:
    if rule.record is None:
        return None
    return world.own[role][rule.record] if own else world.other[rule.record]


def _request(world: World, call: Call, role: Role) -> Any:
    headers = {**world.headers[role], **call.kwargs.get("headers", {})}
    kwargs = {k: v for k, v in call.kwargs.items() if k != "headers"}
    savepoint = world.connection.begin_nested()
    try:
        return world.client.request(call.method, call.url, headers=headers, **kwargs)
    finally:
        if savepoint.is_active:
            savepoint.rollback()


def test_every_route_has_a_rule() -> None:
    missing = [f"{method} {path}" for method, path in OPERATIONS if rule_for(method, path) is None]

    assert not missing, "\n".join(f"add a rule for {m} in rapport/privacy/routes.py" for m in missing)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_route_answers_each_role_as_its_rule_says(world: World, method: str, path: str) -> None:
    rule = rule_for(method, path)
    if rule is None:
        pytest.fail(f"add a rule for {method} {path} in rapport/privacy/routes.py")
    wrong = []
    for role, own in _cells(rule):
        record = _record_id(world, rule, role, own)
        cell = {
            "record": record,
            "email": world.emails[role],
            "password": PASSWORD,
            "user_id": world.user_ids[role],
            "customer_id": world.own[role]["customers"],
        }
        call = _call(method, path, cell)
        response = _request(world, call, role)
        CELLS["count"] += 1
        allowed = rule.allows(role, own=own)
        status = response.status_code
        where = f"{role} on {'own' if own else 'other'} {call.method} {call.url}"
        # Without a configured model, model features answer 503 model_unavailable: a real answer, not a crash.
        no_model = status == 503 and response.json()["error"]["code"] == "model_unavailable"
        # A path naming a record that does not exist (ids of unowned entities are not made here) may answer 404
        # before the permission check; owned records are real, so reach is always tested on a real record.
        denied = {404} if rule.kind == Kind.self else {403, 404} if str(MISSING_ID) in call.url else {403}
        if status >= 500 and not no_model:
            wrong.append(f"{where}: {status} {response.text[:200]}")
        elif allowed and status in (401, 403):
            wrong.append(f"{where}: expected allowed, got {status} {response.text[:200]}")
        elif not allowed and status not in denied:
            wrong.append(f"{where}: expected denied, got {status} {response.text[:200]}")

    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", list(Role))
def test_customer_reads_mask_contact_data_for_roles_without_personal_data(world: World, role: Role) -> None:
    email, phone = world.customer_contact
    customer_id = world.other["customers"]
    sees = role in {Role.admin, Role.manager, Role.sales, Role.support, Role.marketing}
    if not sees:  # only roles that reach every customer can read the stranger's customer
        assert role == Role.analyst

    response = _request(world, Call("GET", f"/api/customers/{customer_id}", {}), role)
    listed = _request(world, Call("GET", "/api/customers", {"params": {"email": email}}), role)

    if role in {Role.manager, Role.sales, Role.support}:  # outside their reach
        assert response.status_code == 403
        return
    body = response.json()
    assert response.status_code == 200
    assert (body["email"], body["phone"]) == ((email, phone) if sees else (mask_email(email), mask_phone(phone)))
    assert body["is_masked"] is (not sees)
    assert [c["email"] for c in listed.json()["items"]] == ([email] if sees else [mask_email(email)])
