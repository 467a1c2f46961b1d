"""Tables for companies, customers, their consent history and their ids in other systems."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rapport.privacy.crypto import Encrypted
from rapport.store.base import Base, BigId, IdMixin, SoftDeleteMixin, TimestampMixin

if TYPE_CHECKING:
    from rapport.accounts.models import User


class Company(IdMixin, TimestampMixin, SoftDeleteMixin, Base):
    __tablename__ = "companies"

    name: Mapped[str] = mapped_column(String(200), index=True)
    domain: Mapped[str | None] = mapped_column(String(200), index=True)
    industry: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    city: Mapped[str | None] = mapped_column(String(100))
    owner_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"), index=True)
    notes: Mapped[str | None] = mapped_column(Text)


class Customer(IdMixin, TimestampMixin, SoftDeleteMixin, Base):
    """A person. `email` and `phone` are the primary ones; `emails`/`phones` hold all known. Personal fields are
    encrypted at rest (privacy/crypto.py) and searched through their blind indexes (customers/blind.py)."""

    __tablename__ = "customers"
    __table_args__ = (Index("ix_customers_owner_id_id", "owner_id", "id"),)

    full_name: Mapped[str] = mapped_column(Encrypted("customers.full_name"))
    first_name: Mapped[str | None] = mapped_column(Encrypted("customers.first_name"))
    last_name: Mapped[str | None] = mapped_column(Encrypted("customers.last_name"))
    gender: Mapped[str | None] = mapped_column(String(10))
    birth_date: Mapped[date | None] = mapped_column(Encrypted("customers.birth_date", "date"))
    language: Mapped[str] = mapped_column(String(8), default="en")
    email: Mapped[str | None] = mapped_column(Encrypted("customers.email"))
    phone: Mapped[str | None] = mapped_column(Encrypted("customers.phone"))
    emails: Mapped[list[Any]] = mapped_column(Encrypted("customers.emails", "json"), default=list)
    phones: Mapped[list[Any]] = mapped_column(Encrypted("customers.phones", "json"), default=list)
    addresses: Mapped[list[Any]] = mapped_column(Encrypted("customers.addresses", "json"), default=list)
    # Keyed hashes of the encrypted values above, for exact and word search (customers/blind.py).
    email_bidx: Mapped[str | None] = mapped_column(String(32), index=True)
    phone_bidx: Mapped[str | None] = mapped_column(String(32), index=True)
    search_bidx: Mapped[str] = mapped_column(Text, default="")
    city: Mapped[str | None] = mapped_column(String(100), index=True)
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    company_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("companies.id", ondelete="SET NULL"), index=True)
    owner_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    lifecycle_stage: Mapped[str] = mapped_column(String(20), default="customer")
    tags: Mapped[list[Any]] = mapped_column(default=list)
    consent_email: Mapped[bool] = mapped_column(default=False)
    consent_sms: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(String(40), default="manual")
    notes: Mapped[str | None] = mapped_column(Encrypted("customers.notes"))

    company: Mapped[Company | None] = relationship()
    owner: Mapped[User | None] = relationship()
    source_ids: Mapped[list[CustomerSourceId]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", lazy="selectin"
    )


@event.listens_for(Customer, "before_insert")
@event.listens_for(Customer, "before_update")
def _refresh_blind_indexes(_mapper: Any, _connection: Any, customer: Customer) -> None:
    from rapport.customers.blind import refresh  # blind.py builds its clauses on this model

    refresh(customer)


class CustomerSourceId(IdMixin, Base):
    """The id a customer has in another system (Salesforce, HubSpot, a shop…): what makes re-import idempotent."""

    __tablename__ = "customer_source_ids"
    __table_args__ = (UniqueConstraint("system", "external_id"),)

    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    system: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(128))
    customer: Mapped[Customer] = relationship(back_populates="source_ids")


class ConsentRecord(IdMixin, Base):
    """Every change of consent, kept: the current flags on Customer are the latest of these."""

    __tablename__ = "consent_records"

    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(10))  # email | sms
    is_granted: Mapped[bool] = mapped_column()
    at: Mapped[datetime] = mapped_column()
    source: Mapped[str] = mapped_column(String(60))  # who or what recorded it: "import", "user:3", "unsubscribe link"
