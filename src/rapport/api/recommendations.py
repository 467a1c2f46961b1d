"""Recommendations and the next best offer of one customer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from rapport.api.deps import AppSettings, CurrentPrincipal, DbSession
from rapport.marketing import offers as offer_service
from rapport.marketing import recommend as recommend_service
from rapport.marketing.offers import OfferDecision
from rapport.marketing.recommend import RecommendationsRead

router = APIRouter(tags=["marketing"])
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/customers/{customer_id}/recommendations")
def customer_recommendations(
    customer_id: RecordId,
    db: DbSession,
    principal: CurrentPrincipal,
    settings: AppSettings,
    n: Annotated[int, Query(ge=1, le=100, description="How many products.")] = 10,
) -> RecommendationsRead:
    """Products for this customer with a reason each; never one they bought, one out of stock or a deleted one."""
    return recommend_service.recommendations_read(db, customer_id, n=n, principal=principal, data_dir=settings.data_dir)


@router.get("/customers/{customer_id}/next-best-offer")
def customer_next_best_offer(
    customer_id: RecordId, db: DbSession, principal: CurrentPrincipal, settings: AppSettings
) -> OfferDecision:
    """The one offer to make (product, discount, channel, reasons), or `offer: null` with `why_none`."""
    return offer_service.decide(db, customer_id, principal=principal, data_dir=settings.data_dir)
