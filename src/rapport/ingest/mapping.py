"""Column mapping: suggest which file column feeds which field (from a preset, a known synonym or a fuzzy match),
check an edited mapping, and the built-in presets for the exports of Salesforce, HubSpot, Twenty and shops."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from rapidfuzz import fuzz

from rapport.errors import Invalid
from rapport.ingest.cleaning import has_cjk, normalise
from rapport.ingest.fields import ENTITIES, FIELDS, fields_of

FUZZY_CUTOFF: Final = 82.0
# Fields that may be fed by more than one column (all values are kept).
MULTI_KINDS: Final = frozenset({"emails", "phones", "list"})


@dataclass(frozen=True)
class Suggestion:
    column: str
    field: str | None
    score: float  # 0-100: how sure the suggestion is
    reason: str


@dataclass(frozen=True)
class Preset:
    name: str
    entity: str
    source: str
    mapping: dict[str, str]
    description: str = ""


def header_key(header: str) -> str:
    """`FirstName`, `first_name`, `First Name:` and `FIRST-NAME` all become `first name`."""
    text = normalise(header)
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)
    text = re.sub(r"\s*\(\d+\)$", "", text)  # "Email (2)", our own name for a repeated header
    text = re.sub(r"[_.\-/:：#*?()\[\]]+", " ", text.lower())
    return re.sub(r"\s+", " ", text).strip()


def _vocabulary(entity: str) -> dict[str, str]:
    """Every key that names a field: the field's own name and its synonyms."""
    vocabulary: dict[str, str] = {}
    for target in FIELDS[entity]:
        vocabulary.setdefault(header_key(target.name), target.name)
        for synonym in target.synonyms:
            vocabulary.setdefault(header_key(synonym), target.name)
    return vocabulary


def suggest(headers: list[str], entity: str, preset: Mapping[str, str] | None = None) -> list[Suggestion]:
    """One suggestion per column. Each field is taken once (except multi-value ones), by the surest column."""
    if entity not in ENTITIES:
        raise Invalid(f"unknown entity '{entity}'; one of: {', '.join(ENTITIES)}")
    vocabulary = _vocabulary(entity)
    preset_keys = {header_key(k): v for k, v in (preset or {}).items()}
    candidates: list[Suggestion] = []
    for column in headers:
        candidates.append(_best(column, vocabulary, preset_keys))
    multi = {f.name for f in FIELDS[entity] if f.kind in MULTI_KINDS}
    taken: set[str] = set()
    chosen: dict[str, Suggestion] = {}
    for candidate in sorted(candidates, key=lambda s: -s.score):
        if candidate.field is None:
            continue
        if candidate.field in taken and candidate.field not in multi:
            chosen[candidate.column] = Suggestion(candidate.column, None, 0.0, f"'{candidate.field}' is taken")
            continue
        taken.add(candidate.field)
        chosen[candidate.column] = candidate
    return [chosen.get(column, Suggestion(column, None, 0.0, "no field looks like it")) for column in headers]


def _best(column: str, vocabulary: dict[str, str], preset: dict[str, str]) -> Suggestion:
    key = header_key(column)
    if key in preset:
        target = preset[key]
        return Suggestion(column, target or None, 100.0, "from the preset" if target else "ignored by the preset")
    if key in vocabulary:
        return Suggestion(column, vocabulary[key], 99.0, f"'{column}' is a name for {vocabulary[key]}")
    best: tuple[float, str] = (0.0, "")
    for word in vocabulary:
        score = max(fuzz.ratio(key, word), fuzz.token_sort_ratio(key, word))
        if has_cjk(word) and len(word) >= 2 and word in key:
            score = max(score, 88.0)  # 收货人手机 contains 手机
        if score > best[0]:
            best = (score, word)
    if best[0] >= FUZZY_CUTOFF:
        target = vocabulary[best[1]]
        return Suggestion(column, target, round(best[0], 1), f"{best[0]:.0f}% like '{best[1]}' ({target})")
    return Suggestion(column, None, 0.0, "no field looks like it")


def check(mapping: Mapping[str, str | None], entity: str, headers: list[str]) -> dict[str, str]:
    """The mapping without ignored columns, or Invalid naming every problem. Without `headers` (a preset, for
    files not seen yet, which may list several spellings of one column) only the field names are checked."""
    targets = fields_of(entity)
    problems: list[str] = []
    clean: dict[str, str] = {}
    used: dict[str, str] = {}
    known = set(headers)
    for column, target in mapping.items():
        if not target:
            continue
        if known and column not in known:
            problems.append(f"column '{column}' is not in the file")
        elif target not in targets:
            problems.append(f"'{target}' is not a field of {entity}")
        elif known and target in used and targets[target].kind not in MULTI_KINDS:
            problems.append(f"'{target}' is fed by both '{used[target]}' and '{column}'")
        else:
            used[target] = column
            clean[column] = target
    if problems:
        raise Invalid("the mapping has problems: " + "; ".join(problems), details=problems)
    if not known:
        return clean
    required = _required_for(entity)
    missing = [name for name in required if name not in used]
    if missing:
        raise Invalid(f"map a column to {' and '.join(missing)} (required for {entity})", details=missing)
    if entity in ("orders", "interactions", "tickets") and not {"customer_external_id", "customer_email"} & set(used):
        raise Invalid(f"map a column to customer_external_id or customer_email: {entity} belong to a customer")
    return clean


def _required_for(entity: str) -> list[str]:
    if entity == "customers":
        return []  # any one of name, email or phone is enough; checked per row
    return [f.name for f in FIELDS[entity] if f.required]


def _m(spec: str) -> dict[str, str]:
    """`Column=field; Column=field` → mapping."""
    pairs = (item.split("=", 1) for item in spec.split(";") if item.strip())
    return {column.strip(): target.strip() for column, target in pairs}


PRESETS: Final[dict[str, Preset]] = {
    p.name: p
    for p in (
        Preset(
            "salesforce-contacts",
            "customers",
            "salesforce",
            _m(
                "Id=external_id; Contact ID=external_id; FirstName=first_name; First Name=first_name; "
                "LastName=last_name; Last Name=last_name; Email=email; Phone=phone; MobilePhone=mobile; "
                "Mobile=mobile; MailingStreet=address_line1; Mailing Street=address_line1; MailingCity=city; "
                "Mailing City=city; MailingState=region; Mailing State/Province=region; "
                "MailingPostalCode=postal_code; Mailing Zip/Postal Code=postal_code; MailingCountry=country; "
                "Mailing Country=country; Birthdate=birth_date; HasOptedOutOfEmail=email_opt_out; "
                "Email Opt Out=email_opt_out; Account Name=company; CreatedDate=created_at; "
                "Created Date=created_at; Description=notes"
            ),
            "Salesforce Contacts (Data Loader API names or report labels)",
        ),
        Preset(
            "salesforce-accounts",
            "companies",
            "salesforce",
            _m(
                "Id=external_id; Account ID=external_id; Name=name; Account Name=name; Website=domain; "
                "Industry=industry; NumberOfEmployees=employees; Employees=employees; BillingCity=city; "
                "Billing City=city; BillingCountry=country; Billing Country=country; Description=notes"
            ),
            "Salesforce Accounts",
        ),
        Preset(
            "salesforce-orders",
            "orders",
            "salesforce",
            _m(
                "Id=external_id; OrderNumber=number; Order Number=number; AccountId=customer_external_id; "
                "EffectiveDate=placed_at; Order Start Date=placed_at; Status=status; TotalAmount=total; "
                "Order Amount=total; CurrencyIsoCode=currency"
            ),
            "Salesforce Orders (order headers; totals as given)",
        ),
        Preset(
            "hubspot-contacts",
            "customers",
            "hubspot",
            _m(
                "Record ID=external_id; First Name=first_name; Last Name=last_name; Email=email; "
                "Phone Number=phone; Mobile Phone Number=mobile; Street Address=address_line1; City=city; "
                "State/Region=region; Postal Code=postal_code; Country/Region=country; Create Date=created_at; "
                "Lifecycle Stage=lifecycle_stage; Company Name=company; Contact owner=owner_email; "
                "Date of birth=birth_date; Preferred language=language; Unsubscribed from all email=email_opt_out"
            ),
            "HubSpot contacts export",
        ),
        Preset(
            "hubspot-companies",
            "companies",
            "hubspot",
            _m(
                "Record ID=external_id; Company name=name; Company Domain Name=domain; Industry=industry; "
                "Number of Employees=employees; City=city; Country/Region=country; Company owner=owner_email; "
                "Description=notes"
            ),
            "HubSpot companies export",
        ),
        Preset(
            "hubspot-orders",
            "orders",
            "hubspot",
            _m(
                "Record ID=external_id; Order Name=number; Total Price=total; Currency Code=currency; "
                "Fulfillment Status=status; Billing Email=customer_email; Create Date=placed_at; "
                "Associated Contact ID=customer_external_id"
            ),
            "HubSpot commerce orders export",
        ),
        Preset(
            "twenty-people",
            "customers",
            "twenty",
            _m(
                "Id=external_id; Name / First Name=first_name; Name / Last Name=last_name; "
                "First Name=first_name; Last Name=last_name; Emails / Primary Email=email; "
                "Emails / Additional Emails=email_2; Phones / Primary Phone Number=phone; City=city; "
                "Company / Name=company; Created at=created_at; Creation date=created_at"
            ),
            "Twenty CRM people export (composite fields as 'Name / First Name')",
        ),
        Preset(
            "twenty-companies",
            "companies",
            "twenty",
            _m(
                "Id=external_id; Name=name; Domain Name / Primary Link Url=domain; Domain Name=domain; "
                "Employees=employees; Address / Address City=city; Address / Address Country=country"
            ),
            "Twenty CRM companies export",
        ),
        Preset(
            "shop-orders",
            "orders",
            "shop",
            _m(
                "Id=external_id; Name=number; Email=customer_email; Financial Status=status; "
                "Fulfilled at=shipped_at; Currency=currency; Shipping=shipping; Total=total; "
                "Discount Amount=discount; Created at=placed_at; Lineitem quantity=quantity; "
                "Lineitem name=product_name; Lineitem price=unit_price; Lineitem sku=sku; "
                "Billing Name=customer_name; Billing Phone=customer_phone; Source=channel; "
                "Subtotal=; Taxes=; Paid at=; Fulfillment Status="
            ),
            "Shop orders export, one row per line item (Shopify-like)",
        ),
        Preset(
            "shop-customers",
            "customers",
            "shop",
            _m(
                "Customer ID=external_id; First Name=first_name; Last Name=last_name; Email=email; "
                "Accepts Email Marketing=consent_email; Accepts Marketing=consent_email; "
                "Default Address Company=company; Default Address Address1=address_line1; "
                "Default Address City=city; Default Address Province Code=region; "
                "Default Address Country Code=country; Default Address Zip=postal_code; "
                "Default Address Phone=mobile; Phone=phone; Accepts SMS Marketing=consent_sms; Note=notes; "
                "Tags=tags; Total Spent=; Total Orders="
            ),
            "Shop customers export (Shopify-like)",
        ),
    )
}
