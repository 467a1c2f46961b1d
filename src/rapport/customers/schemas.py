"""Customer and company shapes for the API and exports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import EmailStr, Field, StringConstraints, field_validator

from rapport.kit.phones import to_e164
from rapport.kit.schema import Schema

Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(max_length=100)]
Gender = Literal["female", "male", "other", "unknown"]
Lifecycle = Literal["lead", "prospect", "customer", "churned"]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class Address(Schema):
    line1: Annotated[str, StringConstraints(max_length=300)] | None = None
    city: ShortText | None = None
    region: ShortText | None = None
    postal_code: Annotated[str, StringConstraints(max_length=20)] | None = None
    country: Country | None = None


class _CustomerFields(Schema):
    first_name: ShortText | None = None
    last_name: ShortText | None = None
    gender: Gender | None = None
    birth_date: date | None = None
    language: Language = "en"
    email: EmailStr | None = None
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None
    addresses: Annotated[list[Address], Field(max_length=20)] = []
    company_id: Id | None = None
    owner_id: Id | None = None
    lifecycle_stage: Lifecycle = "customer"
    tags: Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=50)]], Field(max_length=50)] = []
    consent_email: bool = False
    consent_sms: bool = False
    notes: Annotated[str, StringConstraints(max_length=10_000)] | None = None

    @field_validator("phone")
    @classmethod
    def _phone_e164(cls, value: str | None) -> str | None:
        return None if value is None else to_e164(value)

    @field_validator("birth_date")
    @classmethod
    def _plausible_birth(cls, value: date | None) -> date | None:
        if value is not None and not date(1900, 1, 1) <= value <= date.today():  # noqa: DTZ011 (a calendar date)
            raise ValueError("birth date must be between 1900-01-01 and today")
        return value


class CustomerCreate(_CustomerFields):
    full_name: Name
    source: Annotated[str, StringConstraints(max_length=40)] = "manual"


class CustomerUpdate(_CustomerFields):
    """Every field optional; only the fields sent are changed."""

    full_name: Name | None = None
    language: Language | None = None  # type: ignore[assignment]
    addresses: Annotated[list[Address], Field(max_length=20)] | None = None  # type: ignore[assignment]
    lifecycle_stage: Lifecycle | None = None  # type: ignore[assignment]
    tags: list[Annotated[str, StringConstraints(min_length=1, max_length=50)]] | None = None  # type: ignore[assignment]
    consent_email: bool | None = None  # type: ignore[assignment]
    consent_sms: bool | None = None  # type: ignore[assignment]


class CustomerRead(Schema):
    id: int
    full_name: str
    first_name: str | None
    last_name: str | None
    gender: str | None
    birth_date: date | str | None
    language: str
    email: str | None
    phone: str | None
    emails: list[Any]
    phones: list[Any]
    addresses: list[Any]
    city: str | None
    country: str | None
    company_id: int | None
    owner_id: int | None
    lifecycle_stage: str
    tags: list[Any]
    consent_email: bool
    consent_sms: bool
    source: str
    notes: str | None
    is_masked: bool = False
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class CompanyCreate(Schema):
    name: Name
    domain: Annotated[str, StringConstraints(max_length=200)] | None = None
    industry: ShortText | None = None
    size: Annotated[str, StringConstraints(max_length=20)] | None = None
    country: Country | None = None
    city: ShortText | None = None
    owner_id: Id | None = None
    notes: Annotated[str, StringConstraints(max_length=10_000)] | None = None


class CompanyUpdate(CompanyCreate):
    name: Name | None = None  # type: ignore[assignment]


class CompanyRead(Schema):
    id: int
    name: str
    domain: str | None
    industry: str | None
    size: str | None
    country: str | None
    city: str | None
    owner_id: int | None
    notes: str | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
