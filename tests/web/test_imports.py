"""The import page: upload, mapping and preview, a run, and fixing a quarantined row, all through the ingest service."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from rapport.accounts.models import User
from rapport.ingest.models import ImportBatch
from rapport.privacy.access import Role
from tests.factories import make_user
from tests.web.conftest import LiveServer, log_in

CSV = (
    "Name,Email,Country\nAda Lovelace,ada@example.com,GB\nBad Row,not-an-email,US\nWang Fang,wang.fang@example.cn,CN\n"
)


def _upload(client: TestClient, csrf: str, text: str = CSV) -> str:
    response = client.post(
        "/app/imports",
        data={"csrf_token": csrf, "entity": "customers", "source": "webtest"},
        files={"file": ("people.csv", text.encode(), "text/csv")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def test_upload_suggests_a_mapping_and_previews_the_rows(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    csrf = login(make_user(session, Role.admin))

    page = client.get(_upload(client, csrf)).text

    assert '<option value="email" selected>email</option>' in page
    assert '<option value="full_name" selected>full_name</option>' in page
    assert "Ada Lovelace" in page
    assert 'class="bad"' in page  # the row with the broken email is marked in the preview


def test_run_queues_the_import_and_returns_to_its_page(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    csrf = login(make_user(session, Role.admin))
    batch_url = _upload(client, csrf)

    response = client.post(f"{batch_url}/run", data={"csrf_token": csrf}, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == batch_url
    # The run itself (rows written, quarantine, fix) is followed end to end by the browser test below, against a
    # real server: here the app shares the test's connection, which the import pipeline does not run on.


def test_import_progress_shows_rows_read_and_share_done(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    csrf = login(make_user(session, Role.admin))
    batch_id = int(_upload(client, csrf).rsplit("/", 1)[1])
    batch = session.get(ImportBatch, batch_id)
    assert batch is not None
    batch.status, batch.rows_read, batch.progress, batch.rows_quarantined = "running", 120, 0.4, 3
    session.flush()

    running = client.get(f"/app/progress/imports/{batch_id}", headers={"HX-Request": "true"}).text
    batch.status, batch.progress = "completed", 1.0
    session.flush()
    done = client.get(f"/app/progress/imports/{batch_id}", headers={"HX-Request": "true"}).text

    assert '<progress max="100" value="40"' in running
    assert "every 1s" in running
    assert "!3" in running
    assert "every 1s" not in done
    assert f'href="/app/imports/{batch_id}"' in done


def test_mapping_can_leave_a_column_out(client: TestClient, session: Session, login: Callable[[User], str]) -> None:
    csrf = login(make_user(session, Role.admin))
    batch_url = _upload(client, csrf)

    client.post(
        f"{batch_url}/mapping",
        data={"csrf_token": csrf, "map:Name": "full_name", "map:Email": "email", "map:Country": ""},
    )

    batch = session.get(ImportBatch, int(batch_url.rsplit("/", 1)[1]))
    assert batch is not None
    session.refresh(batch)
    assert batch.mapping == {"Name": "full_name", "Email": "email"}


def test_analyst_cannot_import(client: TestClient, session: Session, login: Callable[[User], str]) -> None:
    login(make_user(session, Role.analyst))

    assert client.get("/app/imports").status_code == 403


def test_upload_is_stored_under_the_data_dir(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    csrf = login(make_user(session, Role.admin))

    batch_url = _upload(client, csrf)

    batch = session.get(ImportBatch, int(batch_url.rsplit("/", 1)[1]))
    assert batch is not None
    data_dir = Path(client.app.state.settings.data_dir).resolve()  # type: ignore[attr-defined]
    assert Path(batch.file_path).is_relative_to(data_dir / "imports")


@pytest.mark.browser
def test_browser_import_a_csv_with_one_bad_row_and_fix_it(page: Any, live_server: LiveServer, tmp_path: Path) -> None:
    csv = tmp_path / "new-customers.csv"
    csv.write_text(CSV.replace("Ada Lovelace", "Ada Browser").replace("ada@", "ada.browser@"), encoding="utf-8")
    log_in(page, live_server, "admin")
    page.get_by_role("link", name="Import").click()

    page.locator("#im-file").set_input_files(str(csv))
    page.get_by_role("button", name="Upload and map").click()
    page.wait_for_url("**/app/imports/*")
    assert page.get_by_label("Email", exact=True).input_value() == "email"
    page.get_by_role("button", name="Run the import").click()

    page.get_by_role("heading", name="Quarantine").wait_for()
    assert page.locator("#quarantined-count").inner_text() == "1"
    row = page.locator("form.q-row").first
    row.get_by_label("Email", exact=True).fill("bad.row.fixed@example.com")
    row.get_by_role("button", name="Fix and import").click()

    page.get_by_text("No rows are waiting").wait_for()
    assert page.locator("#quarantined-count").inner_text() == "0"
