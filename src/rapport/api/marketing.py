"""Marketing over HTTP: segments (CRUD, preview, from a sentence), campaigns (create, copy, preview, schedule, send,
results with uplift), and the public endpoints customers reach from an email: the open pixel, the click redirect and
the one-click unsubscribe.

The public endpoints need no login: a signed token names the recipient (rapport.marketing.links). A bad token is a
4xx JSON error like any other; the redirect goes only to the campaign's own link.
"""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import escape

from rapport.api.automation import get_queue
from rapport.api.deps import AppSettings, CurrentPrincipal, DbSession
from rapport.jobs import deferred
from rapport.jobs.queue import Queue
from rapport.marketing import campaigns, flows, links, segments, tracking
from rapport.marketing.schemas import (
    CampaignCreate,
    CampaignPreview,
    CampaignRead,
    CampaignResults,
    MessageRead,
    ScheduleRequest,
    SegmentCreate,
    SegmentDraft,
    SegmentPreview,
    SegmentRead,
    SegmentRules,
    SegmentUpdate,
    SentenceRequest,
    SimulateRequest,
)
from rapport.settings import Settings

router = APIRouter(prefix="/marketing", tags=["marketing"])
public = APIRouter(tags=["marketing links"])
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Token = Annotated[str, Path(max_length=120)]
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NO_STORE = {"Cache-Control": "no-store, private"}


# ---- segments -------------------------------------------------------------------------------------------------------
@router.get("/segments")
def list_segments(db: DbSession, principal: CurrentPrincipal) -> list[SegmentRead]:
    return [SegmentRead.model_validate(s) for s in segments.list_segments(db, principal)]


@router.post("/segments", status_code=201)
def create_segment(body: SegmentCreate, db: DbSession, principal: CurrentPrincipal) -> SegmentRead:
    """Save a segment (e.g. a confirmed draft from `from-sentence`); its members are counted now."""
    return SegmentRead.model_validate(segments.create(db, principal, body))


@router.post("/segments/preview")
def preview_rules(
    body: SegmentRules, db: DbSession, principal: CurrentPrincipal, sample: Annotated[int, Query(ge=0, le=50)] = 10
) -> SegmentPreview:
    """How many customers rules select, and a few of them; nothing is saved."""
    return segments.preview(db, principal, body, sample=sample)


@router.post("/segments/from-sentence")
def segment_from_sentence(
    body: SentenceRequest, request: Request, db: DbSession, principal: CurrentPrincipal
) -> SegmentDraft:
    """A draft of rules for a sentence, to confirm (POST /marketing/segments saves it)."""
    return segments.from_sentence(db, principal, request.app.state.gateway, body.sentence)


@router.get("/segments/{segment_id}")
def get_segment(segment_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> SegmentRead:
    return SegmentRead.model_validate(segments.get(db, principal, segment_id))


@router.patch("/segments/{segment_id}")
def update_segment(
    segment_id: RecordId, body: SegmentUpdate, db: DbSession, principal: CurrentPrincipal
) -> SegmentRead:
    return SegmentRead.model_validate(segments.update(db, principal, segment_id, body))


@router.delete("/segments/{segment_id}", status_code=204)
def delete_segment(segment_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> Response:
    segments.delete(db, principal, segment_id)
    return Response(status_code=204)


@router.post("/segments/{segment_id}/refresh")
def refresh_segment(segment_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> SegmentRead:
    """Count the members again and store the count (a write: update rights)."""
    return SegmentRead.model_validate(segments.refresh_saved(db, principal, segment_id))


@router.get("/segments/{segment_id}/members")
def segment_members(
    segment_id: RecordId,
    db: DbSession,
    principal: CurrentPrincipal,
    sample: Annotated[int, Query(ge=0, le=50)] = 20,
) -> SegmentPreview:
    segment = segments.get(db, principal, segment_id)
    return segments.preview(db, principal, segments.rules_of(segment), sample=sample)


# ---- campaigns ------------------------------------------------------------------------------------------------------
@router.get("/campaigns")
def list_campaigns(db: DbSession, principal: CurrentPrincipal) -> list[CampaignRead]:
    return [CampaignRead.model_validate(c) for c in campaigns.list_campaigns(db, principal)]


@router.post("/campaigns", status_code=201)
def create_campaign(
    body: CampaignCreate, db: DbSession, principal: CurrentPrincipal, settings: AppSettings
) -> CampaignRead:
    return CampaignRead.model_validate(campaigns.create(db, principal, body, settings))


@router.get("/campaigns/{campaign_id}")
def get_campaign(campaign_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> CampaignRead:
    return CampaignRead.model_validate(campaigns.get(db, principal, campaign_id))


@router.post("/campaigns/{campaign_id}/messages")
def write_messages(
    campaign_id: RecordId,
    request: Request,
    db: DbSession,
    principal: CurrentPrincipal,
    settings: AppSettings,
    use_model: bool = True,
) -> list[MessageRead]:
    """Write the copy for each variant and language (the model, checked and retried, else the template).

    Its own short transactions (flows.write_copy): none is held open while the model writes."""
    gateway = request.app.state.gateway if use_model else None
    return flows.write_copy(
        request.app.state.sessionmaker, principal, gateway, campaign_id, settings, use_model=use_model
    )


@router.get("/campaigns/{campaign_id}/preview")
def preview_campaign(
    campaign_id: RecordId,
    db: DbSession,
    principal: CurrentPrincipal,
    settings: AppSettings,
    sample: Annotated[int, Query(ge=0, le=20)] = 5,
) -> CampaignPreview:
    """The audience (with exclusions by reason) and a sample of members' messages with their checks."""
    return campaigns.preview(db, principal, campaign_id, settings, sample=sample)


@router.post("/campaigns/{campaign_id}/schedule")
def schedule_campaign(
    campaign_id: RecordId, body: ScheduleRequest, db: DbSession, principal: CurrentPrincipal
) -> CampaignRead:
    """Send at `at` (the periodic job marketing.send_due picks it up within a minute)."""
    return CampaignRead.model_validate(campaigns.schedule(db, principal, campaign_id, body.at))


@router.post("/campaigns/{campaign_id}/send")
def send_campaign(
    campaign_id: RecordId,
    db: DbSession,
    principal: CurrentPrincipal,
    settings: AppSettings,
    queue: Annotated[Queue, Depends(get_queue)],
) -> CampaignRead:
    """Send now: recipients are drawn, emails queued in the outbox, and sent by jobs once this commits."""
    outcome = campaigns.send(db, principal, campaign_id, settings)
    for outbox_id in outcome.outbox_ids:
        deferred.enqueue_after_commit(db, queue, "mail.send", outbox_id=outbox_id)
    return CampaignRead.model_validate(outcome.campaign)


@router.get("/campaigns/{campaign_id}/results")
def campaign_results(campaign_id: RecordId, db: DbSession, principal: CurrentPrincipal) -> CampaignResults:
    """Opens, clicks, conversions and revenue per group; each variant's uplift over the holdout with its 95% CI."""
    return tracking.results(db, principal, campaign_id)


@router.post("/campaigns/{campaign_id}/simulate")
def simulate_campaign(
    campaign_id: RecordId, body: SimulateRequest, db: DbSession, principal: CurrentPrincipal
) -> CampaignResults:
    """DEMO DATA ONLY (refused when a recipient is a real customer): act as if the attribution window has passed,
    with simulated opens, clicks and orders carrying the given effect per variant; then the results."""
    tracking.simulate(db, principal, campaign_id, effects=body.effects, baseline=body.baseline, seed=body.seed)
    return tracking.results(db, principal, campaign_id)


# ---- what customers reach from an email -----------------------------------------------------------------------------
def _secret(settings: Settings) -> bytes:
    return links.secret_from(settings.marketing.link_secret, settings.data_dir)


@public.get("/t/o/{token}")
def open_pixel(token: Token, db: DbSession, settings: AppSettings) -> Response:
    """The open-tracking pixel (`…/t/o/<token>.gif`): a 1×1 GIF."""
    tracking.record_open(db, _secret(settings), token.removesuffix(".gif"))
    return Response(PIXEL, media_type="image/gif", headers=NO_STORE)


@public.get("/t/c/{token}")
def click(token: Token, db: DbSession, settings: AppSettings) -> RedirectResponse:
    """Record the click and go on to the campaign's link."""
    url = tracking.record_click(db, _secret(settings), token)
    return RedirectResponse(url, status_code=status.HTTP_302_FOUND, headers=NO_STORE)


@public.get("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_page(token: Token, db: DbSession, settings: AppSettings) -> HTMLResponse:
    """One click unsubscribes (and withdraws marketing consent for the channel)."""
    return _unsubscribed(db, settings, token)


@public.post("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_post(token: Token, db: DbSession, settings: AppSettings) -> HTMLResponse:
    """RFC 8058 one-click unsubscribe (List-Unsubscribe-Post), same effect as the link."""
    return _unsubscribed(db, settings, token)


def _unsubscribed(db: DbSession, settings: Settings, token: str) -> HTMLResponse:
    customer = tracking.unsubscribe(db, _secret(settings), token)
    company = escape(settings.assistant.company_name)
    if customer.language == "zh":
        text = f"您已退订{company}的营销邮件，之后不会再收到此类邮件。"
    else:
        text = f"You are unsubscribed: {company} will send you no more marketing email."
    page = (
        '<!doctype html><html><head><meta charset="utf-8"><title>Unsubscribed</title></head>'
        f"<body><p>{text}</p></body></html>"
    )
    return HTMLResponse(page, headers=NO_STORE)
