"""Tickets taken per offer, from the usage service's visit events: what "places left" is made of.

Applied in batches (one transaction per batch of visit events, not per visit): visits and
cancellations only add to and take from sums, so their order within a batch does not matter."""

from collections import Counter
from uuid import UUID

import asyncpg

from leisure_contracts.events import VisitCancelled, VisitRecorded
from leisure_contracts.topics import Topic
from leisure_runtime.consumer import Applied, BatchedIdempotentConsumer


async def _add_tickets(conn: asyncpg.Connection, changes: list[tuple[UUID, int]]) -> None:
    # One row per offer: an upsert may not touch the same row twice in one statement.
    totals = Counter()
    for offer_id, tickets in changes:
        totals[offer_id] += tickets
    await conn.execute(
        """INSERT INTO offer_tickets_used (offer_id, tickets_used)
           SELECT * FROM unnest($1::uuid[], $2::int[])
           ON CONFLICT (offer_id) DO UPDATE
           SET tickets_used = offer_tickets_used.tickets_used + excluded.tickets_used""",
        list(totals), list(totals.values()),
    )


async def visits_recorded(conn: asyncpg.Connection, events: Applied) -> None:
    await _add_tickets(conn, [(event.offer_id, event.tickets) for _, event in events])


async def visits_cancelled(conn: asyncpg.Connection, events: Applied) -> None:
    await _add_tickets(conn, [(event.offer_id, -event.tickets) for _, event in events])


places = BatchedIdempotentConsumer("venues-places", [Topic.VISITS.value],
                                   {VisitRecorded: visits_recorded, VisitCancelled: visits_cancelled})
