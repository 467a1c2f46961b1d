"""Dates, times, amounts and currencies as people and other systems write them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from rapport.ingest.parsing import parse_amount, parse_currency, parse_date, parse_datetime, parse_int, zone


@pytest.mark.parametrize(
    ("raw", "day"),
    [
        ("2021-03-04", date(2021, 3, 4)),
        ("2021/3/4", date(2021, 3, 4)),
        ("03/04/2021", date(2021, 3, 4)),  # month first by default
        ("13/04/2021", date(2021, 4, 13)),  # 13 cannot be a month
        ("04.03.2021", date(2021, 3, 4)),  # dots: day first, always
        ("4 March 2021", date(2021, 3, 4)),
        ("March 4, 2021", date(2021, 3, 4)),
        ("2021年3月4日", date(2021, 3, 4)),
        ("2021 年 3 月 4 号", date(2021, 3, 4)),
        ("20210304", date(2021, 3, 4)),
        ("2021-03-04T23:30:00-05:00", date(2021, 3, 4)),  # a birth date keeps the date as written
        ("２０２１－０３－０４", date(2021, 3, 4)),
        (datetime(2021, 3, 4, 10, 0), date(2021, 3, 4)),  # noqa: DTZ001 (a spreadsheet cell is naive)
        (44259, date(2021, 3, 4)),  # a spreadsheet serial day
    ],
)
def test_parse_date(raw: object, day: date) -> None:
    assert parse_date(raw) == day


def test_parse_date_day_first_when_asked() -> None:
    assert parse_date("03/04/2021", dayfirst=True) == date(2021, 4, 3)


@pytest.mark.parametrize("raw", ["2021-02-30", "31/04/2021", "2021年2月29日", "30.02.2021", "2021-13-01", "20210230"])
def test_parse_date_refuses_dates_that_do_not_exist(raw: str) -> None:
    with pytest.raises(ValueError, match="exists"):
        parse_date(raw)


@pytest.mark.parametrize("raw", ["not a date", "March 2021", "yesterday-ish", "12"])
def test_parse_date_refuses_what_is_not_a_full_date(raw: str) -> None:
    with pytest.raises(ValueError, match=r"date"):
        parse_date(raw)


@pytest.mark.parametrize(
    ("raw", "instant"),
    [
        ("2021-03-04T10:00:00Z", datetime(2021, 3, 4, 10, 0, tzinfo=UTC)),
        ("2021-03-04 18:00:00+08:00", datetime(2021, 3, 4, 10, 0, tzinfo=UTC)),
        ("2021-03-04 10:00 PST", datetime(2021, 3, 4, 18, 0, tzinfo=UTC)),
        ("03/04/2021 10:00 PM", datetime(2021, 3, 4, 22, 0, tzinfo=UTC)),
        ("2021年3月4日 下午2:30", datetime(2021, 3, 4, 14, 30, tzinfo=UTC)),
        ("2021-03-04 18:00 Asia/Shanghai", datetime(2021, 3, 4, 10, 0, tzinfo=UTC)),
        ("1614852000", datetime(2021, 3, 4, 10, 0, tzinfo=UTC)),
        ("1614852000000", datetime(2021, 3, 4, 10, 0, tzinfo=UTC)),
        ("Thu, 04 Mar 2021 10:00:00 GMT", datetime(2021, 3, 4, 10, 0, tzinfo=UTC)),
    ],
)
def test_parse_datetime_to_utc(raw: str, instant: datetime) -> None:
    assert parse_datetime(raw) == instant


def test_parse_datetime_reads_naive_times_in_the_import_zone() -> None:
    assert parse_datetime("2021-03-04 18:00", tz=ZoneInfo("Asia/Shanghai")) == datetime(2021, 3, 4, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "instant"),
    [
        ("2022-08-17T13:21:35Z", datetime(2022, 8, 17, 13, 21, 35, tzinfo=UTC)),
        ("2022-08-17T13:21:35+08:00", datetime(2022, 8, 17, 5, 21, 35, tzinfo=UTC)),
        ("2022-08-17 13:21:35", datetime(2022, 8, 17, 5, 21, 35, tzinfo=UTC)),  # read in the import's zone
    ],
)
def test_parse_datetime_iso_instants_take_the_short_way_to_the_same_answer(raw: str, instant: datetime) -> None:
    assert parse_datetime(raw, tz=ZoneInfo("Asia/Shanghai")) == instant


@pytest.mark.parametrize("raw", ["2021-13-01T00:00:00Z", "2021-02-30T10:00:00Z", "2021-03-04T10:00:60Z"])
def test_parse_datetime_iso_lookalikes_that_do_not_exist_are_refused_with_a_reason(raw: str) -> None:
    with pytest.raises(ValueError, match="is not a"):
        parse_datetime(raw)


def test_parse_datetime_refuses_impossible_times() -> None:
    with pytest.raises(ValueError, match="time"):
        parse_datetime("2021-03-04 25:61")


@pytest.mark.parametrize(("name", "offset_h"), [("UTC", 0), ("+08:00", 8), ("EST", -5), ("Asia/Shanghai", 8)])
def test_zone(name: str, offset_h: int) -> None:
    offset = zone(name).utcoffset(datetime(2021, 1, 1, tzinfo=UTC))
    assert offset is not None
    assert offset.total_seconds() == offset_h * 3600


def test_zone_refuses_unknown_names() -> None:
    with pytest.raises(ValueError, match="time zone"):
        zone("Mars/Olympus")


@pytest.mark.parametrize(
    ("raw", "amount", "currency"),
    [
        ("1,234.50", Decimal("1234.50"), None),
        ("1.234,50", Decimal("1234.50"), None),
        ("¥1234", Decimal("1234"), "CNY"),
        ("$1,200", Decimal("1200"), "USD"),
        ("1 234,50 €", Decimal("1234.50"), "EUR"),
        ("1\u202f234,50 €", Decimal("1234.50"), "EUR"),
        ("USD 99.90", Decimal("99.90"), "USD"),
        ("99.90 usd", Decimal("99.90"), "USD"),
        ("HK$ 88", Decimal("88"), "HKD"),
        ("£5", Decimal("5"), "GBP"),
        ("(12.00)", Decimal("-12.00"), None),
        ("-7", Decimal("-7"), None),
        ("1.5万", Decimal("15000.0"), None),
        ("100元", Decimal("100"), "CNY"),
        ("12,5", Decimal("12.5"), None),
        ("1,234,567.89", Decimal("1234567.89"), None),
        ("1.234.567", Decimal("1234567"), None),
        ("1'234.50", Decimal("1234.50"), None),
        ("￥８８", Decimal("88"), "CNY"),
        (12.5, Decimal("12.5"), None),
    ],
)
def test_parse_amount(raw: object, amount: Decimal, currency: str | None) -> None:
    assert parse_amount(raw) == (amount, currency)


def test_parse_amount_uses_the_default_currency() -> None:
    assert parse_amount("10", "CNY") == (Decimal("10"), "CNY")


@pytest.mark.parametrize("raw", ["abc", "N/A", "12abc", "1.2.3,4,5", "", "--"])
def test_parse_amount_refuses_what_is_not_an_amount(raw: str) -> None:
    with pytest.raises(ValueError, match="amount"):
        parse_amount(raw)


@pytest.mark.parametrize(
    ("raw", "code"), [("usd", "USD"), ("$", "USD"), ("¥", "CNY"), ("RMB", "CNY"), ("人民币", "CNY")]
)
def test_parse_currency(raw: str, code: str) -> None:
    assert parse_currency(raw) == code


@pytest.mark.parametrize(("raw", "value"), [("3", 3), ("1,200", 1200), ("7.0", 7), (4.0, 4)])
def test_parse_int(raw: object, value: int) -> None:
    assert parse_int(raw) == value


def test_parse_int_refuses_fractions() -> None:
    with pytest.raises(ValueError, match="whole"):
        parse_int("2.5")
