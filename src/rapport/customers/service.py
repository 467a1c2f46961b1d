"""Customer and company operations: create, read with masking, update with consent history, list, delete."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session

from rapport.accounts.models import User
from rapport.customers import blind
from rapport.customers.models import Company, ConsentRecord, Customer
from rapport.customers.schemas import CompanyRead, CustomerRead
from rapport.errors import Forbidden
from rapport.kit.clock import utcnow
from rapport.privacy.access import Principal, Reach, mask_email, mask_phone
from rapport.privacy.scopes import reachable_user_ids
from rapport.store.listing import Listing, ListQuery, Page
from rapport.store.records import Records
from rapport.tickets.models import Ticket


def customer_scope(principal: Principal) -> ColumnElement[bool] | None:
    """Sales and support see customers they own or hold a ticket for; managers those of their teams."""
    users = reachable_user_ids(principal)
    if users is None:
        return None
    assigned = select(Ticket.customer_id).where(Ticket.assignee_id.in_(users))
    return or_(Customer.owner_id.in_(users), Customer.id.in_(assigned))


customers = Records(
    model=Customer,
    entity="customers",
    scope=customer_scope,
    is_personal=True,
    references={"company_id": (Company, "company"), "owner_id": (User, "user")},
    listing=Listing(
        id_column=Customer.id,
        sortable={"id": Customer.id, "created_at": Customer.created_at},
        filterable={
            "city": Customer.city,
            "country": Customer.country,
            "language": Customer.language,
            "owner_id": Customer.owner_id,
            "company_id": Customer.company_id,
            "lifecycle_stage": Customer.lifecycle_stage,
            "consent_email": Customer.consent_email,
            "source": Customer.source,
            "created_at": Customer.created_at,
        },
        searchable=(Customer.city,),
        exact_filters={"email": blind.email_clause, "phone": blind.phone_clause},
        search=blind.search_clause,
    ),
)

companies = Records(
    model=Company,
    entity="companies",
    references={"owner_id": (User, "user")},
    listing=Listing(
        id_column=Company.id,
        sortable={"id": Company.id, "name": Company.name, "created_at": Company.created_at},
        filterable={"country": Company.country, "industry": Company.industry, "owner_id": Company.owner_id},
        searchable=(Company.name, Company.domain),
    ),
)


def get(session: Session, principal: Principal, customer_id: int) -> Customer:
    return customers.get(session, principal, customer_id)


def list_customers(session: Session, principal: Principal, query: ListQuery) -> Page[Customer]:
    return customers.list(session, principal, query)


def create(session: Session, principal: Principal, values: Mapping[str, Any]) -> Customer:
    values = _normalised(dict(values))
    _check_owner(principal, values.get("owner_id"))
    if values.get("owner_id") is None and principal.reach == Reach.own:
        values["owner_id"] = principal.user_id  # a sales rep's new customer is theirs, or they could not see it
    customer = customers.create(session, principal, values)
    for channel in ("email", "sms"):
        if getattr(customer, f"consent_{channel}"):
            _record_consent(session, customer, channel, True, principal)
    return customer


def update(session: Session, principal: Principal, customer_id: int, values: Mapping[str, Any]) -> Customer:
    current = customers.get(session, principal, customer_id, audit_read=False)
    values = _normalised(dict(values), current)
    if "owner_id" in values:
        _check_owner(principal, values["owner_id"])
    before = {channel: getattr(current, f"consent_{channel}") for channel in ("email", "sms")}
    customer = customers.update(session, principal, customer_id, values)
    for channel, was in before.items():
        now = getattr(customer, f"consent_{channel}")
        if now != was:
            _record_consent(session, customer, channel, now, principal)
    return customer


def delete(session: Session, principal: Principal, customer_id: int) -> None:
    customers.delete(session, principal, customer_id)


def present(customer: Customer, principal: Principal) -> CustomerRead:
    """The customer as this principal may see it: contact data and birth date masked for roles without access."""
    read = CustomerRead.model_validate(customer)
    if principal.sees_personal_data:
        return read
    return read.model_copy(
        update={
            "email": mask_email(read.email),
            "phone": mask_phone(read.phone),
            "emails": [mask_email(e) for e in read.emails],
            "phones": [mask_phone(p) for p in read.phones],
            "addresses": [{"city": a.get("city"), "country": a.get("country")} for a in read.addresses],
            "birth_date": None if read.birth_date is None else "****-**-**",
            "notes": None if read.notes is None else "***",
            "is_masked": True,
        }
    )


def visible_ids(principal: Principal) -> Select[int] | None:
    """The ids of customers the principal may see, as a subquery for tables that hang off a customer."""
    clause = customer_scope(principal)
    return None if clause is None else select(Customer.id).where(clause)


def present_company(company: Company, _principal: Principal) -> CompanyRead:
    return CompanyRead.model_validate(company)


def consent_history(session: Session, principal: Principal, customer_id: int) -> list[ConsentRecord]:
    customers.get(session, principal, customer_id)
    stmt = select(ConsentRecord).where(ConsentRecord.customer_id == customer_id).order_by(ConsentRecord.at)
    return list(session.scalars(stmt))


def _normalised(values: dict[str, Any], current: Customer | None = None) -> dict[str, Any]:
    """Keep the primary email/phone first in the full lists, and city/country from the first address."""
    if values.get("email"):
        values["email"] = values["email"].strip().lower()
        known = list(current.emails) if current else []
        values["emails"] = [values["email"], *[e for e in known if e != values["email"]]]
    if values.get("phone"):
        known = list(current.phones) if current else []
        values["phones"] = [values["phone"], *[p for p in known if p != values["phone"]]]
    if values.get("addresses"):
        first = values["addresses"][0]
        values["city"], values["country"] = first.get("city"), first.get("country")
    if values.get("full_name") and not values.get("first_name") and current is None:
        parts = values["full_name"].split()
        if len(parts) > 1:
            values["first_name"], values["last_name"] = " ".join(parts[:-1]), parts[-1]
    return values


def _check_owner(principal: Principal, owner_id: int | None) -> None:
    if principal.reach == Reach.own and owner_id is not None and owner_id != principal.user_id:
        raise Forbidden("you may only own customers yourself; ask a manager to assign them to someone else")


def _record_consent(session: Session, customer: Customer, channel: str, granted: bool, principal: Principal) -> None:
    session.add(
        ConsentRecord(
            customer_id=customer.id, channel=channel, is_granted=granted, at=utcnow(), source=principal.label[:60]
        )
    )
    session.flush()
