"""The per-column memo: rows cleaned from memory equal rows cleaned afresh, and columns that never repeat are let go."""

from __future__ import annotations

from rapport.ingest.memo import MEMO_MAX, MEMO_RESETS, ColumnMemo
from rapport.ingest.readers import Record
from rapport.ingest.rows import Context, Options, prepare

MAPPING = {
    "Name": "full_name",
    "Mail": "email",
    "Tel": "phone",
    "Land": "country",
    "Born": "birth_date",
    "Tags": "tags",
    "Sex": "gender",
}
ROWS = [
    {"Name": "SMITH, JOHN", "Mail": "J@X.com", "Tel": "(415) 555-0134", "Land": "USA", "Born": "1980-02-30",
     "Tags": "vip, b2b", "Sex": "M"},
    {"Name": "Ann Lee", "Mail": "not-an-email", "Tel": "(415) 555-0134", "Land": "中国", "Born": "03/04/1988",
     "Tags": "vip, b2b", "Sex": "maybe"},
]  # fmt: skip


def _clean(ctx: Context, values: dict[str, str], number: int = 1) -> tuple[object, ...]:
    row = prepare(ctx, Record(number, number + 1, values))
    return row.values, row.defaults, row.errors, row.warnings


def test_a_value_cleaned_from_memory_equals_one_cleaned_afresh() -> None:
    warm = Context("customers", MAPPING, Options.of({"region": "US"}))
    for values in ROWS * 3:
        remembered = _clean(warm, values)
        fresh = _clean(Context("customers", MAPPING, Options.of({"region": "US"})), values)
        assert remembered == fresh


def test_a_phone_is_remembered_with_the_region_it_was_read_in() -> None:
    ctx = Context("customers", MAPPING, Options.of({}))
    american, british = {"Tel": "020 7946 0958", "Land": "US"}, {"Tel": "020 7946 0958", "Land": "GB"}

    first = _clean(ctx, american)
    second = _clean(ctx, british, 2)

    assert second == _clean(Context("customers", MAPPING, Options.of({})), british, 2)
    assert first != second
    assert second[0]["phone"] == "+442079460958"  # type: ignore[index]


def test_rows_do_not_share_a_remembered_list() -> None:
    ctx = Context("customers", MAPPING, Options.of({}))

    first = prepare(ctx, Record(1, 2, {"Name": "Ann Lee", "Tags": "vip"}))
    second = prepare(ctx, Record(2, 3, {"Name": "Bo Li", "Tags": "vip"}))
    first.values["tags"].append("changed")

    assert second.values["tags"] == ["vip"]


def test_a_column_whose_values_never_repeat_is_let_go() -> None:
    memo = ColumnMemo()

    for i in range(MEMO_MAX * MEMO_RESETS + 1):
        memo.remember(f"C{i}", (f"C{i}", None))

    assert (memo.is_on, memo.answers) == (False, {})


def test_a_column_whose_values_repeat_stays_remembered() -> None:
    memo = ColumnMemo()

    for i in range(MEMO_MAX * MEMO_RESETS):
        key = f"city {i % 100}"
        if key not in memo.answers:
            memo.remember(key, (key, None))

    assert (memo.is_on, len(memo.answers)) == (True, 100)
