"""Mapping presets: saved by name, used by an import, built-in names reserved."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from rapport.errors import Conflict, NotFound
from rapport.ingest import presets
from rapport.ingest import service as import_service
from rapport.ingest.presets import clean_source
from rapport.privacy.access import Principal
from tests.ingest.conftest import write_csv

ROWS = [{"Name": "Ann Lee", "Mail": "ann@example.com"}]


def test_presets_save_use_and_delete(tmp_path: Path, session: Session, admin: Principal) -> None:
    presets.save_preset(session, admin, name="mine", entity="customers", mapping={"Name": "full_name"})
    batch = import_service.create(
        session, admin, entity="customers", path=write_csv(tmp_path / "p.csv", ROWS), preset="mine"
    )

    assert batch.mapping == {"Name": "full_name", "Mail": "email"}
    with pytest.raises(Conflict, match="built-in"):
        presets.save_preset(session, admin, name="hubspot-contacts", entity="customers", mapping={})
    presets.delete_preset(session, admin, "mine")
    with pytest.raises(NotFound, match="no mapping preset"):
        presets.preset_mapping(session, "mine", "customers")


def test_list_has_builtins_then_saved(session: Session, admin: Principal) -> None:
    presets.save_preset(session, admin, name="ours", entity="orders", mapping={"No": "number"}, source="Shop")

    listed = presets.list_presets(session, admin, "orders")

    assert [(p["name"], p["is_builtin"]) for p in listed][-1] == ("ours", False)
    assert {"salesforce-orders", "hubspot-orders", "shop-orders"} <= {p["name"] for p in listed}
    assert clean_source("HubSpot Portal") == "hubspot-portal"
