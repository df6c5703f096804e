"""Loading venues and offers from their event streams, and the transaction every command runs in."""

from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Literal, TypeVar
from uuid import UUID

import asyncpg

from leisure_runtime.errors import NotFound
from leisure_runtime.event_store import ConcurrencyConflict, EventStore
from venues.domain.offers import Offer, offer_from
from venues.domain.venues import Venue, venue_from

ATTEMPTS = 3
T = TypeVar("T")


def venue_stream(venue_id: UUID) -> str:
    return f"venue-{venue_id}"


def offer_stream(offer_id: UUID) -> str:
    return f"offer-{offer_id}"


async def load_venue(conn: asyncpg.Connection, store: EventStore, venue_id: UUID,
                     lock: Literal["SHARE", "UPDATE"]) -> tuple[Venue, int]:
    """The venue and its stream's version. The row lock orders this command against others on the
    venue: closing (UPDATE) waits for offers being published (SHARE), so none slips in after it."""
    await conn.execute(f"SELECT 1 FROM venue_directory WHERE venue_id = $1 FOR {lock}", venue_id)
    stored = await store.load(conn, venue_stream(venue_id))
    if not stored:
        raise NotFound("unknown_venue", f"there is no venue {venue_id}")
    return venue_from(s.event for s in stored), stored[-1].version


async def load_offer(conn: asyncpg.Connection, store: EventStore, offer_id: UUID) -> tuple[Offer, int]:
    stored = await store.load(conn, offer_stream(offer_id))
    if not stored:
        raise NotFound("unknown_offer", f"there is no offer {offer_id}")
    return offer_from(s.event for s in stored), stored[-1].version


async def tickets_used(conn: asyncpg.Connection, offer_id: UUID) -> int:
    return await conn.fetchval("SELECT tickets_used FROM offer_tickets_used WHERE offer_id = $1", offer_id) or 0


async def in_transaction(pool: asyncpg.Pool, command: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
    """Run a command in one transaction; when a concurrent writer got to a stream first, load and
    decide again (the decision may then differ, e.g. the offer is now withdrawn)."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            async with pool.acquire() as conn, conn.transaction():
                return await command(conn)
        except ConcurrencyConflict:
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def now() -> datetime:
    return datetime.now(timezone.utc)
