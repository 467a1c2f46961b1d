"""Pure parsers for dates, times, amounts and currencies as other systems and people write them.

Dates: ISO 8601, `2021/3/4`, `03/04/2021` (month first unless `dayfirst`), `04.03.2021` (dots are always day
first), `4 March 2021`, `2021年3月4日`, `20210304`, Unix seconds or milliseconds, spreadsheet date cells; a time
zone given as an offset, `Z`, an abbreviation (EST, CET…) or an IANA name. A date that does not exist (February 30)
is refused, never rolled over. Amounts: `1,234.50`, `1.234,50`, `¥1234`, `$1,200`, `1 234,50 €`, `(12.00)`,
`1.5万`; the currency comes from a symbol or code in the cell, else from the caller's default.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from datetime import timezone as fixed_zone
from decimal import Decimal, InvalidOperation
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser as date_parser

from rapport.ingest.cleaning import normalise

_ISO_DATE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:Z|[+-][0-9]{2}:[0-9]{2})?"
)
_ZH_DATE: Final = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?\s*(.*)$")
_NUMERIC_DATE: Final = re.compile(r"^(\d{1,4})([/.\-])(\d{1,2})\2(\d{1,4})(?:[ T,]+(.+))?$")
_TIME: Final = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?\s*(am|pm|a\.m\.|p\.m\.)?\s*(.*)$", re.I)
_IANA: Final = re.compile(r"\s+\(?([A-Za-z]+/[A-Za-z_]+(?:/[A-Za-z_]+)?)\)?$")
_OFFSET: Final = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2}):?(\d{2})?$", re.I)

# Abbreviations people actually write in exports. CST means US Central here; write +08:00 or Asia/Shanghai for China.
ZONE_ABBREVIATIONS: Final[dict[str, tzinfo]] = {
    "UTC": UTC,
    "GMT": UTC,
    "Z": UTC,
    "EST": fixed_zone(timedelta(hours=-5)),
    "EDT": fixed_zone(timedelta(hours=-4)),
    "CST": fixed_zone(timedelta(hours=-6)),
    "CDT": fixed_zone(timedelta(hours=-5)),
    "MST": fixed_zone(timedelta(hours=-7)),
    "MDT": fixed_zone(timedelta(hours=-6)),
    "PST": fixed_zone(timedelta(hours=-8)),
    "PDT": fixed_zone(timedelta(hours=-7)),
    "BST": fixed_zone(timedelta(hours=1)),
    "CET": fixed_zone(timedelta(hours=1)),
    "CEST": fixed_zone(timedelta(hours=2)),
    "JST": fixed_zone(timedelta(hours=9)),
    "KST": fixed_zone(timedelta(hours=9)),
    "HKT": fixed_zone(timedelta(hours=8)),
    "SGT": fixed_zone(timedelta(hours=8)),
    "AEST": fixed_zone(timedelta(hours=10)),
    "AEDT": fixed_zone(timedelta(hours=11)),
    "北京时间": fixed_zone(timedelta(hours=8)),
}
_EXCEL_EPOCH: Final = datetime(1899, 12, 30, tzinfo=UTC)
_DEFAULT_A: Final = datetime(2000, 1, 1)  # noqa: DTZ001 (see _dateutil)
_DEFAULT_B: Final = datetime(2004, 2, 2)  # noqa: DTZ001


def zone(name: str | None) -> tzinfo:
    """A time zone by IANA name (`Asia/Shanghai`), abbreviation or `+08:00`; None is UTC."""
    if not name:
        return UTC
    if name.upper() in ZONE_ABBREVIATIONS:
        return ZONE_ABBREVIATIONS[name.upper()]
    offset = _OFFSET.match(name.strip())
    if offset:
        sign = -1 if offset.group(1) == "-" else 1
        return fixed_zone(sign * timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3) or 0)))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"'{name}' is not a time zone (use an IANA name such as Asia/Shanghai, or +08:00)") from None


def parse_date(raw: Any, *, dayfirst: bool = False) -> date:
    """A calendar date; a value with a time keeps only its date as written (no zone conversion)."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return _from_number(raw).date()
    text = normalise(raw)
    if _ISO_DATE.match(text):
        return _checked(int(text[:4]), int(text[5:7]), int(text[8:10]), text)
    return _parse(text, dayfirst=dayfirst, tz=UTC, keep_wall_date=True).date()


def parse_datetime(raw: Any, *, tz: tzinfo = UTC, dayfirst: bool = False) -> datetime:
    """An aware UTC datetime; a value without a zone is read in `tz` (the import's time zone)."""
    if isinstance(raw, datetime):
        return (raw.replace(tzinfo=tz) if raw.tzinfo is None else raw).astimezone(UTC)
    if isinstance(raw, date):
        return datetime.combine(raw, time(), tzinfo=tz).astimezone(UTC)
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return _from_number(raw)
    if raw.__class__ is str and _ISO_DATETIME.fullmatch(raw):
        # the commonest form in exports (`2022-08-17T13:21:35Z`): nothing to normalise, no zone name to look for
        try:
            value = datetime.fromisoformat(raw[:-1] + "+00:00" if raw.endswith("Z") else raw)
        except ValueError:
            pass  # e.g. month 13: the full path below gives the reason
        else:
            return (value if value.tzinfo is not None else value.replace(tzinfo=tz)).astimezone(UTC)
    return _parse(normalise(raw), dayfirst=dayfirst, tz=tz, keep_wall_date=False)


def _parse(text: str, *, dayfirst: bool, tz: tzinfo, keep_wall_date: bool) -> datetime:
    if not text:
        raise ValueError("the date is empty")
    if text.isdigit():
        return _from_digits(text)
    text, named_zone = _split_iana(text)
    if named_zone is not None:
        tz = named_zone
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        value = _parse_loose(text, dayfirst=dayfirst)
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value if keep_wall_date else value.astimezone(UTC)


def _parse_loose(text: str, *, dayfirst: bool) -> datetime:
    chinese = _ZH_DATE.match(text)
    if chinese:
        year, month, day, rest = chinese.groups()
        return _with_time(_checked(int(year), int(month), int(day), text), rest)
    numeric = _NUMERIC_DATE.match(text)
    if numeric:
        a, separator, b, c, rest = numeric.groups()
        return _with_time(_numeric_date(a, separator, b, c, dayfirst, text), rest or "")
    return _dateutil(text, dayfirst=dayfirst)


def _numeric_date(a: str, separator: str, b: str, c: str, dayfirst: bool, text: str) -> date:
    if len(a) == 4:
        return _checked(int(a), int(b), int(c), text)
    first, second, year = int(a), int(b), _year(c)
    if separator == "." or first > 12:
        day, month = first, second
    elif second > 12:
        month, day = first, second
    else:
        day, month = (first, second) if dayfirst else (second, first)
    return _checked(year, month, day, text)


def _with_time(day: date, rest: str) -> datetime:
    rest = rest.strip()
    if not rest:
        return datetime.combine(day, time())
    rest = rest.replace("上午", "").strip()
    afternoon = "下午" in rest or "晚上" in rest
    rest = rest.replace("下午", "").replace("晚上", "").replace("时", ":").replace("分", "").strip()
    match = _TIME.match(rest)
    if not match:
        raise ValueError(f"'{rest}' is not a time of day")
    hour, minute, second, fraction, half, zone_text = match.groups()
    hours = int(hour)
    if ((half and half.lower().startswith("p")) or afternoon) and hours < 12:
        hours += 12
    if half and half.lower().startswith("a") and hours == 12:
        hours = 0
    if hours > 23 or int(minute) > 59 or int(second or 0) > 59:
        raise ValueError(f"'{rest}' is not a time of day")
    micro = int((fraction or "0").ljust(6, "0")[:6])
    when = datetime.combine(day, time(hours, int(minute), int(second or 0), micro))
    zone_text = zone_text.strip()
    return when.replace(tzinfo=zone(zone_text)) if zone_text else when


def _dateutil(text: str, *, dayfirst: bool) -> datetime:
    # Two different defaults reveal a missing part: "March 2021" or "4 March" is not a full date. They are naive on
    # purpose: a time written without a zone is then read in the import's zone by the caller.
    try:
        first = date_parser.parse(text, dayfirst=dayfirst, tzinfos=ZONE_ABBREVIATIONS, default=_DEFAULT_A)
        second = date_parser.parse(text, dayfirst=dayfirst, tzinfos=ZONE_ABBREVIATIONS, default=_DEFAULT_B)
    except (date_parser.ParserError, OverflowError, ValueError, TypeError) as exc:
        if "out of range" in str(exc) or "must be in" in str(exc):
            raise ValueError(f"'{_short(text)}' is not a date that exists") from None
        raise ValueError(f"'{_short(text)}' is not a date we can read (try 2021-03-04)") from None
    if first.date() != second.date():
        raise ValueError(f"'{_short(text)}' is not a full date (year, month and day are needed)")
    return first


def _from_digits(text: str) -> datetime:
    if len(text) == 8:
        return datetime.combine(_checked(int(text[:4]), int(text[4:6]), int(text[6:]), text), time(), tzinfo=UTC)
    if len(text) in (10, 13):
        return _from_number(int(text))
    raise ValueError(f"'{text}' is not a date (digits only: use YYYYMMDD or Unix seconds)")


def _from_number(value: float) -> datetime:
    """Unix seconds or milliseconds; small numbers are spreadsheet serial days (1 = 1900-01-01)."""
    if 1 <= value < 100_000:
        return _EXCEL_EPOCH + timedelta(days=float(value))
    seconds = value / 1000 if value > 10**11 else value
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"{value} is not a date") from None


def _split_iana(text: str) -> tuple[str, tzinfo | None]:
    match = _IANA.search(text)
    if not match:
        return text, None
    return text[: match.start()], zone(match.group(1))


def _year(text: str) -> int:
    value = int(text)
    if len(text) <= 2:
        this_year = date.today().year % 100  # noqa: DTZ011 (a calendar pivot, not an instant)
        return 2000 + value if value <= this_year + 1 else 1900 + value
    return value


def _checked(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"'{_short(text)}' is not a date that exists") from None


# ---------------------------------------------------------------- amounts and currencies

_SYMBOLS: Final = (
    ("US$", "USD"),
    ("HK$", "HKD"),
    ("NT$", "TWD"),
    ("A$", "AUD"),
    ("AU$", "AUD"),
    ("C$", "CAD"),
    ("CA$", "CAD"),
    ("S$", "SGD"),
    ("NZ$", "NZD"),
    ("R$", "BRL"),
    ("人民币", "CNY"),
    ("RMB", "CNY"),
    ("元", "CNY"),
    ("块", "CNY"),
    ("¥", "CNY"),
    ("円", "JPY"),
    ("$", "USD"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("₩", "KRW"),
    ("₹", "INR"),
    ("₽", "RUB"),
    ("CHF", "CHF"),
)
_CODE: Final = re.compile(r"\b([A-Z]{3})\b")
_MULTIPLIERS: Final = {"万": Decimal(10_000), "亿": Decimal(100_000_000), "k": Decimal(1000), "K": Decimal(1000)}
_GROUPED: Final = re.compile(r"^\d{1,3}(?:,\d{3})+$")
_GROUPED_DOTS: Final = re.compile(r"^\d{1,3}(?:\.\d{3}){2,}$")
MAX_AMOUNT: Final = Decimal("999999999999.99")


def parse_amount(raw: Any, default_currency: str | None = None) -> tuple[Decimal, str | None]:
    """(amount, currency). The last of `.` and `,` is the decimal mark when both appear; a lone `,` followed by
    exactly three digits groups thousands (`1,234`), otherwise it is a decimal comma (`12,5`)."""
    if isinstance(raw, bool):
        raise ValueError("a yes/no value is not an amount")
    if isinstance(raw, int | float | Decimal):
        return _bounded(Decimal(str(raw))), default_currency
    text = normalise(raw)
    currency, text = _take_currency(text, default_currency)
    multiplier = Decimal(1)
    if text and text[-1] in _MULTIPLIERS:
        multiplier, text = _MULTIPLIERS[text[-1]], text[:-1].strip()
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1].strip()
    if text.startswith("-") or text.endswith("-"):
        negative, text = True, text.strip("-").strip()
    text = text.lstrip("+").replace(" ", "").replace("'", "").replace("’", "")
    number = _decimal_text(text)
    try:
        value = Decimal(number) * multiplier
    except InvalidOperation:
        raise ValueError(f"'{_short(str(raw))}' is not an amount") from None
    return _bounded(-value if negative else value), currency


def _take_currency(text: str, default: str | None) -> tuple[str | None, str]:
    for symbol, code in _SYMBOLS:
        if symbol in text:
            return code, text.replace(symbol, " ").strip()
    match = _CODE.search(text.upper())
    if match and not text.upper().replace(match.group(1), "").strip().isalpha():
        return match.group(1), re.sub(match.group(1), " ", text, flags=re.I).strip()
    return default, text


def _decimal_text(text: str) -> str:
    if not text or not any(ch.isdigit() for ch in text):
        raise ValueError(f"'{_short(text)}' is not an amount")
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):
            return text.replace(".", "").replace(",", ".")
        return text.replace(",", "")
    if "," in text:
        return text.replace(",", "") if _GROUPED.match(text) else text.replace(",", ".")
    if _GROUPED_DOTS.match(text):
        return text.replace(".", "")
    return text


def _bounded(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("the amount is not a finite number")
    if abs(value) > MAX_AMOUNT:
        raise ValueError(f"{value} is larger than the largest amount we store ({MAX_AMOUNT})")
    return value


def parse_currency(raw: Any) -> str:
    """ISO 4217: `usd`, `$`, `¥`, `RMB`, `人民币` → USD, CNY…"""
    text = normalise(raw)
    upper = text.upper()
    if re.fullmatch(r"[A-Z]{3}", upper):
        return "CNY" if upper == "RMB" else upper
    for symbol, code in _SYMBOLS:
        if text == symbol:
            return code
    raise ValueError(f"'{_short(text)}' is not a currency (use a code such as USD or CNY)")


def parse_int(raw: Any, *, low: int | None = None, high: int | None = None) -> int:
    if isinstance(raw, bool):
        raise ValueError("a yes/no value is not a number")
    if isinstance(raw, float):
        if not raw.is_integer():
            raise ValueError(f"{raw} is not a whole number")
        value = int(raw)
    elif isinstance(raw, int):
        value = raw
    else:
        text = normalise(raw).replace(",", "").replace(" ", "")
        if text.endswith(".0"):
            text = text[:-2]
        if not re.fullmatch(r"[+-]?\d{1,18}", text):
            raise ValueError(f"'{_short(text)}' is not a whole number")
        value = int(text)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{value} is outside {low}..{high}")
    return value


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
