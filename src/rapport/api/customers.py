"""Customers and companies: CRUD, lists, the 360 view and consent history."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, status
from pydantic import BaseModel

from rapport.api.deps import CurrentPrincipal, DbSession, ListParams, PageOut, WriteLock
from rapport.customers import flows as customer_flows
from rapport.customers import service as customer_service
from rapport.customers.schemas import (
    CompanyCreate,
    CompanyRead,
    CompanyUpdate,
    CustomerCreate,
    CustomerRead,
    CustomerUpdate,
)

router = APIRouter(tags=["customers"], dependencies=[WriteLock])
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/customers", response_model=PageOut[CustomerRead])
def list_customers(db: DbSession, principal: CurrentPrincipal, query: ListParams) -> PageOut[CustomerRead]:
    """Customers within your reach. Filters: email, phone, city, country, language, owner_id, company_id,
    lifecycle_stage, consent_email, source, created_at (with __gte/__lte). `q` searches name, email, phone, city."""
    page = customer_service.list_customers(db, principal, query)
    items = [customer_service.present(c, principal) for c in page.items]
    return PageOut(items=items, next_cursor=page.next_cursor, limit=page.limit)


@router.post("/customers", status_code=status.HTTP_201_CREATED)
def create_customer(body: CustomerCreate, db: DbSession, principal: CurrentPrincipal) -> CustomerRead:
    values = body.model_dump()
    customer = customer_service.create(db, principal, values)
    return customer_service.present(customer, principal)


@router.get("/customers/{customer_id}")
def get_customer(customer_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> CustomerRead:
    return customer_service.present(customer_service.get(db, principal, customer_id), principal)


@router.get("/customers/{customer_id}/360")
def customer_360(customer_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> customer_flows.Customer360:
    """Profile, orders (with a spending summary), interactions, tickets, deals and tasks in one call."""
    return customer_flows.overview(db, principal, customer_id)


@router.patch("/customers/{customer_id}")
def update_customer(
    customer_id: RecordId, body: CustomerUpdate, db: DbSession, principal: CurrentPrincipal
) -> CustomerRead:
    customer = customer_service.update(db, principal, customer_id, body.model_dump(exclude_unset=True))
    return customer_service.present(customer, principal)


@router.delete("/customers/{customer_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_customer(customer_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> None:
    """Soft delete: the customer leaves lists and can be restored."""
    customer_service.delete(db, principal, customer_id)


@router.post("/customers/{customer_id}/restore")
def restore_customer(customer_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> CustomerRead:
    customer = customer_service.customers.restore(db, principal, customer_id)
    return customer_service.present(customer, principal)


class ConsentRead(BaseModel):
    channel: str
    is_granted: bool
    at: datetime
    source: str


@router.get("/customers/{customer_id}/consents")
def consent_history(customer_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> list[ConsentRead]:
    records = customer_service.consent_history(db, principal, customer_id)
    return [ConsentRead(channel=r.channel, is_granted=r.is_granted, at=r.at, source=r.source) for r in records]


@router.get("/companies", response_model=PageOut[CompanyRead])
def list_companies(db: DbSession, principal: CurrentPrincipal, query: ListParams) -> PageOut[CompanyRead]:
    page = customer_service.companies.list(db, principal, query)
    items = [CompanyRead.model_validate(c) for c in page.items]
    return PageOut(items=items, next_cursor=page.next_cursor, limit=page.limit)


@router.post("/companies", status_code=status.HTTP_201_CREATED)
def create_company(body: CompanyCreate, db: DbSession, principal: CurrentPrincipal) -> CompanyRead:
    return CompanyRead.model_validate(customer_service.companies.create(db, principal, body.model_dump()))


@router.get("/companies/{company_id}")
def get_company(company_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> CompanyRead:
    return CompanyRead.model_validate(customer_service.companies.get(db, principal, company_id))


@router.patch("/companies/{company_id}")
def update_company(
    company_id: RecordId, body: CompanyUpdate, db: DbSession, principal: CurrentPrincipal
) -> CompanyRead:
    values = body.model_dump(exclude_unset=True)
    return CompanyRead.model_validate(customer_service.companies.update(db, principal, company_id, values))


@router.delete("/companies/{company_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_company(company_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> None:
    customer_service.companies.delete(db, principal, company_id)
