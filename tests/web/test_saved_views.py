"""Saved views: named filters per user and list page; only the allowed filters are kept."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from rapport.errors import Invalid, NotFound
from rapport.privacy.access import Role
from rapport.web import saved_views
from tests.factories import make_user, principal_of

ALLOWED = ("q", "country")


def test_save_keeps_only_allowed_non_blank_filters(session: Session) -> None:
    me = principal_of(make_user(session, Role.sales))

    view = saved_views.save(
        session,
        me,
        page="customers",
        name="  CN   buyers ",
        params={"country": "CN", "q": "", "evil": "1"},
        allowed=ALLOWED,
    )

    assert (view.name, view.params) == ("CN buyers", {"country": "CN"})


def test_saving_under_an_existing_name_replaces_it(session: Session) -> None:
    me = principal_of(make_user(session, Role.sales))
    saved_views.save(session, me, page="customers", name="Mine", params={"country": "CN"}, allowed=ALLOWED)

    saved_views.save(session, me, page="customers", name="Mine", params={"country": "US"}, allowed=ALLOWED)

    assert [(v.name, v.params) for v in saved_views.list_views(session, me, "customers")] == [
        ("Mine", {"country": "US"})
    ]


def test_views_are_private_to_their_owner(session: Session) -> None:
    me, other = principal_of(make_user(session, Role.sales)), principal_of(make_user(session, Role.sales))
    view = saved_views.save(session, me, page="tickets", name="Urgent", params={"q": "x"}, allowed=ALLOWED)

    assert saved_views.list_views(session, other, "tickets") == []
    with pytest.raises(NotFound):
        saved_views.delete(session, other, view.id)
    saved_views.delete(session, me, view.id)
    assert saved_views.list_views(session, me, "tickets") == []


@pytest.mark.parametrize(("page", "name"), [("orders", "x"), ("customers", ""), ("customers", "x" * 81)])
def test_bad_page_or_name_is_refused(session: Session, page: str, name: str) -> None:
    me = principal_of(make_user(session, Role.sales))

    with pytest.raises(Invalid):
        saved_views.save(session, me, page=page, name=name, params={}, allowed=ALLOWED)
