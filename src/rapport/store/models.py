"""Imports every domain's tables so Base.metadata is complete (for Alembic and tests)."""

from rapport.accounts.models import AuthToken, Team, User
from rapport.activities.models import Task
from rapport.customers.models import Company, ConsentRecord, Customer, CustomerSourceId
from rapport.interactions.models import Interaction
from rapport.knowledge.models import KnowledgeArticle
from rapport.privacy.models import AuditEvent
from rapport.sales.models import Deal, Order, OrderLine, Pipeline, PipelineStage, Product
from rapport.store.base import Base
from rapport.tickets.models import Ticket

__all__ = [
    "AuditEvent",
    "AuthToken",
    "Base",
    "Company",
    "ConsentRecord",
    "Customer",
    "CustomerSourceId",
    "Deal",
    "Interaction",
    "KnowledgeArticle",
    "Order",
    "OrderLine",
    "Pipeline",
    "PipelineStage",
    "Product",
    "Task",
    "Team",
    "Ticket",
    "User",
]
