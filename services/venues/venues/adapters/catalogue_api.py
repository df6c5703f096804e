"""The public catalogue: no token; anyone can find what is offered, by theme, place and language."""

import time
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request

from leisure_runtime.errors import NotFound
from venues.application import catalogue, venue_directory
from venues.application.catalogue import CatalogueOffer, CataloguePage, CatalogueQuery, VenueSummary

router = APIRouter(prefix="/v1", tags=["catalogue"])


@router.get("/catalogue/offers", summary="Search open offers; withdrawn and past ones are not listed")
async def search_offers(query: Annotated[CatalogueQuery, Query()], request: Request) -> CataloguePage:
    started = time.perf_counter()
    page = await catalogue.search(request.app.state.pool, query)
    request.app.state.metrics.catalogue_query_seconds.observe(time.perf_counter() - started)
    return page


@router.get("/catalogue/offers/{offer_id}", summary="One offer, also when withdrawn or past")
async def get_offer(offer_id: UUID, request: Request) -> CatalogueOffer:
    return await catalogue.offer(request.app.state.pool, offer_id)


@router.get("/catalogue/venues", summary="Find open venues by kind and place (associations and NGOs too)")
async def search_venues(query: Annotated[venue_directory.VenueQuery, Query()],
                        request: Request) -> venue_directory.VenuePage:
    return await venue_directory.search(request.app.state.pool, query)


@router.get("/venues/{venue_id}", summary="One venue")
async def get_venue(venue_id: UUID, request: Request) -> VenueSummary:
    row = await request.app.state.pool.fetchrow("SELECT * FROM venue_directory WHERE venue_id = $1", venue_id)
    if row is None:
        raise NotFound("unknown_venue", f"there is no venue {venue_id}")
    return catalogue.venue_summary(row)
