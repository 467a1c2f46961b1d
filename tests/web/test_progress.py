"""The generic progress partial: it polls itself while the work runs and stops, with a link, when it ends."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from rapport.accounts.models import User
from rapport.errors import NotFound
from rapport.privacy.access import Principal, Role
from rapport.web import progress
from rapport.web.progress import Progress
from tests.factories import make_user

STATES = {
    "a": Progress(done=40, total=200, state="running", message="reading rows"),
    "b": Progress(done=200, total=200, state="done", result_url="/app/imports/b"),
}


def _source(_session: Session, _principal: Principal, key: str) -> Progress:
    if key not in STATES:
        raise NotFound(f"job {key} not found")
    return STATES[key]


@pytest.fixture
def registered() -> Iterator[None]:
    progress.register("test-jobs", _source)
    yield
    progress.SOURCES.pop("test-jobs")


@pytest.mark.usefixtures("registered")
def test_running_job_polls_every_second(client: TestClient, session: Session, login: Callable[[User], str]) -> None:
    login(make_user(session, Role.admin))

    response = client.get("/app/progress/test-jobs/a", headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert 'hx-trigger="every 1s"' in response.text
    assert '<progress max="100" value="20"' in response.text
    assert "40 of 200" in response.text
    assert "hx-trigger" not in {k.lower() for k in response.headers}


@pytest.mark.usefixtures("registered")
def test_finished_job_stops_polling_links_result_and_fires_event(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    login(make_user(session, Role.admin))

    response = client.get("/app/progress/test-jobs/b", headers={"HX-Request": "true"})

    assert "every 1s" not in response.text
    assert 'href="/app/imports/b"' in response.text
    assert '"rapport:progress-done"' in response.headers["hx-trigger"]


@pytest.mark.usefixtures("registered")
def test_unknown_job_or_kind_is_404(client: TestClient, session: Session, login: Callable[[User], str]) -> None:
    login(make_user(session, Role.admin))

    assert client.get("/app/progress/test-jobs/zzz").status_code == 404
    assert client.get("/app/progress/nothing/a").status_code == 404
