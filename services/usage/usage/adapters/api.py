"""The usage HTTP API: venue staff record and cancel visits; distributors and coordinators read a
card's visits; venue staff read their venue's day. Refusals answer `{"code", "detail"}`: 422 for
a rule that says no, 404 for what is not known here, 409 for a conflict with what was done before,
403 for a token whose scope does not cover the venue or the card."""

from datetime import date, datetime, timezone
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from leisure_contracts.events import RewardEarned, VisitCancelled, VisitRecorded
from leisure_runtime.auth import Principal, Role, require
from usage.application import cancel_visit, queries, record_group_visit, record_visit
from usage.application.context import Usage
from usage.application.visit_batches import NotRecorded, Stopping
from usage.domain.calendar import local_day
from usage.domain.group_visits import RecordGroupVisit
from usage.domain.knowledge import CardUnknown
from usage.domain.visits import RecordVisit

router = APIRouter(prefix="/v1")
VenueStaff = Annotated[Principal, Depends(require(Role.venue_staff))]
CardReader = Annotated[Principal, Depends(require(Role.distributor, Role.coordinator))]
VenueReader = Annotated[Principal, Depends(require(Role.venue_staff, Role.coordinator))]


async def usage(request: Request) -> Usage:
    # `async`: FastAPI would run a plain function in its threadpool, a thread hop per request.
    return request.app.state.usage


UsageDeps = Annotated[Usage, Depends(usage)]


class RewardProgressNow(BaseModel):
    every_visits: int
    description: str
    counted_visits: int
    rewards_earned: int
    visits_to_next_reward: int


class VisitAnswer(BaseModel):
    visit: VisitRecorded
    reward: RewardEarned | None
    reward_progress: RewardProgressNow | None
    places_left: int | None
    session_places_left: int | None = None
    """Places left at the visit's session (none: no session, or its places are not counted)."""


@router.post("/visits", status_code=status.HTTP_201_CREATED, response_model=VisitAnswer, tags=["visits"],
             summary="Record a visit; a retry with the same idempotency key gets the first answer")
async def record(command: RecordVisit, principal: VenueStaff, deps: UsageDeps, request: Request) -> Response:
    # Only an unknown card spends from the allowance: it is what an enumeration of numbers meets
    # almost every time, and box offices almost never. Checked first, so a spent allowance answers
    # 429 without telling whether this number is a card.
    limit = request.app.state.unknown_card_limit
    limit.check(principal.subject)
    try:
        answer = await record_visit.record_visit(deps, command, principal)
    except CardUnknown:
        limit.spend(principal.subject)
        raise
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    # The answer is already JSON (the same text is stored for replays): no second encoding.
    return Response(answer.json, status_code=status.HTTP_201_CREATED, headers=headers,
                    media_type="application/json")


class GroupMemberAnswer(BaseModel):
    position: int = Field(description="The card's place in the request's `holders`, from 0")
    card_number_ending: str = Field(description="The last four digits of the number as given")
    status: int = Field(description="201: recorded; else the status this card alone would have got")
    code: str | None = Field(description="Why the card was refused (the codes of POST /v1/visits)")
    detail: str | None
    recorded: VisitAnswer | None = Field(description="As POST /v1/visits answers: the visit, reward, places left")


class GroupVisitAnswer(BaseModel):
    recorded: int = Field(description="Cards recorded (or recorded before, on a retry)")
    refused: int
    holders: list[GroupMemberAnswer] = Field(description="One answer per card, in the order given")


@router.post("/group-visits", tags=["visits"],
             summary="Record the holders present at a group activity or course session, each card on its own")
async def record_group(command: RecordGroupVisit, principal: VenueStaff, deps: UsageDeps,
                       request: Request) -> GroupVisitAnswer:
    limit = request.app.state.unknown_card_limit
    limit.check(principal.subject)
    answers = await record_group_visit.record_group_visit(deps, command, principal,
                                                          on_unknown_card=lambda: limit.spend(principal.subject))
    deps.metrics.group_visits.inc()
    recorded = sum(answer.status == 201 for answer in answers)
    return GroupVisitAnswer(recorded=recorded, refused=len(answers) - recorded,
                            holders=[GroupMemberAnswer(**answer.__dict__) for answer in answers])


@router.post("/visits/{visit_id}/cancellation", tags=["visits"],
             summary="Cancel a visit at its venue on the day it was recorded; its places return")
async def cancel(visit_id: UUID, principal: VenueStaff, deps: UsageDeps) -> VisitCancelled:
    return await cancel_visit.cancel_visit(deps, visit_id, principal)


@router.get("/cards/{card_id}/visits", tags=["cards"], summary="A card's visits, cancelled ones included")
async def card_visits(card_id: UUID, principal: CardReader, deps: UsageDeps) -> list[queries.CardVisit]:
    return await queries.card_visits(deps, card_id, principal)


@router.get("/cards/{card_id}/reward-progress", tags=["cards"], summary="Counted visits towards the next reward")
async def reward_progress(card_id: UUID, principal: CardReader, deps: UsageDeps) -> queries.RewardProgress:
    return await queries.reward_progress(deps, card_id, principal)


@router.get("/venues/{venue_id}/visits", tags=["venues"], summary="A venue's visits of one day (default today)")
async def venue_visits(venue_id: UUID, principal: VenueReader, deps: UsageDeps,
                       day: Annotated[date | None, Query(description="Local date, YYYY-MM-DD")] = None,
                       ) -> list[queries.VenueVisit]:
    day = day or local_day(datetime.now(timezone.utc), deps.zone)
    return await queries.venue_visits(deps, venue_id, day, principal)


@router.get("/offers/{offer_id}/places", tags=["offers"], summary="An offer's quota and places left")
async def offer_places(offer_id: UUID, principal: VenueReader, deps: UsageDeps) -> queries.OfferPlaces:
    return await queries.offer_places(deps, offer_id, principal)


async def card_unknown(_request: Request, error: CardUnknown) -> JSONResponse:
    """The 404 of an unknown card, with how current usage's knowledge of cards is."""
    knowledge = error.knowledge
    return JSONResponse(
        status_code=error.status,
        headers={"Retry-After": str(error.retry_after_seconds)},
        content={"code": error.code, "detail": error.message,
                 "cards_behind_events": knowledge.behind_events,
                 "cards_behind_seconds": None if knowledge.behind_seconds is None
                 else round(knowledge.behind_seconds, 1)},
    )


async def not_recorded(_request: Request, error: NotRecorded | Stopping) -> JSONResponse:
    """503: the visit was not recorded (its batch did not commit, or the service is stopping); the
    same request, with the same idempotency key, can be sent again."""
    code = "visit_not_recorded" if isinstance(error, NotRecorded) else "service_stopping"
    return JSONResponse(status_code=503, headers={"Retry-After": "1"},
                        content={"code": code, "detail": str(error)})
