"""The import, duplicate and export API end to end, as a page would drive it."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from rapport.privacy.access import Role
from tests.factories import make_customer, make_user, token_for

CSV = (
    "客户编号,姓名,邮箱,电话,性别,生日,城市\n"
    "C1,张伟,zhang.wei@163.com,139 1234 5678,男,1985年6月1日,上海\n"
    "C2,Jane Doe,jane@example.com,(415) 555-0134,F,1990-02-30,San Francisco\n"
    "C3,Li Na,not-an-email,,女,,北京\n"
)


def _upload(client: TestClient, headers: dict[str, str], text: str = CSV, **form: str) -> dict[str, object]:
    response = client.post(
        "/api/imports",
        files={"file": ("客户.csv", text.encode(), "text/csv")},
        data={"entity": "customers", "source": "crm", **form},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_upload_suggests_a_mapping_from_chinese_headers(client: TestClient, session: Session) -> None:
    headers = token_for(session, make_user(session, Role.admin))

    batch = _upload(client, headers)

    assert batch["status"] == "ready"
    assert (batch["format"], batch["encoding"], batch["delimiter"]) == ("csv", "utf-8", ",")
    assert batch["mapping"] == {
        "客户编号": "external_id",
        "姓名": "full_name",
        "邮箱": "email",
        "电话": "phone",
        "性别": "gender",
        "生日": "birth_date",
        "城市": "city",
    }
    assert {s["column"]: s["reason"] for s in batch["suggestions"]}["姓名"] == "'姓名' is a name for full_name"  # type: ignore[union-attr, index]


def test_preview_run_report_fix_and_reimport(client: TestClient, session: Session) -> None:
    headers = token_for(session, make_user(session, Role.admin))
    batch = _upload(client, headers)
    batch_id = batch["id"]
    patched = client.patch(f"/api/imports/{batch_id}", json={"options": {"region": "CN"}}, headers=headers)

    preview = client.get(f"/api/imports/{batch_id}/preview?limit=2", headers=headers).json()
    queued = client.post(f"/api/imports/{batch_id}/run", headers=headers)
    done = client.get(f"/api/imports/{batch_id}", headers=headers).json()
    report = client.get(f"/api/imports/{batch_id}/report", headers=headers).json()
    rows = client.get(f"/api/imports/{batch_id}/quarantine", headers=headers).json()["items"]

    assert patched.json()["options"]["region"] == "CN"
    assert preview[0]["values"]["phone"] == "+8613912345678"
    assert preview[1]["errors"][0]["code"] == "impossible_date"
    assert queued.status_code == 202
    assert (done["status"], done["progress"]) == ("completed", 1.0)
    assert (report["rows_read"], report["inserted"], report["quarantined"], report["counts_add_up"]) == (3, 1, 2, True)
    assert [r["row_number"] for r in rows] == [2, 3]

    fixed = client.patch(
        f"/api/imports/quarantine/{rows[0]['id']}", json={"values": {"生日": "1990-02-28"}}, headers=headers
    )
    still = client.patch(
        f"/api/imports/quarantine/{rows[1]['id']}", json={"values": {"邮箱": "also bad"}}, headers=headers
    )
    result = client.post(f"/api/imports/{batch_id}/quarantine/reimport", json={}, headers=headers).json()
    after = client.get(f"/api/imports/{batch_id}/report", headers=headers).json()

    assert fixed.json()["remaining_errors"] == []
    assert still.json()["remaining_errors"][0]["field"] == "email"
    assert result == {"rows": 2, "inserted": 1, "updated": 0, "unchanged": 0, "still_quarantined": 1}
    assert (after["inserted"], after["quarantined"], after["counts_add_up"], after["quarantine_open"]) == (
        2,
        1,
        True,
        1,
    )


def test_upload_in_parts(client: TestClient, session: Session) -> None:
    headers = token_for(session, make_user(session, Role.admin))
    data = CSV.encode()
    started = client.post(
        "/api/imports/uploads", json={"entity": "customers", "filename": "big.csv", "source": "crm"}, headers=headers
    ).json()
    url = f"/api/imports/{started['id']}/content"
    octets = {**headers, "Content-Type": "application/octet-stream"}

    first = client.put(f"{url}?offset=0", content=data[:40], headers=octets).json()
    repeated = client.put(f"{url}?offset=0", content=data[:40], headers=octets).json()
    gap = client.put(f"{url}?offset=100", content=data[100:], headers=octets)
    second = client.put(f"{url}?offset=40", content=data[40:], headers=octets).json()
    done = client.post(f"{url}/complete", headers=headers).json()

    assert started["status"] == "uploading"
    assert (first, repeated, second) == ({"received_bytes": 40}, {"received_bytes": 40}, {"received_bytes": len(data)})
    assert gap.status_code == 409
    assert (done["status"], done["file_size"], done["headers"][1]) == ("ready", len(data), "姓名")


def test_reps_see_only_their_imports_and_analysts_cannot_import(client: TestClient, session: Session) -> None:
    rep, other = make_user(session, Role.sales), make_user(session, Role.sales)
    mine = _upload(client, token_for(session, rep))
    _upload(client, token_for(session, other))

    listed = client.get("/api/imports", headers=token_for(session, rep)).json()["items"]
    theirs = client.get(f"/api/imports/{mine['id']}", headers=token_for(session, other))
    analyst = client.post(
        "/api/imports",
        files={"file": ("a.csv", b"name\nx\n", "text/csv")},
        data={"entity": "customers"},
        headers=token_for(session, make_user(session, Role.analyst)),
    )

    assert [b["id"] for b in listed] == [mine["id"]]
    assert theirs.status_code == 403
    assert analyst.status_code == 403


def test_presets_are_listed_saved_and_used(client: TestClient, session: Session) -> None:
    headers = token_for(session, make_user(session, Role.admin))
    builtin = client.get("/api/imports/presets?entity=customers", headers=headers).json()
    saved = client.post(
        "/api/imports/presets",
        json={"name": "our crm", "entity": "customers", "mapping": {"Full Name": "full_name", "Mail": "email"}},
        headers=headers,
    )

    batch = _upload(client, headers, "Full Name,Mail,Other\nAnn Lee,ann@example.com,x\n", preset="our crm")

    assert {"salesforce-contacts", "hubspot-contacts", "twenty-people", "shop-customers"} <= {
        p["name"] for p in builtin
    }
    assert saved.status_code == 201
    assert batch["mapping"] == {"Full Name": "full_name", "Mail": "email"}


def test_scan_review_merge_and_unmerge(client: TestClient, session: Session) -> None:
    headers = token_for(session, make_user(session, Role.admin))
    a = make_customer(session, full_name="张伟", phone="+8613912345678", phones=["+8613912345678"])
    b = make_customer(session, full_name="Wei Zhang", phone="+8613912345678", phones=["+8613912345678"])

    scanned = client.post("/api/duplicates/scan", json={"customer_ids": [a.id, b.id]}, headers=headers).json()
    queue = client.get("/api/duplicates", headers=headers).json()["items"]
    merged = client.post(
        "/api/duplicates/merge",
        json={"pairs": [{"keep_id": a.id, "drop_id": b.id}, {"keep_id": a.id, "drop_id": a.id}]},
        headers=headers,
    ).json()
    history = client.get(f"/api/customers/{a.id}/merges", headers=headers).json()
    undone = client.post(f"/api/merges/{merged[0]['merge_id']}/unmerge", headers=headers)
    restored = client.get(f"/api/customers/{b.id}", headers=headers)

    assert (scanned["pairs"], scanned["new"]) == (1, 1)
    assert queue[0]["candidate"]["reasons"] == ["same phone", "same name"]
    assert [m["error"] is None for m in merged] == [True, False]
    assert history[0]["field_sources"]["full_name"]["customer_id"] in (a.id, b.id)
    assert undone.json()["unmerged_at"] is not None
    assert restored.status_code == 200


def test_export_applies_the_callers_masking_and_filters(client: TestClient, session: Session) -> None:
    make_customer(session, full_name="Wang Fang", email="wang@qq.com", city="上海")
    make_customer(session, full_name="Jane Doe", email="jane@example.com", city="Boston")
    analyst = token_for(session, make_user(session, Role.analyst))

    response = client.get("/api/exports/customers", params={"format": "csv", "city": "上海"}, headers=analyst)
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    jsonl = client.get("/api/exports/customers?format=jsonl&city=Boston", headers=analyst)
    bad_filter = client.get("/api/exports/customers?nope=1", headers=analyst)
    forbidden = client.get("/api/exports/tasks", headers=analyst)

    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="customers.csv"'
    assert [(r["full_name"], r["email"], r["is_masked"]) for r in rows] == [("Wang Fang", "w***@q***.com", "True")]
    assert jsonl.text.count("\n") == 1
    assert bad_filter.status_code == 422
    assert forbidden.status_code == 403
