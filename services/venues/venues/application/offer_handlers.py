"""Offer commands: load the offer's (and venue's) events, decide, append and update the catalogue
in one transaction."""

from uuid import UUID, uuid4

import asyncpg

from leisure_runtime.auth import Principal
from leisure_runtime.event_store import EventStore
from venues.adapters.catalogue_tables import put_offers
from venues.application.streams import in_transaction, load_offer, load_venue, now, offer_stream, tickets_used
from venues.domain import offers
from venues.domain.offers import Offer


async def publish_offer(pool: asyncpg.Pool, store: EventStore, venue_id: UUID, command: offers.PublishOffer,
                        principal: Principal) -> Offer:
    async def publish(conn: asyncpg.Connection) -> Offer:
        venue, _ = await load_venue(conn, store, venue_id, lock="SHARE")
        principal.require_venue(venue_id, venue.region, "publish offers")
        event = offers.publish_offer(venue, command, uuid4(), now())
        await store.append(conn, offer_stream(event.offer_id), 0, [event])
        offer = offers.offer_from([event])
        await put_offers(conn, [offer])
        return offer

    return await in_transaction(pool, publish)


async def update_offer(pool: asyncpg.Pool, store: EventStore, offer_id: UUID, changes: offers.OfferChanges,
                       principal: Principal) -> Offer:
    async def update(conn: asyncpg.Connection) -> Offer:
        offer, version = await load_offer(conn, store, offer_id)
        principal.require_venue(offer.venue_id, offer.region, "change offers")
        event = offers.update_offer(offer, changes, await tickets_used(conn, offer_id), now())
        await store.append(conn, offer_stream(offer_id), version, [event])
        updated = offers.apply(event, offer)
        await put_offers(conn, [updated])
        return updated

    return await in_transaction(pool, update)


async def withdraw_offer(pool: asyncpg.Pool, store: EventStore, offer_id: UUID, principal: Principal) -> Offer:
    async def withdraw(conn: asyncpg.Connection) -> Offer:
        offer, version = await load_offer(conn, store, offer_id)
        principal.require_venue(offer.venue_id, offer.region, "withdraw offers")
        event = offers.withdraw_offer(offer, now())
        await store.append(conn, offer_stream(offer_id), version, [event])
        withdrawn = offers.apply(event, offer)
        await put_offers(conn, [withdrawn])
        return withdrawn

    return await in_transaction(pool, withdraw)
