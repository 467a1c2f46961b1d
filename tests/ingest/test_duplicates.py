"""The review queue: scan, list with masking, reject; decisions survive later scans."""

from __future__ import annotations

from sqlalchemy.orm import Session

from rapport.ingest import duplicates
from rapport.ingest import merge as merging
from rapport.privacy.access import Principal, Role
from rapport.store.listing import ListQuery
from tests.factories import make_customer, make_user, principal_of


def _people(session: Session) -> list[int]:
    a = make_customer(
        session,
        full_name="张伟",
        email="zw@163.com",
        emails=["zw@163.com"],
        phone="+8613912345678",
        phones=["+8613912345678"],
    )
    b = make_customer(
        session,
        full_name="Wei Zhang",
        email="wei@work.com",
        emails=["wei@work.com"],
        phone="+8613912345678",
        phones=["+8613912345678"],
    )
    c = make_customer(
        session,
        full_name="Li Na",
        email="zw@163.com",
        emails=["zw@163.com"],
        phone="+8613900000000",
        phones=["+8613900000000"],
    )
    return [a.id, b.id, c.id]  # fmt: skip


def test_scan_queues_likely_pairs_once(session: Session, admin: Principal) -> None:
    a, b, _c = _people(session)

    first = duplicates.scan(session, admin, ids=[a, b, _c])
    second = duplicates.scan(session, admin, ids=[a, b, _c])
    pairs, cursor = duplicates.list_pairs(session, admin, ListQuery())

    assert (first.customers, first.pairs, first.new) == (3, 1, 1)
    assert (second.new, second.updated) == (0, 0)
    assert cursor is None
    assert [(p.a.id, p.b.id, p.candidate.reasons) for p in pairs] == [(a, b, ["same phone", "same name"])]


def test_rejected_and_merged_pairs_stay_decided(session: Session, admin: Principal) -> None:
    a, b, c = _people(session)
    duplicates.scan(session, admin, ids=[a, b, c])
    pairs, _ = duplicates.list_pairs(session, admin, ListQuery())

    duplicates.reject(session, admin, pairs[0].candidate.id)
    again = duplicates.scan(session, admin, ids=[a, b, c])

    assert again.new == 0
    assert duplicates.list_pairs(session, admin, ListQuery())[0] == []


def test_merging_a_pair_marks_it_merged(session: Session, admin: Principal) -> None:
    a, b, c = _people(session)
    duplicates.scan(session, admin, ids=[a, b, c])

    record = merging.merge(session, admin, keep_id=a, drop_id=b)

    merged, _ = duplicates.list_pairs(session, admin, ListQuery(filters={"status": "merged"}))
    assert [(p.candidate.merge_id, p.b.deleted_at is not None) for p in merged] == [(record.id, True)]


def test_analysts_see_pairs_masked(session: Session, admin: Principal) -> None:
    ids = _people(session)
    duplicates.scan(session, admin, ids=ids)
    analyst = principal_of(make_user(session, Role.analyst))

    pairs, _ = duplicates.list_pairs(session, analyst, ListQuery())

    assert (pairs[0].a.email, pairs[0].a.is_masked) == ("z***@1***.com", True)
