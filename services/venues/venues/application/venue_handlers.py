"""Venue commands: load the venue's events, decide, append and update the catalogue in one transaction."""

from uuid import UUID, uuid4

import asyncpg

from leisure_runtime.auth import Principal
from leisure_runtime.event_store import EventStore
from venues.adapters.catalogue_tables import put_offers, put_venue
from venues.application.streams import in_transaction, load_offer, load_venue, now, offer_stream, venue_stream
from venues.domain import offers, venues
from venues.domain.offers import Offer
from venues.domain.venues import Venue


async def register_venue(pool: asyncpg.Pool, store: EventStore, command: venues.RegisterVenue,
                         principal: Principal) -> Venue:
    principal.require_region(command.region, "register venues")
    event = venues.register_venue(command, uuid4(), now())
    venue = venues.venue_from([event])
    async with pool.acquire() as conn, conn.transaction():
        await store.append(conn, venue_stream(venue.venue_id), 0, [event])
        await put_venue(conn, venue)
    return venue


async def update_venue(pool: asyncpg.Pool, store: EventStore, venue_id: UUID, changes: venues.VenueChanges,
                       principal: Principal) -> Venue:
    async def command(conn: asyncpg.Connection) -> Venue:
        venue, version = await load_venue(conn, store, venue_id, lock="UPDATE")
        principal.require_venue(venue_id, venue.region, "change venues")
        event = venues.update_venue(venue, changes, now())
        await store.append(conn, venue_stream(venue_id), version, [event])
        updated = venues.apply(event, venue)
        await put_venue(conn, updated)
        return updated

    return await in_transaction(pool, command)


async def close_venue(pool: asyncpg.Pool, store: EventStore, venue_id: UUID,
                      principal: Principal) -> tuple[Venue, list[Offer]]:
    """Close the venue and withdraw every offer of it still open; returns the offers withdrawn."""

    async def command(conn: asyncpg.Connection) -> tuple[Venue, list[Offer]]:
        venue, version = await load_venue(conn, store, venue_id, lock="UPDATE")
        principal.require_region(venue.region, "close venues")
        at = now()
        event = venues.close_venue(venue, at)
        await store.append(conn, venue_stream(venue_id), version, [event])
        closed = venues.apply(event, venue)
        await put_venue(conn, closed)
        withdrawn = []
        for offer_id in await conn.fetch(
                "SELECT offer_id FROM catalogue_offers WHERE venue_id = $1 AND withdrawn_at IS NULL", venue_id):
            offer, offer_version = await load_offer(conn, store, offer_id["offer_id"])
            withdrawal = offers.withdraw_offer(offer, at)
            await store.append(conn, offer_stream(offer.offer_id), offer_version, [withdrawal])
            withdrawn.append(offers.apply(withdrawal, offer))
        await put_offers(conn, withdrawn)
        return closed, withdrawn

    return await in_transaction(pool, command)
