"""Property-based tests of the whole OpenAPI schema (Schemathesis): every operation, called as an admin with inputs
generated from its schema, never answers 5xx, and every answer matches the response schema the operation documents.
Status-code conformance is left out: the schema documents each operation's success code and 422, not the 401, 403, 404
and 409 every route may answer (one error handler renders them all, tests/api/test_errors.py checks their shape).

The app runs in-process (ASGI) on this module's own migrated SQLite file with commits real, without a language model
(features that need one answer 503 `model_unavailable`, which is documented behaviour, not a crash) and without the
API rate limit.

What runs, and why (the module must stay near a minute on two cores; the default suite has a 20-minute budget):
- the schema's own examples;
- the coverage phase, valid inputs only: every operation's boundary values and property combinations, deterministic,
  cheap to generate. Its invalid half (about 6,500 cases, mostly one wrong type per body field, plus every
  undocumented method) is left out: `max_examples` does not bound it, it was 60% of the cases of a 220 s run, and
  what it reaches is FastAPI's request validation, which answers them all with the same 422;
- the fuzzing phase, valid and invalid inputs mixed, `MAX_EXAMPLES` per operation: random bad input still reaches every
  operation, so "no 5xx on bad input" keeps being checked. Hypothesis draws these slowly (about 15 ms a case), which is
  what `MAX_EXAMPLES` trades.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy.orm import Session

from rapport.app import create_app
from rapport.privacy.access import Role
from rapport.privacy.settings import SecuritySettings
from rapport.settings import LLMSettings, Settings
from rapport.store import migrate
from rapport.store.engine import make_sessionmaker
from tests.assistant.kit import make_runtime
from tests.factories import make_customer, make_ticket, make_user, token_for

MAX_EXAMPLES = 6
# In schemathesis.toml terms; built here so that no schemathesis.toml found by discovery changes this test.
CONFIG = {"phases": {"coverage": {"generation": {"mode": "positive"}}}}
CASES = {"count": 0}
CALLED: set[str] = set()  # labels of the operations that got at least one case


# The schema is read from the app when the module is collected (Schemathesis's lazy fixture loader does not run
# under pytest 9); the app connects to its database only when a request comes, after `admin_headers` migrated it.
FOLDER = Path(tempfile.mkdtemp(prefix="rapport-schemathesis-"))
URL = f"sqlite:///{FOLDER / 'api.db'}"
APP = create_app(
    Settings(
        data_dir=FOLDER,
        database_url=URL,
        llm=LLMSettings(provider="none"),
        security=SecuritySettings(api_rate_limit=0),
    )
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=SchemathesisConfig.from_dict(CONFIG))


@pytest.fixture(scope="module")
def admin_headers() -> Iterator[dict[str, str]]:
    migrate.upgrade(URL)
    with make_sessionmaker(APP.state.engine)() as session:
        headers = _seed(session)
        session.commit()
    APP.state.assistant = make_runtime(APP.state.sessionmaker, FOLDER, with_embedder=False)
    yield headers
    APP.state.engine.dispose()
    shutil.rmtree(FOLDER, ignore_errors=True)


def _seed(session: Session) -> dict[str, str]:
    """An admin to call as, and a few records for generated ids to land on."""
    admin = make_user(session, Role.admin)
    for _ in range(3):
        make_ticket(session, make_customer(session, owner_id=admin.id), assignee_id=admin.id)
    return token_for(session, admin)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_schema(case: Any, admin_headers: dict[str, str]) -> None:
    CASES["count"] += 1
    CALLED.add(case.operation.label)
    response = case.call(headers=admin_headers)
    if response.status_code == 503 and b"model_unavailable" in response.content:
        return  # no language model configured here: the documented answer of model features
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])


def test_report_case_count() -> None:
    """Runs last in this module: the closing note quotes the number of generated cases, and no operation went
    without one (phases or settings that leave one out would otherwise pass silently)."""
    print(f"\n{CASES['count']} schemathesis cases over {len(CALLED)} operations")  # noqa: T201
    operations = {result.ok().label for result in schema.get_all_operations() if isinstance(result, Ok)}
    assert operations, "the schema lists no operation"
    assert not operations - CALLED, f"operations that got no case: {sorted(operations - CALLED)}"
