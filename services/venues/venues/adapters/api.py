"""The staff API: coordinators register and close venues; venue staff (and the region's
coordinator) keep their venue up to date and publish, change and withdraw its offers."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request, status

from leisure_runtime.auth import Principal, Role, require
from venues.application import offer_handlers, venue_handlers
from venues.domain.offers import Offer, OfferChanges, PublishOffer
from venues.domain.venues import RegisterVenue, Venue, VenueChanges

router = APIRouter(prefix="/v1")
Coordinator = Annotated[Principal, Depends(require(Role.coordinator))]
VenueActor = Annotated[Principal, Depends(require(Role.venue_staff, Role.coordinator))]


@router.post("/venues", status_code=status.HTTP_201_CREATED, tags=["venues"],
             summary="Register a venue in the coordinator's region")
async def register_venue(command: RegisterVenue, principal: Coordinator, request: Request) -> Venue:
    state = request.app.state
    return await venue_handlers.register_venue(state.pool, state.event_store, command, principal)


@router.patch("/venues/{venue_id}", tags=["venues"],
              summary="Change a venue's name, address, accessibility notes or languages")
async def update_venue(venue_id: UUID, changes: VenueChanges, principal: VenueActor, request: Request) -> Venue:
    state = request.app.state
    return await venue_handlers.update_venue(state.pool, state.event_store, venue_id, changes, principal)


@router.post("/venues/{venue_id}/close", tags=["venues"],
             summary="Close a venue; its open offers are withdrawn with it")
async def close_venue(venue_id: UUID, principal: Coordinator, request: Request) -> Venue:
    state = request.app.state
    venue, withdrawn = await venue_handlers.close_venue(state.pool, state.event_store, venue_id, principal)
    state.metrics.offers_withdrawn(withdrawn)
    return venue


@router.post("/venues/{venue_id}/offers", status_code=status.HTTP_201_CREATED, tags=["offers"],
             summary="Publish an offer of the venue")
async def publish_offer(venue_id: UUID, command: PublishOffer, principal: VenueActor, request: Request) -> Offer:
    state = request.app.state
    offer = await offer_handlers.publish_offer(state.pool, state.event_store, venue_id, command, principal)
    state.metrics.offer_published(offer)
    return offer


@router.patch("/offers/{offer_id}", tags=["offers"], summary="Change an offer's texts, dates, quota or terms")
async def update_offer(offer_id: UUID, changes: OfferChanges, principal: VenueActor, request: Request) -> Offer:
    state = request.app.state
    return await offer_handlers.update_offer(state.pool, state.event_store, offer_id, changes, principal)


@router.post("/offers/{offer_id}/withdraw", tags=["offers"], summary="Withdraw an offer")
async def withdraw_offer(offer_id: UUID, principal: VenueActor, request: Request) -> Offer:
    state = request.app.state
    offer = await offer_handlers.withdraw_offer(state.pool, state.event_store, offer_id, principal)
    state.metrics.offers_withdrawn([offer])
    return offer
