"""Masks and the permission matrix."""

from __future__ import annotations

import pytest

from rapport.privacy.access import ENTITIES, PERMISSIONS, Action, Role, mask_email, mask_phone


@pytest.mark.parametrize(
    ("value", "masked"),
    [("jane.doe@example.com", "j***@e***.com"), ("wang@qq.com", "w***@q***.com"), (None, None), ("bad", "***")],
)
def test_mask_email(value: str | None, masked: str | None) -> None:
    assert mask_email(value) == masked


def test_mask_phone_keeps_country_code_and_last_four() -> None:
    assert mask_phone("+14155550123") == "+14*****0123"
    assert mask_phone("+8613912345678") == "+86*******5678"


def test_every_role_has_a_row_and_only_known_entities() -> None:
    assert set(PERMISSIONS) == set(Role)
    for grants in PERMISSIONS.values():
        assert set(grants) <= set(ENTITIES)


def test_analyst_is_read_only() -> None:
    assert all(actions == {Action.read} for actions in PERMISSIONS[Role.analyst].values())
