"""From a raw record to clean field values and per-field errors, for each entity.

`prepare` is pure: it reads only the record, the mapping and the options, so a preview, an import and a re-import of a
fixed quarantined row all judge a row the same way. Checks that need the database (does this customer exist?) are the
writers' (rapport.ingest.upserts).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any, Final

from rapport.errors import Invalid
from rapport.ingest import cleaning, freetext, parsing, phones
from rapport.ingest.fields import Field, fields_of
from rapport.ingest.memo import Answer, ColumnMemo
from rapport.ingest.readers import Record
from rapport.kit.clock import utcnow

CENT: Final = Decimal("0.01")
_MULTI: Final = frozenset({"emails", "phones", "list"})
# Kinds whose cleaner reads only the raw text and the import's options (phones: and the row's country), so the
# answer for a text seen before can be remembered. Amounts are not: they also note the row's currency.
_PURE: Final = frozenset(
    {"text", "block", "message", "name", "emails", "phones", "gender", "bool", "country", "language", "date"}
    | {"datetime", "currency", "int", "list", "choice", "domain", "rating"}
)
OLDEST_BIRTH: Final = date(1900, 1, 1)
OLDEST_EVENT: Final = datetime(1990, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Options:
    """How to read values the file leaves ambiguous."""

    region: str | None = None  # phone numbers without a country code are read in this region (US, CN…)
    currency: str = "USD"  # amounts without a symbol or code
    timezone: str = "UTC"  # times without a zone
    dayfirst: bool = False  # 03/04/2021 is 3 April (True) or 4 March (False); 03.04.2021 is always 3 April
    create_missing: bool = True  # orders may create the customers and products they name

    @classmethod
    def of(cls, values: Mapping[str, Any] | None) -> Options:
        """Options from stored or given values; Invalid names a bad region, currency or zone now, not per row."""
        values = dict(values or {})
        try:
            region = cleaning.clean_country(values["region"]) if values.get("region") else None
            parsing.zone(values.get("timezone") or "UTC")
            currency = parsing.parse_currency(values.get("currency") or "USD")
        except ValueError as exc:
            raise Invalid(f"import options: {exc}") from None
        return cls(
            region=region,
            currency=currency,
            timezone=str(values.get("timezone") or "UTC"),
            dayfirst=bool(values.get("dayfirst", False)),
            create_missing=bool(values.get("create_missing", True)),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "currency": self.currency,
            "timezone": self.timezone,
            "dayfirst": self.dayfirst,
            "create_missing": self.create_missing,
        }


@dataclass(frozen=True)
class FieldError:
    field: str
    column: str | None
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "column": self.column, "code": self.code, "message": self.message}


@dataclass
class Prepared:
    """A row's clean values (from the file), defaults used only when a record is created, and its errors."""

    record: Record
    values: dict[str, Any] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def fail(self, name: str, code: str, message: str, column: str | None = None) -> None:
        self.errors.append(FieldError(name, column, code, message))


class Context:
    """Per-import state the cleaners share: the options and the resolved time zone."""

    def __init__(self, entity: str, mapping: Mapping[str, str], options: Options) -> None:
        self.entity = entity
        self.options = options
        self.tz: tzinfo = parsing.zone(options.timezone)
        targets = fields_of(entity)
        ordered = sorted(mapping.items(), key=lambda item: targets[item[1]].kind != "country")
        # (column, field, its cleaner, may several columns feed it?, its memo) once, not per row
        self.steps: list[tuple[str, Field, Cleaner, bool, ColumnMemo | None]] = [
            (
                column,
                targets[name],
                CLEANERS[targets[name].kind],
                targets[name].kind in _MULTI,
                ColumnMemo(by_region=targets[name].kind == "phones") if targets[name].kind in _PURE else None,
            )
            for column, name in ordered
        ]
        self.now = utcnow()


def prepare(ctx: Context, record: Record) -> Prepared:
    row = Prepared(record)
    if record.problem:
        row.fail("_row", "structure", record.problem)
        return row
    values, out = record.values, row.values
    for column, target, cleaner, multi, memo in ctx.steps:
        raw = values.get(column)
        if raw is None or (raw.__class__ is str and (not raw or raw.isspace())):
            continue
        if memo is not None and memo.is_on and raw.__class__ is str:
            key = (raw, out.get("country") or ctx.options.region) if memo.by_region else raw
            answer = memo.answers.get(key)
            if answer is None:
                answer = _clean_once(cleaner, raw, target, ctx, row)
                memo.remember(key, answer)
            value, error = answer
            if error is not None:
                row.fail(target.name, _code(target.kind, error), error, column)
                continue
            if value.__class__ is list:
                value = value.copy()  # rows must not share a list another step may extend
        else:
            try:
                value = cleaner(raw, target, ctx, row)
            except ValueError as exc:
                row.fail(target.name, _code(target.kind, str(exc)), str(exc), column)
                continue
        if multi and target.name in out:
            out[target.name] = list(dict.fromkeys([*out[target.name], *value]))
        else:
            out[target.name] = value
    FINISHERS[ctx.entity](row, ctx)
    return row


def _clean_once(cleaner: Cleaner, raw: str, target: Field, ctx: Context, row: Prepared) -> Answer:
    try:
        return cleaner(raw, target, ctx, row), None
    except ValueError as exc:
        return None, str(exc)


def _code(kind: str, message: str) -> str:
    if "too long" in message:
        return "too_long"
    if "exists" in message:
        return "impossible_date"
    return f"invalid_{kind}"


# ---------------------------------------------------------------- cleaners by kind

Cleaner = Callable[[Any, Field, Context, Prepared], Any]


def _text(raw: Any, target: Field, _ctx: Context, _row: Prepared) -> str:
    return cleaning.clean_text(raw, target.max_length)


def _block(raw: Any, target: Field, _ctx: Context, _row: Prepared) -> str:
    return _limited(cleaning.normalise_block(raw), target.max_length)


def _message(raw: Any, target: Field, _ctx: Context, _row: Prepared) -> str:
    return _limited(freetext.clean_message(str(raw)), target.max_length)


def _limited(text: str, limit: int) -> str:
    if len(text) > limit:
        raise ValueError(f"{len(text):,} characters is too long; at most {limit:,}")
    return text


def _name(raw: Any, target: Field, _ctx: Context, _row: Prepared) -> str:
    name = cleaning.clean_name(raw)
    if len(name) > target.max_length:
        raise ValueError(f"the name is too long: {len(name):,} characters, at most {target.max_length}")
    return name


def _phones(raw: Any, _target: Field, ctx: Context, row: Prepared) -> list[str]:
    return phones.clean_phones(raw, row.values.get("country") or ctx.options.region)


def _date(raw: Any, _target: Field, ctx: Context, _row: Prepared) -> date:
    return parsing.parse_date(raw, dayfirst=ctx.options.dayfirst)


def _datetime(raw: Any, _target: Field, ctx: Context, _row: Prepared) -> datetime:
    return parsing.parse_datetime(raw, tz=ctx.tz, dayfirst=ctx.options.dayfirst)


def _amount(raw: Any, target: Field, _ctx: Context, row: Prepared) -> Decimal:
    value, currency = parsing.parse_amount(raw)
    if currency:
        row.values.setdefault("_currency", currency)
    if value < 0:
        raise ValueError(f"{value} is negative")
    return value.quantize(CENT)


def _int(raw: Any, _target: Field, _ctx: Context, _row: Prepared) -> int:
    return parsing.parse_int(raw, low=0, high=10**9)


def _list(raw: Any, _target: Field, _ctx: Context, _row: Prepared) -> list[str]:
    items = raw if isinstance(raw, list) else re.split(r"[,;|，；、]", str(raw))
    tags = [cleaning.normalise(item)[:50] for item in items]
    return list(dict.fromkeys(t for t in tags if t))[:50]


def _choice(raw: Any, target: Field, _ctx: Context, _row: Prepared) -> str:
    key = cleaning.normalise(raw).lower()
    if key in target.choices:
        return target.choices[key]
    allowed = sorted(set(target.choices.values()))
    raise ValueError(f"'{key[:40]}' is not one of {', '.join(allowed)}")


def _domain(raw: Any, _target: Field, _ctx: Context, _row: Prepared) -> str:
    text = cleaning.normalise(raw).lower()
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text).split("/")[0].split("?")[0].split(":")[0]
    host = host.removeprefix("www.")
    if "." not in host or " " in host or len(host) > 200:
        raise ValueError(f"'{text[:40]}' is not a web address or domain")
    return host


def _rating(raw: Any, _target: Field, _ctx: Context, _row: Prepared) -> int:
    text = cleaning.normalise(raw)
    if "★" in text:
        return _in_range(text.count("★"))
    text = text.split("/")[0].strip()
    try:
        return _in_range(round(float(text)))
    except ValueError:
        raise ValueError(f"'{text[:20]}' is not a rating from 1 to 5") from None


def _in_range(stars: int) -> int:
    if not 1 <= stars <= 5:
        raise ValueError(f"{stars} is not a rating from 1 to 5")
    return stars


CLEANERS: Final[dict[str, Cleaner]] = {
    "text": _text,
    "block": _block,
    "message": _message,
    "name": _name,
    "emails": lambda raw, _t, _c, _r: cleaning.clean_emails(raw),
    "phones": _phones,
    "gender": lambda raw, _t, _c, _r: cleaning.clean_gender(raw),
    "bool": lambda raw, _t, _c, _r: cleaning.clean_bool(raw),
    "country": lambda raw, _t, _c, _r: cleaning.clean_country(raw),
    "language": lambda raw, _t, _c, _r: cleaning.clean_language(raw),
    "date": _date,
    "datetime": _datetime,
    "amount": _amount,
    "currency": lambda raw, _t, _c, _r: parsing.parse_currency(raw),
    "int": _int,
    "list": _list,
    "choice": _choice,
    "domain": _domain,
    "rating": _rating,
}


# ---------------------------------------------------------------- per-entity checks and derived values


def _finish_customer(row: Prepared, ctx: Context) -> None:
    v = row.values
    emails: list[str] = [*v.pop("email", []), *v.pop("email_2", [])]
    phones: list[str] = [*v.pop("phone", []), *v.pop("mobile", [])]
    if emails:
        v["emails"] = list(dict.fromkeys(emails))
        v["email"] = v["emails"][0]
    if phones:
        v["phones"] = list(dict.fromkeys(phones))
        v["phone"] = v["phones"][0]
    if v.get("owner_email"):
        v["owner_email"] = v["owner_email"][0]
    if "full_name" not in v and ("first_name" in v or "last_name" in v):
        first, last = v.get("first_name", ""), v.get("last_name", "")
        joined = f"{last}{first}" if cleaning.has_cjk(first + last) else f"{first} {last}"
        v["full_name"] = joined.strip()
    elif "full_name" in v and "first_name" not in v and "last_name" not in v:
        first, last = cleaning.split_name(v["full_name"])
        row.defaults.update(first_name=first, last_name=last)
    if "full_name" not in v:
        if not (emails or phones):
            if not row.errors:
                row.fail("_row", "required", "a customer needs at least a name, an email or a phone")
            return
        row.defaults["full_name"] = emails[0] if emails else phones[0]
    address = {
        key: v.pop(name)
        for name, key in (
            ("address_line1", "line1"),
            ("city", "city"),
            ("region", "region"),
            ("postal_code", "postal_code"),
            ("country", "country"),
        )
        if name in v
    }
    if address:
        v["addresses"] = [address]
        v["city"], v["country"] = address.get("city"), address.get("country")
    if v.pop("email_opt_out", False):
        v["consent_email"] = False
    birth = v.get("birth_date")
    if birth is not None and not OLDEST_BIRTH <= birth <= ctx.now.date():
        row.fail("birth_date", "implausible_date", f"a birth date of {birth} is not plausible")
    _check_past(row, ctx, "created_at")
    name = v.get("full_name") or row.defaults.get("full_name", "")
    row.defaults.setdefault("language", "zh" if cleaning.has_cjk(name) else "en")


def _finish_company(row: Prepared, _ctx: Context) -> None:
    v = row.values
    if "name" not in v and not row.errors:
        row.fail("name", "required", "a company needs a name")
    employees = v.pop("employees", None)
    if employees is not None:
        v["size"] = next(label for limit, label in _SIZES if employees <= limit)
    if v.get("owner_email"):
        v["owner_email"] = v["owner_email"][0]


_SIZES: Final = ((10, "1-10"), (50, "11-50"), (200, "51-200"), (1000, "201-1000"), (10**12, "1000+"))


def _finish_product(row: Prepared, ctx: Context) -> None:
    v = row.values
    if "sku" not in v and not row.errors:
        row.fail("sku", "required", "a product needs a SKU")
    currency = v.pop("_currency", None)
    if "currency" not in v and currency:
        v["currency"] = currency
    row.defaults.update(category="Uncategorised", currency=ctx.options.currency)


def _finish_order(row: Prepared, ctx: Context) -> None:
    v = row.values
    currency = v.pop("_currency", None)
    if "currency" not in v:
        row.defaults["currency"] = currency or ctx.options.currency
    for name in ("customer_email", "customer_phone"):
        if v.get(name):
            v[name] = v[name][0]
    _require(row, "number", "an order needs its number")
    _require(row, "placed_at", "an order needs the time it was placed")
    _check_past(row, ctx, "placed_at")
    if not (v.get("customer_external_id") or v.get("customer_email")) and not _has_error(row, "customer"):
        row.fail("customer", "required", "an order needs its customer (an id or an email)")
    if "sku" not in v and "product_name" in v:
        digest = hashlib.sha1(v["product_name"].lower().encode()).hexdigest()[:12]
        v["sku"] = f"NOSKU-{digest}"
        row.warnings.append("line item without a SKU: one was made from its name")
    if "sku" in v:
        v.setdefault("quantity", 1)
        if v["quantity"] < 1:
            row.fail("quantity", "invalid_int", "a line item needs a quantity of at least 1")
    elif "total" not in v and not row.errors:
        row.fail("total", "required", "an order needs line items (SKU, quantity, price) or a total")
    row.defaults.update(status="paid", channel="web")


def _finish_interaction(row: Prepared, ctx: Context) -> None:
    v = row.values
    _customer_ref(row)
    _require(row, "body", "a message needs its text")
    if "body" in v and not v["body"]:
        row.fail("body", "required", "nothing is left of the message once quotes and signature are removed")
    _require(row, "occurred_at", "a message needs the time it was sent")
    _check_past(row, ctx, "occurred_at")
    if "language" not in v and v.get("body"):
        row.defaults["language"] = freetext.detect_language(v["body"])
    row.defaults.update(kind="note", direction="inbound")


def _finish_ticket(row: Prepared, ctx: Context) -> None:
    v = row.values
    _customer_ref(row)
    _require(row, "subject", "a ticket needs a subject")
    _check_past(row, ctx, "created_at")
    if v.get("assignee_email"):
        v["assignee_email"] = v["assignee_email"][0]
    if "language" not in v:
        text = f"{v.get('subject', '')} {v.get('body', '')}"
        row.defaults["language"] = freetext.detect_language(text)
    row.defaults.update(status="new", priority="normal", channel="email")


def _customer_ref(row: Prepared) -> None:
    v = row.values
    if v.get("customer_email"):
        v["customer_email"] = v["customer_email"][0]
    if not (v.get("customer_external_id") or v.get("customer_email")) and not _has_error(row, "customer"):
        row.fail("customer", "required", "the customer is missing (give their id or email)")


def _require(row: Prepared, name: str, message: str) -> None:
    if name not in row.values and not _has_error(row, name):
        row.fail(name, "required", message)


def _has_error(row: Prepared, name: str) -> bool:
    return any(e.field == name or e.field.startswith(name) for e in row.errors)


def _check_past(row: Prepared, ctx: Context, name: str) -> None:
    when = row.values.get(name)
    if when is not None and not OLDEST_EVENT <= when <= ctx.now + timedelta(days=1):
        row.fail(name, "implausible_date", f"{when:%Y-%m-%d} is not plausible (before 1990 or in the future)")


FINISHERS: Final[dict[str, Callable[[Prepared, Context], None]]] = {
    "customers": _finish_customer,
    "companies": _finish_company,
    "products": _finish_product,
    "orders": _finish_order,
    "interactions": _finish_interaction,
    "tickets": _finish_ticket,
}
